"""GET /v1/organisations, /v1/organisations/{id} and /v1/organisations/{id}/milestones."""

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
    return [r["id"] for r in sorted(records, key=lambda r: (r["short_name"], r["id"]))]


def by_start(records: list[Record]) -> list[str]:
    def first_day(record: Record) -> str:
        return str((record["start_date"] + "-01-01")[:10])

    return [r["id"] for r in sorted(records, key=lambda r: (first_day(r), r["id"]))]


def ids_of(client: TestClient, url: str, params: dict[str, Any] | None = None) -> list[str]:
    response = client.get(url, params={"limit": 200, **(params or {})})
    assert response.status_code == 200, response.text
    return [r["id"] for r in response.json()["data"]]


def not_found(path: str, detail: str) -> dict[str, Any]:
    return {
        "type": "/problems/not-found",
        "title": "Not found",
        "status": 404,
        "detail": detail,
        "instance": path,
    }


def test_list_defaults_to_short_name_order_with_every_field(
    client: TestClient, seeded: dict[str, Any]
) -> None:
    response = client.get("/v1/organisations", params={"limit": 200})
    body = response.json()
    assert response.status_code == 200
    assert response.headers["content-type"] == "application/json"
    assert [r["id"] for r in body["data"]] == by_name(seeded["organisations"])
    held = {r["id"]: r for r in seeded["organisations"]}
    assert [without_stamps(r) for r in body["data"]] == [held[r["id"]] for r in body["data"]]
    assert body["meta"] == {"total": len(seeded["organisations"]), "limit": 200, "sort": "name"}
    assert body["links"] == {"self": "/v1/organisations?limit=200", "next": None, "prev": None}


def test_sort_minus_name_is_the_exact_reverse(client: TestClient, seeded: dict[str, Any]) -> None:
    expected = by_name(seeded["organisations"])[::-1]
    assert ids_of(client, "/v1/organisations", {"sort": "-name"}) == expected


@pytest.mark.parametrize(("sort", "descending"), [("founded_year", False), ("-founded_year", True)])
def test_sort_by_founded_year_puts_unknown_years_last_in_both_directions(
    client: TestClient, seeded: dict[str, Any], sort: str, descending: bool
) -> None:
    records = seeded["organisations"]
    known = sorted(
        (r for r in records if r["founded_year"] is not None),
        key=lambda r: (r["founded_year"], r["id"]),
        reverse=descending,
    )
    unknown = sorted(
        (r for r in records if r["founded_year"] is None), key=lambda r: r["id"], reverse=descending
    )
    assert known and unknown
    expected = [r["id"] for r in known + unknown]
    assert ids_of(client, "/v1/organisations", {"sort": sort}) == expected


FILTERS: list[tuple[dict[str, Any], Callable[[Record], bool]]] = [
    ({"kind": "regional internet registry"}, lambda r: r["kind"] == "regional internet registry"),
    (
        {"kind": ["regional internet registry", "UN specialized agency"]},
        lambda r: r["kind"] in ("regional internet registry", "UN specialized agency"),
    ),
    ({"q": "ripe"}, lambda r: search_oracle.matches("ripe", "organisations", r)),
    (
        {"q": "Internet Engineering"},
        lambda r: search_oracle.matches("Internet Engineering", "organisations", r),
    ),
    ({"q": '"Task Force"'}, lambda r: r["full_name"] == "Internet Engineering Task Force"),
]


@pytest.mark.parametrize(("params", "matches"), FILTERS, ids=[str(p) for p, _ in FILTERS])
def test_filter_returns_exactly_the_matching_organisations(
    client: TestClient,
    seeded: dict[str, Any],
    params: dict[str, Any],
    matches: Callable[[Record], bool],
) -> None:
    expected = by_name([r for r in seeded["organisations"] if matches(r)])
    assert expected
    assert ids_of(client, "/v1/organisations", params) == expected


def test_kind_filter_is_exact_not_a_substring_match(
    client: TestClient, seeded: dict[str, Any]
) -> None:
    assert ids_of(client, "/v1/organisations", {"kind": "registry"}) == []


def test_detail_returns_the_whole_record(client: TestClient, seeded: dict[str, Any]) -> None:
    record = next(r for r in seeded["organisations"] if r["short_name"] == "RIPE NCC")
    response = client.get(f"/v1/organisations/{record['id']}")
    assert response.status_code == 200
    assert response.headers["content-type"] == "application/json"
    assert without_stamps(response.json()) == record


def test_detail_of_unknown_id_is_404_problem(client: TestClient, seeded: dict[str, Any]) -> None:
    response = client.get("/v1/organisations/org-999")
    assert response.status_code == 404
    assert response.headers["content-type"] == "application/problem+json"
    assert response.json() == not_found(
        "/v1/organisations/org-999", "No organisation has the id 'org-999'."
    )


def test_each_organisations_milestones_are_exactly_those_that_list_it(
    client: TestClient, seeded: dict[str, Any]
) -> None:
    found = {
        o["id"]: ids_of(client, f"/v1/organisations/{o['id']}/milestones")
        for o in seeded["organisations"]
    }
    assert found == {
        o["id"]: by_start([m for m in seeded["milestones"] if o["id"] in m["organisations"]])
        for o in seeded["organisations"]
    }
    assert any(found.values()) and not all(found.values())


def test_organisation_milestones_are_the_same_records_as_the_milestone_list(
    client: TestClient, seeded: dict[str, Any]
) -> None:
    nested = client.get("/v1/organisations/org-017/milestones", params={"limit": 200}).json()
    flat = client.get("/v1/milestones", params={"organisation": "org-017", "limit": 200}).json()
    assert nested["data"] == flat["data"]
    assert nested["meta"] == flat["meta"]


def test_organisation_without_milestones_answers_an_empty_page(
    client: TestClient, seeded: dict[str, Any]
) -> None:
    organisation = next(
        o
        for o in seeded["organisations"]
        if not any(o["id"] in m["organisations"] for m in seeded["milestones"])
    )
    response = client.get(f"/v1/organisations/{organisation['id']}/milestones")
    assert response.status_code == 200
    assert response.json()["data"] == []
    assert response.json()["meta"]["total"] == 0


@pytest.mark.parametrize(
    ("params", "matches"),
    [
        ({"kind": "resolution"}, lambda m: m["kind"] == "resolution"),
        ({"from": "2025-01-01"}, lambda m: (m["end_date"] or m["start_date"]) >= "2025"),
        ({"in_fact_sheet": "true"}, lambda m: m["in_fact_sheet"]),
        ({"q": "wsis+20"}, lambda m: search_oracle.matches("wsis+20", "milestones", m)),
    ],
)
def test_organisation_milestones_accept_the_milestone_filters(
    client: TestClient,
    seeded: dict[str, Any],
    params: dict[str, Any],
    matches: Callable[[Record], bool],
) -> None:
    linked = [m for m in seeded["milestones"] if "org-017" in m["organisations"]]
    expected = by_start([m for m in linked if matches(m)])
    assert expected and len(expected) < len(linked)
    assert ids_of(client, "/v1/organisations/org-017/milestones", params) == expected


def test_organisation_milestones_accept_the_milestone_sorts(
    client: TestClient, seeded: dict[str, Any]
) -> None:
    linked = [m for m in seeded["milestones"] if "org-014" in m["organisations"]]
    body = client.get("/v1/organisations/org-014/milestones", params={"sort": "-start_date"}).json()
    assert [m["id"] for m in body["data"]] == by_start(linked)[::-1]
    assert body["meta"] == {"total": len(linked), "limit": 50, "sort": "-start_date"}


def test_milestones_of_an_unknown_organisation_is_404_problem(
    client: TestClient, seeded: dict[str, Any]
) -> None:
    response = client.get("/v1/organisations/org-999/milestones")
    assert response.status_code == 404
    assert response.headers["content-type"] == "application/problem+json"
    assert response.json() == not_found(
        "/v1/organisations/org-999/milestones", "No organisation has the id 'org-999'."
    )
