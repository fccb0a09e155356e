"""Attacks against a real server: `factsheet serve` started as its own process on loopback,
on a SQLite file and, when FACTSHEET_TEST_DATABASE_URL is set, on a PostgreSQL database of
its own (created and dropped here). Each attack module asks for `serve` with the settings
it needs and talks to the server over real sockets, as an attacker would."""

import os
import re
import resource
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.test_cli import free_port, stop, wait_until_ready
from tests.test_migrations import create_pg_database, drop_pg_database

PG_URL = os.environ.get("FACTSHEET_TEST_DATABASE_URL")

HERE = Path(__file__).parent


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Every attack starts real server processes: all of them are `slow`."""
    for item in items:
        if item.path.is_relative_to(HERE):
            item.add_marker(pytest.mark.slow)


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'factsheet.db'}"
        return
    if not PG_URL:
        pytest.skip("FACTSHEET_TEST_DATABASE_URL is not set; the attack is not run on PostgreSQL")
    url = create_pg_database(PG_URL)
    try:
        yield url
    finally:
        drop_pg_database(PG_URL, url)


@dataclass
class Server:
    port: int
    process: "subprocess.Popen[bytes]"
    log: Path

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def pid(self) -> int:
        return self.process.pid

    def log_text(self) -> str:
        return self.log.read_text(errors="replace")

    def rss_mib(self) -> float:
        """Resident memory of the server process, from /proc."""
        status = Path(f"/proc/{self.pid}/status").read_text()
        match = re.search(r"^VmRSS:\s+(\d+) kB", status, re.MULTILINE)
        assert match, status
        return int(match.group(1)) / 1024


Serve = Callable[..., Server]
# (event loop, HTTP parser) as tests/attacks/stack.py takes them.
Stack = tuple[str, str]
STACKS: list[Stack] = [("asyncio", "h11"), ("uvloop", "httptools")]


def server_env(database_url: str, settings: dict[str, object]) -> dict[str, str]:
    """The environment of a served process: nothing of the test run's FACTSHEET_ settings,
    the database under test, and `settings` (names without the prefix, any case)."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("FACTSHEET_")}
    env["FACTSHEET_DATABASE_URL"] = database_url
    for name, value in settings.items():
        env[f"FACTSHEET_{name.upper()}"] = (
            str(value).lower() if isinstance(value, bool) else str(value)
        )
    return env


@pytest.fixture
def serve(database_url: str, tmp_path: Path) -> Iterator[Serve]:
    """Starts `factsheet serve` (it migrates and seeds an empty database) with the given
    settings, waits until /readyz answers 200, and stops every server it started, by PID."""
    started: list[Server] = []

    def start(*, ready: bool = True, stack: "Stack | None" = None, **settings: object) -> Server:
        port = free_port()
        log = tmp_path / f"server-{len(started)}.log"
        # `stack` forces uvicorn's event loop and HTTP parser (tests/attacks/stack.py).
        runner = [str(HERE / "stack.py"), *stack] if stack else ["-m", "app"]
        with log.open("wb") as out:
            process = subprocess.Popen(
                [sys.executable, *runner, "serve", "--port", str(port)],
                cwd=tmp_path,
                env=server_env(database_url, settings),
                stdout=out,
                stderr=subprocess.STDOUT,
            )
        server = Server(port, process, log)
        started.append(server)
        if ready:
            wait_until_ready(server.base_url, process, log)
        return server

    yield start
    for server in started:
        stop(server.process)


def raw_exchange(port: int, request: bytes, timeout: float = 5.0) -> bytes:
    """Sends `request` as is on a new connection and returns what comes back until the
    server closes or `timeout` passes without a byte."""
    with socket.create_connection(("127.0.0.1", port), timeout=timeout) as sock:
        sock.sendall(request)
        chunks: list[bytes] = []
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            try:
                chunk = sock.recv(65536)
            except TimeoutError:
                break
            if not chunk:
                break
            chunks.append(chunk)
        return b"".join(chunks)


def status_of(raw: bytes) -> int:
    """The status code of the first response in `raw` (0 if there is none)."""
    match = re.match(rb"HTTP/1\.[01] (\d{3})", raw)
    return int(match.group(1)) if match else 0


@pytest.fixture(params=STACKS, ids="+".join)
def stack(request: pytest.FixtureRequest) -> Stack:
    """Each stack uvicorn may run: the attack must fail on all of them."""
    loop, parser = request.param
    for optional in ("uvloop", "httptools"):
        if optional in (loop, parser):
            pytest.importorskip(optional, reason=f"{optional} is not installed")
    return loop, parser


def raise_fd_limit(needed: int) -> None:
    """Raises this process's soft open-file limit to `needed` (servers started afterwards
    inherit it), or skips: an attack of many connections needs a descriptor for each."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft >= needed:
        return
    if hard != resource.RLIM_INFINITY and hard < needed:
        pytest.skip(f"the open-file hard limit is {hard}; this attack needs {needed}")
    resource.setrlimit(resource.RLIMIT_NOFILE, (needed, hard))


def connect_from(source: str, port: int, timeout: float = 5.0) -> socket.socket:
    """A connection to the server from the loopback address `source` (127.0.0.2, ...): one
    more client as far as the server can tell. Skips where that address cannot be bound."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.settimeout(timeout)
    try:
        sock.bind((source, 0))
    except OSError as exc:
        sock.close()
        pytest.skip(f"cannot send from {source}: {exc}")
    sock.connect(("127.0.0.1", port))
    return sock
