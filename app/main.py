"""The application factory. Nothing touches the database at import time."""

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI
from fastapi.routing import APIRoute

from app import __version__
from app.api.clock import Clock, utc_today
from app.api.router import api_router
from app.db import make_engine
from app.errors import install_error_handlers
from app.openapi import install_openapi
from app.response_cache import ResponseCacheMiddleware, ResponseStore
from app.revision import RevisionWatcher, read_state
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
* Errors are RFC 9457 `application/problem+json`.
"""


def operation_id(route: APIRoute) -> str:
    return route.name


def create_app(settings: Settings | None = None, clock: Clock | None = None) -> FastAPI:
    settings = settings or get_settings()
    engine = make_engine(
        settings.resolved_database_url,
        pool_size=settings.db_pool_size,
        max_overflow=settings.db_max_overflow,
        pool_timeout=settings.db_pool_timeout,
    )

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        yield
        engine.dispose()

    app = FastAPI(
        title="WSIS+20 fact sheet API",
        version=__version__,
        description=DESCRIPTION,
        lifespan=lifespan,
        generate_unique_id_function=operation_id,
        openapi_tags=TAGS,
    )
    app.state.settings = settings
    app.state.engine = engine
    app.state.clock = clock or utc_today
    store = ResponseStore(settings.cache_max_bytes)
    watcher = RevisionWatcher(
        lambda: read_state(engine), settings.cache_revision_interval, store.clear
    )
    app.state.response_store = store
    app.add_middleware(
        ResponseCacheMiddleware,
        store=store,
        watcher=watcher,
        today=app.state.clock,
        enabled=settings.cache_enabled,
    )
    app.include_router(api_router)
    install_error_handlers(app)
    install_openapi(app)
    return app


TAGS = [
    {"name": "meta", "description": "The API index and problem types."},
    {"name": "fact-sheet", "description": "The fact sheet's text and its calls to action."},
    {"name": "milestones", "description": "Dated events of the WSIS process."},
    {"name": "organisations", "description": "Organisations the fact sheet names."},
    {"name": "nris", "description": "The IGF's national, regional and youth initiatives."},
    {"name": "action-lines", "description": "The WSIS Action Lines C1-C11."},
    {"name": "facts", "description": "Key figures."},
    {"name": "health", "description": "Probes for load balancers."},
]
