"""Milestones of the WSIS process, in every format: JSON, CSV, Atom, RSS, JSON Feed and
iCalendar, by suffix or Accept."""

import datetime as dt
from dataclasses import replace
from typing import Annotated, Literal

from fastapi import APIRouter, Depends, Path, Query, Request
from pydantic import Field
from starlette.responses import Response

from app.api.clock import TodayDep
from app.api.formats import (
    ATOM,
    CSV,
    ICS,
    JSON_FEED,
    MILESTONE_FORMATS,
    RSS,
    Format,
    accepting,
    negotiated_responses,
    suffix_route,
)
from app.api.list_query import (
    ListQuery,
    TextQuery,
    UpdatedSince,
    facets_query,
    split_facets,
    utc_moment,
)
from app.api.milestone_formats import milestone_list_response
from app.api.params import ListParamsDep, check_value_count
from app.db import SessionDep
from app.errors import problem_responses
from app.http_cache import cached_json
from app.models.vocabulary import MilestoneKind, MilestoneStatus
from app.schemas.facets import FacetedPageMeta, Summary
from app.schemas.milestone import MilestonePublic
from app.schemas.page import META_DESCRIPTION, Page
from app.services import milestones as service
from app.services.listing import public_fields

router = APIRouter(prefix="/milestones", tags=["milestones"])
MilestoneSort = Literal["start_date", "-start_date", "title", "-title"]
FIELDS = public_fields(MilestonePublic)
ID_PATTERN = r"^[a-z0-9][a-z0-9-]{0,39}$"
FACETS = tuple(service.FACETS)
TITLE = "WSIS+20 milestones"


class MilestonePage(Page[MilestonePublic]):
    meta: FacetedPageMeta = Field(description=META_DESCRIPTION)


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
    q: TextQuery = None,
    updated_since: UpdatedSince = None,
) -> service.MilestoneFilters:
    return service.MilestoneFilters(
        status=check_value_count("status", status),
        kind=check_value_count("kind", kind),
        date_from=date_from,
        date_to=date_to,
        in_fact_sheet=in_fact_sheet,
        q=q,
        updated_since=utc_moment("updated_since", updated_since),
    )


MilestoneFiltersDep = Annotated[service.MilestoneFilters, Depends(milestone_filters)]
SortParam = Annotated[
    MilestoneSort,
    Query(
        description="Sort order; `-` means descending. `start_date` orders by the first day "
        "the date can mean (`2025` sorts as 2025-01-01). Ties break on the id."
    ),
]


async def all_milestone_filters(
    filters: MilestoneFiltersDep,
    organisation: Annotated[
        list[str] | None,
        Query(description="Organisation id (see /v1/organisations); repeat to OR."),
    ] = None,
) -> service.MilestoneFilters:
    return replace(filters, organisation=check_value_count("organisation", organisation))


async def milestone_query(
    params: ListParamsDep,
    sort: SortParam = "start_date",
    facets: Annotated[str | None, facets_query(FACETS)] = None,
) -> ListQuery:
    return ListQuery(params, sort, split_facets(facets))


AllFiltersDep = Annotated[service.MilestoneFilters, Depends(all_milestone_filters)]
MilestoneQueryDep = Annotated[ListQuery, Depends(milestone_query)]
NegotiatedDep = Annotated[Format, Depends(accepting(*MILESTONE_FORMATS))]


def _milestones(
    request: Request,
    session: SessionDep,
    today: dt.date,
    filters: service.MilestoneFilters,
    query: ListQuery,
    fmt: Format,
) -> Response:
    listing = service.milestone_listing(session, filters, today)
    return milestone_list_response(
        request,
        session,
        listing,
        query,
        fmt,
        allowed_fields=FIELDS,
        title=TITLE,
        filename="milestones",
    )


@router.get(
    "",
    response_model=MilestonePage,
    responses=negotiated_responses(*MILESTONE_FORMATS),
    summary="List milestones",
)
def list_milestones(
    request: Request,
    session: SessionDep,
    today: TodayDep,
    filters: AllFiltersDep,
    query: MilestoneQueryDep,
    fmt: NegotiatedDep,
) -> Response:
    """Dated events of the WSIS process, 2003 to 2025, with filters by status, kind,
    organisation, date range and text. Each embeds its organisations' ids and names.
    `status` is computed from the dates against today's UTC date. The same list is
    available as CSV, Atom, RSS, JSON Feed and iCalendar, by Accept or by suffix."""
    return _milestones(request, session, today, filters, query, fmt)


@router.get(".csv", summary="List milestones as CSV", **suffix_route(CSV))
def list_milestones_csv(
    request: Request,
    session: SessionDep,
    today: TodayDep,
    filters: AllFiltersDep,
    query: MilestoneQueryDep,
) -> Response:
    """Every milestone that matches the filters, as CSV, in the list's sort order."""
    return _milestones(request, session, today, filters, query, CSV)


@router.get(".atom", summary="Milestones as an Atom feed", **suffix_route(ATOM))
def list_milestones_atom(
    request: Request,
    session: SessionDep,
    today: TodayDep,
    filters: AllFiltersDep,
    query: MilestoneQueryDep,
) -> Response:
    """Every milestone that matches the filters, as an Atom feed in the list's sort order."""
    return _milestones(request, session, today, filters, query, ATOM)


@router.get(".rss", summary="Milestones as an RSS feed", **suffix_route(RSS))
def list_milestones_rss(
    request: Request,
    session: SessionDep,
    today: TodayDep,
    filters: AllFiltersDep,
    query: MilestoneQueryDep,
) -> Response:
    """Every milestone that matches the filters, as an RSS 2.0 feed in the list's sort order."""
    return _milestones(request, session, today, filters, query, RSS)


@router.get(".feed.json", summary="Milestones as a JSON Feed", **suffix_route(JSON_FEED))
def list_milestones_feed_json(
    request: Request,
    session: SessionDep,
    today: TodayDep,
    filters: AllFiltersDep,
    query: MilestoneQueryDep,
) -> Response:
    """Every milestone that matches the filters, as a JSON Feed 1.1 in the list's sort order."""
    return _milestones(request, session, today, filters, query, JSON_FEED)


@router.get(".ics", summary="Milestones as a calendar", **suffix_route(ICS))
def list_milestones_ics(
    request: Request,
    session: SessionDep,
    today: TodayDep,
    filters: AllFiltersDep,
    query: MilestoneQueryDep,
) -> Response:
    """Every milestone that matches the filters as an iCalendar feed to subscribe to (webcal):
    one all-day event each. A date known only to the month or year spans that whole month or
    year, and its summary says so."""
    return _milestones(request, session, today, filters, query, ICS)


@router.get(
    "/summary",
    response_model=Summary,
    responses=problem_responses(400, 500),
    summary="Count milestones",
)
def get_milestone_summary(
    request: Request, session: SessionDep, today: TodayDep, filters: AllFiltersDep
) -> Response:
    """Milestones counted by year, kind and status, under the list's filters: the numbers
    behind a dashboard's first charts."""
    listing = service.milestone_listing(session, filters, today)
    summary = listing.summary(session, ["year", "kind", "status"])
    return cached_json(request, summary, depends_on_today=True)


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
