"""Milestones of the WSIS process."""

import datetime as dt
from dataclasses import replace
from typing import Annotated, Literal

from fastapi import APIRouter, Depends, Path, Query, Request
from starlette.responses import Response

from app.api.clock import TodayDep
from app.api.params import ListParamsDep, check_value_count
from app.api.responses import page_response
from app.db import SessionDep
from app.errors import problem_responses
from app.http_cache import cached_json
from app.models.vocabulary import MilestoneKind, MilestoneStatus
from app.schemas.milestone import MilestonePublic
from app.schemas.page import Page
from app.services import milestones as service
from app.services.listing import public_fields

router = APIRouter(prefix="/milestones", tags=["milestones"])
MilestoneSort = Literal["start_date", "-start_date", "title", "-title"]
FIELDS = public_fields(MilestonePublic)
ID_PATTERN = r"^[a-z0-9][a-z0-9-]{0,39}$"


class MilestonePage(Page[MilestonePublic]):
    pass


async def milestone_filters(
    status: Annotated[
        list[MilestoneStatus] | None,
        Query(description="past, ongoing or upcoming against today's UTC date; repeat to OR."),
    ] = None,
    kind: Annotated[list[MilestoneKind] | None, Query(description="Repeat to OR.")] = None,
    date_from: Annotated[
        dt.date | None,
        Query(alias="from", description="Only milestones that end on or after this date."),
    ] = None,
    date_to: Annotated[
        dt.date | None,
        Query(alias="to", description="Only milestones that start on or before this date."),
    ] = None,
    in_fact_sheet: Annotated[
        bool | None, Query(description="true: only those the fact sheet mentions.")
    ] = None,
    q: Annotated[
        str | None,
        Query(
            max_length=200,
            description="Case-insensitive text match on title, notes, location and resolution.",
        ),
    ] = None,
) -> service.MilestoneFilters:
    return service.MilestoneFilters(
        status=check_value_count("status", status),
        kind=check_value_count("kind", kind),
        date_from=date_from,
        date_to=date_to,
        in_fact_sheet=in_fact_sheet,
        q=q,
    )


MilestoneFiltersDep = Annotated[service.MilestoneFilters, Depends(milestone_filters)]
SortParam = Annotated[
    MilestoneSort,
    Query(
        description="Sort order; `-` means descending. `start_date` orders by the first day "
        "the date can mean (`2025` sorts as 2025-01-01). Ties break on the id."
    ),
]


@router.get(
    "",
    response_model=MilestonePage,
    responses=problem_responses(400, 500),
    summary="List milestones",
)
def list_milestones(
    request: Request,
    session: SessionDep,
    today: TodayDep,
    params: ListParamsDep,
    filters: MilestoneFiltersDep,
    organisation: Annotated[
        list[str] | None,
        Query(description="Organisation id (see /v1/organisations); repeat to OR."),
    ] = None,
    sort: SortParam = "start_date",
) -> Response:
    """Dated events of the WSIS process, 2003 to 2025, with filters by status, kind,
    organisation, date range and text. Each embeds its organisations' ids and names.
    `status` is computed from the dates against today's UTC date."""
    filters = replace(filters, organisation=check_value_count("organisation", organisation))
    result = service.list_milestones(session, filters, params.page(sort), today)
    return page_response(request, result, params, sort, FIELDS, depends_on_today=True)


@router.get(
    "/{milestone_id}",
    response_model=MilestonePublic,
    responses=problem_responses(400, 404, 500),
    summary="Get a milestone",
)
def get_milestone(
    request: Request,
    session: SessionDep,
    today: TodayDep,
    milestone_id: Annotated[
        str, Path(pattern=ID_PATTERN, description="Milestone id.", examples=["ms-019"])
    ],
) -> Response:
    """One milestone by its stable id."""
    milestone = service.get_milestone(session, milestone_id, today)
    return cached_json(request, milestone, depends_on_today=True)
