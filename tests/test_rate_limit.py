"""Rate limiting over HTTP: the headers and the 429, 304s for free, exempt probes, who counts
as a client, and budgets shared through a real Redis. The buckets' own arithmetic, on a fake
clock: tests/test_rate_buckets.py."""

import logging
import secrets
from collections.abc import Iterator
from ipaddress import ip_network
from types import SimpleNamespace
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from app import rate_buckets
from app.errors import PROBLEM_TYPES
from app.rate_buckets import REDIS_PREFIX
from app.rate_limit import bucket_key
from app.seed import sync_seed
from app.settings import Settings
from tests.conftest import LOOPBACK_CLIENT, MakeApp
from tests.test_rate_buckets import REDIS_URL, redis_reachable

PROBLEM_PATH = "/problems/not-found"  # cacheable, needs no data


@pytest.fixture
def make_app(make_app: MakeApp) -> MakeApp:
    """conftest's make_app, with rate limiting on (and no access log) unless told otherwise."""

    def make(**overrides: object) -> FastAPI:
        return make_app(**{"rate_limit_enabled": True, "access_log": False, **overrides})

    return make


def on_hold(app: FastAPI) -> FastAPI:
    """Stops the clock of the app's in-memory buckets, so no token comes back during a test
    however slow the machine (the app's clock is the calendar's; the buckets read their own,
    time.monotonic, and the app offers no way to hand them another)."""
    app.state.rate_limiter._clock = lambda: 1000.0
    return app


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
    app = on_hold(make_app(rate_limit_burst=5, rate_limit_per_minute=1))
    with TestClient(app) as client:
        first = client.get(PROBLEM_PATH)
        missing = client.get("/v1/nope")
    assert first.headers["ratelimit-limit"] == "5"
    assert first.headers["ratelimit-policy"] == "5;w=300"
    assert first.headers["ratelimit-remaining"] == "4"
    assert first.headers["ratelimit-reset"] == "60"  # a token a minute
    assert missing.headers["ratelimit-remaining"] == "3"
    assert missing.headers["ratelimit-reset"] == "120"  # two tokens short


def test_past_the_burst_the_answer_is_a_429_problem_with_retry_after(make_app: MakeApp) -> None:
    app = on_hold(make_app(rate_limit_burst=3, rate_limit_per_minute=6))
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
# The buckets in Redis themselves (atomic, expiring, an outage and the way back):
# tests/test_rate_buckets.py.

needs_redis = pytest.mark.skipif(not redis_reachable(), reason=f"no Redis answers at {REDIS_URL}")


@pytest.fixture
def peer() -> Iterator[tuple[str, int]]:
    """A client address of this test's own, so its bucket in Redis (database 15) is one no
    other test, nor another run at the same time, can meet; the bucket is removed afterwards."""
    import redis

    address = f"2001:db8:{secrets.randbelow(1 << 16):x}:{secrets.randbelow(1 << 16):x}::1"
    yield (address, 50000)
    client = redis.Redis.from_url(REDIS_URL)
    try:
        client.delete(REDIS_PREFIX + bucket_key(address))
    finally:
        client.close()


@needs_redis
def test_two_app_instances_share_one_budget_through_redis(
    make_app: MakeApp, peer: tuple[str, int]
) -> None:
    one = make_app(redis_url=REDIS_URL, rate_limit_burst=5, rate_limit_per_minute=1)
    two = make_app(redis_url=REDIS_URL, rate_limit_burst=5, rate_limit_per_minute=1)
    with TestClient(one, client=peer) as first, TestClient(two, client=peer) as second:
        seen = [
            (client.get(PROBLEM_PATH).headers["ratelimit-remaining"])
            for client in (first, second, first, second, first)
        ]
        assert seen == ["4", "3", "2", "1", "0"]
        assert second.get(PROBLEM_PATH).status_code == 429
        assert first.get(PROBLEM_PATH).status_code == 429


@needs_redis
def test_a_304_gives_the_token_back_in_redis(make_app: MakeApp, peer: tuple[str, int]) -> None:
    app = make_app(redis_url=REDIS_URL, rate_limit_burst=3, rate_limit_per_minute=1)
    with TestClient(app, client=peer) as client:
        etag = client.get(PROBLEM_PATH).headers["etag"]
        for _ in range(5):
            again = client.get(PROBLEM_PATH, headers={"If-None-Match": etag})
            assert (again.status_code, again.headers["ratelimit-remaining"]) == (304, "2")


def test_an_unreachable_redis_fails_open_and_warns_once(
    make_app: MakeApp, caplog: pytest.LogCaptureFixture, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The limiter tries Redis again 5 s after a failure: on a clock that stands still, never.
    monkeypatch.setattr(rate_buckets, "time", SimpleNamespace(monotonic=lambda: 1000.0))
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
