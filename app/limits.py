"""Size limits on what a client may send, checked before anything parses the request.

A query string over `max_query_bytes` is answered 414 and a body over `max_body_bytes` 413,
both as problem+json. A declared Content-Length is checked up front, so nothing of an
oversized body is read. A chunked body has no declared size, so it is read here, counting,
and replayed to the app only once it is known to fit: the app never holds more than the
limit, whichever route it reaches, and whether or not that route reads the body at all.
"""

from starlette.requests import Request
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from app.errors import problem_response


class LimitsMiddleware:
    def __init__(self, app: ASGIApp, max_query_bytes: int, max_body_bytes: int) -> None:
        self.app = app
        self.max_query_bytes = max_query_bytes
        self.max_body_bytes = max_body_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        query_bytes = len(scope["query_string"])
        if query_bytes > self.max_query_bytes:
            await self._reject(
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
        declared, chunked = _body_framing(scope)
        if declared is not None and declared > self.max_body_bytes:
            await self._too_large(scope, receive, send)
            return
        if not chunked:
            await self.app(scope, receive, send)
            return
        body = await self._read_at_most(receive)
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
        await self._reject(
            scope,
            receive,
            send,
            413,
            "payload-too-large",
            "Content too large",
            f"The request body is larger than the {self.max_body_bytes} bytes accepted.",
        )

    @staticmethod
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
        response = problem_response(
            Request(scope), status, code, title, detail, instance=scope["path"]
        )
        if status == 413:
            # Unread body bytes stay on the wire; closing is the only clean way past them.
            response.headers["Connection"] = "close"
        await response(scope, receive, send)


def _body_framing(scope: Scope) -> tuple[int | None, bool]:
    """The declared Content-Length (None if absent or unreadable) and whether the body is
    sent in chunks (Transfer-Encoding)."""
    declared: int | None = None
    chunked = False
    for name, value in scope["headers"]:
        if name == b"content-length":
            try:
                declared = int(value)
            except ValueError:
                declared = None  # the server has already refused a malformed length
        elif name == b"transfer-encoding":
            chunked = True
    return declared, chunked


def _replay(body: bytes, receive: Receive) -> Receive:
    """A receive that hands the app the body already read, then defers to the server's."""
    pending: list[Message] = [{"type": "http.request", "body": body, "more_body": False}]

    async def replay() -> Message:
        if pending:
            return pending.pop()
        return await receive()

    return replay
