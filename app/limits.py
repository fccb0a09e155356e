"""Size and time limits on what a client sends, checked before anything parses the request.

* A query string over `max_query_bytes` is answered 414.
* A request head (path, query and headers) over `max_header_bytes` is answered 431. Only a
  head that arrived whole gets this far: app.http_protocols refuses one still incomplete
  past the same limit before it is parsed.
* A body over `max_body_bytes` is answered 413. A declared Content-Length is checked up
  front, so nothing of an oversized body is read.
* A body that has not arrived whole within `body_timeout` seconds is answered 408.
* A GET or HEAD body is never read (no route uses one): the app gets an empty body at once,
  so a client that announces a body and never sends it holds nothing.

All as problem+json. After a 413, a 408, a 431, or any answer to a GET or HEAD that came
with a body, the connection is closed: unread bytes stay on the wire, and closing is the
only clean way past them.

Any other body is read here, counting, and replayed to the app only once it is whole and
known to fit: the app never holds more than the limit or waits on a slow client, whichever
route it reaches, and whether or not that route reads the body at all.
"""

from dataclasses import dataclass
from typing import NamedTuple

import anyio
from starlette.requests import Request
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from app.errors import problem_response

BODILESS = frozenset({"GET", "HEAD"})
CLOSE = (b"connection", b"close")


class Head(NamedTuple):
    size: int  # bytes of the target and the header names and values
    declared: int | None  # Content-Length, None if absent or unreadable
    chunked: bool  # sent with Transfer-Encoding


@dataclass
class LimitsMiddleware:
    app: ASGIApp
    max_query_bytes: int
    max_body_bytes: int
    max_header_bytes: int
    body_timeout: float

    def untouched(self, scope: Scope) -> bool:
        """Whether this layer hands the request on as it came: within every limit, and
        without a body to read."""
        if len(scope["query_string"]) > self.max_query_bytes:
            return False
        head = _head(scope)
        return head.size <= self.max_header_bytes and not head.chunked and not head.declared

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or self.untouched(scope):
            await self.app(scope, receive, send)
            return
        query_bytes = len(scope["query_string"])
        if query_bytes > self.max_query_bytes:
            await _reject(
                scope,
                receive,
                send,
                414,
                "uri-too-long",
                "URI too long",
                f"The query string is {query_bytes} bytes long; at most "
                f"{self.max_query_bytes} are accepted.",
            )
            return
        head = _head(scope)
        if head.size > self.max_header_bytes:
            await _reject(
                scope,
                receive,
                send,
                431,
                "headers-too-large",
                "Request header fields too large",
                f"The request line and headers are {head.size} bytes long; at most "
                f"{self.max_header_bytes} are accepted.",
            )
            return
        if head.declared is not None and head.declared > self.max_body_bytes:
            await self._too_large(scope, receive, send)
            return
        if not head.chunked and not head.declared:
            await self.app(scope, receive, send)
            return
        if scope["method"] in BODILESS:
            await self.app(scope, _replay(b"", receive), _closing(send))
            return
        try:
            with anyio.fail_after(self.body_timeout):
                body = await self._read_at_most(receive)
        except TimeoutError:
            await _reject(
                scope,
                receive,
                send,
                408,
                "request-timeout",
                "Request timeout",
                f"The request body did not arrive within {self.body_timeout:g} s.",
            )
            return
        if body is None:
            await self._too_large(scope, receive, send)
            return
        await self.app(scope, _replay(body, receive), send)

    async def _read_at_most(self, receive: Receive) -> bytes | None:
        """The whole body, or None as soon as it grows past the limit."""
        chunks: list[bytes] = []
        total = 0
        while True:
            message = await receive()
            if message["type"] != "http.request":
                break  # the client went away; the app sees an empty body and answers nobody
            chunk = message.get("body", b"")
            total += len(chunk)
            if total > self.max_body_bytes:
                return None
            chunks.append(chunk)
            if not message.get("more_body", False):
                break
        return b"".join(chunks)

    async def _too_large(self, scope: Scope, receive: Receive, send: Send) -> None:
        await _reject(
            scope,
            receive,
            send,
            413,
            "payload-too-large",
            "Content too large",
            f"The request body is larger than the {self.max_body_bytes} bytes accepted.",
        )


async def _reject(
    scope: Scope,
    receive: Receive,
    send: Send,
    status: int,
    code: str,
    title: str,
    detail: str,
) -> None:
    # The instance is the path alone: echoing an oversized query back helps nobody.
    response = problem_response(Request(scope), status, code, title, detail, instance=scope["path"])
    if status != 414:
        response.headers["Connection"] = "close"
    await response(scope, receive, send)


def _head(scope: Scope) -> Head:
    """The head's size and how the body is framed, in one pass over the headers."""
    size = len(scope.get("raw_path") or b"") + len(scope["query_string"])
    declared: int | None = None
    chunked = False
    for name, value in scope["headers"]:
        size += len(name) + len(value)
        if name == b"content-length":
            try:
                declared = int(value)
            except ValueError:
                declared = None  # the server has already refused a malformed length
        elif name == b"transfer-encoding":
            chunked = True
    return Head(size, declared, chunked)


def _replay(body: bytes, receive: Receive) -> Receive:
    """A receive that hands the app the body already read, then defers to the server's."""
    pending: list[Message] = [{"type": "http.request", "body": body, "more_body": False}]

    async def replay() -> Message:
        if pending:
            return pending.pop()
        return await receive()

    return replay


def _closing(send: Send) -> Send:
    """A send that asks the server to close the connection after this response."""

    async def closing(message: Message) -> None:
        if message["type"] == "http.response.start":
            headers = list(message.get("headers", []))
            if CLOSE not in headers:
                headers.append(CLOSE)
            message = {**message, "headers": headers}
        await send(message)

    return closing
