"""Request ids, one JSON access log line per request, and Prometheus request metrics.

The layer sits outside every other, so what it records is what the client got: 429s, 414s,
preflights, 304s and 500s included. Per request it costs a header scan, a uuid when the client
sent no usable id, a counter and a histogram update, and, with the access log on, one orjson
dump and one write (bench/RESULTS.md has the figure).

Metrics are per process: with several workers each keeps its own, and a scrape through a
shared port sees one worker at a time. Scrape each worker (or each replica with one worker)
directly when the totals matter.
"""

import logging
import os
import re
import sys
import time
from bisect import bisect_left
from collections.abc import Iterator
from dataclasses import dataclass, field
from itertools import accumulate
from typing import Any

import orjson
from prometheus_client import CollectorRegistry
from prometheus_client.metrics_core import CounterMetricFamily, HistogramMetricFamily, Metric
from prometheus_client.registry import Collector
from starlette.routing import compile_path
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from app.asgi_headers import request_header
from app.client_address import Networks, client_address
from app.redaction import redact
from app.response_cache import CACHED_PREFIXES

ACCESS_LOGGER = "app.access"
REQUEST_ID = re.compile(r"[A-Za-z0-9._-]{1,64}")
ROUTED = "factsheet.route"  # scope state key: the route template, once the router ran
UNMATCHED = "unmatched"
MAX_TEMPLATES = 4096  # raw paths remembered with their route template
METHODS = frozenset({"GET", "HEAD", "OPTIONS", "POST", "PUT", "PATCH", "DELETE"})
LATENCY_BUCKETS = (0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5)

access_log = logging.getLogger(ACCESS_LOGGER)


class _StdoutHandler(logging.Handler):
    """Writes each record's message as a line to whatever sys.stdout is at the time (not the
    one it was made with), flushed, as logging.StreamHandler does."""

    def emit(self, record: logging.LogRecord) -> None:
        try:
            self.write(record.getMessage())
        except Exception:
            self.handleError(record)

    @staticmethod
    def write(line: str) -> None:
        stream = sys.stdout
        stream.write(line + "\n")
        stream.flush()


def configure_access_log() -> None:
    """One JSON object per line on stdout, without uvicorn's or the root logger's formatting.
    Leaves a logger that someone already configured alone."""
    if access_log.handlers:
        return
    access_log.addHandler(_StdoutHandler())
    access_log.setLevel(logging.INFO)
    access_log.propagate = False


def write_access_line(line: str) -> None:
    """Through the logger, except in the usual case where its one handler is ours: then the
    same line is written without a LogRecord, which is most of what a log call costs."""
    handlers = access_log.handlers
    if (
        len(handlers) == 1
        and type(handlers[0]) is _StdoutHandler
        and not access_log.filters
        and not handlers[0].filters
        and handlers[0].level <= logging.INFO
    ):
        try:
            _StdoutHandler.write(line)
        except Exception:  # nosec B110  # as logging does: a broken stdout must not fail the request
            pass
        return
    record = access_log.makeRecord(ACCESS_LOGGER, logging.INFO, __file__, 0, line, (), None)
    access_log.handle(record)


class Metrics(Collector):
    """Request counts by method, route template and status, and a latency histogram by route
    template. Counted in plain dicts on the event loop, and turned into metric families only
    when scraped: prometheus_client's own Counter and Histogram take a lock per update, which
    on the cached hot path cost more than the rest of this layer."""

    def __init__(self) -> None:
        self.registry = CollectorRegistry(auto_describe=True)
        self._counts: dict[tuple[str, str, int], int] = {}
        self._buckets: dict[str, list[int]] = {}  # route -> count per bucket, not cumulative
        self._sums: dict[str, float] = {}
        self._templates: dict[str, str] = {}  # raw path -> template
        self._matchers: dict[str, re.Pattern[str]] = {}  # template -> its path regex
        self.registry.register(self)

    def route_template(self, path: str, state: dict[str, Any]) -> str:
        """The route's path template (`/v1/nris/{id}`), not the raw path: a label per raw
        path would let any client grow the metrics without bound. A request that reached the
        router brings its template (see RoutedMarker); the others (cache hits, 429s) get the
        template a routed request had for the same path, or else the first known template
        that matches it."""
        if ROUTED in state:
            routed: str | None = state[ROUTED]
            if routed is None:
                return UNMATCHED
            if routed not in self._matchers:
                self._matchers[routed] = compile_path(routed)[0]
            template = routed
        else:
            known = self._templates.get(path)
            if known is not None:
                return known
            template = next(
                (t for t, regex in self._matchers.items() if regex.fullmatch(path)), UNMATCHED
            )
        if len(self._templates) >= MAX_TEMPLATES:
            self._templates.clear()
        self._templates[path] = template
        return template

    def observe(self, method: str, route: str, status: int, seconds: float) -> None:
        # Any token is a method to the server: an unknown one must not become a new series.
        key = (method if method in METHODS else "other", route, status)
        self._counts[key] = self._counts.get(key, 0) + 1
        buckets = self._buckets.get(route)
        if buckets is None:
            buckets = self._buckets[route] = [0] * (len(LATENCY_BUCKETS) + 1)
            self._sums[route] = 0.0
        buckets[bisect_left(LATENCY_BUCKETS, seconds)] += 1  # `le` includes its bound
        self._sums[route] += seconds

    def collect(self) -> Iterator[Metric]:
        requests = CounterMetricFamily(
            "factsheet_http_requests",
            "HTTP requests answered, by method, route template and status.",
            labels=["method", "route", "status"],
        )
        for (method, route, status), count in list(self._counts.items()):
            requests.add_metric([method, route, str(status)], count)
        yield requests
        latency = HistogramMetricFamily(
            "factsheet_http_request_duration_seconds",
            "Time from the request reaching the app to its last byte, by route template.",
            labels=["route"],
        )
        bounds = [*(str(b) for b in LATENCY_BUCKETS), "+Inf"]
        for route, counts in list(self._buckets.items()):
            cumulative = list(accumulate(counts))
            latency.add_metric(
                [route], list(zip(bounds, cumulative, strict=True)), self._sums[route]
            )
        yield latency


def new_request_id() -> str:
    """uuid.uuid4().hex, in a fraction of the time (no UUID object, and one read of the
    system's random source per 256 ids): 122 random bits with the version and variant bits
    of a version 4 UUID."""
    offset = _random[1]
    if offset >= RANDOM_POOL_BYTES:
        _random[0], offset = os.urandom(RANDOM_POOL_BYTES), 0
    _random[1] = offset + 16
    value = bytearray(_random[0][offset : offset + 16])
    value[6] = value[6] & 0x0F | 0x40  # version 4
    value[8] = value[8] & 0x3F | 0x80  # the RFC 4122 variant
    return value.hex()


RANDOM_POOL_BYTES = 4096
_random: list[Any] = [b"", RANDOM_POOL_BYTES]  # random bytes drawn ahead, and how far used
# A forked worker must not hand out the ids its parent drew.
os.register_at_fork(after_in_child=lambda: _random.__setitem__(1, RANDOM_POOL_BYTES))


def request_id_for(scope: Scope) -> str:
    """The client's X-Request-ID when it is one we can log and echo safely, else a new one."""
    sent = request_header(scope, b"x-request-id")
    return sent if sent is not None and REQUEST_ID.fullmatch(sent) else new_request_id()


class _Clock:
    """ISO 8601 UTC timestamps with milliseconds; the date and time part is formatted once a
    second, not once a request."""

    def __init__(self) -> None:
        self._second = -1
        self._prefix = ""

    def stamp(self, epoch: float) -> str:
        second = int(epoch)
        if second != self._second:
            self._second = second
            self._prefix = time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(second))
        return f"{self._prefix}.{int((epoch - second) * 1000):03d}Z"


@dataclass
class ObservabilityMiddleware:
    app: ASGIApp
    metrics: Metrics | None
    log_requests: bool
    trusted_proxies: Networks
    _clock: _Clock = field(default_factory=_Clock, init=False)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        # The response cache and the routes share this dict (and see the id in it).
        state = scope.setdefault("state", {})
        request_id = state["request_id"] = request_id_for(scope)
        id_header = (b"x-request-id", request_id.encode())
        status = 500  # if nothing is sent at all, the server answers 500
        sent = 0

        async def send_with_id(message: Message) -> None:
            nonlocal status, sent
            if message["type"] == "http.response.start":
                status = message["status"]
                message["headers"] = [*message.get("headers", ()), id_header]
            elif message["type"] == "http.response.body":
                sent += len(message.get("body", b""))
            await send(message)

        try:
            await self.app(scope, receive, send_with_id)
        finally:
            self.record(scope, request_id, status, started, sent)

    def record(self, scope: Scope, request_id: str, status: int, started: float, sent: int) -> None:
        """Counts the answer in the metrics and writes its access log line."""
        seconds = time.perf_counter() - started
        state = scope["state"]
        if self.metrics is not None:
            route = self.metrics.route_template(scope["path"], state)
            self.metrics.observe(scope["method"], route, status, seconds)
        if self.log_requests and access_log.isEnabledFor(logging.INFO):
            self._log(scope, request_id, status, seconds, sent, state)

    def _log(
        self,
        scope: Scope,
        request_id: str,
        status: int,
        seconds: float,
        sent: int,
        state: dict[str, Any],
    ) -> None:
        line = {
            "time": self._clock.stamp(time.time() - seconds),
            "request_id": request_id,
            "method": scope["method"],
            "path": redact(scope["path"]),
            "query": redact(scope["query_string"].decode("latin-1")),
            "status": status,
            "duration_ms": round(seconds * 1000, 3),
            "bytes": sent,
            "client": client_address(scope, self.trusted_proxies),
            "cache": _cache_outcome(scope, status, state),
        }
        write_access_line(orjson.dumps(line).decode())


def _cache_outcome(scope: Scope, status: int, state: dict[str, Any]) -> str | None:
    """hit or miss for requests the response cache handles, None for the rest. A cacheable
    request that never reached the routes and still got 200 or 304 was a hit; a 429 or 414
    answered in front of the cache never reached it at all."""
    if scope["method"] not in ("GET", "HEAD") or not scope["path"].startswith(CACHED_PREFIXES):
        return None
    if ROUTED in state:
        return "miss"
    return "hit" if status in (200, 304) else None


class RoutedMarker:
    """Sits just inside the response cache, so only requests that go on to the routes (the
    cache's misses, and what it does not cache) get here. It notes the route template the
    router picked (None when no route matched) in the state the outer layers share."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        state = scope.setdefault("state", {})
        state[ROUTED] = None
        try:
            await self.app(scope, receive, send)
        finally:
            route = scope.get("route")  # set by the router on this very scope
            if route is not None:
                state[ROUTED] = _full_template(scope["path"], route)


def _full_template(path: str, route: Any) -> str | None:
    """The template of the whole path. A route included through routers with prefixes knows
    only its own part (`/nris/{nri_id}` under `/v1`), so the prefix is the part of the path
    in front of the first `/` from which the route's own pattern matches."""
    own: str | None = getattr(route, "path", None)
    pattern: re.Pattern[str] | None = getattr(route, "path_regex", None)
    if own is None or pattern is None:
        return None
    start = 0
    while start != -1:
        if pattern.match(path[start:]):  # the pattern is anchored with ^ and $
            return path[:start] + own
        start = path.find("/", start + 1)
    return None
