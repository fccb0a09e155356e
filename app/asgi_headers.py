"""What the pure ASGI layers share: reading a request header, and passing a response on with
headers of their own added to its start.

Each layer in front of the routes adds its headers (RateLimit-*, the security headers,
X-Request-ID) to whatever answers inside it, a 500 for an unhandled exception included;
the shapes for that live here once.
"""

from collections.abc import Awaitable, Callable

from starlette.requests import Request
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from app.errors import internal_error_response

Headers = list[tuple[bytes, bytes]]
# The headers a layer adds, given the status of the response they go on.
HeadersFor = Callable[[int], Awaitable[Headers]]


def request_header(scope: Scope, name: bytes) -> str | None:
    """The first value of a request header (names are lower case in ASGI), as text."""
    for key, value in scope["headers"]:
        if key == name:
            return str(value.decode("latin-1"))
    return None


async def serve_with_headers(
    app: ASGIApp, scope: Scope, receive: Receive, send: Send, headers_for: HeadersFor
) -> None:
    """Runs `app`, adding `headers_for(status)` to its response. An unhandled exception
    becomes the 500 problem here, with those headers too, when nothing was sent yet; it is
    re-raised either way, so the framework still logs it and the server still sees it."""
    started = False

    async def send_with_headers(message: Message) -> None:
        nonlocal started
        if message["type"] == "http.response.start":
            started = True
            extra = await headers_for(message["status"])
            message["headers"] = [*message.get("headers", ()), *extra]
        await send(message)

    try:
        await app(scope, receive, send_with_headers)
    except Exception:
        if not started:
            await internal_error_response(Request(scope))(scope, receive, send_with_headers)
        raise
