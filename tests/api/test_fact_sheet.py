"""GET /v1/fact-sheet, /v1/calls-to-action and /v1/calls-to-action/{number}."""

from typing import Any

import pytest
from fastapi.testclient import TestClient

from tests import search_oracle

STAMPS = ("created_at", "updated_at")
Record = dict[str, Any]


def without_stamps(record: Record) -> Record:
    return {k: v for k, v in record.items() if k not in STAMPS}


def numbers_of(client: TestClient, params: dict[str, Any]) -> list[int]:
    response = client.get("/v1/calls-to-action", params=params)
    assert response.status_code == 200, response.text
    return [r["number"] for r in response.json()["data"]]


def test_fact_sheet_is_the_seed_document_with_its_sections_in_order(
    client: TestClient, seeded: dict[str, Any]
) -> None:
    response = client.get("/v1/fact-sheet")
    body = response.json()
    assert response.status_code == 200
    assert response.headers["content-type"] == "application/json"
    assert "ETag" in response.headers
    sheet = seeded["fact_sheet"]
    assert (body["title"], body["publisher"]) == (sheet["title"], sheet["publisher"])
    assert [s["heading"] for s in body["sections"]] == [s["heading"] for s in sheet["sections"]]
    assert [s["body"] for s in body["sections"]] == [s["body"] for s in sheet["sections"]]
    assert without_stamps(
        {
            **body,
            "sections": [without_stamps(s) for s in body["sections"]],
            "calls_to_action": [without_stamps(c) for c in body["calls_to_action"]],
        }
    ) == {**sheet, "calls_to_action": seeded["calls_to_action"]}


def test_fact_sheet_carries_the_seven_calls_to_action_in_number_order(
    client: TestClient, seeded: dict[str, Any]
) -> None:
    calls = client.get("/v1/fact-sheet").json()["calls_to_action"]
    assert [c["number"] for c in calls] == [1, 2, 3, 4, 5, 6, 7]
    assert [without_stamps(c) for c in calls] == sorted(
        seeded["calls_to_action"], key=lambda c: c["number"]
    )


def test_fact_sheet_is_404_before_any_data_is_loaded(client: TestClient) -> None:
    response = client.get("/v1/fact-sheet")
    assert response.status_code == 404
    assert response.headers["content-type"] == "application/problem+json"
    assert response.json() == {
        "type": "/problems/not-found",
        "title": "Not found",
        "status": 404,
        "detail": "The fact sheet has not been loaded yet.",
        "instance": "/v1/fact-sheet",
    }


def test_calls_to_action_list_defaults_to_number_order(
    client: TestClient, seeded: dict[str, Any]
) -> None:
    response = client.get("/v1/calls-to-action")
    body = response.json()
    assert response.status_code == 200
    assert response.headers["content-type"] == "application/json"
    assert [without_stamps(c) for c in body["data"]] == sorted(
        seeded["calls_to_action"], key=lambda c: c["number"]
    )
    assert body["meta"] == {"total": 7, "limit": 50, "sort": "number"}
    assert body["links"] == {"self": "/v1/calls-to-action", "next": None, "prev": None}


def test_calls_to_action_sort_minus_number_is_descending(
    client: TestClient, seeded: dict[str, Any]
) -> None:
    assert numbers_of(client, {"sort": "-number"}) == [7, 6, 5, 4, 3, 2, 1]


@pytest.mark.parametrize("q", ["capacity", "INTEROPERAB", "layers", "technical community"])
def test_calls_to_action_q_matches_words_of_title_body_short_title_and_summary(
    client: TestClient, seeded: dict[str, Any], q: str
) -> None:
    expected = sorted(
        c["number"]
        for c in seeded["calls_to_action"]
        if search_oracle.matches(q, "calls-to-action", c)
    )
    assert 0 < len(expected) < 7
    assert numbers_of(client, {"q": q}) == expected


def test_calls_to_action_q_without_a_match_answers_an_empty_page(
    client: TestClient, seeded: dict[str, Any]
) -> None:
    body = client.get("/v1/calls-to-action", params={"q": "blockchain"}).json()
    assert (body["data"], body["meta"]["total"]) == ([], 0)


def test_calls_to_action_fields_always_include_the_number(
    client: TestClient, seeded: dict[str, Any]
) -> None:
    body = client.get("/v1/calls-to-action", params={"fields": "short_title"}).json()
    assert body["data"] == [
        {"number": c["number"], "short_title": c["short_title"]}
        for c in sorted(seeded["calls_to_action"], key=lambda c: c["number"])
    ]


def test_calls_to_action_paginate_with_limit(client: TestClient, seeded: dict[str, Any]) -> None:
    first = client.get("/v1/calls-to-action", params={"limit": 4}).json()
    second = client.get(first["links"]["next"]).json()
    assert [c["number"] for c in first["data"] + second["data"]] == [1, 2, 3, 4, 5, 6, 7]
    assert second["links"]["next"] is None


@pytest.mark.parametrize("number", [1, 4, 7])
def test_call_to_action_detail_returns_the_whole_record(
    client: TestClient, seeded: dict[str, Any], number: int
) -> None:
    response = client.get(f"/v1/calls-to-action/{number}")
    assert response.status_code == 200
    assert response.headers["content-type"] == "application/json"
    expected = next(c for c in seeded["calls_to_action"] if c["number"] == number)
    assert without_stamps(response.json()) == expected


def test_call_to_action_8_is_404_problem(client: TestClient, seeded: dict[str, Any]) -> None:
    response = client.get("/v1/calls-to-action/8")
    assert response.status_code == 404
    assert response.headers["content-type"] == "application/problem+json"
    assert response.json() == {
        "type": "/problems/not-found",
        "title": "Not found",
        "status": 404,
        "detail": "There is no call to action number 8.",
        "instance": "/v1/calls-to-action/8",
    }


@pytest.mark.parametrize("number", ["0", "abc", "-1", "2.5"])
def test_call_to_action_number_that_is_not_a_positive_integer_is_400(
    client: TestClient, seeded: dict[str, Any], number: str
) -> None:
    response = client.get(f"/v1/calls-to-action/{number}")
    assert response.status_code == 400
    assert response.headers["content-type"] == "application/problem+json"
    body = response.json()
    assert body["type"] == "/problems/invalid-parameter"
    assert [(e["name"], e["in"]) for e in body["errors"]] == [("number", "path")]
