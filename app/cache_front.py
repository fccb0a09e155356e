"""Cache hits answered at the front door, in one step.

A request the response cache holds would otherwise pass through every layer in front of the
cache (Observability, Security, ConcurrencyLimit, Limits, Hosts, RateLimit), each wrapping
`send` to add its headers, and that walk cost several times what answering does (bench/
RESULTS.md). This layer sits outside all of them. It asks those very layers whether they
would let the request through untouched (each with its own check), takes the rate limiter's
token, looks the request up, and on a hit sends the stored bytes with the headers each layer
would have added, in the order they would have added them; the hit is counted, logged and
kept in flight exactly as the layers would have done it.

Everything else (a miss, a request any layer would refuse or change, a preflight, a body)
goes on to those layers unchanged, as if this one were not there; a token already taken goes
with it (app.rate_limit.DECIDED), so no request pays twice.
"""

from dataclasses import dataclass, field
from time import perf_counter
from typing import Any

from starlette.types import ASGIApp, Receive, Scope, Send

from app.asgi_headers import Headers
from app.concurrency import ConcurrencyLimitMiddleware
from app.hosts import HostsMiddleware
from app.limits import LimitsMiddleware
from app.observability import ObservabilityMiddleware, request_id_for
from app.rate_buckets import Decision
from app.rate_limit import DECIDED, RateLimitMiddleware, client_key
from app.response_cache import ResponseCacheMiddleware
from app.security import SecurityMiddleware

# In a request's state once this layer has looked at it: a request it passed on is not
# looked up again by the same layer further in (app.main.FactSheetAPI asks first).
TRIED = "cache_front.tried"


def find_layer(app: ASGIApp, kind: type[Any]) -> Any:
    """The first layer of type `kind` in the chain that starts at `app`, or None."""
    layer: Any = app
    while layer is not None and not isinstance(layer, kind):
        layer = getattr(layer, "app", None)
    return layer


@dataclass
class CacheFront:
    app: ASGIApp
    # The layers behind this one, found in the chain; without all of them (but the optional
    # rate limiter) this layer only passes requests on.
    observer: ObservabilityMiddleware | None = field(init=False)
    security: SecurityMiddleware | None = field(init=False)
    concurrency: ConcurrencyLimitMiddleware | None = field(init=False)
    limits: LimitsMiddleware | None = field(init=False)
    hosts: HostsMiddleware | None = field(init=False)
    limiter: RateLimitMiddleware | None = field(init=False)
    cache: ResponseCacheMiddleware | None = field(init=False)

    def __post_init__(self) -> None:
        self.observer = find_layer(self.app, ObservabilityMiddleware)
        self.security = find_layer(self.app, SecurityMiddleware)
        self.concurrency = find_layer(self.app, ConcurrencyLimitMiddleware)
        self.limits = find_layer(self.app, LimitsMiddleware)
        self.hosts = find_layer(self.app, HostsMiddleware)
        self.limiter = find_layer(self.app, RateLimitMiddleware)
        self.cache = find_layer(self.app, ResponseCacheMiddleware)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope.get("state", {}).get(TRIED) or not await self.answer(scope, send):
            await self.app(scope, receive, send)

    async def answer(self, scope: Scope, send: Send) -> bool:
        """Answers a cache hit and returns True; False, having sent nothing, for anything the
        layers behind must handle. Marks the request as tried either way."""
        scope.setdefault("state", {})[TRIED] = True
        observer, security, concurrency = self.observer, self.security, self.concurrency
        limits, hosts, cache = self.limits, self.hosts, self.cache
        if (
            scope["type"] != "http"
            or observer is None
            or security is None
            or concurrency is None
            or limits is None
            or hosts is None
            or cache is None
            or not cache.cacheable(scope)
            or scope["path"] in concurrency.exempt
        ):
            return False
        started = perf_counter()
        client = client_key(scope, concurrency.trusted_proxies)
        if (
            concurrency.in_flight.refusal(client) is not None
            or not limits.untouched(scope)
            or not hosts.admits(scope)
        ):
            return False
        state = scope["state"]
        in_flight = concurrency.in_flight
        in_flight.enter(client)
        try:
            return await self._answer(scope, send, state, started)
        finally:
            in_flight.leave(client)

    async def _answer(
        self, scope: Scope, send: Send, state: dict[str, Any], started: float
    ) -> bool:
        """Answers the request from the cache; False (and nothing sent) on a miss, or when
        the rate limiter refuses it."""
        assert self.observer is not None and self.security is not None
        assert self.cache is not None
        limiter = self.limiter
        decision: Decision | None = None
        key = ""
        if limiter is not None and scope["path"] not in limiter.exempt:
            key = client_key(scope, limiter.trusted_proxies)
            decision = await limiter.buckets.take(key)
            if decision is not None and not decision.allowed:
                state[DECIDED] = decision
                return False
        found = await self.cache.find(scope)
        if found.entry is None:
            if limiter is not None and scope["path"] not in limiter.exempt:
                state[DECIDED] = decision
            return False
        request_id = state["request_id"] = request_id_for(scope)
        tail = [
            *self.security.headers_for_response(scope["path"], found.entry.headers),
            (b"x-request-id", request_id.encode()),
        ]

        async def headers_for(status: int) -> Headers:
            if limiter is None or decision is None:
                return tail
            return [*await limiter.answered(key, decision, status, state), *tail]

        status, sent = 500, 0
        try:
            status, sent = await self.cache.answer_hit(scope, send, found, headers_for)
        finally:
            self.observer.record(scope, request_id, status, started, sent)
        return True
