"""Issue 11, finding 6: forwarding headers are believed only from FACTSHEET_TRUSTED_PROXIES.

The server's only peer is this test, on 127.0.0.1. Without trusted proxies that is the
client whatever X-Forwarded-For or Forwarded say (uvicorn used to believe them from
127.0.0.1 on its own). With 127.0.0.0/8 trusted, the test plays a proxy, and the clients
behind it are what it writes into the headers: the right-most hop that is not a trusted
proxy, and only when it is an IP address."""

import http.client
import json
import time
from typing import Any

import pytest

from tests.attacks.conftest import Serve, Server

BURST = 10
REQUESTS = 200
LIMITED = {"rate_limit_enabled": True, "rate_limit_burst": BURST, "rate_limit_per_minute": 6}
LOOPBACK_PROXY = {"trusted_proxies": "127.0.0.0/8"}
PATH = "/problems/not-found"  # cached and rate limited, needs no data


def statuses(server: Server, header_sets: list[dict[str, str]]) -> list[int]:
    connection = http.client.HTTPConnection("127.0.0.1", server.port, timeout=10)
    found = []
    try:
        for headers in header_sets:
            connection.request("GET", PATH, headers=headers)
            response = connection.getresponse()
            response.read()
            found.append(response.status)
    finally:
        connection.close()
    return found


def logged_clients(server: Server, request_ids: list[str]) -> dict[str, str]:
    """request id -> the access log's `client`, once every id has its line."""
    deadline = time.monotonic() + 5
    while True:
        lines = [json.loads(line) for line in server.log_text().splitlines() if line[:1] == "{"]
        clients = {line["request_id"]: line["client"] for line in lines if "request_id" in line}
        if set(request_ids) <= set(clients) or time.monotonic() > deadline:
            return {rid: clients.get(rid, "<no line>") for rid in request_ids}
        time.sleep(0.05)


def test_distinct_forwarded_for_values_buy_no_budgets_without_trusted_proxies(
    serve: Serve,
) -> None:
    server = serve(**LIMITED)
    forged = [{"X-Forwarded-For": f"198.51.{i // 256}.{i % 256}"} for i in range(REQUESTS)]
    answers = statuses(server, forged)
    assert answers.count(429) >= REQUESTS - BURST - 2, answers


SPOOFS: list[dict[str, str]] = [
    {"X-Forwarded-For": '"><script>alert(1)</script>'},
    {"X-Forwarded-For": "x" * 5000},
    {"X-Forwarded-For": "203.0.113.9"},
    {"Forwarded": "for=198.51.100.1"},
    {"X-Forwarded-For": "203.0.113.9", "X-Forwarded-Proto": "https"},
]


def test_without_trusted_proxies_the_log_names_the_peer(serve: Serve) -> None:
    server = serve()
    tagged = {f"spoof-{n}": headers for n, headers in enumerate(SPOOFS)}
    statuses(server, [{**headers, "X-Request-ID": rid} for rid, headers in tagged.items()])
    assert logged_clients(server, list(tagged)) == dict.fromkeys(tagged, "127.0.0.1")


BEHIND_A_PROXY: list[tuple[dict[str, str], str]] = [
    # The proxy appended what it saw; the client wrote everything to its left.
    ({"X-Forwarded-For": "198.51.100.1, 203.0.113.9"}, "203.0.113.9"),
    ({"X-Forwarded-For": "spoofed, 203.0.113.9"}, "203.0.113.9"),
    # A chain of trusted proxies is walked past.
    ({"X-Forwarded-For": "203.0.113.9, 127.0.0.5, 127.0.0.6"}, "203.0.113.9"),
    # Every hop a trusted proxy: the first of them wrote the left-most.
    ({"X-Forwarded-For": "127.0.0.9"}, "127.0.0.9"),
    # Not an address where one is read: the header is not believed at all.
    ({"X-Forwarded-For": '"><script>'}, "127.0.0.1"),
    ({"X-Forwarded-For": "x" * 5000}, "127.0.0.1"),
    ({"X-Forwarded-For": "203.0.113.9, unknown"}, "127.0.0.1"),
    ({"X-Forwarded-For": "203.0.113.9:4711"}, "203.0.113.9"),
    ({"Forwarded": 'for=198.51.100.1, for="[2001:db8::7]:4711";proto=https'}, "2001:db8::7"),
    ({"Forwarded": "for=unknown"}, "127.0.0.1"),
    ({"Forwarded": "for=_hidden;by=127.0.0.1"}, "127.0.0.1"),
    # Both headers: a proxy that writes one passes the other on from the client.
    ({"X-Forwarded-For": "203.0.113.9", "Forwarded": "for=198.51.100.1"}, "127.0.0.1"),
]


def test_behind_a_trusted_proxy_the_right_most_untrusted_address_is_the_client(
    serve: Serve,
) -> None:
    server = serve(**LOOPBACK_PROXY)
    tagged = {f"hop-{n}": case for n, case in enumerate(BEHIND_A_PROXY)}
    requests = [{**headers, "X-Request-ID": rid} for rid, (headers, _) in tagged.items()]
    assert set(statuses(server, requests)) == {200}
    expected = {rid: client for rid, (_, client) in tagged.items()}
    assert logged_clients(server, list(tagged)) == expected


@pytest.mark.parametrize(
    ("forwarded_for", "limited"),
    [(lambda i: f"198.51.100.{i}", False), (lambda i: f"client-{i}", True)],
    ids=["addresses", "garbage"],
)
def test_behind_a_trusted_proxy_only_real_addresses_get_budgets_of_their_own(
    serve: Serve, forwarded_for: Any, limited: bool
) -> None:
    server = serve(**LIMITED, **LOOPBACK_PROXY)
    answers = statuses(server, [{"X-Forwarded-For": forwarded_for(i)} for i in range(60)])
    # Sixty clients with an address each stay within their budgets; garbage is the proxy's.
    assert (429 in answers) is limited, answers
