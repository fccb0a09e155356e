"""What app.limits does with a request's head and body before any route sees them: a head over
FACTSHEET_MAX_HEADER_BYTES is 431, a GET's body is never waited for, and any other body that
is not whole within FACTSHEET_BODY_TIMEOUT is 408. Each answer closes the connection.

The app is called as a server calls it, with a receive that can be made to hang like a client
that announces a body and never sends it (tests/attacks/ does the same over real sockets)."""

import json
from typing import Any

import anyio
from fastapi import FastAPI, Request
from starlette.types import Message

from tests.conftest import MakeApp

HANGING = "hanging"  # a body announced and never sent


def scope(method: str, path: str, headers: list[tuple[bytes, bytes]]) -> dict[str, Any]:
    return {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": method,
        "scheme": "http",
        "path": path,
        "raw_path": path.encode(),
        "query_string": b"",
        "root_path": "",
        "headers": [(b"host", b"127.0.0.1"), *headers],
        "client": ("127.0.0.1", 50000),
        "server": ("127.0.0.1", 8000),
    }


def call(
    app: FastAPI, request: dict[str, Any], body: list[bytes] | str
) -> tuple[int, dict[bytes, bytes], Any]:
    """Status, headers and JSON body of `app`'s answer; `body` is the chunks the client sends,
    or HANGING for a client that sends one chunk and then nothing. Fails past 5 s."""
    sent: list[Message] = []
    chunks = [b"{"] if body == HANGING else list(body)

    async def receive() -> Message:
        if chunks:
            chunk = chunks.pop(0)
            more = body == HANGING or bool(chunks)
            return {"type": "http.request", "body": chunk, "more_body": more}
        await anyio.sleep_forever()
        raise AssertionError("unreachable")

    async def send(message: Message) -> None:
        sent.append(message)

    async def run() -> None:
        with anyio.fail_after(5):
            await app(request, receive, send)

    anyio.run(run)
    start, *parts = sent
    content = b"".join(part.get("body", b"") for part in parts)
    return start["status"], dict(start["headers"]), json.loads(content) if content else None


def test_a_head_at_the_bound_is_served_and_one_byte_more_is_431(make_app: MakeApp) -> None:
    app = make_app(max_header_bytes=4096)
    # Measured as the path, the query and each header's name and value: 8 + 0 + 13 + 5 + n.
    at_bound = scope("GET", "/healthz", [(b"x-pad", b"a" * 4070)])
    over = scope("GET", "/healthz", [(b"x-pad", b"a" * 4071)])
    assert call(app, at_bound, [])[0] == 200
    status, headers, problem = call(app, over, [])
    assert status == 431
    assert headers[b"content-type"] == b"application/problem+json"
    assert headers[b"connection"] == b"close"
    assert problem == {
        "type": "/problems/headers-too-large",
        "title": "Request header fields too large",
        "status": 431,
        "detail": "The request line and headers are 4097 bytes long; at most 4096 are accepted.",
        "instance": "/healthz",
    }


def test_a_get_announcing_a_body_it_never_sends_is_answered_at_once(make_app: MakeApp) -> None:
    app = make_app(body_timeout=30)
    chunked = [(b"transfer-encoding", b"chunked")]
    for method in ("GET", "HEAD"):
        status, headers, _ = call(app, scope(method, "/v1/facts", chunked), HANGING)
        assert status == 200
        # The body may still come down the wire; closing is the clean way past it.
        assert headers[b"connection"] == b"close"
    declared = [(b"content-length", b"10")]
    assert call(app, scope("GET", "/v1/facts", declared), HANGING)[0] == 200


def test_a_body_not_whole_within_the_deadline_is_408(make_app: MakeApp) -> None:
    app = make_app(body_timeout=0.2)
    for framing in [(b"transfer-encoding", b"chunked"), (b"content-length", b"100")]:
        status, headers, problem = call(app, scope("POST", "/v1/facts", [framing]), HANGING)
        assert status == 408
        assert headers[b"connection"] == b"close"
        assert problem == {
            "type": "/problems/request-timeout",
            "title": "Request timeout",
            "status": 408,
            "detail": "The request body did not arrive within 0.2 s.",
            "instance": "/v1/facts",
        }


def test_a_body_that_arrives_in_time_reaches_the_route_whole(make_app: MakeApp) -> None:
    app = make_app(body_timeout=5)
    received: list[bytes] = []

    async def echo(request: Request) -> dict[str, int]:
        received.append(await request.body())
        return {"received": len(received[-1])}

    app.add_api_route("/v1/echo", echo, methods=["POST"])
    request = scope("POST", "/v1/echo", [(b"transfer-encoding", b"chunked")])
    status, _, body = call(app, request, [b"abc", b"def", b""])
    assert (status, body, received) == (200, {"received": 6}, [b"abcdef"])
