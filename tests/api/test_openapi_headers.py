"""The document declares every header the API sends and every status the layers in front of
the routes answer with, and the API sends every header the document says it always does.

Each operation is called as a client would call it, several ways: plainly, revalidated
(304), with an unknown parameter (400), a missing id (404), an oversized body (413), an
oversized query string (414), and past its rate limit (429). Every answer's headers are held
against the declaration for its path and status."""

from collections.abc import Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient
from httpx2 import Response
from jsonschema import Draft202012Validator

from app.settings import Settings
from tests.api.test_openapi import example_url, operations, resolve, responses_of
from tests.conftest import MakeApp

# Set by the HTTP machinery rather than the API; no document declares these.
TRANSPORT_HEADERS = frozenset(
    {"content-type", "content-length", "content-encoding", "date", "server", "connection"}
)
BURST = 100_000


@pytest.fixture
def settings(settings: Settings) -> Settings:
    """Rate limiting on (it is off for the other tests), with room for every call here."""
    return settings.model_copy(update={"rate_limit_enabled": True, "rate_limit_burst": BURST})


@pytest.fixture
def document(client: TestClient) -> dict[str, Any]:
    body: dict[str, Any] = client.get("/openapi.json").json()
    return body


def declared_headers(document: dict[str, Any], path: str, status: int) -> dict[str, Any]:
    """Lower-cased header name -> its declaration, for one path and status."""
    operation = document["paths"][path]["get"]
    response = responses_of(document, operation).get(str(status))
    assert response is not None, f"GET {path} answered {status}, which is not declared"
    return {
        name.lower(): resolve(document, header)
        for name, header in response.get("headers", {}).items()
    }


def check_headers(document: dict[str, Any], path: str, response: Response) -> None:
    declared = declared_headers(document, path, response.status_code)
    where = f"GET {response.request.url} -> {response.status_code}"
    for name, header in declared.items():
        value = response.headers.get(name)
        if value is None:
            assert not header.get("required"), f"{where}: required header {name} missing"
            continue
        schema = header["schema"]
        typed: Any = int(value) if schema.get("type") == "integer" else value
        errors = [e.message for e in Draft202012Validator(schema).iter_errors(typed)]
        assert errors == [], f"{where}: header {name}: {value!r}: {errors}"
    undeclared = {name.lower() for name in response.headers} - set(declared) - TRANSPORT_HEADERS
    assert undeclared == set(), f"{where}: undeclared headers {sorted(undeclared)}"


def answers(client: TestClient, document: dict[str, Any], path: str) -> Iterator[Response]:
    """One operation called in every way this test knows, each answer once."""
    url = example_url(document, path)
    plain = client.get(url)
    yield plain
    if "etag" in plain.headers:
        yield client.get(url, headers={"If-None-Match": plain.headers["etag"]})
    yield client.get(url, params={"knd": "x"})
    if "{" in path:
        missing = path.split("{")[0] + ("99" if "calls-to-action" in path else "zz-none")
        yield client.get(missing + path.split("}")[1])
    limits = client.app.state.settings  # type: ignore[attr-defined]
    yield client.request("GET", url, content=b"x" * (limits.max_body_bytes + 1))
    yield client.get(url, params={"q": "a" * (limits.max_query_bytes + 1)})


def test_every_answer_of_every_operation_carries_exactly_the_declared_headers(
    client: TestClient, document: dict[str, Any], seeded: dict[str, Any]
) -> None:
    statuses: set[int] = set()
    for path, method, _ in operations(document):
        if method != "get":
            continue  # writes: held to the document by the contract check of their tests
        for response in answers(client, document, path):
            check_headers(document, path, response)
            statuses.add(response.status_code)
    # The calls above reach each of these; if one stops doing so the test says so.
    assert {200, 304, 400, 404, 413, 414} <= statuses, statuses


def test_the_rate_limiter_s_answers_carry_their_declared_headers(
    make_app: MakeApp, document: dict[str, Any]
) -> None:
    limited = make_app(rate_limit_burst=2, rate_limit_per_minute=1)
    with TestClient(limited) as client:
        responses = [client.get("/problems/not-found") for _ in range(3)]
    assert [r.status_code for r in responses] == [200, 200, 429]
    for response in responses:
        check_headers(document, "/problems/{code}", response)
    assert {"retry-after", "ratelimit-remaining"} <= set(responses[-1].headers)
