"""The fact sheet document (its calls to action as a list: app.collections)."""

from fastapi import APIRouter, Request
from starlette.responses import Response

from app.db import SessionDep
from app.errors import problem_responses
from app.http_cache import cached_json
from app.schemas.fact_sheet import FactSheetPublic
from app.services import fact_sheet as service

router = APIRouter(tags=["fact-sheet"])


@router.get(
    "/fact-sheet",
    response_model=FactSheetPublic,
    responses=problem_responses(400, 404, 500),
    summary="Get the fact sheet",
)
def get_fact_sheet(request: Request, session: SessionDep) -> Response:
    """The RIPE NCC fact sheet "WSIS+20": its sections in order, as the sheet words them,
    and its seven calls to action."""
    return cached_json(request, service.get_fact_sheet(session))
