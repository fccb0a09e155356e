"""Issue 11, finding 12: what the server tells strangers. No `server` header on any answer
(uvicorn's own included), and /metrics only for allowed networks or a bearer token; anyone
else gets exactly the 404 of a server without metrics.

The test's peer is always 127.0.0.1; a stranger is played through a trusted proxy: with
127.0.0.0/8 in FACTSHEET_TRUSTED_PROXIES, `X-Forwarded-For: 203.0.113.9` makes the client
203.0.113.9, as a proxy in front of the API would."""

import http.client

from tests.attacks.conftest import Serve, Server, raw_exchange, status_of

TOKEN = "scrape-me-if-you-can-0123456789"
STRANGER = {"X-Forwarded-For": "203.0.113.9"}
VOLATILE = {"date", "x-request-id"}


def header_names(raw: bytes) -> list[str]:
    head = raw.split(b"\r\n\r\n", 1)[0].decode("latin-1")
    return [line.split(":", 1)[0].strip().lower() for line in head.split("\r\n")[1:]]


def test_no_answer_names_the_server(serve: Serve) -> None:
    server = serve(rate_limit_enabled=True, rate_limit_burst=2, rate_limit_per_minute=1)
    host = f"Host: 127.0.0.1:{server.port}\r\n"
    requests = [  # in this order: the third finds the budget of two spent
        f"GET /v1 HTTP/1.1\r\n{host}Connection: close\r\n\r\n",
        f"GET /no-such-path HTTP/1.1\r\n{host}Connection: close\r\n\r\n",
        f"GET /v1/nris HTTP/1.1\r\n{host}Connection: close\r\n\r\n",
        "GET /v1 HTTP/1.1\r\nHost: evil.com\r\nConnection: close\r\n\r\n",
        "GET /readyz HTTP/1.0\r\n\r\n",
        "NOT HTTP AT ALL\r\n\r\n",  # answered by uvicorn itself, before the app
    ]
    answers = [raw_exchange(server.port, request.encode()) for request in requests]
    assert [n for n, a in enumerate(answers) if "server" in header_names(a)] == []
    assert [status_of(a) for a in answers] == [200, 404, 429, 400, 200, 400]
    assert "date" in header_names(answers[0])  # the Date header stays


def metrics(server: Server, headers: dict[str, str]) -> tuple[int, dict[str, str], bytes]:
    connection = http.client.HTTPConnection("127.0.0.1", server.port, timeout=10)
    try:
        connection.request("GET", "/metrics", headers=headers)
        response = connection.getresponse()
        headers_seen = {k.lower(): v for k, v in response.getheaders() if k.lower() not in VOLATILE}
        return response.status, headers_seen, response.read()
    finally:
        connection.close()


def test_metrics_are_refused_to_a_stranger_with_the_404_of_no_metrics_at_all(
    serve: Serve,
) -> None:
    server = serve(trusted_proxies="127.0.0.0/8")
    without = serve(trusted_proxies="127.0.0.0/8", metrics_enabled=False)
    assert metrics(server, {})[0] == 200  # loopback, the default allowed network
    refused = metrics(server, STRANGER)
    assert refused[0] == 404
    assert refused == metrics(without, STRANGER)
    assert b"python" not in refused[2]


def test_a_metrics_token_opens_metrics_from_anywhere(serve: Serve) -> None:
    server = serve(trusted_proxies="127.0.0.0/8", metrics_token=TOKEN, metrics_allowed_networks="")
    bearer = {"Authorization": f"Bearer {TOKEN}"}
    assert metrics(server, {})[0] == 404  # no network is allowed without the token now
    assert metrics(server, {**STRANGER, **bearer})[0] == 200
    assert b"python_info" in metrics(server, bearer)[2]
    for wrong in (f"Bearer {TOKEN}x", f"Bearer {TOKEN[:-1]}", f"Basic {TOKEN}", "Bearer"):
        assert metrics(server, {**STRANGER, "Authorization": wrong})[0] == 404, wrong
