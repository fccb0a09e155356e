"""uvicorn's HTTP/1.1 protocols (h11 and httptools) with a bound on the request head.

uvicorn bounds the head only on h11, and only while it is incomplete: h11 will not buffer more
than `h11_max_incomplete_event_size` bytes of a head whose end it has not seen, but parses a
head of any size that arrives in one read, and answers the refusal with a 400. httptools
bounds nothing: a client could send headers until the worker runs out of memory.

Here both protocols refuse a head that is still incomplete past the limit with `431` and close
the connection, as soon as they have read that much. A head that arrived whole reaches the
app, and app.limits answers it `431` if it is over the same limit: whatever the packets, no
request with a larger head is served, and none grows past the limit plus one read (at most
256 KiB) in memory.

`factsheet serve` hands uvicorn `http="app.http_protocols:AutoHTTPProtocol"` (httptools when
it is installed, else h11, as uvicorn's own `auto` chooses) and FACTSHEET_MAX_HEADER_BYTES as
`h11_max_incomplete_event_size`. The protocols also remember uvicorn's set of open
connections, so /readyz can report how many this worker holds.
"""

import asyncio
import weakref
from typing import Any

import h11
from h11._connection import DEFAULT_MAX_INCOMPLETE_EVENT_SIZE
from uvicorn.config import Config
from uvicorn.protocols.http import h11_impl

# uvicorn's set of open connections in this process, once a connection was made; weakly, so
# that it goes with the server.
_open: "weakref.ref[set[Any]] | None" = None


def open_connections() -> int | None:
    """Connections the server in this process holds open; None when no server runs these
    protocols (an in-process test client)."""
    connections = _open() if _open is not None else None
    return None if connections is None else len(connections)


def _remember(connections: set[Any]) -> None:
    global _open
    if _open is None or _open() is not connections:
        _open = weakref.ref(connections)


def head_limit(config: Config) -> int:
    """The most bytes a request head may take: uvicorn's h11 setting, for both parsers."""
    size = config.h11_max_incomplete_event_size
    return DEFAULT_MAX_INCOMPLETE_EVENT_SIZE if size is None else size


def refuse_head(transport: asyncio.Transport, limit: int) -> None:
    """Answers 431 and closes: what is left of the head is never read. Plain text, as
    uvicorn's own refusals: the request never reached the app."""
    body = f"The request line and headers are larger than the {limit} bytes accepted.\n"
    transport.write(
        b"HTTP/1.1 431 Request Header Fields Too Large\r\n"
        b"content-type: text/plain; charset=utf-8\r\n"
        b"content-length: %d\r\nconnection: close\r\n\r\n%s" % (len(body), body.encode())
    )
    transport.close()


class _H11Connection(h11.Connection):
    """h11's connection, remembering the status h11 suggests for a request it refuses (431
    for a head over the limit; uvicorn drops the hint and answers 400)."""

    refused_with = 400

    def next_event(self) -> h11.Event | type[h11.NEED_DATA] | type[h11.PAUSED]:
        try:
            return super().next_event()
        except h11.RemoteProtocolError as exc:
            self.refused_with = exc.error_status_hint
            raise


class H11Protocol(h11_impl.H11Protocol):
    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        # Ours in place of uvicorn's (bounded, and keeping h11's 431), before a byte is read.
        self.head_limit = head_limit(self.config)
        self.conn = self.head_conn = _H11Connection(h11.SERVER, self.head_limit)
        super().connection_made(transport)
        _remember(self.connections)

    def send_400_response(self, msg: str) -> None:
        if self.head_conn.refused_with == 431:
            refuse_head(self.transport, self.head_limit)
        else:
            super().send_400_response(msg)


AutoHTTPProtocol: type[asyncio.Protocol]
try:
    from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol as _HttpToolsProtocol
except ImportError:  # httptools is optional; without it uvicorn speaks h11
    AutoHTTPProtocol = H11Protocol
else:

    class HttpToolsProtocol(_HttpToolsProtocol):
        """httptools hands over a header only once it is complete and keeps the pieces of an
        unfinished one to itself, so the head is measured in bytes read: each read that lies
        within the head counts whole. When a pipelined request shares a read with the head,
        where the head starts is unknown, and the fields parsed so far are the measure."""

        between_requests = True
        in_head = False
        head_read = 0  # bytes of the reads that fell inside the head
        head_parsed = 0  # bytes of the target and the headers parsed so far
        begun = 0  # requests begun in the current read

        def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
            self.head_limit = head_limit(self.config)
            super().connection_made(transport)
            _remember(self.connections)

        def data_received(self, data: bytes) -> None:
            between, in_head = self.between_requests, self.in_head
            self.begun = 0
            super().data_received(data)
            if not self.in_head or self.transport.is_closing():
                return
            # The read is all head if it continued one, or started one and held no other.
            if (in_head and self.begun == 0) or (between and self.begun == 1):
                self.head_read += len(data)
            if max(self.head_read, self.head_parsed) > self.head_limit:
                self.in_head = False
                refuse_head(self.transport, self.head_limit)

        def on_message_begin(self) -> None:
            super().on_message_begin()
            self.between_requests = False
            self.in_head = True
            self.begun += 1
            self.head_read = self.head_parsed = 0

        def on_url(self, url: bytes) -> None:
            super().on_url(url)
            self.head_parsed += len(url)

        def on_header(self, name: bytes, value: bytes) -> None:
            super().on_header(name, value)
            self.head_parsed += len(name) + len(value)

        def on_headers_complete(self) -> None:
            self.in_head = False
            super().on_headers_complete()

        def on_message_complete(self) -> None:
            super().on_message_complete()
            self.between_requests = True

    AutoHTTPProtocol = HttpToolsProtocol
