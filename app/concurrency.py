"""Load shedding: past `limit` requests in flight in this worker, new ones get a 503 at once.

A worker that takes on more than it can answer only makes every client wait longer; refusing
the surplus quickly, with `Retry-After`, lets a load balancer or the client try elsewhere or
later. uvicorn has such a cap of its own, but its 503 is a bare text/plain body outside the
app, so no problem+json, request id or security headers; this layer replaces it (the CLI no
longer hands uvicorn a limit) and sits inside Observability and Security for that reason.

Probes and scrapes (`exempt`) are never shed: an overloaded worker is still alive, and
restarting it for being busy would only move its load onto the others.

In-flight means from the moment the request reaches this layer until its last body byte is
sent. The counter needs no lock: an ASGI worker runs its requests on one event loop thread.
"""

from starlette.requests import Request
from starlette.types import ASGIApp, Receive, Scope, Send

from app.errors import problem_response

RETRY_AFTER_SECONDS = 1


class ConcurrencyLimitMiddleware:
    def __init__(self, app: ASGIApp, limit: int, exempt: frozenset[str]) -> None:
        self.app = app
        self.limit = limit
        self.exempt = exempt
        self.in_flight = 0

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["path"] in self.exempt:
            await self.app(scope, receive, send)
            return
        if self.in_flight >= self.limit:
            response = problem_response(
                Request(scope),
                503,
                "unavailable",
                "Service unavailable",
                f"This server is answering its maximum of {self.limit} requests at once. "
                f"Retry in {RETRY_AFTER_SECONDS} s.",
                headers={"Retry-After": str(RETRY_AFTER_SECONDS)},
            )
            await response(scope, receive, send)
            return
        self.in_flight += 1
        try:
            await self.app(scope, receive, send)
        finally:
            self.in_flight -= 1
