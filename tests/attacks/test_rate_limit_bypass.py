"""Issue 11, finding 2: a conditional header must not make computation free. A 304 costs
nothing only when the response cache answered it from an entry it already held; a request
that made the server compute the answer (a miss) costs a token whatever its status."""

import http.client
import re

import pytest

from tests.attacks.conftest import Serve, Server

BURST = 20
PER_MINUTE = 6  # a token every 10 s: nothing comes back during the test
REQUESTS = 200
LIMITED = {
    "rate_limit_enabled": True,
    "rate_limit_burst": BURST,
    "rate_limit_per_minute": PER_MINUTE,
}


def cache_misses(server: Server) -> int:
    connection = http.client.HTTPConnection("127.0.0.1", server.port, timeout=10)
    try:
        connection.request("GET", "/metrics")
        text = connection.getresponse().read().decode()
    finally:
        connection.close()
    match = re.search(r"^factsheet_response_cache_misses_total (\S+)$", text, re.MULTILINE)
    assert match, text
    return int(float(match.group(1)))


def exchange(
    connection: http.client.HTTPConnection, method: str, url: str, headers: dict[str, str]
) -> http.client.HTTPResponse:
    connection.request(method, url, headers=headers)
    response = connection.getresponse()
    response.read()
    return response


@pytest.mark.parametrize("method", ["GET", "HEAD"])
@pytest.mark.parametrize(
    "condition",
    [{"If-None-Match": "*"}, {"If-Modified-Since": "Fri, 01 Jan 2100 00:00:00 GMT"}],
    ids=["if-none-match-star", "if-modified-since-2100"],
)
def test_conditional_requests_on_distinct_queries_are_rate_limited(
    serve: Serve, condition: dict[str, str], method: str
) -> None:
    server = serve(**LIMITED)
    before = cache_misses(server)
    connection = http.client.HTTPConnection("127.0.0.1", server.port, timeout=10)
    try:
        # Every URL is new to the cache: each answer is computed, whatever its status.
        statuses = [
            exchange(connection, method, f"/v1/nris?limit={n}", condition).status
            for n in range(1, REQUESTS + 1)
        ]
    finally:
        connection.close()
    computed = cache_misses(server) - before
    answered = [s for s in statuses if s != 429]
    assert statuses.count(429) >= REQUESTS - BURST - 2, statuses
    assert set(answered) == {304}, statuses
    # Only what the budget allowed was computed (a token may come back during the run).
    assert computed == len(answered) <= BURST + 2, (computed, statuses.count(429))


def test_an_honest_client_revalidates_a_cached_page_for_free(serve: Serve) -> None:
    server = serve(**LIMITED)
    connection = http.client.HTTPConnection("127.0.0.1", server.port, timeout=10)
    try:
        first = exchange(connection, "GET", "/v1/nris?limit=5", {})
        etag = first.getheader("ETag")
        assert first.status == 200 and etag
        spent = int(first.getheader("RateLimit-Remaining") or -1)
        again = [
            exchange(connection, "GET", "/v1/nris?limit=5", {"If-None-Match": etag})
            for _ in range(REQUESTS)
        ]
        still = exchange(connection, "GET", "/v1/nris?limit=5", {})
    finally:
        connection.close()
    remaining = [int(r.getheader("RateLimit-Remaining") or -1) for r in again]
    assert {r.status for r in again} == {304}
    assert min(remaining) >= spent  # tokens only came back with time, none was taken
    # A full answer costs a token again, even from the cache.
    assert still.status == 200
    assert int(still.getheader("RateLimit-Remaining") or -1) <= remaining[-1]
