"""HEAD works wherever GET does, and 405 answers say so."""

from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from tests.conftest import LOOPBACK_CLIENT

# The head of an answer to HEAD is the head of the answer to GET (RFC 9110 9.3.2).
SAME_AS_GET = ("content-length", "content-type", "content-encoding", "etag", "last-modified")


class SentBodies:
    """The app, keeping the body bytes it hands the server for each request, in order.
    TestClient drops the body of an answer to HEAD before a test could see it, so only what
    the app sends can show there was none. (tests/test_wire.py reads a real server's
    bytes off the socket.)"""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app
        self.bodies: list[bytes] = []

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        sent: list[bytes] = []

        async def recording(message: Message) -> None:
            if message["type"] == "http.response.body":
                sent.append(message.get("body", b""))
            await send(message)

        try:
            await self.app(scope, receive, recording)
        finally:
            self.bodies.append(b"".join(sent))


@pytest.mark.parametrize(
    "path", ["/healthz", "/v1/nris", "/v1/nris.csv", "/problems/not-found", "/openapi.json"]
)
def test_head_answers_like_get_without_a_body(
    app: FastAPI, seeded: dict[str, Any], path: str
) -> None:
    recorder = SentBodies(app)
    with TestClient(recorder, client=LOOPBACK_CLIENT) as client:
        # The first HEAD finds nothing in the response cache; the GET leaves its answer
        # there (for the paths the cache holds), and the second HEAD is answered from it.
        first = client.head(path)
        get = client.get(path)
        again = client.head(path)
    first_sent, get_sent, again_sent = recorder.bodies
    assert get.status_code == 200
    assert int(get.headers["content-length"]) == len(get_sent) > 0
    assert (first_sent, again_sent) == (b"", b"")
    for head in (first, again):
        assert head.status_code == 200
        assert {k: head.headers.get(k) for k in SAME_AS_GET} == {
            k: get.headers.get(k) for k in SAME_AS_GET
        }


def test_405_lists_head_beside_get(client: TestClient) -> None:
    response = client.post("/v1/fact-sheet")
    assert response.status_code == 405
    assert response.headers["allow"] == "GET, HEAD"
    assert response.headers["content-type"] == "application/problem+json"


def test_405_lists_every_method_of_the_path(client: TestClient) -> None:
    # A record's URL is served by several routes (GET, and the writes): all are allowed.
    response = client.post("/v1/nris/nri-017")
    assert response.status_code == 405
    assert response.headers["allow"] == "GET, HEAD, PUT, PATCH, DELETE"
    assert response.headers["content-type"] == "application/problem+json"
