"""GET /v1/facts and /v1/facts/{id}."""

from collections.abc import Callable
from typing import Any

import pytest
from fastapi.testclient import TestClient

from tests import search_oracle

STAMPS = ("created_at", "updated_at")
Record = dict[str, Any]


def without_stamps(record: Record) -> Record:
    return {k: v for k, v in record.items() if k not in STAMPS}


def ids_of(client: TestClient, params: dict[str, Any]) -> list[str]:
    response = client.get("/v1/facts", params={"limit": 200, **params})
    assert response.status_code == 200, response.text
    return [r["id"] for r in response.json()["data"]]


def by_id(records: list[Record]) -> list[str]:
    return sorted(r["id"] for r in records)


def mentions(q: str) -> Callable[[Record], bool]:
    """What q should match: the search document's words (tests/search_oracle.py)."""
    return lambda r: search_oracle.matches(q, "facts", r)


def test_list_defaults_to_id_order_with_every_field(
    client: TestClient, seeded: dict[str, Any]
) -> None:
    response = client.get("/v1/facts", params={"limit": 200})
    body = response.json()
    assert response.status_code == 200
    assert response.headers["content-type"] == "application/json"
    held = {r["id"]: r for r in seeded["facts"]}
    assert [without_stamps(r) for r in body["data"]] == [held[i] for i in by_id(seeded["facts"])]
    assert body["meta"] == {"total": len(seeded["facts"]), "limit": 200, "sort": "id"}


def test_sort_minus_id_is_the_exact_reverse(client: TestClient, seeded: dict[str, Any]) -> None:
    assert ids_of(client, {"sort": "-id"}) == by_id(seeded["facts"])[::-1]


def test_sort_by_label_and_minus_label(client: TestClient, seeded: dict[str, Any]) -> None:
    expected = [r["id"] for r in sorted(seeded["facts"], key=lambda r: (r["label"], r["id"]))]
    assert ids_of(client, {"sort": "label"}) == expected
    assert ids_of(client, {"sort": "-label"}) == expected[::-1]


@pytest.mark.parametrize(("sort", "descending"), [("as_of", False), ("-as_of", True)])
def test_sort_by_as_of_puts_facts_without_a_year_last_in_both_directions(
    client: TestClient, seeded: dict[str, Any], sort: str, descending: bool
) -> None:
    dated = sorted(
        (r for r in seeded["facts"] if r["as_of"] is not None),
        key=lambda r: (r["as_of"], r["id"]),
        reverse=descending,
    )
    undated = sorted(
        (r for r in seeded["facts"] if r["as_of"] is None),
        key=lambda r: r["id"],
        reverse=descending,
    )
    assert dated and undated
    assert ids_of(client, {"sort": sort}) == [r["id"] for r in dated + undated]


FILTERS: list[tuple[dict[str, Any], Callable[[Record], bool]]] = [
    ({"category": "fact_sheet"}, lambda r: r["category"] == "fact_sheet"),
    ({"category": "itu_headline"}, lambda r: r["category"] == "itu_headline"),
    ({"as_of": 2024}, lambda r: r["as_of"] == 2024),
    ({"as_of": [2003, 2023]}, lambda r: r["as_of"] in (2003, 2023)),
    ({"q": "OFFLINE"}, mentions("OFFLINE")),
    ({"q": "nri"}, mentions("nri")),
    (
        {"category": "fact_sheet", "as_of": 2025},
        lambda r: (r["category"], r["as_of"]) == ("fact_sheet", 2025),
    ),
]


@pytest.mark.parametrize(("params", "matches"), FILTERS, ids=[str(p) for p, _ in FILTERS])
def test_filter_returns_exactly_the_matching_facts(
    client: TestClient,
    seeded: dict[str, Any],
    params: dict[str, Any],
    matches: Callable[[Record], bool],
) -> None:
    expected = by_id([r for r in seeded["facts"] if matches(r)])
    assert expected and len(expected) < len(seeded["facts"])
    assert ids_of(client, params) == expected


def test_both_categories_together_return_every_fact(
    client: TestClient, seeded: dict[str, Any]
) -> None:
    ids = ids_of(client, {"category": ["fact_sheet", "itu_headline"]})
    assert ids == by_id(seeded["facts"])


@pytest.mark.parametrize(
    ("params", "name"), [({"category": "rumour"}, "category"), ({"as_of": "soon"}, "as_of")]
)
def test_invalid_filter_value_is_400(client: TestClient, params: dict[str, Any], name: str) -> None:
    response = client.get("/v1/facts", params=params)
    assert response.status_code == 400
    assert response.headers["content-type"] == "application/problem+json"
    assert [(e["name"], e["in"]) for e in response.json()["errors"]] == [(name, "query")]


@pytest.mark.parametrize("fact_id", ["fs-nri-count", "fs-calls", "itu-2025-offline"])
def test_detail_returns_the_whole_record(
    client: TestClient, seeded: dict[str, Any], fact_id: str
) -> None:
    response = client.get(f"/v1/facts/{fact_id}")
    assert response.status_code == 200
    assert response.headers["content-type"] == "application/json"
    assert without_stamps(response.json()) == next(r for r in seeded["facts"] if r["id"] == fact_id)


def test_detail_of_unknown_id_is_404_problem(client: TestClient, seeded: dict[str, Any]) -> None:
    response = client.get("/v1/facts/fs-unknown")
    assert response.status_code == 404
    assert response.headers["content-type"] == "application/problem+json"
    assert response.json() == {
        "type": "/problems/not-found",
        "title": "Not found",
        "status": 404,
        "detail": "No fact has the id 'fs-unknown'.",
        "instance": "/v1/facts/fs-unknown",
    }
