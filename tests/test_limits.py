"""What a client may send: query string length (414), body size (413, declared or chunked),
the caps on filter values, `q` and `limit`, and a server that slow or idle clients cannot
tie up (keep-alive timeout, backlog), with the settings `factsheet serve` passes."""

import contextlib
import select
import signal
import socket
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import uvicorn
from fastapi import FastAPI, Request
from fastapi.testclient import TestClient
from uvicorn.importer import import_from_string

from app import cli, http_protocols
from app.api.params import MAX_LIMIT, MAX_VALUES
from app.main import create_app
from app.migrate import upgrade
from app.settings import Settings, get_settings
from tests.conftest import MakeApp

PROBLEM = "application/problem+json"


async def echo_length(request: Request) -> dict[str, int]:
    """A throwaway write route: the API has none yet."""
    return {"received": len(await request.body())}


def with_echo(app: FastAPI) -> FastAPI:
    app.add_api_route("/v1/echo", echo_length, methods=["POST"])
    return app


def chunks(total: int, size: int = 4096) -> Iterator[bytes]:
    """A body without a Content-Length: httpx sends it chunked."""
    while total > 0:
        yield b"x" * min(size, total)
        total -= size


# --------------------------------------------------------------------------- query string


def test_a_query_string_at_the_bound_is_read_and_one_byte_more_is_414(client: TestClient) -> None:
    at_bound = "x=" + "y" * 2046
    assert client.get(f"/healthz?{at_bound}").status_code == 400  # read: x is unknown
    response = client.get(f"/healthz?{at_bound}y")
    assert response.status_code == 414
    assert response.headers["content-type"] == PROBLEM
    assert response.headers["cache-control"] == "no-store"
    assert response.json() == {
        "type": "/problems/uri-too-long",
        "title": "URI too long",
        "status": 414,
        "detail": "The query string is 2049 bytes long; at most 2048 are accepted.",
        "instance": "/healthz",
    }


def test_the_query_bound_is_a_setting(make_app: MakeApp) -> None:
    with TestClient(make_app(max_query_bytes=10)) as client:
        assert client.get("/v1/nris?limit=5").status_code == 200
        assert client.get("/v1/nris?limit=5&q=abc").status_code == 414


# --------------------------------------------------------------------------- body


def test_a_declared_body_over_the_bound_is_413_even_where_no_route_reads_it(
    client: TestClient,
) -> None:
    response = client.post("/v1/fact-sheet", content=b"x" * (64 * 1024 + 1))
    assert response.status_code == 413
    assert response.headers["content-type"] == PROBLEM
    assert response.headers["connection"] == "close"
    assert response.json()["type"] == "/problems/payload-too-large"
    assert response.json()["instance"] == "/v1/fact-sheet"
    # Within the bound the request goes on to the usual answer.
    assert client.post("/v1/fact-sheet", content=b"x" * 1024).status_code == 405


def test_a_chunked_body_over_the_bound_is_413_where_no_route_reads_it(client: TestClient) -> None:
    response = client.post("/v1/nris", content=chunks(70_000))
    assert response.status_code == 413
    assert response.json()["type"] == "/problems/payload-too-large"


def test_a_write_route_gets_a_body_within_the_bound_whole(make_app: MakeApp) -> None:
    app = with_echo(make_app(max_body_bytes=10_000))
    with TestClient(app) as client:
        declared = client.post("/v1/echo", content=b"x" * 10_000)
        chunked = client.post("/v1/echo", content=chunks(10_000, size=1000))
        empty = client.post("/v1/echo")
    assert declared.json() == chunked.json() == {"received": 10_000}
    assert empty.json() == {"received": 0}


def test_a_write_route_never_sees_a_body_over_the_bound(make_app: MakeApp) -> None:
    calls: list[int] = []

    async def counting(request: Request) -> dict[str, int]:
        calls.append(len(await request.body()))
        return {}

    app = make_app(max_body_bytes=10_000)
    app.add_api_route("/v1/echo", counting, methods=["POST"])
    with TestClient(app) as client:
        declared = client.post("/v1/echo", content=b"x" * 10_001)
        chunked = client.post("/v1/echo", content=chunks(10_001, size=1000))
    assert (declared.status_code, chunked.status_code) == (413, 413)
    assert calls == []


# --------------------------------------------------------------------------- parameters


def test_a_filter_takes_at_most_max_values_values(client: TestClient) -> None:
    assert MAX_VALUES == 20
    ok = client.get("/v1/nris", params=[("country", "KE")] * MAX_VALUES)
    assert ok.status_code == 200
    refused = client.get("/v1/nris", params=[("country", "KE")] * (MAX_VALUES + 1))
    assert refused.status_code == 400
    assert refused.json()["errors"] == [
        {"name": "country", "in": "query", "reason": "at most 20 values may be given"}
    ]


@pytest.mark.parametrize(
    "path",
    [
        "/v1/nris",
        "/v1/milestones",
        "/v1/organisations",
        "/v1/action-lines",
        "/v1/facts",
        "/v1/calls-to-action",
    ],
)
def test_q_takes_at_most_200_characters(client: TestClient, path: str) -> None:
    assert client.get(path, params={"q": "é" * 200}).status_code == 200
    refused = client.get(path, params={"q": "é" * 201})
    assert refused.status_code == 400
    assert [e["name"] for e in refused.json()["errors"]] == ["q"]


def test_limit_is_capped(client: TestClient) -> None:
    assert client.get("/v1/nris", params={"limit": MAX_LIMIT}).status_code == 200
    assert client.get("/v1/nris", params={"limit": MAX_LIMIT + 1}).status_code == 400


# --------------------------------------------------------------------------- slow clients


class RealServer:
    def __init__(self, app: FastAPI, **config: Any) -> None:
        self.listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self.listener.bind(("127.0.0.1", 0))
        self.port: int = self.listener.getsockname()[1]
        self.server = uvicorn.Server(
            uvicorn.Config(app, log_level="warning", access_log=False, ws="none", **config)
        )
        self.thread = threading.Thread(
            target=self.server.run, kwargs={"sockets": [self.listener]}, daemon=True
        )

    def __enter__(self) -> "RealServer":
        self.thread.start()
        deadline = time.monotonic() + 10
        while not self.server.started:
            assert self.thread.is_alive() and time.monotonic() < deadline, "no uvicorn"
            time.sleep(0.02)
        return self

    def __exit__(self, *_: object) -> None:
        self.server.should_exit = True
        self.thread.join(timeout=15)
        self.listener.close()
        assert not self.thread.is_alive(), "uvicorn did not stop"

    def connect(self) -> socket.socket:
        return socket.create_connection(("127.0.0.1", self.port), timeout=5)

    def get(self, path: str) -> bytes:
        with self.connect() as sock:
            sock.sendall(f"GET {path} HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n".encode())
            return read_all(sock)


def read_all(sock: socket.socket) -> bytes:
    """Everything until the server closes (a reset after its answer counts as a close)."""
    data = b""
    try:
        while chunk := sock.recv(65536):
            data += chunk
    except ConnectionResetError:
        pass
    return data


@pytest.fixture
def file_app(tmp_path: Path) -> Iterator[FastAPI]:
    settings = Settings(
        database_url=f"sqlite:///{tmp_path / 'factsheet.db'}", access_log=False, _env_file=None
    )
    app = create_app(settings)
    upgrade(app.state.engine)
    yield app
    app.state.engine.dispose()


@pytest.mark.slow
def test_slow_clients_do_not_hold_up_others_and_idle_ones_are_dropped(file_app: FastAPI) -> None:
    # Ordering, not a stopwatch: a server that served the trickling clients first would answer
    # the healthy one only after dropping them (or never, and the 5 s socket timeout fails it).
    with RealServer(file_app, timeout_keep_alive=1, limit_concurrency=50) as server:
        with contextlib.ExitStack() as sockets:
            trickling = [sockets.enter_context(server.connect()) for _ in range(10)]
            for sock in trickling:
                sock.sendall(b"GET /healthz HTTP/1.1\r\nHo")  # and never the rest
            assert server.get("/healthz").startswith(b"HTTP/1.1 200")
            assert all(still_open(sock) for sock in trickling), "answered only after a drop"

            idle = sockets.enter_context(server.connect())
            idle.sendall(b"GET /healthz HTTP/1.1\r\nHost: t\r\n\r\n")
            idle.settimeout(5)
            answered_and_closed = read_all(idle)  # returns once the server closes the connection
            assert answered_and_closed.startswith(b"HTTP/1.1 200")


def still_open(sock: socket.socket) -> bool:
    """True when the server has neither closed the connection nor sent anything on it."""
    sock.setblocking(False)
    try:
        sock.recv(1)
    except BlockingIOError:
        return True
    except ConnectionResetError:
        return False
    finally:
        sock.setblocking(True)
    return False


@pytest.mark.slow
def test_a_chunked_body_over_the_wire_is_refused_once_past_the_bound(file_app: FastAPI) -> None:
    with RealServer(file_app) as server, server.connect() as sock:
        sock.sendall(b"POST /v1/nris HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: chunked\r\n\r\n")
        chunk = b"x" * 8192
        for _ in range(100):  # up to 800 KiB offered; the server answers past 64 KiB
            sock.sendall(b"%x\r\n%s\r\n" % (len(chunk), chunk))
            if select.select([sock], [], [], 0.05)[0]:
                break  # the answer is there: stop before the server's close resets us
        reply = read_all(sock)
    assert reply.startswith(b"HTTP/1.1 413")
    assert b"payload-too-large" in reply


def test_serve_hands_uvicorn_the_connection_limits(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    seen: dict[str, Any] = {}
    monkeypatch.setattr(uvicorn, "run", lambda *args, **kwargs: seen.update(kwargs))
    monkeypatch.setenv("FACTSHEET_DATABASE_URL", f"sqlite:///{tmp_path / 'factsheet.db'}")
    monkeypatch.setenv("FACTSHEET_TIMEOUT_KEEP_ALIVE", "7")
    monkeypatch.setenv("FACTSHEET_BACKLOG", "512")
    monkeypatch.setenv("FACTSHEET_MAX_HEADER_BYTES", "20000")
    handler = signal.getsignal(signal.SIGTERM)  # serve installs its own
    try:
        assert cli.main(["serve"]) == 0
    finally:
        signal.signal(signal.SIGTERM, handler)
        get_settings.cache_clear()
    assert seen["timeout_keep_alive"] == 7
    # uvicorn's own cap answers a bare text/plain 503; app.concurrency sheds load instead.
    assert "limit_concurrency" not in seen
    assert seen["backlog"] == 512
    # The app logs each request itself (FACTSHEET_ACCESS_LOG); uvicorn must not repeat it.
    assert seen["access_log"] is False
    # The protocols that bound the head on either parser, and the bound they read.
    assert seen["http"] == "app.http_protocols:AutoHTTPProtocol"
    assert seen["h11_max_incomplete_event_size"] == 20000
    chosen = import_from_string(seen["http"])
    assert chosen in (http_protocols.H11Protocol, getattr(http_protocols, "HttpToolsProtocol", 0))


def test_the_connection_limits_have_sensible_defaults() -> None:
    defaults = Settings(_env_file=None)
    assert (defaults.max_query_bytes, defaults.max_body_bytes) == (2048, 65536)
    assert defaults.timeout_keep_alive == 5
    assert defaults.limit_concurrency == 1000
    assert defaults.limit_concurrency_per_client == 100
    assert defaults.max_header_bytes == 16 * 1024
    assert defaults.body_timeout == 10
    assert defaults.backlog == 2048


def test_the_concurrency_cap_can_be_turned_off_from_the_environment(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("FACTSHEET_LIMIT_CONCURRENCY", "none")
    assert Settings(_env_file=None).limit_concurrency is None
    monkeypatch.setenv("FACTSHEET_LIMIT_CONCURRENCY", "50")
    assert Settings(_env_file=None).limit_concurrency == 50
