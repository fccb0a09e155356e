"""One rule for every input, whichever operation receives it: an Accept header that allows
none of an operation's formats is a 406, a parameter that takes one value given twice is a
400 naming it, and a `q` with nothing to search for is the same 400 on every list as on
/v1/search. Each rule is checked against every operation the document lists."""

from typing import Any

import pytest
from fastapi.testclient import TestClient

from app.api.formats import HTML, SUFFIXES
from tests.api.test_openapi import example_url, operations, resolve

PROBLEM = "application/problem+json"


@pytest.fixture
def document(client: TestClient) -> dict[str, Any]:
    body: dict[str, Any] = client.get("/openapi.json").json()
    return body


def negotiated_paths(document: dict[str, Any]) -> list[str]:
    """Every GET path whose format the Accept header chooses (no format suffix)."""
    return [
        p for p, method, _ in operations(document) if method == "get" and not p.endswith(SUFFIXES)
    ]


def api_paths(document: dict[str, Any]) -> list[str]:
    """Every GET path but the pages': their errors are pages too, and on their URLs an empty
    parameter is dropped as a form's empty field (tests/api/test_pages.py)."""
    return [
        p
        for p, method, _ in operations(document)
        if method == "get" and not p.endswith(HTML.suffix)
    ]


def single_valued(document: dict[str, Any], path: str) -> list[str]:
    parameters = [
        resolve(document, p) for p in document["paths"][path]["get"].get("parameters", [])
    ]
    return [
        p["name"]
        for p in parameters
        if p["in"] == "query" and resolve(document, p["schema"]).get("type") != "array"
    ]


def test_every_operation_refuses_an_accept_header_it_cannot_satisfy(
    client: TestClient, document: dict[str, Any], seeded: dict[str, Any]
) -> None:
    paths = negotiated_paths(document)
    assert "/v1/nris/{nri_id}" in paths and "/v1/nris/summary" in paths
    for path in paths:
        url = example_url(document, path)
        refused = client.get(url, headers={"Accept": "image/png"})
        assert (refused.status_code, refused.headers["content-type"]) == (406, PROBLEM), url
        assert refused.json()["type"] == "/problems/not-acceptable", url
        declared = document["paths"][path]["get"]["responses"]
        ok = next(s for s in ("200", "503") if s in declared)
        media_types = list(resolve(document, declared[ok]).get("content", {}))
        for media_type in media_types:
            answered = client.get(url, headers={"Accept": f"{media_type}, image/png;q=0.5"})
            assert answered.status_code == int(ok) or answered.status_code == 503, url
        wildcard = client.get(url, headers={"Accept": "*/*"})
        assert wildcard.status_code != 406, url


def test_a_format_suffix_wins_over_accept(client: TestClient, seeded: dict[str, Any]) -> None:
    response = client.get("/v1/nris.csv", headers={"Accept": "image/png"})
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/csv")


def test_the_json_feed_is_acceptable_as_plain_json(
    client: TestClient, seeded: dict[str, Any]
) -> None:
    response = client.get("/v1/feeds/recent", headers={"Accept": "application/json"})
    assert response.status_code == 200
    assert response.headers["content-type"] == "application/feed+json; charset=utf-8"


def test_every_single_valued_parameter_given_twice_is_400_naming_it(
    client: TestClient, document: dict[str, Any], seeded: dict[str, Any]
) -> None:
    checked = 0
    for path in api_paths(document):
        url = example_url(document, path)
        for name in single_valued(document, path):
            response = client.get(url, params=[(name, "1"), (name, "2")])
            where = f"{url}?{name}=1&{name}=2"
            assert (response.status_code, response.headers["content-type"]) == (400, PROBLEM), where
            assert response.json()["errors"] == [
                {"name": name, "in": "query", "reason": "takes one value"}
            ], where
            checked += 1
    # limit, cursor, sort, fields, q, from, to, since ... across the lists
    assert checked > 50


@pytest.mark.parametrize(
    "query",
    ["limit=1&limit=2", "sort=name&sort=-name", "q=youth&q=africa"],
)
def test_last_wins_is_never_silent(client: TestClient, seeded: dict[str, Any], query: str) -> None:
    response = client.get(f"/v1/nris?{query}")
    assert response.status_code == 400
    name = query.partition("=")[0]
    assert response.json()["detail"] == (
        f"Query parameter(s) given more than once: {name}. Each takes one value."
    )


def test_a_repeatable_filter_still_ors_its_values(
    client: TestClient, seeded: dict[str, Any]
) -> None:
    body = client.get("/v1/nris", params=[("kind", "youth"), ("kind", "regional")]).json()
    kinds = {r["kind"] for r in body["data"]}
    assert kinds == {"youth", "regional"}


@pytest.mark.parametrize("q", ['"', "", "  ", "&&", "-"])
def test_a_q_with_nothing_to_search_for_is_the_same_400_on_every_list(
    client: TestClient, document: dict[str, Any], seeded: dict[str, Any], q: str
) -> None:
    lists = [
        path
        for path in api_paths(document)
        if any(
            resolve(document, p)["name"] == "q"
            for p in document["paths"][path]["get"].get("parameters", [])
        )
    ]
    assert "/v1/search" in lists and "/v1/nris" in lists
    answers = {path: client.get(example_url(document, path), params={"q": q}) for path in lists}
    bodies = {path: (r.status_code, r.json()["errors"]) for path, r in answers.items()}
    expected = (
        400,
        [
            {
                "name": "q",
                "in": "query",
                "reason": "the query has no letters or digits to search for",
            }
        ],
    )
    assert bodies == {path: expected for path in lists}
