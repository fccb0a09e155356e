"""Past FACTSHEET_LIMIT_CONCURRENCY requests in flight, a worker answers new ones at once
with a 503 problem (Retry-After, request id, security headers), never uvicorn's bare text;
probes still answer, and once the load drops so does the refusal. Against a real uvicorn.
Past FACTSHEET_LIMIT_CONCURRENCY_PER_CLIENT of them from one client, that client's new ones
are refused the same way while other clients still get in."""

import http.client
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import anyio
import orjson
import pytest
from fastapi import FastAPI
from starlette.types import Message, Receive, Scope, Send

from app.concurrency import ConcurrencyLimitMiddleware, InFlight
from app.main import create_app
from app.migrate import upgrade
from app.settings import Settings
from tests.test_limits import RealServer

CAP = 2


class Gate:
    """A route that holds each request until released, counting those inside."""

    def __init__(self) -> None:
        self.opened = threading.Event()
        self.inside = 0
        self.lock = threading.Lock()

    def route(self) -> dict[str, str]:
        with self.lock:
            self.inside += 1
        self.opened.wait(timeout=10)
        return {"status": "released"}

    def wait_for(self, count: int) -> None:
        deadline = time.monotonic() + 10
        while self.inside < count:
            assert time.monotonic() < deadline, f"only {self.inside} requests arrived"
            time.sleep(0.01)


@pytest.fixture
def gate() -> Gate:
    return Gate()


@pytest.fixture
def capped_app(tmp_path: Path, gate: Gate) -> Iterator[FastAPI]:
    settings = Settings(
        database_url=f"sqlite:///{tmp_path / 'factsheet.db'}",
        access_log=False,
        rate_limit_enabled=False,
        limit_concurrency=CAP,
        _env_file=None,
    )
    app = create_app(settings)
    upgrade(app.state.engine)
    app.add_api_route("/v1/held", gate.route, methods=["GET"])
    yield app
    gate.opened.set()
    app.state.engine.dispose()


Answer = tuple[int, http.client.HTTPMessage, bytes]


def get(server: RealServer, path: str) -> Answer:
    connection = http.client.HTTPConnection("127.0.0.1", server.port, timeout=5)
    try:
        connection.request("GET", path)
        response = connection.getresponse()
        return response.status, response.headers, response.read()
    finally:
        connection.close()


@pytest.mark.slow
def test_past_the_cap_new_requests_get_a_503_problem_at_once(
    capped_app: FastAPI, gate: Gate
) -> None:
    with RealServer(capped_app) as server:
        holders = []
        for _ in range(CAP):
            connection = http.client.HTTPConnection("127.0.0.1", server.port, timeout=15)
            connection.request("GET", "/v1/held")
            holders.append(connection)
        gate.wait_for(CAP)

        started = time.monotonic()
        status, headers, body = get(server, "/v1")
        elapsed = time.monotonic() - started

        assert status == 503
        assert elapsed < 2
        assert headers["content-type"] == "application/problem+json"
        problem = orjson.loads(body)
        assert problem["type"] == "/problems/unavailable"
        assert f"maximum of {CAP} requests" in problem["detail"]
        assert headers["retry-after"] == "1"
        assert headers["x-request-id"]
        assert headers["x-content-type-options"] == "nosniff"
        assert headers["cache-control"] == "no-store"

        # Probes are never shed: a busy worker is alive, and ready for what it can take.
        assert get(server, "/healthz")[0] == 200

        gate.opened.set()
        for holder in holders:
            assert holder.getresponse().status == 200
            holder.close()
        assert get(server, "/v1")[0] == 200


def test_one_client_past_its_share_is_refused_while_others_get_in() -> None:
    release = anyio.Event()
    answers: dict[str, int] = {}

    async def held(scope: Scope, receive: Receive, send: Send) -> None:
        await release.wait()
        await send({"type": "http.response.start", "status": 200, "headers": []})
        await send({"type": "http.response.body", "body": b""})

    load = InFlight(limit=10, per_client=2)
    app = ConcurrencyLimitMiddleware(held, load, exempt=frozenset(), trusted_proxies=[])

    async def request(name: str, address: str) -> None:
        scope = {
            "type": "http",
            "method": "GET",
            "path": "/v1",
            "raw_path": b"/v1",
            "query_string": b"",
            "headers": [],
            "client": (address, 50000),
        }

        async def send(message: Message) -> None:
            if message["type"] == "http.response.start":
                answers[name] = message["status"]

        await app(scope, receive_nothing, send)

    async def receive_nothing() -> Message:
        return {"type": "http.request", "body": b"", "more_body": False}

    async def attack() -> None:
        async with anyio.create_task_group() as group:
            # Two addresses of one IPv6 /64 are one client, as for the rate limiter.
            group.start_soon(request, "first", "2001:db8::1")
            group.start_soon(request, "second", "2001:db8::2")
            while load.total < 2:
                await anyio.sleep(0.01)
            await request("third", "2001:db8::3")  # refused at once
            group.start_soon(request, "other", "192.0.2.7")
            while load.total < 3:
                await anyio.sleep(0.01)
            assert load.status() == {"in_flight": 3, "limit": 10, "clients": 2, "per_client": 2}
            release.set()

    anyio.run(attack)
    assert answers == {"third": 503, "first": 200, "second": 200, "other": 200}
    assert (load.total, load.by_client) == (0, {})  # nothing left behind
