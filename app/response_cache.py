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
from functools import lru_cache
from urllib.parse import parse_qsl, urlencode

from starlette.requests import Request
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from app.api.clock import Clock, utc_date
from app.api.formats import FEED_FORMATS, ICS, MILESTONE_FORMATS, parse_accept, quality
from app.cache_store import ANY_ORIGIN, Entry, Headers, Key, ResponseStore
from app.compression import MIN_COMPRESS_BYTES, choose_encoding, compress
from app.errors import database_unavailable_response
from app.http_cache import etag_matches
from app.revision import RevisionWatcher

__all__ = ["ANSWERED_FROM_CACHE", "CACHED_PREFIXES", "ResponseCacheMiddleware", "ResponseStore"]

CACHED_PREFIXES = ("/v1", "/problems")
CONDITIONAL = (b"if-none-match", b"if-modified-since")
ANSWERED_FROM_CACHE = "answered_from_cache"  # scope state: this answer was a hit

# Every media type a cached route answers in (tests/test_response_cache.py holds the OpenAPI
# document to it); a body of any other type is not stored, since its key could not tell
# two Accept headers apart that pick differently.
MEDIA_TYPES = tuple(sorted({t for f in MILESTONE_FORMATS for t in f.media_types}))
# Bodies with absolute links (app.hosts.link_origin): the origin is part of their identity.
LINKED_MEDIA_TYPES = frozenset(f.media_type for f in (*FEED_FORMATS, ICS))
ANY_RANKING = "1" * len(MEDIA_TYPES)  # no Accept, */*, or nothing parseable: all alike
MAX_KEY_CHARS = 4096  # path and query; longer requests are answered, never stored
MAX_ORIGIN_CHARS = 300  # a DNS name (253), a port and a scheme
MEMO_HEADER_CHARS = 256  # Accept values this short have their ranking remembered


def normalised_query(raw: bytes) -> str:
    """The same parameters in any order give the same string."""
    pairs = parse_qsl(raw.decode("latin-1"), keep_blank_values=True)
    return urlencode(sorted(pairs))


def _header(scope: Scope, name: bytes) -> str | None:
    for key, value in scope["headers"]:
        if key == name:
            return str(value.decode("latin-1"))
    return None


def _not_modified_since(scope: Scope, entry: Entry) -> bool:
    if _header(scope, b"if-none-match") is not None or entry.last_modified is None:
        return False  # If-None-Match wins over If-Modified-Since (RFC 9110 13.2.2)
    since = _header(scope, b"if-modified-since")
    if since is None:
        return False
    try:
        parsed = email.utils.parsedate_to_datetime(since)
    except (TypeError, ValueError):
        return False
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=dt.UTC)
    return entry.last_modified.replace(microsecond=0) <= parsed


def ranking(accept: str) -> str:
    """How an Accept value ranks MEDIA_TYPES: one digit each, 0 for refused, then 1, 2, ...
    from least to most preferred. Negotiation (app.api.formats: negotiate and
    require_acceptable) compares only these qualities with each other and with 0, so two
    values with the same ranking pick the same representation on every route."""
    ranges = parse_accept(accept)
    if not ranges:
        return ANY_RANKING
    qualities = [quality(ranges, media_type) for media_type in MEDIA_TYPES]
    levels = sorted({q for q in qualities if q > 0})
    return "".join(str(levels.index(q) + 1) if q > 0 else "0" for q in qualities)


_remembered_ranking = lru_cache(maxsize=256)(ranking)  # at most 256 short strings


def representation(scope: Scope) -> str:
    """The part of the request's Accept header that decides the representation."""
    accept = _header(scope, b"accept")
    if accept is None:
        return ANY_RANKING
    if len(accept) <= MEMO_HEADER_CHARS:
        return _remembered_ranking(accept)
    return ranking(accept)


def origin(scope: Scope) -> str:
    """Scheme and Host, as app.hosts.link_origin puts them into links."""
    host = _header(scope, b"host")
    return f"{scope.get('scheme', 'http')}://{host.strip().lower() if host else ''}"


class ResponseCacheMiddleware:
    def __init__(
        self,
        app: ASGIApp,
        store: ResponseStore,
        watcher: RevisionWatcher,
        clock: Clock,
        enabled: bool = True,
        links_follow_host: bool = True,
    ) -> None:
        self.app = app
        self.store = store
        self.watcher = watcher
        self.clock = clock
        self.enabled = enabled
        # False once a public base URL is set: then no body depends on the Host.
        self.links_follow_host = links_follow_host

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] not in ("GET", "HEAD"):
            await self.app(scope, receive, send)
            return
        if not scope["path"].startswith(CACHED_PREFIXES):
            if scope["method"] == "HEAD":
                await self._head_as_get(scope, receive, send)
            else:
                await self.app(scope, receive, send)
            return
        shared = scope.setdefault("state", {})
        data = await self.watcher.current()
        if data is not None:
            # Routes read it for Last-Modified; see http_cache.last_modified.
            shared["data_changed_at"] = data.changed_at
        key: Key = (
            scope["path"],
            normalised_query(scope["query_string"]),
            representation(scope),
            # Milestone status moves at UTC midnight, so a day's answers never serve the next.
            utc_date(self.clock).isoformat(),
        )
        requested_origin = origin(scope)
        usable = self.enabled and data is not None
        entry = self.store.get(key, requested_origin) if usable else None
        if entry is None and self.watcher.database_away:
            # Stale-if-error: what is held was served above; anything else would only wait for
            # a database that failed its last poll. The next poll that succeeds ends this.
            await database_unavailable_response(Request(scope))(scope, receive, send)
            return
        if entry is None:
            self.store.misses += 1
            entry = await self._render(scope, receive)
            if entry.status != 200:
                await self._send(scope, send, entry, conditional=False, held=None)
                return
            held = None
            if usable and data == self.store.state and self._storable(key, requested_origin, entry):
                held = (key, requested_origin if entry.linked else ANY_ORIGIN)
                self.store.put(*held, entry)
        else:
            self.store.hits += 1
            shared[ANSWERED_FROM_CACHE] = True
            held = (key, requested_origin if entry.linked else ANY_ORIGIN)
        await self._send(scope, send, entry, conditional=True, held=held)

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
    ) -> None:
        headers = list(entry.headers)
        coding = choose_encoding(_header(scope, b"accept-encoding")) if entry.compressible else None
        if coding is not None:
            # Each content coding is its own representation, with its own strong tag.
            headers = [(k, _variant_etag(v, coding) if k == b"etag" else v) for k, v in headers]
        if conditional and entry.etag and self._not_modified(scope, entry):
            keep = (b"etag", b"cache-control", b"vary", b"last-modified", b"expires")
            start = [(k, v) for k, v in headers if k in keep]
            await send({"type": "http.response.start", "status": 304, "headers": start})
            await send({"type": "http.response.body", "body": b""})
            return
        body = entry.body
        if coding is not None:
            variant = entry.variants.get(coding)
            if variant is None:
                variant = compress(entry.body, coding)
                if held is not None:  # an entry not stored keeps nothing
                    self.store.add_variant(*held, entry, coding, variant)
            body = variant
            headers.append((b"content-encoding", coding.encode()))
        headers.append((b"content-length", str(len(body)).encode()))
        await send({"type": "http.response.start", "status": entry.status, "headers": headers})
        payload = b"" if scope["method"] == "HEAD" else body
        await send({"type": "http.response.body", "body": payload})

    @staticmethod
    def _not_modified(scope: Scope, entry: Entry) -> bool:
        return etag_matches(_header(scope, b"if-none-match"), entry.etag) or _not_modified_since(
            scope, entry
        )


def _variant_etag(etag: bytes, coding: str) -> bytes:
    """Each content coding is its own representation, so it gets its own strong tag."""
    return etag[:-1] + b"-" + coding.encode() + b'"' if etag.endswith(b'"') else etag
