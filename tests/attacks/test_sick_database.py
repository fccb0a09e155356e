"""A sick PostgreSQL under a real server: one that refuses connections, and one that accepts
them and never answers (a blackhole). Requests that need the database get a 503 problem with
Retry-After within seconds, pages cached before the outage are still served, a crowd of
requests is answered within a bound, the server recovers when the database comes back, and
`factsheet serve` against a database that never answers gives up in one line.

A TCP proxy the test controls (tests/attacks/tcp_proxy.py) stands between the server and the
shared PostgreSQL, which is never stopped or reconfigured. On SQLite, a file swapped for one
without the schema stands in for a database that cannot be used."""

import os
import sqlite3
import subprocess
import sys
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx
import pytest
from sqlalchemy.engine import make_url

from tests.attacks.conftest import PG_URL, Serve, Server, server_env
from tests.attacks.tcp_proxy import Mode, TcpProxy
from tests.test_cli import free_port
from tests.test_migrations import create_pg_database, drop_pg_database

# Short timeouts, so that the bounds below are seconds (and say what each is made of).
CONNECT_TIMEOUT = 2  # FACTSHEET_DB_CONNECT_TIMEOUT (libpq's minimum)
STATEMENT_TIMEOUT = 1.0  # FACTSHEET_DB_STATEMENT_TIMEOUT; the client cuts off 1 s later
POOL_TIMEOUT = 2.0
SICK = {
    "db_connect_timeout": CONNECT_TIMEOUT,
    "db_statement_timeout": STATEMENT_TIMEOUT,
    "db_pool_timeout": POOL_TIMEOUT,
    "cache_revision_interval": 0.5,
    "rate_limit_enabled": False,
    "access_log": False,
}
# A request that meets the outage first: its pooled connection's ping is cut off
# (statement timeout + 1 s), then a new connection times out; plus slack for a busy machine.
FIRST_ANSWER = STATEMENT_TIMEOUT + 1 + CONNECT_TIMEOUT + 1.5
# A hundred at once: the first wave as above, the next waits for a pooled connection.
CROWD_ANSWERED = 2 * FIRST_ANSWER + POOL_TIMEOUT
RECOVERY = 15.0  # seconds for the server to answer from the database again
CACHED = "/v1/nris?limit=5"
UNCACHED = ["/v1/facts", "/v1/milestones", "/v1/organisations", "/v1/action-lines"]


@pytest.fixture
def proxy() -> Iterator[TcpProxy]:
    if not PG_URL:
        pytest.skip("FACTSHEET_TEST_DATABASE_URL is not set: no PostgreSQL to put a proxy before")
    upstream = make_url(PG_URL)
    with TcpProxy(upstream.host or "127.0.0.1", upstream.port or 5432, free_port()) as proxy:
        yield proxy


@pytest.fixture
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """A fresh PostgreSQL database of its own, reached through the proxy; a SQLite file for
    the tests that ask for `sqlite`."""
    if getattr(request, "param", None) == "sqlite":
        yield f"sqlite:///{tmp_path / 'served' / 'factsheet.db'}"
        return
    proxy: TcpProxy = request.getfixturevalue("proxy")
    assert PG_URL
    url = create_pg_database(PG_URL)
    try:
        yield make_url(url).set(host="127.0.0.1", port=proxy.port).render_as_string(False)
    finally:
        drop_pg_database(PG_URL, url)


def timed_get(server: Server, path: str, timeout: float = 60.0) -> tuple[httpx.Response, float]:
    started = time.monotonic()
    response = httpx.get(f"{server.base_url}{path}", timeout=timeout)
    return response, time.monotonic() - started


def assert_unavailable(response: httpx.Response) -> None:
    assert response.status_code == 503, response.text
    assert response.headers["content-type"] == "application/problem+json"
    assert response.json()["type"] == "/problems/unavailable"
    assert int(response.headers["retry-after"]) > 0


def healthy_server(serve: Serve) -> tuple[Server, httpx.Response]:
    """A server with CACHED in its cache, and the answer it cached."""
    server = serve(**SICK)
    cached, _ = timed_get(server, CACHED)
    assert cached.status_code == 200
    assert "stale-if-error=" in cached.headers["cache-control"]
    return server, cached


def assert_recovers(server: Server, proxy: TcpProxy) -> None:
    proxy.set_mode("pass")
    deadline = time.monotonic() + RECOVERY
    status = 0
    while time.monotonic() < deadline:
        status = timed_get(server, "/v1/facts?limit=3")[0].status_code
        if status == 200:
            break
        time.sleep(0.2)
    assert status == 200, server.log_text()


@pytest.mark.postgres
@pytest.mark.parametrize("mode", ["refuse", "blackhole"])
def test_uncached_requests_get_503_at_once_and_cached_pages_are_still_served(
    serve: Serve, proxy: TcpProxy, mode: Mode
) -> None:
    server, cached = healthy_server(serve)
    proxy.set_mode(mode)

    first, first_took = timed_get(server, UNCACHED[0])
    again, cached_took = timed_get(server, CACHED)
    second, second_took = timed_get(server, UNCACHED[1])

    assert_unavailable(first)
    assert first_took < FIRST_ANSWER
    assert (again.status_code, again.content) == (200, cached.content)
    assert cached_took < FIRST_ANSWER
    # The outage is known now: the next uncached request is answered without waiting for it.
    assert_unavailable(second)
    assert second_took < 1.0
    assert_recovers(server, proxy)


@pytest.mark.postgres
def test_a_hundred_requests_into_a_blackhole_are_all_answered_within_a_bound(
    serve: Serve, proxy: TcpProxy
) -> None:
    server, cached = healthy_server(serve)
    paths = [CACHED if i % 2 else UNCACHED[i % 8 // 2] for i in range(100)]
    proxy.set_mode("blackhole")

    with ThreadPoolExecutor(max_workers=len(paths)) as pool:
        answers = list(pool.map(lambda path: timed_get(server, path), paths))

    slowest = max(took for _, took in answers)
    assert slowest < CROWD_ANSWERED, slowest
    for path, (response, _) in zip(paths, answers, strict=True):
        if path == CACHED:
            assert (response.status_code, response.content) == (200, cached.content)
        else:
            assert_unavailable(response)
    assert_recovers(server, proxy)


@pytest.mark.postgres
def test_serve_gives_up_on_a_database_that_never_answers_in_one_line(
    proxy: TcpProxy, tmp_path: Path
) -> None:
    proxy.set_mode("blackhole")
    url = make_url(PG_URL or "").set(host="127.0.0.1", port=proxy.port)
    startup_timeout = 3.0
    env = server_env(
        url.render_as_string(False),
        {"db_startup_timeout": startup_timeout, "db_connect_timeout": CONNECT_TIMEOUT},
    )
    started = time.monotonic()
    result = subprocess.run(
        [sys.executable, "-m", "app", "serve", "--port", str(free_port())],
        env=env,
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=60,
    )
    took = time.monotonic() - started

    assert result.returncode == 1, result.stdout + result.stderr
    # The wait, then the last attempt, then the interpreter's own start and stop.
    assert took < startup_timeout + CONNECT_TIMEOUT + 10, took
    assert f"waiting for the database at 127.0.0.1:{proxy.port} (up to 3 s)" in result.stdout
    assert result.stderr.splitlines() == [
        f"error: the database at 127.0.0.1:{proxy.port} did not answer within 3 s "
        "(FACTSHEET_DB_STARTUP_TIMEOUT): connection timeout expired"
    ]
    assert proxy.accepted >= 2  # it did retry


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_a_sqlite_file_without_the_schema_gives_503_and_cached_pages_stay(
    serve: Serve, database_url: str, tmp_path: Path
) -> None:
    server, cached = healthy_server(serve)
    empty = tmp_path / "empty.db"
    sqlite3.connect(empty).close()
    os.replace(empty, make_url(database_url).database or "")

    uncached, took = timed_get(server, UNCACHED[0])
    again, _ = timed_get(server, CACHED)
    ready, _ = timed_get(server, "/readyz")

    assert_unavailable(uncached)
    assert took < FIRST_ANSWER
    assert (again.status_code, again.content) == (200, cached.content)
    assert ready.status_code == 503
