"""A response cache as a pure ASGI layer in front of the routes.

It keeps the finished bytes of successful GETs, and their compressed variants, keyed by
path, normalised query, representation and UTC day (app.cache_store holds them, within a
memory bound that counts everything an entry keeps). A hit is answered here: no database,
no routing, no validation, no serialisation. Entries belong to one data revision; when the
revision moves (a reseed here, in another worker, or in another replica) the whole cache is
dropped, so a client never gets a mix of old and new. The revision is polled at most once
per `cache_revision_interval` seconds.

The key holds what decides the bytes and nothing a client can vary at no cost: Accept is
reduced to how it ranks the media types the API offers (all the route's negotiation looks
at), and the origin (scheme and Host) counts only for the formats whose bodies carry
absolute links made from it, and only while no public base URL fixes those links.

A hit is marked in the scope's state (ANSWERED_FROM_CACHE): the rate limiter gives the
token of a 304 back only then, since a miss was computed whatever its status.
"""

import datetime as dt
import email.utils
import time
from dataclasses import dataclass, field
from typing import NamedTuple

from starlette.requests import Request
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from app.api.clock import Clock, system_clock, utc_date
from app.asgi_headers import HeadersFor, request_header
from app.cache_key import (
    ANY_RANKING,
    LINKED_MEDIA_TYPES,
    MEDIA_TYPES,
    normalised_query,
    origin,
    ranking,
    representation,
)
from app.cache_store import ANY_ORIGIN, Entry, Headers, Key, ResponseStore
from app.compression import MIN_COMPRESS_BYTES, choose_encoding, compress
from app.errors import database_unavailable_response
from app.http_cache import etag_matches
from app.revision import DataState, RevisionWatcher

__all__ = [
    "ANSWERED_FROM_CACHE",
    "ANY_RANKING",
    "CACHED_PREFIXES",
    "LINKED_MEDIA_TYPES",
    "MEDIA_TYPES",
    "ResponseCacheMiddleware",
    "ResponseStore",
    "ranking",
]

CACHED_PREFIXES = ("/v1", "/problems")
LANDING_PAGE = "/"  # built from every collection: the dearest page to make
CONDITIONAL = (b"if-none-match", b"if-modified-since")
ANSWERED_FROM_CACHE = "answered_from_cache"  # scope state: this answer was a hit

MAX_KEY_CHARS = 4096  # path and query; longer requests are answered, never stored
MAX_ORIGIN_CHARS = 300  # a DNS name (253), a port and a scheme


def _not_modified_since(scope: Scope, entry: Entry) -> bool:
    if request_header(scope, b"if-none-match") is not None or entry.last_modified is None:
        return False  # If-None-Match wins over If-Modified-Since (RFC 9110 13.2.2)
    since = request_header(scope, b"if-modified-since")
    if since is None:
        return False
    try:
        parsed = email.utils.parsedate_to_datetime(since)
    except (TypeError, ValueError):
        return False
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=dt.UTC)
    return entry.last_modified.replace(microsecond=0) <= parsed


class Found(NamedTuple):
    """What the cache holds for a request: the entry (None on a miss) under its key."""

    key: Key
    origin: str  # the requested origin (scheme and Host)
    entry: Entry | None
    data: DataState | None  # the data state the lookup was made against
    usable: bool  # the cache is on and the data state known

    @property
    def held(self) -> tuple[Key, str]:
        """Where the entry sits in the store."""
        assert self.entry is not None
        return self.key, self.origin if self.entry.linked else ANY_ORIGIN


@dataclass
class ResponseCacheMiddleware:
    app: ASGIApp
    store: ResponseStore
    watcher: RevisionWatcher
    clock: Clock
    enabled: bool = True
    # False once a public base URL is set: then no body depends on the Host.
    links_follow_host: bool = True
    _day: tuple[int, str] = field(default=(-1, ""), init=False)  # a whole second, its UTC day

    def cacheable(self, scope: Scope) -> bool:
        """Whether this layer looks the request up at all."""
        path = scope["path"]
        return scope["method"] in ("GET", "HEAD") and (
            path.startswith(CACHED_PREFIXES) or path == LANDING_PAGE
        )

    def utc_day(self) -> str:
        """Today's UTC date, as the key has it. Days begin on whole seconds, so with the
        system clock it is worked out once a second, not once a request."""
        if self.clock is not system_clock:
            return utc_date(self.clock).isoformat()
        second = int(time.time())
        if second != self._day[0]:
            self._day = (second, utc_date(self.clock).isoformat())
        return self._day[1]

    async def find(self, scope: Scope) -> Found:
        """The entry held for a cacheable request, if any."""
        data = await self.watcher.current()
        if data is not None:
            # Routes read it for Last-Modified; see http_cache.last_modified.
            scope.setdefault("state", {})["data_changed_at"] = data.changed_at
        key: Key = (
            scope["path"],
            normalised_query(scope["query_string"]),
            representation(scope),
            # Milestone status moves at UTC midnight, so a day's answers never serve the next.
            self.utc_day(),
        )
        requested_origin = origin(scope)
        usable = self.enabled and data is not None
        entry = self.store.get(key, requested_origin) if usable else None
        return Found(key, requested_origin, entry, data, usable)

    async def answer_hit(
        self, scope: Scope, send: Send, found: Found, headers_for: HeadersFor | None = None
    ) -> tuple[int, int]:
        """Sends the entry found (a 304 when the request's conditions allow), with
        `headers_for(status)` after its own; returns the status and the body bytes sent."""
        assert found.entry is not None
        self.store.hits += 1
        scope.setdefault("state", {})[ANSWERED_FROM_CACHE] = True
        return await self._send(scope, send, found.entry, True, found.held, headers_for)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] not in ("GET", "HEAD"):
            await self.app(scope, receive, send)
            return
        if not self.cacheable(scope):
            if scope["method"] == "HEAD":
                await self._head_as_get(scope, receive, send)
            else:
                await self.app(scope, receive, send)
            return
        found = await self.find(scope)
        if found.entry is not None:
            await self.answer_hit(scope, send, found)
            return
        if self.watcher.database_away:
            # Stale-if-error: what is held was served above; anything else would only wait for
            # a database that failed its last poll. The next poll that succeeds ends this.
            await database_unavailable_response(Request(scope))(scope, receive, send)
            return
        self.store.misses += 1
        entry = await self._render(scope, receive)
        if entry.status != 200:
            await self._send(scope, send, entry, False, None)
            return
        held = None
        key, requested_origin = found.key, found.origin
        if (
            found.usable
            and found.data == self.store.state
            and self._storable(key, requested_origin, entry)
        ):
            held = (key, requested_origin if entry.linked else ANY_ORIGIN)
            self.store.put(*held, entry)
        await self._send(scope, send, entry, True, held)

    @staticmethod
    def _storable(key: Key, requested_origin: str, entry: Entry) -> bool:
        media_type = next((v for k, v in entry.headers if k == b"content-type"), b"")
        if media_type.partition(b";")[0].strip().decode("latin-1") not in MEDIA_TYPES:
            return False
        if entry.linked and len(requested_origin) > MAX_ORIGIN_CHARS:
            return False
        return len(key[0]) + len(key[1]) <= MAX_KEY_CHARS

    async def _head_as_get(self, scope: Scope, receive: Receive, send: Send) -> None:
        """HEAD is GET without the body (RFC 9110 9.3.2), on every route."""

        async def headers_only(message: Message) -> None:
            if message["type"] == "http.response.body":
                message = {"type": "http.response.body", "body": b""}
            await send(message)

        await self.app({**scope, "method": "GET"}, receive, headers_only)

    async def _render(self, scope: Scope, receive: Receive) -> Entry:
        """Run the app for a full 200 body: as GET, without the client's conditions."""
        inner = dict(scope)  # the same state dict: routes see data_changed_at
        inner["method"] = "GET"
        inner["headers"] = [(k, v) for k, v in scope["headers"] if k not in CONDITIONAL]
        messages: list[Message] = []

        async def collect(message: Message) -> None:
            messages.append(message)

        await self.app(inner, receive, collect)
        start = next(m for m in messages if m["type"] == "http.response.start")
        body = b"".join(m.get("body", b"") for m in messages if m["type"] == "http.response.body")
        headers: Headers = []
        etag = ""
        last_modified = None
        content_type = b""
        for name, value in start.get("headers", []):
            lower = name.lower()
            if lower in (b"content-length", b"content-encoding"):
                continue
            if lower == b"etag":
                etag = value.decode("latin-1")
            elif lower == b"last-modified":
                last_modified = email.utils.parsedate_to_datetime(value.decode("latin-1"))
            elif lower == b"content-type":
                content_type = value
            headers.append((lower, value))
        compressible = len(body) >= MIN_COMPRESS_BYTES and not content_type.startswith(b"image/")
        media_type = content_type.partition(b";")[0].strip().decode("latin-1")
        linked = self.links_follow_host and media_type in LINKED_MEDIA_TYPES
        return Entry(start["status"], headers, body, etag, last_modified, compressible, linked)

    async def _send(
        self,
        scope: Scope,
        send: Send,
        entry: Entry,
        conditional: bool,
        held: tuple[Key, str] | None,
        headers_for: HeadersFor | None = None,
    ) -> tuple[int, int]:
        headers = list(entry.headers)
        coding = (
            choose_encoding(request_header(scope, b"accept-encoding"))
            if entry.compressible
            else None
        )
        if coding is not None:
            # Each content coding is its own representation, with its own strong tag.
            headers = [(k, _variant_etag(v, coding) if k == b"etag" else v) for k, v in headers]
        if conditional and entry.etag and self._not_modified(scope, entry):
            # A page's own policy too: it replaces the one app.security would add.
            keep = (
                b"etag",
                b"cache-control",
                b"vary",
                b"last-modified",
                b"expires",
                b"content-security-policy",
            )
            start = [(k, v) for k, v in headers if k in keep]
            if headers_for is not None:
                start += await headers_for(304)
            await send({"type": "http.response.start", "status": 304, "headers": start})
            await send({"type": "http.response.body", "body": b""})
            return 304, 0
        body = entry.body
        if coding is not None:
            variant = entry.variants.get(coding)
            if variant is None:
                variant = compress(entry.body, coding)
                if held is not None:  # an entry not stored keeps nothing
                    self.store.add_variant(*held, entry, coding, variant)
            body = variant
            headers.append((b"content-encoding", coding.encode()))
        headers.append((b"content-length", b"%d" % len(body)))
        if headers_for is not None:
            headers += await headers_for(entry.status)
        await send({"type": "http.response.start", "status": entry.status, "headers": headers})
        payload = b"" if scope["method"] == "HEAD" else body
        await send({"type": "http.response.body", "body": payload})
        return entry.status, len(payload)

    @staticmethod
    def _not_modified(scope: Scope, entry: Entry) -> bool:
        return etag_matches(
            request_header(scope, b"if-none-match"), entry.etag
        ) or _not_modified_since(scope, entry)


def _variant_etag(etag: bytes, coding: str) -> bytes:
    """Each content coding is its own representation, so it gets its own strong tag."""
    return etag[:-1] + b"-" + coding.encode() + b'"' if etag.endswith(b'"') else etag
