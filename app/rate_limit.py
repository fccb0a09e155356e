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

from starlette.requests import Request
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from app.client_address import Networks, client_address
from app.errors import internal_error_response, problem_response
from app.rate_buckets import Buckets, Decision
from app.response_cache import ANSWERED_FROM_CACHE

EXEMPT_PATHS = frozenset({"/healthz", "/readyz", "/metrics"})  # probes and scrapes


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


# ------------------------------------------------------------------ the middleware


class RateLimitMiddleware:
    def __init__(
        self,
        app: ASGIApp,
        buckets: Buckets,
        per_minute: int,
        trusted_proxies: Networks,
        exempt: frozenset[str] = EXEMPT_PATHS,
    ) -> None:
        self.app = app
        self.buckets = buckets
        self.per_minute = per_minute
        self.trusted_proxies = trusted_proxies
        self.exempt = exempt
        capacity = buckets.capacity
        refill = math.ceil(capacity / buckets.rate)
        self._fixed = [
            (b"ratelimit-limit", str(capacity).encode()),
            (b"ratelimit-policy", f"{capacity};w={refill}".encode()),
        ]
        # Formatting two small integers per response is measurable on the hot path; a table
        # covers the usual values (and stays small whatever the settings say).
        self._numbers = [str(n).encode() for n in range(min(max(capacity, refill), 4096) + 2)]

    def _number(self, value: int) -> bytes:
        return self._numbers[value] if value < len(self._numbers) else str(value).encode()

    def headers(self, decision: Decision) -> list[tuple[bytes, bytes]]:
        return [
            *self._fixed,
            (b"ratelimit-remaining", self._number(decision.remaining)),
            (b"ratelimit-reset", self._number(decision.reset)),
        ]

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["path"] in self.exempt:
            await self.app(scope, receive, send)
            return
        key = bucket_key(client_address(scope, self.trusted_proxies))
        decision = await self.buckets.take(key)
        if decision is None:  # the shared store is down: fail open
            await self.app(scope, receive, send)
            return
        if not decision.allowed:
            await self._too_many(scope, receive, send, decision)
            return

        started = False
        # Made here, before any layer copies the scope, so the cache marks its hits in the
        # very dict this layer reads.
        shared = scope.setdefault("state", {})

        async def send_with_headers(message: Message) -> None:
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
                answered = decision
                if message["status"] == 304 and shared.get(ANSWERED_FROM_CACHE):
                    answered = await self.buckets.refund(key) or decision
                message["headers"] = [*message.get("headers", ()), *self.headers(answered)]
            await send(message)

        try:
            await self.app(scope, receive, send_with_headers)
        except Exception:
            # Answered here rather than by app.security, so the 500 carries RateLimit too.
            if not started:
                await internal_error_response(Request(scope))(scope, receive, send_with_headers)
            raise

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
