"""Liveness and readiness probes for load balancers and orchestrators."""

from concurrent.futures import ThreadPoolExecutor
from concurrent.futures import TimeoutError as FutureTimeout

import anyio.from_thread
from fastapi import APIRouter, Request
from pydantic import BaseModel, Field
from sqlalchemy import Engine
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.pool import QueuePool
from starlette.responses import Response

from app.concurrency import InFlight
from app.errors import ServiceUnavailable, problem_responses
from app.http_cache import dumps
from app.http_protocols import open_connections
from app.migrate import current_revision, head_revision
from app.revision import RevisionWatcher
from app.sqlite_file import replaced

router = APIRouter(tags=["health"])

# How long readiness waits for a pooled connection. Far below the pool timeout that requests
# wait: a probe must answer before the orchestrator gives up on it, and an exhausted pool
# means this process should get no new traffic for now.
CHECKOUT_TIMEOUT = 2.0
# The checkout runs here so that the probe can stop waiting; a checkout still blocked after
# the probe answered finishes (or times out) on its own. Two threads bound the backlog.
_checkouts = ThreadPoolExecutor(max_workers=2, thread_name_prefix="readyz")


class Health(BaseModel):
    status: str = Field(description="`ok`: the process answers.", examples=["ok"])


class Pool(BaseModel):
    size: int = Field(description="Connections the pool keeps (db_pool_size).")
    checked_out: int = Field(description="Connections in use by requests right now.")
    overflow: int = Field(description="Connections open beyond `size` (up to db_max_overflow).")


class Load(BaseModel):
    in_flight: int = Field(description="Requests this worker is answering (probes aside).")
    limit: int | None = Field(
        description="The most it answers at once (limit_concurrency); at it, /readyz is 503."
    )
    clients: int = Field(description="Clients with requests in flight.")
    per_client: int | None = Field(
        description="The most one client may have in flight (limit_concurrency_per_client)."
    )
    connections: int | None = Field(
        description="Connections this worker holds open, idle ones included (null when the "
        "server does not count them)."
    )


class Readiness(Health):
    database: str = Field(
        description="`ok`: the database answered through the pool.", examples=["ok"]
    )
    migration: str | None = Field(description="The schema revision in force.")
    pool: Pool | None = Field(
        description="This process's connection pool (null for an in-memory database)."
    )
    load: Load = Field(description="What this worker is answering right now.")


def _no_store(payload: dict[str, object]) -> Response:
    return Response(
        dumps(payload), media_type="application/json", headers={"Cache-Control": "no-store"}
    )


@router.get(
    "/healthz", response_model=Health, responses=problem_responses(400, 500), summary="Liveness"
)
def healthz() -> Response:
    """The process is up and answering. Touches nothing else."""
    return _no_store({"status": "ok"})


def _revision_through_the_pool(engine: Engine) -> str | None:
    """A checkout from the same pool requests use, within CHECKOUT_TIMEOUT."""
    future = _checkouts.submit(current_revision, engine)
    try:
        return future.result(timeout=CHECKOUT_TIMEOUT)
    except FutureTimeout as exc:
        raise ServiceUnavailable(
            f"No database connection became free within {CHECKOUT_TIMEOUT:g} s: "
            "the connection pool is exhausted."
        ) from exc
    except SQLAlchemyError as exc:
        raise ServiceUnavailable("The database is unreachable.") from exc


def _check_file_in_use(watcher: RevisionWatcher, engine: Engine) -> None:
    """A SQLite file replaced at its path: the response cache may still hold answers from the
    old file until the next revision poll sees the new one. Poll now rather than wait for a
    request to (one may never come to an instance that is not ready); 503 if that fails."""
    path = engine.url.database if engine.url.get_backend_name() == "sqlite" else None
    if not path or path == ":memory:":
        return

    def file_read() -> str | None:
        return watcher.state.file if watcher.state is not None else None

    if replaced(path, file_read()):
        anyio.from_thread.run(watcher.refresh)
        if replaced(path, file_read()):
            raise ServiceUnavailable(
                "The database file was replaced, and this worker still answers from the "
                "old one; it switches at its next revision check."
            )


def pool_status(engine: Engine) -> dict[str, int] | None:
    """The pool's figures, as /readyz and /metrics both report them; None for a pool that
    keeps no connections (an in-memory SQLite database)."""
    pool = engine.pool
    if not isinstance(pool, QueuePool):
        return None
    return {
        "size": pool.size(),
        "checked_out": pool.checkedout(),
        # QueuePool.overflow() is (connections open) - size: negative until the pool has
        # filled. Only connections beyond `size` are overflow, so the floor is 0.
        "overflow": max(pool.overflow(), 0),
    }


@router.get(
    "/readyz",
    response_model=Readiness,
    responses=problem_responses(400, 500, 503),
    summary="Readiness",
)
def readyz(request: Request) -> Response:
    """This worker is below its concurrency limit, the database answers through its
    connection pool (a connection becomes free within 2 s) and the schema is migrated to the
    version this code expects; 503 otherwise."""
    load: InFlight = request.app.state.in_flight
    if load.saturated:
        # It refuses every other request now: a balancer should send them elsewhere. One
        # client cannot cause this alone, since it may hold only its per-client share.
        raise ServiceUnavailable(
            f"This worker is answering its maximum of {load.limit} requests at once."
        )
    engine: Engine = request.app.state.engine
    revision = _revision_through_the_pool(engine)
    expected = head_revision()
    if revision != expected:
        raise ServiceUnavailable(
            f"The database schema is at {revision or 'no revision'}, expected {expected}."
        )
    _check_file_in_use(request.app.state.revision_watcher, engine)
    return _no_store(
        {
            "status": "ok",
            "database": "ok",
            "migration": revision,
            "pool": pool_status(engine),
            "load": {**load.status(), "connections": open_connections()},
        }
    )
