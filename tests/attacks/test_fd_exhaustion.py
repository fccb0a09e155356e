"""Issue 11, finding 9: ~20,000 idle connections exhausted the server's file descriptors, and
asyncio logged a traceback for every connection it then failed to accept: 77,823 of them,
31 MB, in 10 s. Now that is one line per 10 s, saying what to raise, and the server serves
again as soon as descriptors are free.

The server gets a low open-file limit (256) so that a few hundred connections exhaust it.
It runs on asyncio's event loop, where the flood happens; uvloop logs nothing here."""

import resource
import socket
import time

import httpx

from tests.attacks.conftest import Serve, raise_fd_limit

FD_LIMIT = 256
IDLE = 600  # connections: the kernel queues those the server cannot accept (backlog 2048)
WINDOW = 5.0  # seconds of exhaustion watched


def test_running_out_of_descriptors_logs_a_line_per_interval_and_the_server_recovers(
    serve: Serve,
) -> None:
    raise_fd_limit(IDLE + 100)
    server = serve(stack=("asyncio", "h11"))
    _, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.prlimit(server.pid, resource.RLIMIT_NOFILE, (FD_LIMIT, hard))
    logged_before = server.log.stat().st_size
    socks = [socket.create_connection(("127.0.0.1", server.port), timeout=5) for _ in range(IDLE)]
    try:
        time.sleep(WINDOW)
        with server.log.open("rb") as log:
            log.seek(logged_before)
            logged = log.read()
    finally:
        for sock in socks:
            sock.close()
    lines = logged.decode(errors="replace").splitlines()
    reports = [line for line in lines if "Too many open files" in line]
    assert len(logged) < 4096, f"{len(logged)} bytes logged in {WINDOW:g} s: {lines[:5]}"
    assert len(reports) == 1, lines
    assert "ulimit -n" in reports[0]
    assert "Traceback" not in logged.decode(errors="replace")
    # With the descriptors back, the server accepts and answers again.
    deadline = time.monotonic() + 10
    while True:
        try:
            if httpx.get(f"{server.base_url}/healthz", timeout=2).status_code == 200:
                break
        except httpx.TransportError:
            pass
        assert time.monotonic() < deadline, "the server did not recover"
        time.sleep(0.2)
    assert server.process.poll() is None
