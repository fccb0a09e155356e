"""Issue 11, finding 3: the response cache's memory bound must be a bound. A flood of
distinct keys (8 KB Host, query and Accept values on every request) may not grow the
server's resident memory beyond FACTSHEET_CACHE_MAX_BYTES plus the fixed overhead the
README documents (CACHE_OVERHEAD_MIB below, the same figure)."""

import http.client
import json
import threading
import time
from collections import Counter

from tests.attacks.conftest import Serve, Server

MIB = 1024 * 1024
CACHE_MAX_BYTES = 8 * MIB
CACHE_OVERHEAD_MIB = 48  # README, Caching: "Memory overhead"
REQUESTS = 10_000
CONNECTIONS = 8
DEADLINE_S = 420.0
PATHS = ["/v1/nris", "/v1/milestones", "/v1/organisations", "/v1/facts"]


def metric(server: Server, name: str) -> float:
    return float(get(server, "/metrics").partition(f"\n{name} ")[2].split("\n", 1)[0])


def get(server: Server, url: str) -> str:
    connection = http.client.HTTPConnection("127.0.0.1", server.port, timeout=30)
    try:
        connection.request("GET", url, headers={"Host": "localhost"})
        response = connection.getresponse()
        assert response.status == 200, url
        return response.read().decode()
    finally:
        connection.close()


def record_urls(server: Server) -> list[str]:
    """Every record's own URL: small bodies, so a key's bytes weigh as much as its body."""
    return [
        f"{path}/{record['id']}"
        for path in PATHS
        for record in json.loads(get(server, f"{path}?limit=200"))["data"]
    ]


def flood_request(i: int, records: list[str]) -> tuple[str, dict[str, str]]:
    """Request i of the flood: every Host, query and Accept value is new, and 8 KB long."""
    tag = f"{i:08x}"
    kind, n = i % 8, i // 8
    path = PATHS[n % len(PATHS)]
    if kind in (0, 4):
        url = f"{path}?q={tag}" + "q" * 8000  # computed, refused, never kept
    elif kind == 1:
        url = f"{path}?limit={1 + n // len(PATHS) % 200}"  # pages: fill the cache to its bound
    else:
        url = records[(8 * n + kind) % len(records)]  # small bodies: keys weigh the most
    host = f"h{tag}." + "a" * 8180
    accept = f"application/json;q=0.9, text/x-{tag}" + "b" * 8150 + ", */*;q=0.1"
    return url, {"Host": host, "Accept": accept}


def flood(server: Server, requests: range, records: list[str]) -> Counter[int | str]:
    seen: Counter[int | str] = Counter()
    lock = threading.Lock()
    deadline = time.monotonic() + DEADLINE_S

    def worker(start: int) -> None:
        connection = http.client.HTTPConnection("127.0.0.1", server.port, timeout=30)
        try:
            for i in requests[start::CONNECTIONS]:
                if time.monotonic() > deadline:
                    break
                url, headers = flood_request(i, records)
                try:
                    connection.request("GET", url, headers=headers)
                    response = connection.getresponse()
                    response.read()
                    outcome: int | str = response.status
                    if response.will_close:
                        connection.close()
                except (OSError, http.client.HTTPException) as exc:
                    outcome = type(exc).__name__
                    connection.close()
                with lock:
                    seen[outcome] += 1
        finally:
            connection.close()

    threads = [threading.Thread(target=worker, args=(n,)) for n in range(CONNECTIONS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=DEADLINE_S + 60)
    return seen


def test_a_flood_of_distinct_keys_stays_within_the_bound_and_the_overhead(serve: Serve) -> None:
    server = serve(
        cache_max_bytes=CACHE_MAX_BYTES,
        allowed_hosts="*",  # the worst case: every Host is answered
        # Let 8 KB queries and 24 KB heads through the limits layer, to the cache and routes.
        max_query_bytes=16_384,
        max_header_bytes=65_536,
        rate_limit_enabled=False,
        access_log=False,
    )
    # Ordinary traffic first, so what is measured is what the flood adds.
    records = record_urls(server)
    for url in [*PATHS, *records]:
        get(server, url)
    before = server.rss_mib()
    seen = flood(server, range(REQUESTS), records)
    after = server.rss_mib()
    held = metric(server, "factsheet_response_cache_bytes")
    report = f"RSS {before:.0f} -> {after:.0f} MiB, cache holds {held / MIB:.1f} MiB, {seen}"
    assert sum(seen.values()) == REQUESTS, report
    assert seen[200] > REQUESTS // 2, report  # the flood did reach the cache
    assert held <= CACHE_MAX_BYTES, report
    assert after - before <= CACHE_MAX_BYTES / MIB + CACHE_OVERHEAD_MIB, report
