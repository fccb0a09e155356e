"""Graceful shutdown against a real `python -m app serve`: on SIGTERM the requests the server
has already read are answered in full, new connections are refused, and the process exits 0
within FACTSHEET_GRACEFUL_TIMEOUT (uvicorn's timeout_graceful_shutdown).

The requests are made slow by numbers: the response cache is off and each one asks for 200
NRIs (about 100 KB, a few milliseconds of work), so a hundred of them keep one worker busy for
a good fraction of a second. SIGTERM is sent only once the kernel shows that the server has
read every request (nothing left in the receive queues of its sockets): a request still
sitting unread in a socket is not in flight, and HTTP lets a server close such a connection."""

import os
import select
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.test_cli import clean_env, free_port, stop, wait_until_ready

HOST = "127.0.0.1"
IN_FLIGHT = 100
SLOW_PATH = "/v1/nris?limit=200"
GRACEFUL_TIMEOUT = 15  # seconds: generous for a busy CI machine; the test checks the bound
READ_TIMEOUT = 30.0

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(not Path("/proc/net/tcp").exists(), reason="needs Linux /proc/net/tcp"),
]


@dataclass
class Server:
    process: "subprocess.Popen[bytes]"
    port: int
    log: Path


@contextmanager
def running_server(tmp_path: Path, graceful_timeout: int) -> Iterator[Server]:
    port = free_port()
    log = tmp_path / "server.log"
    env = clean_env(
        database_url=f"sqlite:///{tmp_path / 'factsheet.db'}",
        graceful_timeout=str(graceful_timeout),
        cache_enabled="false",
        # Hundreds of requests from one address stand for many clients here.
        rate_limit_enabled="false",
        limit_concurrency_per_client="none",
        access_log="false",
    )
    with log.open("wb") as out:
        process = subprocess.Popen(
            [sys.executable, "-m", "app", "serve", "--host", HOST, "--port", str(port)],
            cwd=tmp_path,
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    try:
        wait_until_ready(f"http://{HOST}:{port}", process, log)
        yield Server(process, port, log)
    finally:
        stop(process)


@pytest.fixture
def server(tmp_path: Path) -> Iterator[Server]:
    with running_server(tmp_path, GRACEFUL_TIMEOUT) as running:
        yield running


def unread_request_bytes(port: int) -> list[int]:
    """For each established connection to `port` on the server's side, the bytes the kernel
    holds that the server process has not read yet (/proc/net/tcp's rx_queue)."""
    queues = []
    for line in Path("/proc/net/tcp").read_text().splitlines()[1:]:
        fields = line.split()
        local, state, queue = fields[1], fields[3], fields[4]
        if state == "01" and int(local.split(":")[1], 16) == port:  # 01: ESTABLISHED
            queues.append(int(queue.split(":")[1], 16))
    return queues


def open_connections(port: int, count: int) -> list[socket.socket]:
    """Keep-alive connections the server has accepted: each has had one quick answer, so the
    slow requests sent next arrive on sockets the server already watches, and it reads them
    at once instead of accepting connections one by one while earlier requests run."""
    sockets = [socket.create_connection((HOST, port), timeout=READ_TIMEOUT) for _ in range(count)]
    warm_up = f"GET /healthz HTTP/1.1\r\nHost: {HOST}:{port}\r\n\r\n".encode()
    for sock in sockets:
        sock.sendall(warm_up)
    for sock in sockets:
        status, _ = read_response(sock, until_eof=False)
        assert status == 200
    return sockets


def send_slow_requests(sockets: list[socket.socket], port: int) -> None:
    request = (
        f"GET {SLOW_PATH} HTTP/1.1\r\nHost: {HOST}:{port}\r\nConnection: close\r\n\r\n"
    ).encode()
    for sock in sockets:
        sock.sendall(request)


def wait_until_all_read(port: int, count: int, timeout: float = 20.0) -> None:
    deadline = time.monotonic() + timeout
    queues = unread_request_bytes(port)
    while time.monotonic() < deadline:
        queues = unread_request_bytes(port)
        if len(queues) >= count and not any(queues):
            return
        time.sleep(0.002)
    pytest.fail(f"the server did not read every request within {timeout} s: {queues}")


def unanswered(sockets: list[socket.socket]) -> int:
    """How many of the sockets have nothing to read yet (a poll that does not wait: a
    socket with a timeout would wait inside recv even with MSG_DONTWAIT)."""
    poller = select.poll()
    for sock in sockets:
        poller.register(sock, select.POLLIN)
    return len(sockets) - len(poller.poll(0))


def read_response(sock: socket.socket, until_eof: bool = True) -> tuple[int, bytes]:
    """(status, body) of one response: to EOF after `Connection: close`, otherwise exactly
    Content-Length bytes (the connection stays open)."""
    raw = b""
    while b"\r\n\r\n" not in raw:
        chunk = sock.recv(65536)
        assert chunk, f"connection closed before a full response: {raw[:200]!r}"
        raw += chunk
    head, _, body = raw.partition(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    headers = dict(line.lower().split(": ", 1) for line in lines[1:])
    assert "content-length" in headers, head
    length = int(headers["content-length"])
    while len(body) < length or until_eof:
        chunk = sock.recv(65536)
        if not chunk:
            break
        body += chunk
    if until_eof:
        sock.close()
    assert len(body) == length, "response cut short"
    return int(lines[0].split()[1]), body


def refused_after(port: int, timeout: float = 5.0) -> float:
    """Seconds until a new connection to `port` is refused."""
    started = time.monotonic()
    while time.monotonic() - started < timeout:
        try:
            socket.create_connection((HOST, port), timeout=1.0).close()
        except ConnectionRefusedError:
            return time.monotonic() - started
        time.sleep(0.01)
    pytest.fail(f"new connections were still accepted {timeout} s after SIGTERM")


def test_sigterm_finishes_requests_in_flight_refuses_new_ones_and_exits_0(
    server: Server,
) -> None:
    sockets = open_connections(server.port, IN_FLIGHT)
    send_slow_requests(sockets, server.port)
    wait_until_all_read(server.port, IN_FLIGHT)
    pending = unanswered(sockets)
    signalled = time.monotonic()
    os.kill(server.process.pid, signal.SIGTERM)

    assert refused_after(server.port) < 2.0
    answers = [read_response(sock) for sock in sockets]
    server.process.wait(timeout=GRACEFUL_TIMEOUT + 10)
    took = time.monotonic() - signalled

    # The test means something only if requests were still being worked on at SIGTERM.
    assert pending > 0
    assert [status for status, _ in answers] == [200] * IN_FLIGHT
    assert all(body.startswith(b'{"data":[') for _, body in answers)
    assert server.process.returncode == 0, server.log.read_text()
    assert took < GRACEFUL_TIMEOUT
    log = server.log.read_text()
    assert "Traceback" not in log
    assert "Finished server process" in log


def test_sigterm_on_an_idle_server_exits_0_at_once(server: Server) -> None:
    signalled = time.monotonic()
    os.kill(server.process.pid, signal.SIGTERM)
    server.process.wait(timeout=GRACEFUL_TIMEOUT + 10)
    assert server.process.returncode == 0
    assert time.monotonic() - signalled < 5.0


@pytest.fixture
def impatient_server(tmp_path: Path) -> Iterator[Server]:
    """A server that gives in-flight requests one second."""
    with running_server(tmp_path, 1) as running:
        yield running


def test_the_graceful_timeout_bounds_the_wait(impatient_server: Server) -> None:
    """More work in flight than fits in the timeout: the process still exits on time; what
    did not finish is cut off (the connection closes without an answer), never hung."""
    server = impatient_server
    sockets = open_connections(server.port, 6 * IN_FLIGHT)
    send_slow_requests(sockets, server.port)
    wait_until_all_read(server.port, 6 * IN_FLIGHT)
    signalled = time.monotonic()
    os.kill(server.process.pid, signal.SIGTERM)
    server.process.wait(timeout=30)
    took = time.monotonic() - signalled
    answered = sum(complete_response(sock) for sock in sockets)
    # One second for the requests, plus uvicorn's own poll interval and process exit.
    assert took < 1 + 3.0, server.log.read_text()[-3000:]
    assert server.process.returncode == 0
    # Some finished in time, the rest were cut: the timeout, not the work, ended the wait.
    assert 0 < answered < len(sockets)


def complete_response(sock: socket.socket) -> bool:
    """Whether a full 200 came back before the server closed the connection."""
    try:
        status, _ = read_response(sock)
    except (AssertionError, KeyError, OSError):
        sock.close()
        return False
    return status == 200
