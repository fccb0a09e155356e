"""Per-client rate limiting: a token bucket per client address, in this process or in Redis.

Each client has a bucket of `burst` tokens that refills at `per_minute / 60` tokens a second;
a request takes one token, and without one it is answered 429. The bucket is decided before
the app runs, and the token is given back only for a 304 the response cache answered from an
entry it already held: revalidating what the server holds costs nothing, which is what we
want clients to do. Whatever made the server compute an answer costs its token, whatever
the status: a miss answered 304 (`If-None-Match: *`, an `If-Modified-Since` in the future,
on a URL the cache did not hold), a HEAD, an error.

Every response under the limiter carries the IETF draft headers (draft-ietf-httpapi-
ratelimit-headers): `RateLimit-Limit` (the bucket size), `RateLimit-Remaining` (whole tokens
left) and `RateLimit-Reset` (seconds until the bucket is full again), plus `RateLimit-Policy`
stating the quota as `burst;w=seconds-to-refill`.

With FACTSHEET_REDIS_URL the buckets live in Redis and are shared by every worker and
replica (app.rate_buckets). If Redis cannot be reached the limiter fails open: requests pass
unlimited, and without RateLimit headers, until it answers again.
"""

import ipaddress
import math
from dataclasses import dataclass
from typing import Any

from starlette.requests import Request
from starlette.types import ASGIApp, Receive, Scope, Send

from app.asgi_headers import Headers, serve_with_headers
from app.client_address import Networks, client_address
from app.errors import problem_response
from app.rate_buckets import Buckets, Decision
from app.response_cache import ANSWERED_FROM_CACHE

EXEMPT_PATHS = frozenset({"/healthz", "/readyz", "/metrics"})  # probes and scrapes
DECIDED = "factsheet.rate_decision"  # scope state: the token was taken in front of this layer


# ------------------------------------------------------------------ who the client is


def bucket_key(address: str) -> str:
    """IPv6 clients get a whole /64 each (an address per device is routine), so one bucket
    covers the /64; IPv4 addresses are their own key."""
    if ":" not in address:
        return address
    try:
        ip = ipaddress.IPv6Address(address)
    except ValueError:
        return address
    if ip.ipv4_mapped is not None:
        return str(ip.ipv4_mapped)
    return str(ipaddress.IPv6Network((ip, 64), strict=False))


def client_key(scope: Scope, proxies: Networks) -> str:
    """The client as the limiter and the concurrency caps count it."""
    return bucket_key(client_address(scope, proxies))


# ------------------------------------------------------------------ the middleware


@dataclass
class RateLimitMiddleware:
    app: ASGIApp
    buckets: Buckets
    per_minute: int
    trusted_proxies: Networks
    exempt: frozenset[str] = EXEMPT_PATHS

    def __post_init__(self) -> None:
        capacity = self.buckets.capacity
        refill = math.ceil(capacity / self.buckets.rate)
        self._fixed = [
            (b"ratelimit-limit", str(capacity).encode()),
            (b"ratelimit-policy", f"{capacity};w={refill}".encode()),
        ]
        # Formatting two small integers per response is measurable on the hot path; a table
        # covers the usual values (and stays small whatever the settings say).
        self._numbers = [str(n).encode() for n in range(min(max(capacity, refill), 4096) + 2)]

    def _number(self, value: int) -> bytes:
        return self._numbers[value] if value < len(self._numbers) else str(value).encode()

    def headers(self, decision: Decision) -> Headers:
        return [
            *self._fixed,
            (b"ratelimit-remaining", self._number(decision.remaining)),
            (b"ratelimit-reset", self._number(decision.reset)),
        ]

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["path"] in self.exempt:
            await self.app(scope, receive, send)
            return
        # Made here, before any layer copies the scope, so the cache marks its hits in the
        # very dict this layer reads.
        shared = scope.setdefault("state", {})
        key = client_key(scope, self.trusted_proxies)
        # app.cache_front may have taken this request's token already, then handed it on.
        decision = shared.pop(DECIDED, None) if DECIDED in shared else await self.buckets.take(key)
        if decision is None:  # the shared store is down: fail open
            await self.app(scope, receive, send)
            return
        if not decision.allowed:
            await self._too_many(scope, receive, send, decision)
            return

        async def headers_for(status: int) -> Headers:
            return await self.answered(key, decision, status, shared)

        # Answered here rather than by app.security, so a 500 carries RateLimit too.
        await serve_with_headers(self.app, scope, receive, send, headers_for)

    async def answered(
        self, key: str, decision: Decision, status: int, shared: dict[str, Any]
    ) -> Headers:
        """The RateLimit headers of a response; a 304 answered from the cache is free."""
        if status == 304 and shared.get(ANSWERED_FROM_CACHE):
            decision = await self.buckets.refund(key) or decision
        return self.headers(decision)

    async def _too_many(
        self, scope: Scope, receive: Receive, send: Send, decision: Decision
    ) -> None:
        response = problem_response(
            Request(scope),
            429,
            "too-many-requests",
            "Too many requests",
            f"This client may make {self.per_minute} requests a minute, in bursts of up to "
            f"{self.buckets.capacity}. Retry in {decision.retry_after} s.",
            headers={"Retry-After": str(decision.retry_after)},
        )
        response.raw_headers.extend(self.headers(decision))
        await response(scope, receive, send)
