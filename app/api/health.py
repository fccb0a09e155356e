"""Liveness and readiness probes for load balancers and orchestrators."""

from fastapi import APIRouter, Request
from pydantic import BaseModel, Field
from sqlalchemy.exc import SQLAlchemyError
from starlette.responses import Response

from app.errors import ServiceUnavailable, problem_responses
from app.http_cache import dumps
from app.migrate import current_revision, head_revision

router = APIRouter(tags=["health"])


class Health(BaseModel):
    status: str = Field(examples=["ok"])


class Readiness(Health):
    database: str = Field(examples=["ok"])
    migration: str | None = Field(description="The schema revision in force.")


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


@router.get(
    "/readyz",
    response_model=Readiness,
    responses=problem_responses(400, 500, 503),
    summary="Readiness",
)
def readyz(request: Request) -> Response:
    """The database answers and its schema is migrated to the version this code expects;
    503 otherwise."""
    try:
        revision = current_revision(request.app.state.engine)
    except SQLAlchemyError as exc:
        raise ServiceUnavailable("The database is unreachable.") from exc
    expected = head_revision()
    if revision != expected:
        raise ServiceUnavailable(
            f"The database schema is at {revision or 'no revision'}, expected {expected}."
        )
    return _no_store({"status": "ok", "database": "ok", "migration": revision})
