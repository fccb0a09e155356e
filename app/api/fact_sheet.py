"""The fact sheet document and its seven calls to action."""

from typing import Annotated, Literal

from fastapi import APIRouter, Depends, Path, Query, Request
from starlette.responses import Response

from app.api.formats import CSV, LIST_FORMATS, Format, accepting, negotiated_responses, suffix_route
from app.api.list_query import ListQuery, TextQuery, UpdatedSince, utc_moment
from app.api.params import ListParamsDep
from app.api.representations import list_response
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
    q: TextQuery = None,
    updated_since: UpdatedSince = None,
) -> service.CallFilters:
    return service.CallFilters(q=q, updated_since=utc_moment("updated_since", updated_since))


async def call_query(
    params: ListParamsDep,
    sort: Annotated[CallSort, Query(description="By number; `-` is descending.")] = "number",
) -> ListQuery:
    return ListQuery(params, sort)


CallFiltersDep = Annotated[service.CallFilters, Depends(call_filters)]
CallQueryDep = Annotated[ListQuery, Depends(call_query)]


def _calls(
    request: Request,
    session: SessionDep,
    filters: service.CallFilters,
    query: ListQuery,
    fmt: Format,
) -> Response:
    listing = service.call_listing(filters)
    return list_response(
        request,
        session,
        listing,
        query,
        fmt,
        allowed_fields=CALL_FIELDS,
        filename="calls-to-action.csv",
        id_field="number",
    )


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
    responses=negotiated_responses(*LIST_FORMATS),
    summary="List the calls to action",
)
def list_calls_to_action(
    request: Request,
    session: SessionDep,
    filters: CallFiltersDep,
    query: CallQueryDep,
    fmt: Annotated[Format, Depends(accepting(*LIST_FORMATS))],
) -> Response:
    """The fact sheet's seven calls to action, in its words, with a short paraphrase. Also as
    CSV, by Accept or by suffix."""
    return _calls(request, session, filters, query, fmt)


@router.get("/calls-to-action.csv", summary="List the calls to action as CSV", **suffix_route(CSV))
def list_calls_to_action_csv(
    request: Request, session: SessionDep, filters: CallFiltersDep, query: CallQueryDep
) -> Response:
    """Every call to action that matches the filters, as CSV, in number order."""
    return _calls(request, session, filters, query, CSV)


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
