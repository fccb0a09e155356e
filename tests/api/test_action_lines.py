"""GET /v1/action-lines and /v1/action-lines/{code}."""

from collections.abc import Callable
from typing import Any

import pytest
from fastapi.testclient import TestClient

from tests import search_oracle

STAMPS = ("created_at", "updated_at")
Record = dict[str, Any]


def without_stamps(record: Record) -> Record:
    return {k: v for k, v in record.items() if k not in STAMPS}


def codes_of(client: TestClient, params: dict[str, Any]) -> list[str]:
    response = client.get("/v1/action-lines", params={"limit": 200, **params})
    assert response.status_code == 200, response.text
    return [r["code"] for r in response.json()["data"]]


def mentions(q: str) -> Callable[[Record], bool]:
    """What q should match: the search document's words (tests/search_oracle.py)."""
    return lambda r: search_oracle.matches(q, "action-lines", r)


def in_seed_order(records: list[Record]) -> list[str]:
    return [r["code"] for r in records]


def test_list_defaults_to_the_wsis_order_of_the_seed(
    client: TestClient, seeded: dict[str, Any]
) -> None:
    response = client.get("/v1/action-lines", params={"limit": 200})
    body = response.json()
    assert response.status_code == 200
    assert response.headers["content-type"] == "application/json"
    assert [without_stamps(r) for r in body["data"]] == seeded["action_lines"]
    assert body["meta"] == {"total": len(seeded["action_lines"]), "limit": 200, "sort": "position"}


def test_sub_lines_of_c7_follow_c7_and_come_before_c8(
    client: TestClient, seeded: dict[str, Any]
) -> None:
    codes = codes_of(client, {})
    subs = [c for c in codes if c.startswith("C7.")]
    assert subs
    assert codes[codes.index("C7") + 1 : codes.index("C8")] == subs


def test_sort_minus_position_is_the_exact_reverse(
    client: TestClient, seeded: dict[str, Any]
) -> None:
    assert codes_of(client, {"sort": "-position"}) == in_seed_order(seeded["action_lines"])[::-1]


def test_sort_by_title_and_minus_title(client: TestClient, seeded: dict[str, Any]) -> None:
    ordered = sorted(seeded["action_lines"], key=lambda r: (r["title"], r["code"]))
    assert codes_of(client, {"sort": "title"}) == in_seed_order(ordered)
    assert codes_of(client, {"sort": "-title"}) == in_seed_order(ordered)[::-1]


FILTERS: list[tuple[dict[str, Any], Callable[[Record], bool]]] = [
    ({"parent": "C7"}, lambda r: r["parent_code"] == "C7"),
    ({"parent": ["C1", "C7"]}, lambda r: r["parent_code"] in ("C1", "C7")),
    ({"top_level": "true"}, lambda r: r["parent_code"] is None),
    ({"top_level": "false"}, lambda r: r["parent_code"] is not None),
    ({"q": "c1"}, mentions("c1")),
    ({"q": "SECURITY"}, mentions("SECURITY")),
    ({"q": "governments"}, mentions("governments")),
    ({"q": "e-", "top_level": "false"}, lambda r: r["parent_code"] == "C7"),
]


@pytest.mark.parametrize(("params", "matches"), FILTERS, ids=[str(p) for p, _ in FILTERS])
def test_filter_returns_exactly_the_matching_lines_in_wsis_order(
    client: TestClient,
    seeded: dict[str, Any],
    params: dict[str, Any],
    matches: Callable[[Record], bool],
) -> None:
    expected = in_seed_order([r for r in seeded["action_lines"] if matches(r)])
    assert expected and len(expected) < len(seeded["action_lines"])
    assert codes_of(client, params) == expected


def test_fields_always_include_the_code(client: TestClient, seeded: dict[str, Any]) -> None:
    body = client.get("/v1/action-lines", params={"fields": "title", "limit": 3}).json()
    assert body["data"] == [
        {"code": r["code"], "title": r["title"]} for r in seeded["action_lines"][:3]
    ]


@pytest.mark.parametrize("code", ["C1", "C7", "C7.e-health", "C11"])
def test_detail_returns_the_whole_record(
    client: TestClient, seeded: dict[str, Any], code: str
) -> None:
    response = client.get(f"/v1/action-lines/{code}")
    assert response.status_code == 200
    assert response.headers["content-type"] == "application/json"
    assert without_stamps(response.json()) == next(
        r for r in seeded["action_lines"] if r["code"] == code
    )


def test_detail_of_unknown_code_is_404_problem(client: TestClient, seeded: dict[str, Any]) -> None:
    response = client.get("/v1/action-lines/C12")
    assert response.status_code == 404
    assert response.headers["content-type"] == "application/problem+json"
    assert response.json() == {
        "type": "/problems/not-found",
        "title": "Not found",
        "status": 404,
        "detail": "No action line has the code 'C12'.",
        "instance": "/v1/action-lines/C12",
    }


def test_detail_of_a_malformed_code_is_400(client: TestClient) -> None:
    response = client.get("/v1/action-lines/c7")
    assert response.status_code == 400
    assert response.headers["content-type"] == "application/problem+json"
    assert [(e["name"], e["in"]) for e in response.json()["errors"]] == [("code", "path")]
