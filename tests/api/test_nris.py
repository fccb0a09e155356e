"""GET /v1/nris and /v1/nris/{id}, checked against the real seed data."""

from collections.abc import Callable
from typing import Any

import pytest
from fastapi.testclient import TestClient

from tests import search_oracle

STAMPS = ("created_at", "updated_at")
Record = dict[str, Any]


def without_stamps(record: Record) -> Record:
    return {k: v for k, v in record.items() if k not in STAMPS}


def by_name(records: list[Record]) -> list[str]:
    return [r["id"] for r in sorted(records, key=lambda r: (r["name"], r["id"]))]


def nulls_last(records: list[Record], field: str, descending: bool) -> list[str]:
    """Ids sorted by field, ties on the id, records without the value last either way."""
    present = sorted(
        (r for r in records if r[field] is not None),
        key=lambda r: (r[field], r["id"]),
        reverse=descending,
    )
    missing = sorted((r for r in records if r[field] is None), key=lambda r: r["id"])
    if descending:
        missing.reverse()
    return [r["id"] for r in present] + [r["id"] for r in missing]


def ids_of(client: TestClient, params: dict[str, Any]) -> list[str]:
    response = client.get("/v1/nris", params={"limit": 200, **params})
    assert response.status_code == 200, response.text
    return [r["id"] for r in response.json()["data"]]


def assert_invalid(response: Any, name: str) -> dict[str, Any]:
    assert response.status_code == 400
    assert response.headers["content-type"] == "application/problem+json"
    body: dict[str, Any] = response.json()
    assert body["type"] == "/problems/invalid-parameter"
    assert [(e["name"], e["in"]) for e in body["errors"]] == [(name, "query")]
    return body


def test_list_defaults_to_name_order_with_every_field_of_every_record(
    client: TestClient, seeded: dict[str, Any]
) -> None:
    response = client.get("/v1/nris", params={"limit": 200})
    body = response.json()
    assert response.status_code == 200
    assert response.headers["content-type"] == "application/json"
    assert [r["id"] for r in body["data"]] == by_name(seeded["nris"])
    held = {r["id"]: r for r in seeded["nris"]}
    assert [without_stamps(r) for r in body["data"]] == [held[r["id"]] for r in body["data"]]
    assert all(set(STAMPS) <= set(r) for r in body["data"])
    assert body["links"] == {"self": "/v1/nris?limit=200", "next": None, "prev": None}


def test_meta_states_total_limit_sort_and_both_nri_counts(
    client: TestClient, seeded: dict[str, Any]
) -> None:
    body = client.get("/v1/nris", params={"limit": 3}).json()
    dataset = seeded["dataset"]
    assert body["meta"] == {
        "total": len(seeded["nris"]),
        "limit": 3,
        "sort": "name",
        "held": len(seeded["nris"]),
        "fact_sheet_count": dataset["nri_fact_sheet_count"],
        "coverage_note": dataset["nri_coverage_note"],
    }
    fact_sheet_count = next(f["value"] for f in seeded["facts"] if f["id"] == "fs-nri-count")
    assert body["meta"]["fact_sheet_count"] == fact_sheet_count


def test_held_counts_every_nri_while_total_counts_the_filtered_ones(
    client: TestClient, seeded: dict[str, Any]
) -> None:
    meta = client.get("/v1/nris", params={"kind": "regional"}).json()["meta"]
    regional = [r for r in seeded["nris"] if r["kind"] == "regional"]
    assert (meta["total"], meta["held"]) == (len(regional), len(seeded["nris"]))


FILTERS: list[tuple[dict[str, Any], Callable[[Record], bool]]] = [
    ({"kind": "youth"}, lambda r: r["kind"] == "youth"),
    ({"kind": ["regional", "sub-regional"]}, lambda r: r["kind"] in ("regional", "sub-regional")),
    ({"region": "Europe"}, lambda r: r["region"] == "Europe"),
    ({"region": ["Pacific", "Caribbean"]}, lambda r: r["region"] in ("Pacific", "Caribbean")),
    ({"country": "KE"}, lambda r: r["country"] == "KE"),
    ({"country": ["KE", "NG"]}, lambda r: r["country"] in ("KE", "NG")),
    ({"evidence": "igf_secretariat_page"}, lambda r: r["evidence"] == "igf_secretariat_page"),
    (
        {"evidence": ["igf_secretariat_page", "recognition_stated_elsewhere"]},
        lambda r: r["evidence"] != "existence_reported",
    ),
    (
        {"established_from": 2020},
        lambda r: r["established_year"] is not None and r["established_year"] >= 2020,
    ),
    (
        {"established_to": 2008},
        lambda r: r["established_year"] is not None and r["established_year"] <= 2008,
    ),
    (
        {"established_from": 2015, "established_to": 2015},
        lambda r: r["established_year"] == 2015,
    ),
    ({"q": "YOUTH"}, lambda r: search_oracle.matches("YOUTH", "nris", r)),
    (
        {"q": "youth initiatives in Africa"},
        lambda r: search_oracle.matches("youth initiatives in Africa", "nris", r),
    ),
    (
        {"kind": "youth", "region": "Africa"},
        lambda r: (r["kind"], r["region"]) == ("youth", "Africa"),
    ),
]


@pytest.mark.parametrize(("params", "matches"), FILTERS, ids=[str(p) for p, _ in FILTERS])
def test_filter_returns_exactly_the_matching_records_in_name_order(
    client: TestClient,
    seeded: dict[str, Any],
    params: dict[str, Any],
    matches: Callable[[Record], bool],
) -> None:
    expected = by_name([r for r in seeded["nris"] if matches(r)])
    assert expected
    assert ids_of(client, params) == expected


def test_country_filter_accepts_lowercase_codes(client: TestClient, seeded: dict[str, Any]) -> None:
    expected = by_name([r for r in seeded["nris"] if r["country"] in ("KE", "NG")])
    assert expected
    assert ids_of(client, {"country": ["ke", "Ng"]}) == expected


def test_country_filter_rejects_unknown_iso_code_with_400(
    client: TestClient, seeded: dict[str, Any]
) -> None:
    body = assert_invalid(client.get("/v1/nris", params={"country": ["KE", "ZZ"]}), "country")
    assert "ZZ" in body["detail"]
    assert body["instance"] == "/v1/nris?country=KE&country=ZZ"


def test_country_filter_rejects_a_value_that_is_not_two_letters_with_400(
    client: TestClient,
) -> None:
    assert_invalid(client.get("/v1/nris", params={"country": "KEN"}), "country")


def test_established_from_after_established_to_is_400(client: TestClient) -> None:
    response = client.get("/v1/nris", params={"established_from": 2020, "established_to": 2010})
    assert_invalid(response, "established_to")


@pytest.mark.parametrize("q", ["_", "%", "*", '""', "   "])
def test_q_of_only_wildcards_or_punctuation_is_400_as_on_search(
    client: TestClient, seeded: dict[str, Any], q: str
) -> None:
    """Never every record: `q` is words to find, and these hold none (LIKE or FTS wildcards
    are not passed through). The list answers what /v1/search answers: a 400 naming `q`."""
    listed = client.get("/v1/nris", params={"q": q})
    searched = client.get("/v1/search", params={"q": q, "collection": "nris"})
    assert_invalid(listed, "q")
    assert listed.json()["errors"] == searched.json()["errors"]


def test_unknown_kind_is_400(client: TestClient) -> None:
    assert_invalid(client.get("/v1/nris", params={"kind": "global"}), "kind")


def test_sort_minus_name_is_the_exact_reverse_of_name(
    client: TestClient, seeded: dict[str, Any]
) -> None:
    assert ids_of(client, {"sort": "-name"}) == by_name(seeded["nris"])[::-1]


@pytest.mark.parametrize(
    ("sort", "field", "descending"),
    [
        ("established_year", "established_year", False),
        ("-established_year", "established_year", True),
        ("country", "country", False),
        ("-country", "country", True),
    ],
)
def test_sort_puts_records_without_the_value_last_in_both_directions(
    client: TestClient, seeded: dict[str, Any], sort: str, field: str, descending: bool
) -> None:
    assert any(r[field] is None for r in seeded["nris"])
    assert ids_of(client, {"sort": sort}) == nulls_last(seeded["nris"], field, descending)


@pytest.mark.parametrize("sort", ["established_year", "-established_year", "-country"])
def test_walking_next_links_returns_the_single_page_order(
    client: TestClient, seeded: dict[str, Any], sort: str
) -> None:
    walked: list[str] = []
    url: str | None = f"/v1/nris?sort={sort}&limit=9"
    while url is not None:
        body = client.get(url).json()
        walked += [r["id"] for r in body["data"]]
        url = body["links"]["next"]
    assert walked == ids_of(client, {"sort": sort})


def test_fields_returns_only_the_named_fields_and_the_id(
    client: TestClient, seeded: dict[str, Any]
) -> None:
    body = client.get("/v1/nris", params={"fields": "id,name", "limit": 200}).json()
    names = {r["id"]: r["name"] for r in seeded["nris"]}
    assert body["data"] == [{"id": i, "name": names[i]} for i in by_name(seeded["nris"])]


def test_fields_always_includes_the_id_first(client: TestClient, seeded: dict[str, Any]) -> None:
    body = client.get("/v1/nris", params={"fields": "country,name", "limit": 1}).json()
    held = {r["id"]: r for r in seeded["nris"]}
    row = body["data"][0]
    assert list(row) == ["id", "country", "name"]
    assert row == {k: held[row["id"]][k] for k in ("id", "country", "name")}


def test_unknown_field_is_400(client: TestClient, seeded: dict[str, Any]) -> None:
    body = assert_invalid(client.get("/v1/nris", params={"fields": "id,colour"}), "fields")
    assert "colour" in body["detail"]


def test_unknown_query_parameter_is_400(client: TestClient, seeded: dict[str, Any]) -> None:
    assert_invalid(client.get("/v1/nris", params={"knd": "youth"}), "knd")


def test_detail_returns_the_whole_record(client: TestClient, seeded: dict[str, Any]) -> None:
    record = next(r for r in seeded["nris"] if r["conflicts"])
    response = client.get(f"/v1/nris/{record['id']}")
    assert response.status_code == 200
    assert response.headers["content-type"] == "application/json"
    assert "ETag" in response.headers
    assert without_stamps(response.json()) == record


def test_detail_of_unknown_id_is_404_problem(client: TestClient, seeded: dict[str, Any]) -> None:
    response = client.get("/v1/nris/nri-999")
    assert response.status_code == 404
    assert response.headers["content-type"] == "application/problem+json"
    assert response.json() == {
        "type": "/problems/not-found",
        "title": "Not found",
        "status": 404,
        "detail": "No NRI has the id 'nri-999'.",
        "instance": "/v1/nris/nri-999",
    }
