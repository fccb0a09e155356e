"""A response cache as a pure ASGI layer in front of the routes.

It keeps the finished bytes of successful GETs, and their compressed variants, keyed by
path, normalised query, representation, UTC day and origin (scheme and Host). A hit is
answered here: no database, no routing, no validation, no serialisation. Entries belong to
one data revision; when the revision moves (a reseed here, in another worker, or in another
replica) the whole cache is dropped, so a client never gets a mix of old and new. The
revision is polled at most once per `cache_revision_interval` seconds.
"""

import datetime as dt
import email.utils
from collections import OrderedDict
from dataclasses import dataclass, field
from urllib.parse import parse_qsl, urlencode

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from app.api.clock import Clock, utc_date
from app.compression import MIN_COMPRESS_BYTES, choose_encoding, compress
from app.http_cache import etag_matches
from app.revision import DataState, RevisionWatcher

Headers = list[tuple[bytes, bytes]]
CACHED_PREFIXES = ("/v1", "/problems")
CONDITIONAL = (b"if-none-match", b"if-modified-since")


@dataclass
class Entry:
    status: int
    headers: Headers  # everything but Content-Length and Content-Encoding
    body: bytes
    etag: str
    last_modified: dt.datetime | None
    compressible: bool
    variants: dict[str, bytes] = field(default_factory=dict)

    @property
    def size(self) -> int:
        return len(self.body) + sum(len(v) for v in self.variants.values()) + 512


class ResponseStore:
    """Entries in least-recently-used order, bounded by their total size in bytes."""

    def __init__(self, max_bytes: int) -> None:
        self.max_bytes = max_bytes
        self._entries: OrderedDict[tuple[str, ...], Entry] = OrderedDict()
        self.bytes = 0
        self.state: DataState | None = None
        self.hits = 0
        self.misses = 0

    def __len__(self) -> int:
        return len(self._entries)

    def get(self, key: tuple[str, ...]) -> Entry | None:
        entry = self._entries.get(key)
        if entry is not None:
            self._entries.move_to_end(key)
        return entry

    def put(self, key: tuple[str, ...], entry: Entry) -> None:
        if entry.size > self.max_bytes:
            return
        old = self._entries.pop(key, None)
        if old is not None:
            self.bytes -= old.size
        self._entries[key] = entry
        self.bytes += entry.size
        self._shrink()

    def grew(self, entry: Entry, added: int) -> None:
        """An entry gained a compressed variant."""
        self.bytes += added
        self._shrink()

    def _shrink(self) -> None:
        while self.bytes > self.max_bytes and self._entries:
            _, evicted = self._entries.popitem(last=False)
            self.bytes -= evicted.size

    def clear(self, state: DataState | None = None) -> None:
        """Drop everything: the data moved on (or can no longer be checked)."""
        self._entries.clear()
        self.bytes = 0
        self.state = state


def normalised_query(raw: bytes) -> str:
    """The same parameters in any order give the same string."""
    pairs = parse_qsl(raw.decode("latin-1"), keep_blank_values=True)
    return urlencode(sorted(pairs))


def _header(scope: Scope, name: bytes) -> str | None:
    for key, value in scope["headers"]:
        if key == name:
            return str(value.decode("latin-1"))
    return None


def _http_date(value: dt.datetime) -> bytes:
    return email.utils.format_datetime(value.astimezone(dt.UTC), usegmt=True).encode()


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


def representation(scope: Scope) -> str:
    """The Accept header, normalised: responses vary on it, so the key does too."""
    return (_header(scope, b"accept") or "*/*").replace(" ", "").lower()


def origin(scope: Scope) -> str:
    """Scheme and Host: feeds and calendars carry absolute links built from them, so one
    host's bytes must never be served to a client that asked another."""
    return f"{scope.get('scheme', 'http')}://{(_header(scope, b'host') or '').lower()}"


class ResponseCacheMiddleware:
    def __init__(
        self,
        app: ASGIApp,
        store: ResponseStore,
        watcher: RevisionWatcher,
        clock: Clock,
        enabled: bool = True,
    ) -> None:
        self.app = app
        self.store = store
        self.watcher = watcher
        self.clock = clock
        self.enabled = enabled

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
        state = await self.watcher.current()
        if state is not None:
            # Routes read it for Last-Modified; see http_cache.last_modified.
            scope.setdefault("state", {})["data_changed_at"] = state.changed_at
        key = (
            scope["path"],
            normalised_query(scope["query_string"]),
            representation(scope),
            # Milestone status moves at UTC midnight, so a day's answers never serve the next.
            utc_date(self.clock).isoformat(),
            origin(scope),
        )
        usable = self.enabled and state is not None
        entry = self.store.get(key) if usable else None
        if entry is None:
            self.store.misses += 1
            entry = await self._render(scope, receive)
            if entry.status != 200:
                await self._send(scope, send, entry, conditional=False)
                return
            if usable and state == self.store.state:
                self.store.put(key, entry)
        else:
            self.store.hits += 1
        await self._send(scope, send, entry, conditional=True)

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
        return Entry(start["status"], headers, body, etag, last_modified, compressible)

    async def _send(self, scope: Scope, send: Send, entry: Entry, conditional: bool) -> None:
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
                entry.variants[coding] = variant
                self.store.grew(entry, len(variant))
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
