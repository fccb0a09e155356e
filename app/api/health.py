"""Liveness and readiness probes for load balancers and orchestrators."""

from concurrent.futures import ThreadPoolExecutor
from concurrent.futures import TimeoutError as FutureTimeout

from fastapi import APIRouter, Request
from pydantic import BaseModel, Field
from sqlalchemy import Engine
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.pool import QueuePool
from starlette.responses import Response

from app.errors import ServiceUnavailable, problem_responses
from app.http_cache import dumps
from app.migrate import current_revision, head_revision

router = APIRouter(tags=["health"])

# How long readiness waits for a pooled connection. Far below the pool timeout that requests
# wait: a probe must answer before the orchestrator gives up on it, and an exhausted pool
# means this process should get no new traffic for now.
CHECKOUT_TIMEOUT = 2.0
# The checkout runs here so that the probe can stop waiting; a checkout still blocked after
# the probe answered finishes (or times out) on its own. Two threads bound the backlog.
_checkouts = ThreadPoolExecutor(max_workers=2, thread_name_prefix="readyz")


class Health(BaseModel):
    status: str = Field(examples=["ok"])


class Pool(BaseModel):
    size: int = Field(description="Connections the pool keeps (db_pool_size).")
    checked_out: int = Field(description="Connections in use by requests right now.")
    overflow: int = Field(description="Connections open beyond `size` (up to db_max_overflow).")


class Readiness(Health):
    database: str = Field(examples=["ok"])
    migration: str | None = Field(description="The schema revision in force.")
    pool: Pool | None = Field(
        description="This process's connection pool (null for an in-memory database)."
    )


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


def _pool_status(engine: Engine) -> dict[str, int] | None:
    pool = engine.pool
    if not isinstance(pool, QueuePool):
        return None
    return {
        "size": pool.size(),
        "checked_out": pool.checkedout(),
        "overflow": max(pool.overflow(), 0),
    }


@router.get(
    "/readyz",
    response_model=Readiness,
    responses=problem_responses(400, 500, 503),
    summary="Readiness",
)
def readyz(request: Request) -> Response:
    """The database answers through this process's connection pool (a connection becomes
    free within 2 s) and its schema is migrated to the version this code expects; 503
    otherwise."""
    engine: Engine = request.app.state.engine
    revision = _revision_through_the_pool(engine)
    expected = head_revision()
    if revision != expected:
        raise ServiceUnavailable(
            f"The database schema is at {revision or 'no revision'}, expected {expected}."
        )
    return _no_store(
        {
            "status": "ok",
            "database": "ok",
            "migration": revision,
            "pool": _pool_status(engine),
        }
    )
