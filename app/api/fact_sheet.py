"""The fact sheet document and its seven calls to action."""

from typing import Annotated, Literal

from fastapi import APIRouter, Depends, Path, Query, Request
from starlette.responses import Response

from app.api.params import ListParamsDep
from app.api.responses import page_response
from app.db import SessionDep
from app.errors import problem_responses
from app.http_cache import cached_json
from app.schemas.fact_sheet import CallToActionPublic, FactSheetPublic
from app.schemas.page import Page
from app.services import fact_sheet as service
from app.services.listing import public_fields

router = APIRouter(tags=["fact-sheet"])
CallSort = Literal["number", "-number"]
CALL_FIELDS = public_fields(CallToActionPublic)


class CallToActionPage(Page[CallToActionPublic]):
    pass


async def call_filters(
    q: Annotated[
        str | None, Query(max_length=200, description="Case-insensitive match on the text.")
    ] = None,
) -> service.CallFilters:
    return service.CallFilters(q=q)


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


@router.get(
    "/calls-to-action",
    response_model=CallToActionPage,
    responses=problem_responses(400, 500),
    summary="List the calls to action",
)
def list_calls_to_action(
    request: Request,
    session: SessionDep,
    params: ListParamsDep,
    filters: Annotated[service.CallFilters, Depends(call_filters)],
    sort: Annotated[CallSort, Query(description="By number; `-` is descending.")] = "number",
) -> Response:
    """The fact sheet's seven calls to action, in its words, with a short paraphrase."""
    result = service.list_calls_to_action(session, filters, params.page(sort))
    return page_response(request, result, params, sort, CALL_FIELDS, id_field="number")


@router.get(
    "/calls-to-action/{number}",
    response_model=CallToActionPublic,
    responses=problem_responses(400, 404, 500),
    summary="Get a call to action",
)
def get_call_to_action(
    request: Request,
    session: SessionDep,
    number: Annotated[int, Path(ge=1, le=1000, description="1 to 7.", examples=[2])],
) -> Response:
    """One call to action by its number in the fact sheet."""
    return cached_json(request, service.get_call_to_action(session, number))
