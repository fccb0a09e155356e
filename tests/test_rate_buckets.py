"""The token buckets themselves (app.rate_buckets): their arithmetic on a fake clock, which
client they forget first, and the Redis buckets: shared, atomic, and what happens when Redis
goes away and comes back. The limiter over HTTP: tests/test_rate_limit.py."""

import asyncio
import dataclasses
import logging
import socket
from collections.abc import Awaitable, Iterator
from types import SimpleNamespace
from typing import TypeVar
from uuid import uuid4

import pytest

from app import rate_buckets
from app.rate_buckets import (
    Decision,
    MemoryBuckets,
    RedisBuckets,
    _redacted,
    decide,
    make_buckets,
)

REDIS_URL = "redis://127.0.0.1:6379/15"
T = TypeVar("T")


class Ticks:
    """A monotonic clock the test moves by hand."""

    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def run(step: Awaitable[T]) -> T:
    async def wrapped() -> T:
        return await step

    return asyncio.run(wrapped())


def take(buckets: MemoryBuckets, key: str = "a") -> Decision:
    decision = run(buckets.take(key))
    assert decision is not None  # a bucket in this process always decides
    return decision


def refund(buckets: MemoryBuckets, key: str = "a") -> Decision:
    decision = run(buckets.refund(key))
    assert decision is not None
    return decision


# --------------------------------------------------------------------------- the arithmetic


def test_a_full_bucket_allows_the_burst_then_refuses_with_retry_after() -> None:
    buckets = MemoryBuckets(capacity=3, rate=0.5, clock=Ticks())
    decisions = [take(buckets) for _ in range(4)]
    assert [d.allowed for d in decisions] == [True, True, True, False]
    assert [d.remaining for d in decisions] == [2, 1, 0, 0]
    assert [d.retry_after for d in decisions] == [0, 0, 0, 2]  # one token at 0.5 a second
    assert decisions[-1].reset == 6  # three tokens


def test_tokens_come_back_with_time_but_never_beyond_the_burst() -> None:
    ticks = Ticks()
    buckets = MemoryBuckets(capacity=3, rate=1.0, clock=ticks)
    for _ in range(3):
        take(buckets)
    ticks.now += 1.5
    decision = take(buckets)
    assert decision.allowed and decision.remaining == 0
    ticks.now += 3600
    decision = take(buckets)
    assert decision == decide(3, 1.0, 2.0, True)
    assert decision.reset == 1


def test_retry_after_is_a_whole_second_at_least() -> None:
    # 120 a minute: the missing token is back in half a second, which a client is told as 1.
    ticks = Ticks()
    buckets = MemoryBuckets(capacity=1, rate=2.0, clock=ticks)
    take(buckets)
    refused = take(buckets)
    assert (refused.allowed, refused.retry_after, refused.reset) == (False, 1, 1)
    ticks.now += 0.4  # 0.8 of a token: a tenth of a second to go
    refused = take(buckets)
    assert (refused.allowed, refused.retry_after, refused.reset) == (False, 1, 1)


def test_a_refund_gives_one_token_back_and_never_overfills() -> None:
    buckets = MemoryBuckets(capacity=3, rate=0.01, clock=Ticks())
    take(buckets)
    take(buckets)
    assert [refund(buckets).remaining for _ in range(3)] == [2, 3, 3]
    full = refund(buckets)
    assert (full.allowed, full.remaining, full.reset, full.retry_after) == (True, 3, 0, 0)


def test_a_decision_is_an_immutable_value() -> None:
    decision = decide(3, 1.0, 2.0, True)
    assert decision == Decision(allowed=True, remaining=2, reset=1, retry_after=0)
    assert len({decision, decide(3, 1.0, 2.0, True)}) == 1
    with pytest.raises(dataclasses.FrozenInstanceError):
        decision.remaining = 3  # type: ignore[misc]


def test_an_in_process_limiter_never_fails_open() -> None:
    buckets = MemoryBuckets(capacity=1, rate=1.0, clock=Ticks())
    take(buckets)
    take(buckets)
    assert buckets.failures == 0  # what /metrics reports as factsheet_rate_limit_fail_open


# --------------------------------------------------------------------------- which clients


def test_clients_have_their_own_buckets_and_memory_stays_bounded() -> None:
    buckets = MemoryBuckets(capacity=1, rate=1.0, max_clients=100, clock=Ticks())

    async def clients() -> list[Decision | None]:
        return [await buckets.take(f"10.0.{i // 256}.{i % 256}") for i in range(1000)]

    assert all(d is not None and d.allowed for d in run(clients()))
    assert len(buckets) == 100


def test_the_least_recently_seen_client_is_forgotten_first() -> None:
    buckets = MemoryBuckets(capacity=1, rate=0.001, max_clients=2, clock=Ticks())
    take(buckets, "alice")
    take(buckets, "bob")
    assert not take(buckets, "alice").allowed  # alice is seen again: bob is now the oldest
    assert take(buckets, "carol").allowed  # room for carol: bob goes
    assert not take(buckets, "alice").allowed  # alice's empty bucket is kept
    assert take(buckets, "bob").allowed  # bob starts again with a full bucket


def test_by_default_16384_clients_are_remembered() -> None:
    buckets = MemoryBuckets(capacity=1, rate=1.0, clock=Ticks())

    async def clients(n: int) -> None:
        for i in range(n):
            await buckets.take(f"client-{i}")

    run(clients(16_385))
    assert len(buckets) == 16_384


# --------------------------------------------------------------------------- configuration


def test_a_per_minute_quota_becomes_a_bucket_in_memory_or_in_redis() -> None:
    memory = make_buckets(per_minute=120, burst=10, redis_url=None)
    assert isinstance(memory, MemoryBuckets)
    assert (memory.capacity, memory.rate) == (10, 2.0)
    shared = make_buckets(per_minute=90, burst=5, redis_url=REDIS_URL)
    assert isinstance(shared, RedisBuckets)
    assert (shared.url, shared.capacity, shared.rate) == (REDIS_URL, 5, 1.5)


@pytest.mark.parametrize(
    ("url", "logged"),
    [
        ("redis://:s3cret@cache:6379/0", "redis://***@cache:6379/0"),
        ("rediss://limiter:s3cret@cache.internal/2", "rediss://***@cache.internal/2"),
        ("redis://cache:6379/0", "redis://cache:6379/0"),
        ("redis://@cache:6379/0", "redis://@cache:6379/0"),  # no credentials to hide
        ("unix:///run/redis.sock", "unix:///run/redis.sock"),
    ],
)
def test_a_redis_url_is_logged_without_its_credentials(url: str, logged: str) -> None:
    assert _redacted(url) == logged


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
def prefix() -> Iterator[str]:
    """A key prefix of this test's own in database 15 (runs at the same time cannot meet);
    its keys are removed afterwards."""
    import redis

    prefix = f"factsheet:ratelimit:test-{uuid4().hex}:"
    yield prefix
    client = redis.Redis.from_url(REDIS_URL)
    try:
        for key in client.scan_iter(match=prefix + "*"):
            client.delete(key)
    finally:
        client.close()


@pytest.fixture
def ticks(monkeypatch: pytest.MonkeyPatch) -> Ticks:
    """The clock the Redis buckets time an outage with (time.monotonic), moved by hand."""
    ticks = Ticks()
    monkeypatch.setattr(rate_buckets, "time", SimpleNamespace(monotonic=ticks))
    # A loaded machine must not look like an outage: only a refused connection is one here.
    monkeypatch.setattr(rate_buckets, "REDIS_TIMEOUT_S", 5.0)
    return ticks


@needs_redis
def test_a_redis_bucket_takes_and_gives_back_one_token(prefix: str) -> None:
    async def scenario() -> list[Decision | None]:
        buckets = RedisBuckets(REDIS_URL, capacity=3, rate=0.001, prefix=prefix)
        try:
            taken = [await buckets.take("192.0.2.1") for _ in range(4)]
            given = [await buckets.refund("192.0.2.1") for _ in range(4)]
        finally:
            await buckets.aclose()
        return taken + given

    decisions = [d for d in run(scenario()) if d is not None]
    assert [(d.allowed, d.remaining) for d in decisions] == [
        (True, 2),
        (True, 1),
        (True, 0),
        (False, 0),
        (True, 1),
        (True, 2),
        (True, 3),
        (True, 3),
    ]
    assert decisions[3].retry_after == 1000  # a token every 1000 s


@needs_redis
def test_a_bucket_key_expires_once_it_would_be_full_again(prefix: str) -> None:
    import redis

    async def take_one() -> None:
        buckets = RedisBuckets(REDIS_URL, capacity=10, rate=2.0, prefix=prefix)
        try:
            assert await buckets.take("192.0.2.1") is not None
        finally:
            await buckets.aclose()

    run(take_one())
    client = redis.Redis.from_url(REDIS_URL)
    try:
        ttl = client.pttl(prefix + "192.0.2.1")
    finally:
        client.close()
    assert 1000 < ttl <= 1500  # half a second to refill one token, plus a second of slack


@needs_redis
def test_the_script_is_atomic_under_concurrent_takes(prefix: str) -> None:
    async def burst() -> list[bool]:
        buckets = RedisBuckets(REDIS_URL, capacity=20, rate=0.001, prefix=prefix)
        try:
            decisions = await asyncio.gather(*(buckets.take("198.51.100.7") for _ in range(60)))
        finally:
            await buckets.aclose()
        return [d is not None and d.allowed for d in decisions]

    assert sum(run(burst())) == 20


@needs_redis
def test_a_redis_that_answers_logs_nothing(prefix: str, caplog: pytest.LogCaptureFixture) -> None:
    async def scenario() -> list[Decision | None]:
        buckets = RedisBuckets(REDIS_URL, capacity=5, rate=0.001, prefix=prefix)
        try:
            return [await buckets.take("192.0.2.1") for _ in range(3)]
        finally:
            await buckets.aclose()

    with caplog.at_level(logging.INFO, logger="app.rate_limit"):
        decisions = run(scenario())
    assert all(d is not None and d.allowed for d in decisions)
    assert [r.getMessage() for r in caplog.records if r.name == "app.rate_limit"] == []


class Relay:
    """A TCP relay to the test Redis that a test cuts and restores: Redis going away and
    coming back as the limiter sees it, without touching the Redis other tests use."""

    def __init__(self) -> None:
        with socket.socket() as probe:  # a port nothing listens on (until `up`)
            probe.bind(("127.0.0.1", 0))
            self.port: int = probe.getsockname()[1]
        self.url = f"redis://:relay-s3cret@127.0.0.1:{self.port}/15"
        self.links: set[asyncio.StreamWriter] = set()  # the limiter's open connections
        self.opened = 0
        self._server: asyncio.Server | None = None
        self._upstream: set[asyncio.StreamWriter] = set()

    async def up(self) -> None:
        self._server = await asyncio.start_server(self._relay, "127.0.0.1", self.port)

    async def down(self) -> None:
        """Refuses new connections and drops the open ones."""
        assert self._server is not None
        self._server.close()
        for writer in [*self.links, *self._upstream]:
            writer.close()
        await self._server.wait_closed()
        self._server = None

    async def hung_up(self) -> bool:
        """Whether every connection the limiter opened is closed (waits up to 5 s for it)."""
        for _ in range(500):
            if not self.links:
                return True
            await asyncio.sleep(0.01)
        return False

    async def _relay(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        upstream_reader, upstream = await asyncio.open_connection("127.0.0.1", 6379)
        self.opened += 1
        self.links.add(writer)
        self._upstream.add(upstream)
        try:
            await asyncio.gather(pipe(reader, upstream), pipe(upstream_reader, writer))
        finally:
            self.links.discard(writer)
            self._upstream.discard(upstream)


async def pipe(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
    try:
        while data := await reader.read(65536):
            writer.write(data)
            await writer.drain()
    except OSError:
        pass
    finally:
        writer.close()


def messages(caplog: pytest.LogCaptureFixture) -> list[str]:
    return [r.getMessage() for r in caplog.records if r.name == "app.rate_limit"]


@needs_redis
def test_an_unreachable_redis_fails_open_and_warns_once_without_the_password(
    ticks: Ticks, caplog: pytest.LogCaptureFixture
) -> None:
    relay = Relay()  # never up: the connection is refused

    async def scenario() -> list[Decision | None]:
        buckets = RedisBuckets(relay.url, capacity=1, rate=0.001)
        try:
            decisions = []
            for _ in range(5):
                decisions.append(await buckets.take("192.0.2.1"))
                ticks.now += 1.0
            assert buckets.failures == 5
            return decisions
        finally:
            await buckets.aclose()

    with caplog.at_level(logging.INFO, logger="app.rate_limit"):
        assert run(scenario()) == [None] * 5
    [warning] = messages(caplog)
    assert warning.startswith("rate limiting is off: Redis at redis://***@127.0.0.1:")
    assert "s3cret" not in warning


@needs_redis
def test_after_an_outage_redis_is_asked_again_after_five_seconds_and_limits_again(
    ticks: Ticks, prefix: str, caplog: pytest.LogCaptureFixture
) -> None:
    relay = Relay()

    async def scenario() -> list[tuple[str, Decision | None, list[str]]]:
        buckets = RedisBuckets(relay.url, capacity=1, rate=0.001, prefix=prefix)
        seen: list[tuple[str, Decision | None, list[str]]] = []

        async def step(label: str) -> None:
            caplog.clear()
            seen.append((label, await buckets.take("192.0.2.1"), messages(caplog)))

        try:
            await step("down")
            await relay.up()
            ticks.now += 4.9
            await step("back, within the pause")
            ticks.now += 0.1
            await step("back, after the pause")
            await step("back, again")
            await relay.down()
            await step("down again")
            ticks.now += 1.0
            await step("down again, within the pause")
            assert buckets.failures == 4  # every request let through unlimited
        finally:
            await buckets.aclose()
        return seen

    with caplog.at_level(logging.INFO, logger="app.rate_limit"):
        seen = run(scenario())
    summary = [
        (label, None if d is None else (d.allowed, d.remaining), [m[:25] for m in logs])
        for label, d, logs in seen
    ]
    assert summary == [
        ("down", None, ["rate limiting is off: Red"]),
        ("back, within the pause", None, []),
        ("back, after the pause", (True, 0), ["rate limiting is on again"]),
        ("back, again", (False, 0), []),  # the budget is kept in Redis again
        ("down again", None, ["rate limiting is off: Red"]),  # a new outage warns again
        ("down again, within the pause", None, []),
    ]


@needs_redis
def test_closing_the_buckets_hangs_up_on_redis(prefix: str) -> None:
    relay = Relay()

    async def scenario() -> None:
        await relay.up()
        buckets = RedisBuckets(relay.url, capacity=2, rate=0.001, prefix=prefix)
        await buckets.aclose()  # never used: nothing to close
        assert await buckets.take("192.0.2.1") is not None
        assert relay.links
        await buckets.aclose()
        assert await relay.hung_up()
        # Closed buckets connect again when used (an app's lifespan can run more than once).
        decision = await buckets.take("192.0.2.1")
        assert decision is not None and decision.remaining == 0
        assert relay.opened == 2
        await buckets.aclose()
        assert await relay.hung_up()
        await relay.down()

    run(scenario())
