"""Rate limiting: the token bucket's arithmetic, the headers and the 429 over HTTP, 304s for
free, exempt probes, who counts as a client, and budgets shared through a real Redis."""

import asyncio
import logging
from collections.abc import Iterator
from ipaddress import ip_network
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from app.errors import PROBLEM_TYPES
from app.rate_buckets import MemoryBuckets, RedisBuckets, decide
from app.rate_limit import bucket_key
from app.seed import sync_seed
from app.settings import Settings
from tests.conftest import LOOPBACK_CLIENT, MakeApp

REDIS_URL = "redis://127.0.0.1:6379/15"
PROBLEM_PATH = "/problems/not-found"  # cacheable, needs no data


@pytest.fixture
def make_app(make_app: MakeApp) -> MakeApp:
    """conftest's make_app, with rate limiting on (and no access log) unless told otherwise."""

    def make(**overrides: object) -> FastAPI:
        return make_app(**{"rate_limit_enabled": True, "access_log": False, **overrides})

    return make


class Ticks:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


# --------------------------------------------------------------------------- the bucket


def test_a_full_bucket_allows_the_burst_then_refuses_with_retry_after() -> None:
    ticks = Ticks()
    buckets = MemoryBuckets(capacity=3, rate=0.5, clock=ticks)
    decisions = [asyncio.run(buckets.take("a")) for _ in range(4)]
    assert [d.allowed for d in decisions if d] == [True, True, True, False]
    assert [d.remaining for d in decisions if d] == [2, 1, 0, 0]
    refused = decisions[-1]
    assert refused is not None
    assert refused.retry_after == 2  # one token at 0.5 a second
    assert refused.reset == 6  # three tokens


def test_tokens_come_back_with_time_but_never_beyond_the_burst() -> None:
    ticks = Ticks()
    buckets = MemoryBuckets(capacity=3, rate=1.0, clock=ticks)
    for _ in range(3):
        asyncio.run(buckets.take("a"))
    ticks.now += 1.5
    decision = asyncio.run(buckets.take("a"))
    assert decision is not None and decision.allowed and decision.remaining == 0
    ticks.now += 3600
    decision = asyncio.run(buckets.take("a"))
    assert decision == decide(3, 1.0, 2.0, True)
    assert decision.reset == 1


def test_a_refund_gives_the_token_back_without_overfilling() -> None:
    buckets = MemoryBuckets(capacity=2, rate=1.0, clock=Ticks())
    asyncio.run(buckets.take("a"))
    refunded = asyncio.run(buckets.refund("a"))
    assert refunded is not None and refunded.remaining == 2
    refunded = asyncio.run(buckets.refund("a"))
    assert refunded is not None and refunded.remaining == 2


def test_clients_have_their_own_buckets_and_memory_stays_bounded() -> None:
    buckets = MemoryBuckets(capacity=1, rate=1.0, max_clients=100, clock=Ticks())
    for i in range(1000):
        decision = asyncio.run(buckets.take(f"10.0.{i // 256}.{i % 256}"))
        assert decision is not None and decision.allowed
    assert len(buckets) == 100


# --------------------------------------------------------------------------- who the client is
# (which address that is: tests/test_client_address.py)


def test_ipv6_clients_share_a_bucket_per_64() -> None:
    assert bucket_key("2001:db8:1:2:aaaa::1") == bucket_key("2001:db8:1:2:bbbb::2")
    assert bucket_key("2001:db8:1:2::1") == "2001:db8:1:2::/64"
    assert bucket_key("2001:db8:1:3::1") != bucket_key("2001:db8:1:2::1")
    assert bucket_key("::ffff:192.0.2.1") == "192.0.2.1"
    assert bucket_key("192.0.2.1") == "192.0.2.1"
    assert bucket_key("not:an-address") == "not:an-address"


# --------------------------------------------------------------------------- over HTTP


def test_every_response_carries_the_rate_limit_headers(make_app: MakeApp) -> None:
    # A token a minute: no refill between the two requests, however slow the machine.
    app = make_app(rate_limit_burst=5, rate_limit_per_minute=1)
    with TestClient(app) as client:
        first = client.get(PROBLEM_PATH)
        missing = client.get("/v1/nope")
    assert first.headers["ratelimit-limit"] == "5"
    assert first.headers["ratelimit-policy"] == "5;w=300"
    assert first.headers["ratelimit-remaining"] == "4"
    assert 0 < int(first.headers["ratelimit-reset"]) <= 60
    assert missing.headers["ratelimit-remaining"] == "3"
    # Two tokens short: 120 s to refill, less whatever time passed between the two requests
    # (the buckets' own arithmetic is tested exactly, on a fake clock, above).
    assert 60 < int(missing.headers["ratelimit-reset"]) <= 120


def test_past_the_burst_the_answer_is_a_429_problem_with_retry_after(make_app: MakeApp) -> None:
    app = make_app(rate_limit_burst=3, rate_limit_per_minute=6)
    with TestClient(app) as client:
        statuses = [client.get(PROBLEM_PATH).status_code for _ in range(3)]
        refused = client.get(PROBLEM_PATH)
    assert statuses == [200, 200, 200]
    assert refused.status_code == 429
    assert refused.headers["content-type"] == "application/problem+json"
    assert refused.headers["cache-control"] == "no-store"
    assert refused.headers["retry-after"] == "10"  # 6 a minute: a token every 10 s
    assert refused.headers["ratelimit-remaining"] == "0"
    assert refused.headers["ratelimit-reset"] == "30"
    assert refused.json() == {
        "type": "/problems/too-many-requests",
        "title": "Too many requests",
        "status": 429,
        "detail": "This client may make 6 requests a minute, in bursts of up to 3. Retry in 10 s.",
        "instance": PROBLEM_PATH,
    }


def test_304_answers_from_the_cache_cost_nothing(make_app: MakeApp) -> None:
    app = make_app(rate_limit_burst=3, rate_limit_per_minute=1)
    with TestClient(app) as client:
        etag = client.get(PROBLEM_PATH).headers["etag"]
        revalidations = [
            client.get(PROBLEM_PATH, headers={"If-None-Match": etag}) for _ in range(10)
        ]
        assert {r.status_code for r in revalidations} == {304}
        assert {r.headers["ratelimit-remaining"] for r in revalidations} == {"2"}
        assert client.get(PROBLEM_PATH).headers["ratelimit-remaining"] == "1"


# Problem types the cache does not hold yet: each answer below is computed.
UNCACHED = [f"/problems/{code}" for code in sorted(PROBLEM_TYPES)[:6]]
FUTURE = "Fri, 01 Jan 2100 00:00:00 GMT"


@pytest.mark.parametrize(
    ("method", "headers", "status"),
    [
        ("GET", {"If-None-Match": "*"}, 304),
        ("GET", {"If-Modified-Since": FUTURE}, 304),
        ("HEAD", {"If-None-Match": "*"}, 304),
        ("HEAD", {}, 200),
    ],
)
def test_an_answer_the_server_computed_costs_a_token_whatever_its_status(
    make_app: MakeApp,
    seed_data: dict[str, Any],
    method: str,
    headers: dict[str, str],
    status: int,
) -> None:
    app = make_app(rate_limit_burst=3, rate_limit_per_minute=1)
    sync_seed(app.state.engine, seed_data)  # the data's date gives answers a Last-Modified
    with TestClient(app) as client:
        answers = [client.request(method, path, headers=headers) for path in UNCACHED]
    assert [a.status_code for a in answers] == [status] * 3 + [429] * 3
    assert [a.headers["ratelimit-remaining"] for a in answers[:3]] == ["2", "1", "0"]


def test_a_304_costs_a_token_when_the_cache_is_off(make_app: MakeApp) -> None:
    app = make_app(rate_limit_burst=3, rate_limit_per_minute=1, cache_enabled=False)
    with TestClient(app) as client:
        etag = client.get(PROBLEM_PATH).headers["etag"]
        again = [client.get(PROBLEM_PATH, headers={"If-None-Match": etag}) for _ in range(3)]
    assert [a.status_code for a in again] == [304, 304, 429]


@pytest.mark.parametrize("path", ["/healthz", "/readyz", "/metrics"])
def test_probes_and_metrics_are_exempt(make_app: MakeApp, path: str) -> None:
    app = make_app(rate_limit_burst=1, rate_limit_per_minute=1)
    with TestClient(app) as client:
        answers = [client.get(path) for _ in range(5)]
        assert client.get(PROBLEM_PATH).status_code == 200  # the budget is untouched
    assert 429 not in {a.status_code for a in answers}
    assert all("ratelimit-limit" not in a.headers for a in answers)


def test_each_client_behind_a_trusted_proxy_has_its_own_budget(make_app: MakeApp) -> None:
    app = make_app(
        rate_limit_burst=1, rate_limit_per_minute=1, trusted_proxies=[ip_network("127.0.0.1")]
    )
    with TestClient(app, client=LOOPBACK_CLIENT) as client:
        alice = {"X-Forwarded-For": "198.51.100.1"}
        bob = {"X-Forwarded-For": "198.51.100.2"}
        assert client.get(PROBLEM_PATH, headers=alice).status_code == 200
        assert client.get(PROBLEM_PATH, headers=alice).status_code == 429
        assert client.get(PROBLEM_PATH, headers=bob).status_code == 200


def test_without_trust_a_forged_forwarded_for_does_not_buy_a_new_budget(
    make_app: MakeApp,
) -> None:
    app = make_app(rate_limit_burst=1, rate_limit_per_minute=1)
    with TestClient(app) as client:
        assert client.get(PROBLEM_PATH, headers={"X-Forwarded-For": "1.1.1.1"}).status_code == 200
        forged = client.get(PROBLEM_PATH, headers={"X-Forwarded-For": "2.2.2.2"})
    assert forged.status_code == 429


def test_a_huge_budget_is_just_a_number(make_app: MakeApp) -> None:
    app = make_app(rate_limit_burst=10**9, rate_limit_per_minute=10**9)
    with TestClient(app) as client:
        response = client.get(PROBLEM_PATH)
    assert response.headers["ratelimit-limit"] == "1000000000"
    assert response.headers["ratelimit-remaining"] == "999999999"


def test_turned_off_there_are_no_headers_and_no_429(make_app: MakeApp) -> None:
    app = make_app(rate_limit_enabled=False, rate_limit_burst=1)
    with TestClient(app) as client:
        answers = [client.get(PROBLEM_PATH) for _ in range(5)]
    assert {a.status_code for a in answers} == {200}
    assert all("ratelimit-limit" not in a.headers for a in answers)


def test_the_default_is_on_with_600_a_minute_in_bursts_of_120() -> None:
    defaults = Settings(_env_file=None)
    assert defaults.rate_limit_enabled
    assert (defaults.rate_limit_per_minute, defaults.rate_limit_burst) == (600, 120)
    assert defaults.trusted_proxies == []
    assert defaults.redis_url is None


# --------------------------------------------------------------------------- Redis


def redis_reachable() -> bool:
    import redis

    try:
        client = redis.Redis.from_url(REDIS_URL, socket_connect_timeout=0.5)
        try:
            return bool(client.ping())
        finally:
            client.close()
    except (redis.RedisError, OSError):
        return False


needs_redis = pytest.mark.skipif(not redis_reachable(), reason=f"no Redis answers at {REDIS_URL}")


@pytest.fixture
def redis_keys() -> Iterator[None]:
    """Removes this suite's buckets from database 15 before and after each test."""
    import redis

    client = redis.Redis.from_url(REDIS_URL)

    def clear() -> None:
        for key in client.scan_iter(match="factsheet:ratelimit:*"):
            client.delete(key)

    clear()
    yield
    clear()
    client.close()


@needs_redis
def test_two_app_instances_share_one_budget_through_redis(
    make_app: MakeApp, redis_keys: None
) -> None:
    one = make_app(redis_url=REDIS_URL, rate_limit_burst=5, rate_limit_per_minute=1)
    two = make_app(redis_url=REDIS_URL, rate_limit_burst=5, rate_limit_per_minute=1)
    with TestClient(one) as first, TestClient(two) as second:
        seen = [
            (client.get(PROBLEM_PATH).headers["ratelimit-remaining"])
            for client in (first, second, first, second, first)
        ]
        assert seen == ["4", "3", "2", "1", "0"]
        assert second.get(PROBLEM_PATH).status_code == 429
        assert first.get(PROBLEM_PATH).status_code == 429


@needs_redis
def test_a_304_gives_the_token_back_in_redis(make_app: MakeApp, redis_keys: None) -> None:
    app = make_app(redis_url=REDIS_URL, rate_limit_burst=3, rate_limit_per_minute=1)
    with TestClient(app) as client:
        etag = client.get(PROBLEM_PATH).headers["etag"]
        for _ in range(5):
            again = client.get(PROBLEM_PATH, headers={"If-None-Match": etag})
            assert (again.status_code, again.headers["ratelimit-remaining"]) == (304, "2")


@needs_redis
def test_a_bucket_key_expires_once_it_would_be_full_again(redis_keys: None) -> None:
    import redis

    async def take_one() -> None:
        buckets = RedisBuckets(REDIS_URL, capacity=10, rate=2.0)
        try:
            assert await buckets.take("192.0.2.1") is not None
        finally:
            await buckets.aclose()

    asyncio.run(take_one())
    client = redis.Redis.from_url(REDIS_URL)
    try:
        ttl = client.pttl("factsheet:ratelimit:192.0.2.1")
    finally:
        client.close()
    assert 1000 < ttl <= 1500  # half a second to refill one token, plus a second of slack


@needs_redis
def test_the_script_is_atomic_under_concurrent_takes(redis_keys: None) -> None:
    async def burst() -> list[bool]:
        buckets = RedisBuckets(REDIS_URL, capacity=20, rate=0.001)
        try:
            decisions = await asyncio.gather(*(buckets.take("198.51.100.7") for _ in range(60)))
        finally:
            await buckets.aclose()
        return [d is not None and d.allowed for d in decisions]

    assert sum(asyncio.run(burst())) == 20


def test_an_unreachable_redis_fails_open_and_warns_once(
    make_app: MakeApp, caplog: pytest.LogCaptureFixture
) -> None:
    # Nothing listens on port 1: the connection is refused at once.
    app = make_app(redis_url="redis://127.0.0.1:1/0", rate_limit_burst=1)
    with caplog.at_level(logging.WARNING, logger="app.rate_limit"):
        with TestClient(app) as client:
            answers = [client.get(PROBLEM_PATH) for _ in range(5)]
    assert {a.status_code for a in answers} == {200}
    assert all("ratelimit-limit" not in a.headers for a in answers)
    warnings = [r for r in caplog.records if r.name == "app.rate_limit"]
    assert len(warnings) == 1
    assert "rate limiting is off" in warnings[0].getMessage()
    assert app.state.rate_limiter.failures == 5
