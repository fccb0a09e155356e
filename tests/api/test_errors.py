"""Every error, ours and the framework's, is an RFC 9457 problem: application/problem+json
with type, title, status, detail and instance; `errors` names each bad parameter."""

import logging
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from httpx2 import Response

PROBLEM = "application/problem+json"
SECRET = "db-password-hunter2"


def assert_problem(response: Response, status: int, code: str) -> dict[str, Any]:
    assert response.status_code == status, response.text
    assert response.headers["content-type"] == PROBLEM
    body: dict[str, Any] = response.json()
    assert body["type"] == f"/problems/{code}"
    assert body["status"] == status
    assert set(body) - {"errors"} == {"type", "title", "status", "detail", "instance"}
    assert body["title"] and body["detail"]
    return body


def test_unknown_path_is_404_problem_with_every_member(client: TestClient) -> None:
    response = client.get("/v1/nope", params={"x": "1"})
    assert response.status_code == 404
    assert response.headers["content-type"] == PROBLEM
    assert response.json() == {
        "type": "/problems/not-found",
        "title": "Not found",
        "status": 404,
        "detail": "No resource at /v1/nope.",
        "instance": "/v1/nope?x=1",
    }


@pytest.mark.parametrize(
    ("path", "detail"),
    [
        ("/v1/milestones/ms-999", "No milestone has the id 'ms-999'."),
        ("/v1/organisations/org-999", "No organisation has the id 'org-999'."),
        ("/v1/organisations/org-999/milestones", "No organisation has the id 'org-999'."),
        ("/v1/nris/nri-999", "No NRI has the id 'nri-999'."),
        ("/v1/action-lines/C99", "No action line has the code 'C99'."),
        ("/v1/facts/no-such-fact", "No fact has the id 'no-such-fact'."),
        ("/v1/calls-to-action/99", "There is no call to action number 99."),
        ("/problems/no-such-problem", "No problem type 'no-such-problem'."),
    ],
)
def test_unknown_record_is_404_problem(
    client: TestClient, seeded: dict[str, Any], path: str, detail: str
) -> None:
    response = client.get(path)
    assert response.status_code == 404
    assert response.headers["content-type"] == PROBLEM
    assert response.json() == {
        "type": "/problems/not-found",
        "title": "Not found",
        "status": 404,
        "detail": detail,
        "instance": path,
    }


@pytest.mark.parametrize(
    ("method", "path"),
    [("PUT", "/v1/nris"), ("POST", "/v1/nris/nri-001"), ("DELETE", "/v1/fact-sheet")],
)
def test_methods_a_path_does_not_take_are_405_problems_with_an_allow_header(
    client: TestClient, method: str, path: str
) -> None:
    response = client.request(method, path)
    body = assert_problem(response, 405, "method-not-allowed")
    assert "GET" in [m.strip() for m in response.headers["allow"].split(",")]
    assert body == {
        "type": "/problems/method-not-allowed",
        "title": "Method not allowed",
        "status": 405,
        "detail": f"{method} is not supported on {path}.",
        "instance": path,
    }


@pytest.mark.parametrize(
    "path",
    [
        "/v1/nris?knd=youth",
        "/v1/nris/nri-001?knd=youth",
        "/v1/organisations/org-017/milestones?knd=youth",
        "/v1/fact-sheet?knd=youth",
        "/v1?knd=youth",
        "/healthz?knd=youth",
        "/problems/not-found?knd=youth",
    ],
)
def test_unknown_query_parameter_is_400_naming_it(
    client: TestClient, seeded: dict[str, Any], path: str
) -> None:
    body = assert_problem(client.get(path), 400, "invalid-parameter")
    assert body["instance"] == path
    assert body["errors"] == [
        {"name": "knd", "in": "query", "reason": "is not a parameter of this operation"}
    ]
    assert "knd" in body["detail"]


@pytest.mark.parametrize(
    ("path", "params", "name", "location"),
    [
        ("/v1/nris", {"limit": "0"}, "limit", "query"),
        ("/v1/nris", {"limit": "201"}, "limit", "query"),
        ("/v1/nris", {"limit": "abc"}, "limit", "query"),
        ("/v1/nris", {"sort": "bogus"}, "sort", "query"),
        ("/v1/nris", {"kind": "bogus"}, "kind", "query"),
        ("/v1/nris", {"kind": ["youth", "bogus"]}, "kind", "query"),
        ("/v1/nris", {"kind": ["youth"] * 21}, "kind", "query"),
        ("/v1/nris", {"country": "XX"}, "country", "query"),
        ("/v1/nris", {"country": "KEN"}, "country", "query"),
        (
            "/v1/nris",
            {"established_from": "2020", "established_to": "2010"},
            "established_to",
            "query",
        ),
        ("/v1/nris", {"fields": "id,bogus"}, "fields", "query"),
        ("/v1/nris", {"fields": "Id;name"}, "fields", "query"),
        ("/v1/milestones", {"from": "2025-13-01"}, "from", "query"),
        ("/v1/milestones", {"from": "2025-02-01", "to": "2025-01-01"}, "to", "query"),
        ("/v1/milestones", {"status": "soon"}, "status", "query"),
        ("/v1/milestones", {"in_fact_sheet": "perhaps"}, "in_fact_sheet", "query"),
        ("/v1/action-lines", {"top_level": "maybe"}, "top_level", "query"),
        ("/v1/facts", {"as_of": "last-year"}, "as_of", "query"),
        ("/v1/facts", {"q": "x" * 201}, "q", "query"),
        ("/v1/calls-to-action/0", {}, "number", "path"),
        ("/v1/calls-to-action/two", {}, "number", "path"),
        ("/v1/nris/NRI!", {}, "nri_id", "path"),
        ("/v1/action-lines/c7", {}, "code", "path"),
    ],
)
def test_invalid_value_is_400_naming_the_parameter(
    client: TestClient,
    seeded: dict[str, Any],
    path: str,
    params: dict[str, Any],
    name: str,
    location: str,
) -> None:
    response = client.get(path, params=params)
    body = assert_problem(response, 400, "invalid-parameter")
    assert response.headers["cache-control"] == "no-store"
    assert [(e["name"], e["in"]) for e in body["errors"]] == [(name, location)]
    assert all(e["reason"] for e in body["errors"])
    assert repr(name) in body["detail"] or f" {name}." in body["detail"], body["detail"]


def broken_app(app: FastAPI) -> FastAPI:
    def explode() -> None:
        raise RuntimeError(f"connection to postgresql://admin:{SECRET}@db failed")

    app.add_api_route("/v1/boom", explode, methods=["GET"])
    return app


def test_unhandled_exception_is_500_problem_without_internals(
    app: FastAPI, caplog: pytest.LogCaptureFixture
) -> None:
    with TestClient(broken_app(app), raise_server_exceptions=False) as client:
        with caplog.at_level(logging.ERROR, logger="app.errors"):
            response = client.get("/v1/boom")
    assert response.status_code == 500
    assert response.headers["content-type"] == PROBLEM
    assert response.headers["cache-control"] == "no-store"
    assert response.json() == {
        "type": "/problems/internal-error",
        "title": "Internal server error",
        "status": 500,
        "detail": "The server failed to answer this request. The failure has been logged.",
        "instance": "/v1/boom",
    }
    for leak in (SECRET, "RuntimeError", "Traceback", "explode", ".py"):
        assert leak not in response.text
    # The body says the failure was logged: it was, with the exception.
    logged = [r for r in caplog.records if r.exc_info and r.exc_info[0] is RuntimeError]
    assert len(logged) == 1


def test_every_problem_type_uri_resolves_to_an_explanation(
    app: FastAPI, seeded: dict[str, Any]
) -> None:
    with TestClient(broken_app(app), raise_server_exceptions=False) as client:
        problems = [
            client.get("/v1/nope"),
            client.get("/v1/nris/nri-999"),
            client.post("/v1/nris"),
            client.get("/v1/nris", params={"knd": "youth"}),
            client.get("/v1/nris", params={"limit": "0"}),
            client.get("/v1/boom"),
        ]
        seen = set()
        for problem in problems:
            assert problem.headers["content-type"] == PROBLEM
            body = problem.json()
            explained = client.get(body["type"])
            assert explained.status_code == 200, body["type"]
            assert explained.headers["content-type"] == "application/json"
            explanation = explained.json()
            assert explanation["type"] == body["type"]
            assert explanation["title"] == body["title"]
            assert len(explanation["description"]) > 20
            seen.add(body["type"])
    assert len(seen) == 4


@pytest.mark.parametrize(
    ("method", "path", "status", "cache_control"),
    [
        ("GET", "/v1/nope", 404, "public, max-age=60"),
        ("GET", "/v1/nris/nri-999", 404, "public, max-age=60"),
        ("GET", "/v1/nris?limit=0", 400, "no-store"),
        ("GET", "/v1/nris?knd=youth", 400, "no-store"),
        ("POST", "/v1/fact-sheet", 405, "no-store"),
        ("GET", "/v1/boom", 500, "no-store"),
    ],
)
def test_errors_are_no_store_except_404(
    app: FastAPI, method: str, path: str, status: int, cache_control: str
) -> None:
    with TestClient(broken_app(app), raise_server_exceptions=False) as client:
        response = client.request(method, path)
    assert response.status_code == status
    assert response.headers["cache-control"] == cache_control
    assert "etag" not in response.headers
