"""The milestones each organisation took part in, in every format of the milestone list."""

import datetime as dt
from typing import Annotated

from fastapi import APIRouter, Depends, Request
from starlette.responses import Response

from app.api.clock import TodayDep
from app.api.formats import (
    ATOM,
    CSV,
    ICS,
    JSON,
    JSON_FEED,
    MILESTONE_FORMATS,
    RSS,
    Format,
    accepting,
    negotiated_responses,
    suffix_route,
)
from app.api.list_query import ListQuery
from app.api.milestone_formats import milestone_list_response
from app.api.milestones import FIELDS, TITLE, MilestoneFiltersDep, MilestonePage, MilestoneQueryDep
from app.api.organisations import OrganisationId
from app.db import SessionDep
from app.errors import problem_responses
from app.services import milestones as service
from app.services import organisations as organisation_service

router = APIRouter(prefix="/organisations", tags=["organisations"])
PROBLEMS = (400, 404, 500)


def _milestones(
    request: Request,
    session: SessionDep,
    today: dt.date,
    organisation_id: str,
    filters: service.MilestoneFilters,
    query: ListQuery,
    fmt: Format,
) -> Response:
    listing = service.organisation_milestone_listing(session, organisation_id, filters, today)
    title = TITLE
    if fmt not in (JSON, CSV):
        # Feeds and calendars carry a name a person reads.
        organisation = organisation_service.get_organisation(session, organisation_id)
        title = f"{TITLE}: {organisation['short_name']}"
    return milestone_list_response(
        request,
        session,
        listing,
        query,
        fmt,
        allowed_fields=FIELDS,
        title=title,
        filename=f"{organisation_id}-milestones",
    )


@router.get(
    "/{organisation_id}/milestones",
    response_model=MilestonePage,
    responses={**negotiated_responses(*MILESTONE_FORMATS), **problem_responses(*PROBLEMS, 406)},
    summary="List an organisation's milestones",
)
def list_organisation_milestones(
    request: Request,
    session: SessionDep,
    today: TodayDep,
    organisation_id: OrganisationId,
    filters: MilestoneFiltersDep,
    query: MilestoneQueryDep,
    fmt: Annotated[Format, Depends(accepting(*MILESTONE_FORMATS))],
) -> Response:
    """The milestones this organisation took part in, with the milestone list's filters, in
    any of its formats (CSV, Atom, RSS, JSON Feed, iCalendar) by Accept or by suffix."""
    return _milestones(request, session, today, organisation_id, filters, query, fmt)


@router.get(
    "/{organisation_id}/milestones.csv",
    summary="List an organisation's milestones as CSV",
    **suffix_route(CSV, *PROBLEMS),
)
def list_organisation_milestones_csv(
    request: Request,
    session: SessionDep,
    today: TodayDep,
    organisation_id: OrganisationId,
    filters: MilestoneFiltersDep,
    query: MilestoneQueryDep,
) -> Response:
    """Every milestone of this organisation that matches the filters, as CSV."""
    return _milestones(request, session, today, organisation_id, filters, query, CSV)


@router.get(
    "/{organisation_id}/milestones.atom",
    summary="An organisation's milestones as an Atom feed",
    **suffix_route(ATOM, *PROBLEMS),
)
def list_organisation_milestones_atom(
    request: Request,
    session: SessionDep,
    today: TodayDep,
    organisation_id: OrganisationId,
    filters: MilestoneFiltersDep,
    query: MilestoneQueryDep,
) -> Response:
    """Every milestone of this organisation that matches the filters, as an Atom feed."""
    return _milestones(request, session, today, organisation_id, filters, query, ATOM)


@router.get(
    "/{organisation_id}/milestones.rss",
    summary="An organisation's milestones as an RSS feed",
    **suffix_route(RSS, *PROBLEMS),
)
def list_organisation_milestones_rss(
    request: Request,
    session: SessionDep,
    today: TodayDep,
    organisation_id: OrganisationId,
    filters: MilestoneFiltersDep,
    query: MilestoneQueryDep,
) -> Response:
    """Every milestone of this organisation that matches the filters, as an RSS 2.0 feed."""
    return _milestones(request, session, today, organisation_id, filters, query, RSS)


@router.get(
    "/{organisation_id}/milestones.feed.json",
    summary="An organisation's milestones as a JSON Feed",
    **suffix_route(JSON_FEED, *PROBLEMS),
)
def list_organisation_milestones_feed_json(
    request: Request,
    session: SessionDep,
    today: TodayDep,
    organisation_id: OrganisationId,
    filters: MilestoneFiltersDep,
    query: MilestoneQueryDep,
) -> Response:
    """Every milestone of this organisation that matches the filters, as a JSON Feed 1.1."""
    return _milestones(request, session, today, organisation_id, filters, query, JSON_FEED)


@router.get(
    "/{organisation_id}/milestones.ics",
    summary="An organisation's milestones as a calendar",
    **suffix_route(ICS, *PROBLEMS),
)
def list_organisation_milestones_ics(
    request: Request,
    session: SessionDep,
    today: TodayDep,
    organisation_id: OrganisationId,
    filters: MilestoneFiltersDep,
    query: MilestoneQueryDep,
) -> Response:
    """Every milestone of this organisation that matches the filters, as an iCalendar feed
    to subscribe to: one all-day event each."""
    return _milestones(request, session, today, organisation_id, filters, query, ICS)
