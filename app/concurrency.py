"""Load shedding: past `limit` requests in flight in this worker, or past `per_client` of them
from one client, new ones get a 503 at once.

A worker that takes on more than it can answer only makes every client wait longer; refusing
the surplus quickly, with `Retry-After`, lets a load balancer or the client try elsewhere or
later. uvicorn has such a cap of its own, but its 503 is a bare text/plain body outside the
app, so no problem+json, request id or security headers; this layer replaces it (the CLI no
longer hands uvicorn a limit) and sits inside Observability and Security for that reason.

The per-client share keeps one client from taking every slot: one that holds its requests
open (a body it sends slowly, an answer it does not read) is refused its own further
requests while others still get in. A client is what the rate limiter counts as one: an
address or an IPv6 /64, found as app.client_address finds it.

Probes and scrapes (`exempt`) are never shed and not counted: an overloaded worker is still
alive, and restarting it for being busy would only move its load onto the others.

In-flight means from the moment the request reaches this layer until its last body byte is
sent. The counters need no lock: an ASGI worker runs its requests on one event loop thread.
"""

from starlette.requests import Request
from starlette.types import ASGIApp, Receive, Scope, Send

from app.client_address import Networks, client_address
from app.errors import problem_response
from app.rate_limit import bucket_key

RETRY_AFTER_SECONDS = 1


class InFlight:
    """The requests in flight in this worker, in all and per client: what the caps check and
    /readyz reports. None for a cap means no cap."""

    def __init__(self, limit: int | None, per_client: int | None) -> None:
        self.limit = limit
        self.per_client = per_client
        self.total = 0
        self.by_client: dict[str, int] = {}

    @property
    def saturated(self) -> bool:
        return self.limit is not None and self.total >= self.limit

    def status(self) -> dict[str, int | None]:
        return {
            "in_flight": self.total,
            "limit": self.limit,
            "clients": len(self.by_client),
            "per_client": self.per_client,
        }


class ConcurrencyLimitMiddleware:
    def __init__(
        self,
        app: ASGIApp,
        in_flight: InFlight,
        exempt: frozenset[str],
        trusted_proxies: Networks,
    ) -> None:
        self.app = app
        self.in_flight = in_flight
        self.exempt = exempt
        self.trusted_proxies = trusted_proxies

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["path"] in self.exempt:
            await self.app(scope, receive, send)
            return
        load = self.in_flight
        if load.saturated:
            await _refuse(
                scope,
                receive,
                send,
                f"This server is answering its maximum of {load.limit} requests at once. "
                f"Retry in {RETRY_AFTER_SECONDS} s.",
            )
            return
        client = bucket_key(client_address(scope, self.trusted_proxies))
        held = load.by_client.get(client, 0)
        if load.per_client is not None and held >= load.per_client:
            await _refuse(
                scope,
                receive,
                send,
                f"This client already has {held} requests in flight here, the most one client "
                f"may have at once. Retry in {RETRY_AFTER_SECONDS} s.",
            )
            return
        load.total += 1
        load.by_client[client] = held + 1
        try:
            await self.app(scope, receive, send)
        finally:
            load.total -= 1
            left = load.by_client[client] - 1
            if left:
                load.by_client[client] = left
            else:
                del load.by_client[client]  # the table holds only clients in flight


async def _refuse(scope: Scope, receive: Receive, send: Send, detail: str) -> None:
    response = problem_response(
        Request(scope),
        503,
        "unavailable",
        "Service unavailable",
        detail,
        headers={"Retry-After": str(RETRY_AFTER_SECONDS)},
    )
    await response(scope, receive, send)
