"""Issue 11, finding 1: 1,001 idle connections shut out everyone. Each sent a GET announcing a
chunked body it never sent; the server waited for that body holding a concurrency slot, with
no time limit, so the 1,001st request and every other client's got 503 while /readyz said 200.

Now a GET's body is never waited for, any other body has a deadline (FACTSHEET_BODY_TIMEOUT),
one client may hold only its share of the slots (FACTSHEET_LIMIT_CONCURRENCY_PER_CLIENT), and
/readyz reports the load (503 once the worker is saturated). The attacker sends from
127.0.0.2, so that it is another client than the well-behaved one on 127.0.0.1."""

import http.client
import json
import selectors
import socket
import time
from collections import Counter
from typing import Any

from tests.attacks.conftest import (
    Serve,
    Server,
    Stack,
    connect_from,
    raise_fd_limit,
    status_of,
)

ATTACK = 1001  # connections, as in the issue
ATTACKER = "127.0.0.2"
SHARE = 100  # the default FACTSHEET_LIMIT_CONCURRENCY_PER_CLIENT
HOST = b"Host: 127.0.0.1\r\n"  # a Host the API answers to: the request goes all the way in
NEVER_SENT_BODY = b"Transfer-Encoding: chunked\r\n\r\n"


def get(server: Server, path: str) -> tuple[int, dict[str, Any] | bytes, float]:
    """A well-behaved client's GET on a connection of its own: status, body, seconds taken."""
    started = time.monotonic()
    connection = http.client.HTTPConnection("127.0.0.1", server.port, timeout=10)
    try:
        connection.request("GET", path)
        response = connection.getresponse()
        body = response.read()
        elapsed = time.monotonic() - started
        if response.getheader("content-type", "").endswith("json"):
            return response.status, json.loads(body), elapsed
        return response.status, body, elapsed
    finally:
        connection.close()


def first_answers(
    socks: list[socket.socket], count: int, timeout: float
) -> dict[socket.socket, bytes]:
    """The first bytes each of `socks` received, waiting until `count` of them have received
    some (or `timeout` passes); a socket the server closed without a word gives b""."""
    answers: dict[socket.socket, bytes] = {}
    # epoll, not select(): these descriptors are numbered past select's 1024.
    with selectors.DefaultSelector() as selector:
        for sock in socks:
            selector.register(sock, selectors.EVENT_READ, data=sock)
        deadline = time.monotonic() + timeout
        while len(answers) < count and time.monotonic() < deadline:
            for key, _ in selector.select(timeout=0.05):
                ready: socket.socket = key.data
                selector.unregister(ready)
                try:
                    answers[ready] = ready.recv(65536)
                except ConnectionResetError:
                    answers[ready] = b""
    return answers


def read_to_close(sock: socket.socket, timeout: float) -> bytes | None:
    """What the server sends on `sock` until it closes it; None if it has not closed it
    within `timeout`."""
    sock.settimeout(timeout)
    data = b""
    try:
        while chunk := sock.recv(65536):
            data += chunk
    except ConnectionResetError:
        pass
    except TimeoutError:
        return None
    return data


def request_from(source: str, server: Server, request: bytes) -> bytes:
    with connect_from(source, server.port) as sock:
        sock.sendall(request)
        answer = read_to_close(sock, timeout=5)
    assert answer is not None, "the server kept the connection open"
    return answer


def attack(server: Server, request: bytes) -> list[socket.socket]:
    socks = [connect_from(ATTACKER, server.port) for _ in range(ATTACK)]
    for sock in socks:
        sock.sendall(request)
    return socks


def test_gets_announcing_a_body_they_never_send_hold_nothing(serve: Serve, stack: Stack) -> None:
    raise_fd_limit(3 * ATTACK)
    server = serve(stack=stack)
    socks = attack(server, b"GET /v1/facts HTTP/1.1\r\n" + HOST + NEVER_SENT_BODY)
    try:
        # Every attacking request is answered rather than held waiting for its body: 200
        # while the attacker's rate budget lasts, 429 after, and 503 for those past its share
        # of the slots while the rest are in flight. The client came 3 s later.
        answers = first_answers(socks, ATTACK, timeout=10)
        assert len(answers) == ATTACK
        statuses = Counter(status_of(answer) for answer in answers.values())
        assert set(statuses) <= {200, 429, 503} and statuses[200] > 0, statuses
        status, _, seconds = get(server, "/v1/facts")
        assert status == 200
        assert seconds < 1
        # The unread body stays on the wire, so the server closes each connection.
        assert all(read_to_close(sock, timeout=5) is not None for sock in socks)
        ready_status, ready, _ = get(server, "/readyz")
        assert ready_status == 200
        assert isinstance(ready, dict) and ready["load"]["in_flight"] == 0
    finally:
        for sock in socks:
            sock.close()


def test_a_client_holding_bodies_open_gets_its_share_of_slots_and_no_more(
    serve: Serve, stack: Stack
) -> None:
    raise_fd_limit(3 * ATTACK)
    # The connections refused stay open (keep-alive) while /readyz counts them.
    server = serve(stack=stack, body_timeout=3, timeout_keep_alive=30)
    started = time.monotonic()
    socks = attack(server, b"POST /v1/facts HTTP/1.1\r\n" + HOST + NEVER_SENT_BODY)
    try:
        # Past its share, the attacker's own requests are refused at once...
        refused = first_answers(socks, ATTACK - SHARE, timeout=5)
        assert len(refused) == ATTACK - SHARE
        assert {status_of(answer) for answer in refused.values()} == {503}
        one_more = request_from(
            ATTACKER, server, b"GET /v1/facts HTTP/1.1\r\n" + HOST + b"Connection: close\r\n\r\n"
        )
        assert status_of(one_more) == 503
        assert b"This client already has 100 requests in flight here" in one_more
        # ...while everyone else still gets in.
        status, _, seconds = get(server, "/v1/facts")
        assert status == 200
        assert seconds < 1
        ready_status, ready, _ = get(server, "/readyz")
        assert ready_status == 200
        assert isinstance(ready, dict)
        load = ready["load"]
        assert (load["in_flight"], load["clients"], load["per_client"]) == (SHARE, 1, SHARE)
        assert load["limit"] == 1000
        assert load["connections"] >= ATTACK
        # The held requests end when their bodies are overdue: 408, and the slots come back.
        waiting = [sock for sock in socks if sock not in refused]
        held = first_answers(waiting, SHARE, timeout=10)
        assert len(held) == SHARE
        assert {status_of(answer) for answer in held.values()} == {408}
        assert 3 <= time.monotonic() - started < 10
        sample = next(iter(held))
        rest = read_to_close(sample, timeout=5)  # and the connection is closed
        assert rest is not None and b"/problems/request-timeout" in held[sample] + rest
        ready_status, ready, _ = get(server, "/readyz")
        assert isinstance(ready, dict) and ready["load"]["in_flight"] == 0
    finally:
        for sock in socks:
            sock.close()


def test_readyz_is_503_while_the_worker_is_saturated_and_200_once_it_is_not(
    serve: Serve,
) -> None:
    server = serve(limit_concurrency=20, limit_concurrency_per_client=10, body_timeout=60)
    request = b"POST /v1/facts HTTP/1.1\r\n" + HOST + NEVER_SENT_BODY
    socks: list[socket.socket] = []
    for source in ("127.0.0.2", "127.0.0.3"):  # two clients, each at its share
        socks += [connect_from(source, server.port) for _ in range(10)]
    try:
        for sock in socks:
            sock.sendall(request)
        deadline = time.monotonic() + 5
        while (status := get(server, "/readyz"))[0] == 200:
            assert time.monotonic() < deadline, status
            time.sleep(0.05)
        ready_status, problem, _ = status
        assert ready_status == 503
        assert problem == {
            "type": "/problems/unavailable",
            "title": "Service unavailable",
            "status": 503,
            "detail": "This worker is answering its maximum of 20 requests at once.",
            "instance": "/readyz",
        }
        assert get(server, "/healthz")[0] == 200  # saturated, not dead
        assert get(server, "/v1/facts")[0] == 503
    finally:
        for sock in socks:
            sock.close()
    # The clients gave up: their requests end, and the worker is ready again.
    deadline = time.monotonic() + 5
    while (status := get(server, "/readyz"))[0] != 200:
        assert time.monotonic() < deadline, status
        time.sleep(0.05)
