"""Past FACTSHEET_LIMIT_CONCURRENCY requests in flight, a worker answers new ones at once
with a 503 problem (Retry-After, request id, security headers), never uvicorn's bare text;
probes still answer, and once the load drops so does the refusal. Against a real uvicorn."""

import http.client
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import orjson
import pytest
from fastapi import FastAPI

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
