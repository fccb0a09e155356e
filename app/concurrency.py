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

from dataclasses import dataclass

from starlette.requests import Request
from starlette.types import ASGIApp, Receive, Scope, Send

from app.client_address import Networks
from app.errors import problem_response
from app.rate_limit import client_key

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

    def refusal(self, client: str) -> str | None:
        """Why a new request from `client` is refused now, or None when it may come in."""
        if self.saturated:
            return (
                f"This server is answering its maximum of {self.limit} requests at once. "
                f"Retry in {RETRY_AFTER_SECONDS} s."
            )
        held = self.by_client.get(client, 0)
        if self.per_client is not None and held >= self.per_client:
            return (
                f"This client already has {held} requests in flight here, the most one client "
                f"may have at once. Retry in {RETRY_AFTER_SECONDS} s."
            )
        return None

    def enter(self, client: str) -> None:
        self.total += 1
        self.by_client[client] = self.by_client.get(client, 0) + 1

    def leave(self, client: str) -> None:
        self.total -= 1
        left = self.by_client[client] - 1
        if left:
            self.by_client[client] = left
        else:
            del self.by_client[client]  # the table holds only clients in flight


@dataclass
class ConcurrencyLimitMiddleware:
    app: ASGIApp
    in_flight: InFlight
    exempt: frozenset[str]
    trusted_proxies: Networks

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["path"] in self.exempt:
            await self.app(scope, receive, send)
            return
        client = client_key(scope, self.trusted_proxies)
        refusal = self.in_flight.refusal(client)
        if refusal is not None:
            await _refuse(scope, receive, send, refusal)
            return
        self.in_flight.enter(client)
        try:
            await self.app(scope, receive, send)
        finally:
            self.in_flight.leave(client)


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
