"""Token buckets, one per client key: in this process (MemoryBuckets) or shared through Redis
(RedisBuckets). Each holds up to `capacity` tokens and refills at `rate` tokens a second;
taking a token that is not there is refused, and giving one back (a 304) never overfills.

Redis runs one Lua script that refills and takes atomically, on Redis's clock, so every
worker and replica shares one budget per client. If Redis cannot be reached the buckets say
so (None) and the limiter lets the request through: a warning is logged once per outage and
Redis is tried again after RETRY_AFTER_FAILURE_S.
"""

import logging
import math
import time
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Protocol

log = logging.getLogger("app.rate_limit")

MAX_CLIENTS = 16_384  # in-memory buckets kept; the least recently seen go first
REDIS_TIMEOUT_S = 0.25  # a limiter slower than this costs more than it protects
RETRY_AFTER_FAILURE_S = 5.0
REDIS_PREFIX = "factsheet:ratelimit:"


@dataclass(frozen=True, slots=True)
class Decision:
    allowed: bool
    remaining: int  # whole tokens left
    reset: int  # seconds until the bucket is full
    retry_after: int  # seconds until one token is back (0 when allowed)


class Buckets(Protocol):
    capacity: int
    rate: float  # tokens per second
    failures: int  # times the limiter could not decide and let a request through

    async def take(self, key: str) -> Decision | None: ...
    async def refund(self, key: str) -> Decision | None: ...
    async def aclose(self) -> None: ...


def decide(capacity: int, rate: float, tokens: float, allowed: bool) -> Decision:
    missing = capacity - tokens
    return Decision(
        allowed=allowed,
        remaining=max(0, math.floor(tokens)),
        reset=max(0, math.ceil(missing / rate - 1e-9)),
        retry_after=0 if allowed else max(1, math.ceil((1 - tokens) / rate)),
    )


class MemoryBuckets:
    """Buckets of this process. A bucket left alone refills to full, which is the same as
    having none, so evicting the least recently seen client loses (almost) nothing."""

    def __init__(
        self,
        capacity: int,
        rate: float,
        max_clients: int = MAX_CLIENTS,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.capacity = capacity
        self.rate = rate
        self.failures = 0
        self.max_clients = max_clients
        self._clock = clock
        self._buckets: OrderedDict[str, list[float]] = OrderedDict()  # key -> [tokens, at]

    def __len__(self) -> int:
        return len(self._buckets)

    def _apply(self, key: str, cost: int) -> Decision:
        now = self._clock()
        bucket = self._buckets.get(key)
        if bucket is None:
            if len(self._buckets) >= self.max_clients:
                self._buckets.popitem(last=False)
            bucket = self._buckets[key] = [float(self.capacity), now]
        else:
            self._buckets.move_to_end(key)
        tokens = min(self.capacity, bucket[0] + (now - bucket[1]) * self.rate)
        allowed = tokens >= cost
        if allowed:
            tokens = min(self.capacity, tokens - cost)
        bucket[0], bucket[1] = tokens, now
        return decide(self.capacity, self.rate, tokens, allowed)

    async def take(self, key: str) -> Decision | None:
        return self._apply(key, 1)

    async def refund(self, key: str) -> Decision | None:
        return self._apply(key, -1)

    async def aclose(self) -> None:
        return None


# KEYS[1] the bucket; ARGV capacity, tokens per second, cost (1 takes, -1 gives back).
# Redis's own clock keeps replicas with skewed clocks on one timeline. The key expires when
# the bucket would be full again: an absent key and a full bucket are the same thing.
TOKEN_BUCKET_LUA = """
local capacity = tonumber(ARGV[1])
local rate = tonumber(ARGV[2])
local cost = tonumber(ARGV[3])
local t = redis.call('TIME')
local now = tonumber(t[1]) + tonumber(t[2]) / 1000000
local state = redis.call('HMGET', KEYS[1], 'tokens', 'at')
local tokens = tonumber(state[1]) or capacity
local at = tonumber(state[2]) or now
tokens = math.min(capacity, tokens + math.max(0, now - at) * rate)
local allowed = 0
if tokens >= cost then
  tokens = math.min(capacity, tokens - cost)
  allowed = 1
end
redis.call('HSET', KEYS[1], 'tokens', tostring(tokens), 'at', tostring(now))
redis.call('PEXPIRE', KEYS[1], math.ceil((capacity - tokens) / rate * 1000) + 1000)
return {allowed, tostring(tokens)}
"""  # nosec B105  # a Lua script (its name says TOKEN), not a credential


class RedisBuckets:
    """Buckets shared by every process that points at the same Redis."""

    def __init__(self, url: str, capacity: int, rate: float, prefix: str = REDIS_PREFIX) -> None:
        self.capacity = capacity
        self.rate = rate
        self.failures = 0
        self.url = url
        self.prefix = prefix
        self._client: Any = None  # redis.asyncio.Redis, made on first use inside the loop
        self._script: Any = None
        self._down_until = 0.0
        self._down = False

    def _connect(self) -> None:
        import redis.asyncio

        self._client = redis.asyncio.Redis.from_url(
            self.url,
            socket_timeout=REDIS_TIMEOUT_S,
            socket_connect_timeout=REDIS_TIMEOUT_S,
        )
        self._script = self._client.register_script(TOKEN_BUCKET_LUA)

    async def _run(self, key: str, cost: int) -> Decision | None:
        import redis.exceptions

        if self._down and time.monotonic() < self._down_until:
            self.failures += 1
            return None
        if self._client is None:
            self._connect()
        try:
            allowed, tokens = await self._script(
                keys=[self.prefix + key], args=[self.capacity, self.rate, cost]
            )
        except (TimeoutError, redis.exceptions.RedisError, OSError) as exc:
            self.failures += 1
            if not self._down:
                log.warning(
                    "rate limiting is off: Redis at %s cannot be reached (%s); requests pass "
                    "unlimited until it answers again",
                    _redacted(self.url),
                    exc,
                )
            self._down = True
            self._down_until = time.monotonic() + RETRY_AFTER_FAILURE_S
            return None
        if self._down:
            self._down = False
            log.warning("rate limiting is on again: Redis answers")
        return decide(self.capacity, self.rate, float(tokens), bool(allowed))

    async def take(self, key: str) -> Decision | None:
        return await self._run(key, 1)

    async def refund(self, key: str) -> Decision | None:
        return await self._run(key, -1)

    async def aclose(self) -> None:
        if self._client is not None:
            await self._client.aclose()
            self._client = None


def _redacted(url: str) -> str:
    """The URL without a password, for logs."""
    scheme, sep, rest = url.partition("://")
    credentials, at, host = rest.rpartition("@")
    return f"{scheme}{sep}***@{host}" if at and credentials else url


def make_buckets(
    per_minute: int, burst: int, redis_url: str | None
) -> MemoryBuckets | RedisBuckets:
    rate = per_minute / 60.0
    if redis_url:
        return RedisBuckets(redis_url, burst, rate)
    return MemoryBuckets(burst, rate)
