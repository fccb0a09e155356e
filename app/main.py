"""The application factory. Nothing touches the database at import time."""

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI
from fastapi.concurrency import run_in_threadpool
from starlette.types import Receive, Scope, Send

from app import __version__
from app.accept_errors import install_accept_error_filter
from app.api import docs
from app.api import metrics as metrics_api
from app.api.clock import Clock, system_clock
from app.api.router import operation_id, served_routes
from app.cache_front import CacheFront, find_layer
from app.collections import route_order
from app.concurrency import ConcurrencyLimitMiddleware, InFlight
from app.cursors import CursorCodec
from app.db import make_engine
from app.errors import install_error_handlers
from app.form_query import FormQueryMiddleware
from app.hosts import AllowedHosts, HostsMiddleware
from app.limits import LimitsMiddleware
from app.observability import Metrics, ObservabilityMiddleware, RoutedMarker, configure_access_log
from app.openapi import install_openapi
from app.rate_buckets import make_buckets
from app.rate_limit import EXEMPT_PATHS, RateLimitMiddleware
from app.response_cache import ResponseCacheMiddleware, ResponseStore
from app.revision import RevisionWatcher, read_state
from app.security import SecurityMiddleware, docs_csp
from app.settings import Settings, get_settings

DESCRIPTION = """\
The RIPE NCC fact sheet on **WSIS+20** (the UN's twenty-year review of the World Summit on
the Information Society) as data: the sheet's own text and calls to action, and the sourced
records behind it: milestones of the WSIS process, organisations, the IGF's National, Regional,
Sub-regional and Youth Initiatives (NRIs), the WSIS Action Lines and key figures.

* Every record carries where it came from (`source_url`, `other_sources` or `source`). Unknown
  values are `null`; where sources disagree, `conflicts` says so.
* Lists share one envelope (`data`, `links`, `meta`), keyset pagination with an opaque `cursor`,
  `limit` up to 200, `sort`, `fields`, and an RFC 8288 `Link` header. Unknown query
  parameters are rejected.
* Every GET answers with an `ETag` and `Cache-Control`; send `If-None-Match` to get `304`.
* Errors are RFC 9457 `application/problem+json`; a browser (whose Accept ranks
  `text/html` first), or a `.html` URL, gets the same problem as a page, never cached.
* Every list, record, the fact sheet and search are also pages for people at the same URLs
  (`text/html`, or the `.html` suffix); `.json` asks for JSON whatever Accept says.
* Each client has a request budget, stated in the `RateLimit-*` headers; past it the answer is
  `429` with `Retry-After`; a `304` for a page the server already holds costs nothing. A
  server at its concurrency limit, or whose database is away, answers `503` with `Retry-After`
  (and keeps serving the pages it holds). Retry after the time given.
* Any origin may read the API (CORS, no credentials); every response has an `X-Request-ID`.
"""


class FactSheetAPI(FastAPI):
    """FastAPI, with cache hits answered before its own per-request wrapping (the error and
    exception layers, the tracing check): they cost more than the answer itself, and a hit
    has nothing left to fail on. Everything else takes the usual way in."""

    front: CacheFront | None = None

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            if self.front is None:
                if self.middleware_stack is None:
                    self.middleware_stack = self.build_middleware_stack()
                self.front = find_layer(self.middleware_stack, CacheFront)
            if self.front is not None:
                scope["app"] = self
                if await self.front.answer(scope, send):
                    return
        await super().__call__(scope, receive, send)


def create_app(settings: Settings | None = None, clock: Clock | None = None) -> FastAPI:
    settings = settings or get_settings()
    engine = make_engine(
        settings.resolved_database_url,
        pool_size=settings.db_pool_size,
        max_overflow=settings.db_max_overflow,
        pool_timeout=settings.db_pool_timeout,
        pool_pre_ping=settings.db_pool_pre_ping,
        pool_recycle=settings.db_pool_recycle,
        connect_timeout=settings.db_connect_timeout,
        statement_timeout=settings.db_statement_timeout,
    )

    buckets = (
        make_buckets(settings.rate_limit_per_minute, settings.rate_limit_burst, settings.redis_url)
        if settings.rate_limit_enabled
        else None
    )

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        await run_in_threadpool(app.state.cursor_codec.preload)
        yield
        engine.dispose()
        if buckets is not None:
            await buckets.aclose()

    app = FactSheetAPI(
        title="WSIS+20 fact sheet API",
        version=__version__,
        description=DESCRIPTION,
        lifespan=lifespan,
        generate_unique_id_function=operation_id,
        openapi_tags=TAGS,
        # app.api.docs serves the document (compressed, with a validator) and Swagger UI
        # (from a packaged copy) instead.
        openapi_url=None,
        docs_url=None,
        redoc_url=None,  # ReDoc would load from a CDN, which the docs' CSP refuses
        routes=list(served_routes(settings.metrics_enabled)),
    )
    app.state.settings = settings
    app.state.engine = engine
    secret = settings.cursor_secret
    app.state.cursor_codec = CursorCodec(engine, secret.get_secret_value() if secret else None)
    app.state.clock = clock or system_clock
    store = ResponseStore(settings.cache_max_bytes)
    watcher = RevisionWatcher(
        lambda: read_state(engine),
        settings.cache_revision_interval,
        store.clear,
        stale_if_error=settings.stale_if_error,
    )
    app.state.response_store = store
    app.state.revision_watcher = watcher
    app.state.rate_limiter = buckets
    app.state.docs_page = docs.build_docs_page(app.title, docs.OPENAPI_URL)
    metrics = Metrics() if settings.metrics_enabled else None
    app.state.metrics = metrics
    if settings.access_log:
        configure_access_log()
    install_accept_error_filter()
    app.state.in_flight = InFlight(
        settings.limit_concurrency, settings.limit_concurrency_per_client
    )
    # Middleware, innermost first: each add_middleware wraps everything added before it, so
    # a request meets them bottom to top: Observability, Security, ConcurrencyLimit, Limits,
    # Hosts, RateLimit, cache.
    # Observability is outermost so its log line, metrics and X-Request-ID cover every answer
    # of the layers inside. Security (headers and CORS in one layer: both are fixed header
    # lists) comes next, so 429s, 414s and 500s carry them too, and preflights are answered
    # before they could count against a budget. The concurrency cap sheds load before any
    # other work is done. Size limits before rate limiting: refusing a bad request is as
    # cheap as a 429 and needs no Redis; so is refusing a Host we do not answer to, which
    # must happen before the cache could store or serve anything for it. The limiter sits
    # outside the response cache to see its 304s (and refund those it answered from what it
    # held: app.response_cache.ANSWERED_FROM_CACHE). An unhandled exception
    # becomes the 500 problem in the innermost of these layers (the limiter, else Security),
    # so every layer outside it sees and decorates an ordinary response. RoutedMarker, inside the
    # cache, tells a miss from a hit and notes the route template for the metrics.
    app.add_middleware(RoutedMarker)
    app.add_middleware(FormQueryMiddleware)
    app.add_middleware(
        ResponseCacheMiddleware,
        store=store,
        watcher=watcher,
        clock=app.state.clock,
        enabled=settings.cache_enabled,
        links_follow_host=settings.public_base_url is None,
    )
    if buckets is not None:
        app.add_middleware(
            RateLimitMiddleware,
            buckets=buckets,
            per_minute=settings.rate_limit_per_minute,
            trusted_proxies=settings.trusted_proxies,
        )
    app.add_middleware(
        HostsMiddleware,
        allowed=AllowedHosts(settings.allowed_hosts, settings.public_base_url),
        trusted_proxies=settings.trusted_proxies,
    )
    app.add_middleware(
        LimitsMiddleware,
        max_query_bytes=settings.max_query_bytes,
        max_body_bytes=settings.max_body_bytes,
        max_header_bytes=settings.max_header_bytes,
        body_timeout=settings.body_timeout,
    )
    # Installed even without caps: it counts what /readyz reports.
    app.add_middleware(
        ConcurrencyLimitMiddleware,
        in_flight=app.state.in_flight,
        exempt=EXEMPT_PATHS,
        trusted_proxies=settings.trusted_proxies,
    )
    app.add_middleware(
        SecurityMiddleware,
        docs_paths=frozenset({"/docs"}),
        docs_policy=docs_csp(app.state.docs_page.script_hashes),
    )
    app.add_middleware(
        ObservabilityMiddleware,
        metrics=metrics,
        log_requests=settings.access_log,
        trusted_proxies=settings.trusted_proxies,
    )
    # Outermost: answers what the cache holds in one step, once each layer added before it
    # says it would let the request through untouched (app.cache_front); everything else
    # goes on to those layers.
    app.add_middleware(CacheFront)
    if metrics is not None:
        metrics_api.install_metrics(metrics, store, engine, buckets)
    install_error_handlers(app)
    install_openapi(app)
    return app


def _tags() -> list[dict[str, str]]:
    """The document's tags: the index, then each collection's (in the order of its paths;
    the calls to action share the fact sheet's), then the probes."""
    tags = {"meta": "The API index and problem types."}
    for c in route_order():
        tags.setdefault(c.texts.tag, c.texts.tag_description)
    tags["health"] = "Probes for load balancers."
    return [{"name": name, "description": text} for name, text in tags.items()]


TAGS = _tags()
