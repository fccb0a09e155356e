"""Feeds for newsletters (RSS-to-email tools read Atom or RSS): upcoming and recent
milestones, and what changed in the data. Each as Atom, RSS 2.0 and JSON Feed 1.1, by suffix,
or on the path without one by Accept (Atom when Accept allows anything)."""

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request
from starlette.responses import Response

from app.api.clock import TodayDep
from app.api.formats import (
    ATOM,
    FEED_FORMATS,
    JSON_FEED,
    RSS,
    Format,
    accepting,
    negotiated_responses,
    suffix_route,
)
from app.api.milestone_formats import milestone_feed
from app.api.representations import absolute, base_url, feed_response
from app.db import SessionDep
from app.feeds.entries import build_feed, change_entry
from app.feeds.model import TAG
from app.services import changes as change_service
from app.services import milestones as milestone_service

router = APIRouter(prefix="/feeds", tags=["feeds"])
RECENT = 20
CHANGES = 50
FeedFormatDep = Annotated[Format, Depends(accepting(*FEED_FORMATS))]
# Atom comes first, so it is what a client that sends no Accept (or */*) gets.
NEGOTIATED: dict[str, Any] = {
    "response_class": Response,
    "responses": negotiated_responses(*FEED_FORMATS),
}


def _upcoming(request: Request, session: SessionDep, today: TodayDep, fmt: Format) -> Response:
    filters = milestone_service.MilestoneFilters(status=["ongoing", "upcoming"])
    rows = milestone_service.milestone_listing(session, filters, today).rows(session, "start_date")
    return milestone_feed(
        request,
        session,
        rows,
        fmt,
        feed_id=f"{TAG}feeds/upcoming",
        title="WSIS+20: upcoming milestones",
        subtitle="Milestones of the WSIS process that are ongoing or still to come, soonest first.",
        home_path="/v1/milestones?status=ongoing&status=upcoming",
    )


def _recent(request: Request, session: SessionDep, today: TodayDep, fmt: Format) -> Response:
    filters = milestone_service.MilestoneFilters(status=["past"])
    listing = milestone_service.milestone_listing(session, filters, today)
    rows = listing.rows(session, "-start_date", limit=RECENT)
    return milestone_feed(
        request,
        session,
        rows,
        fmt,
        feed_id=f"{TAG}feeds/recent",
        title="WSIS+20: recent milestones",
        subtitle=f"The {RECENT} most recent past milestones of the WSIS process, latest first.",
        home_path="/v1/milestones?status=past&sort=-start_date",
    )


def _changes(request: Request, session: SessionDep, fmt: Format) -> Response:
    listing = change_service.change_listing(change_service.ChangeFilters())
    base = base_url(request)
    entries = [change_entry(row, base) for row in listing.rows(session, "-id", limit=CHANGES)]
    feed = build_feed(
        entries,
        id=f"{TAG}feeds/changes",
        title="WSIS+20 fact sheet data: changes",
        subtitle=f"The {CHANGES} latest records added to, updated in or removed from the data, "
        "newest first.",
        self_url=absolute(request, request.url.path),
        home_url=base + "/v1/changes?sort=-id",
        fallback_updated=None if entries else change_service.data_changed_at(session),
    )
    return feed_response(request, feed, fmt)


@router.get("/upcoming", summary="Upcoming milestones feed", **NEGOTIATED)
def get_upcoming_feed(
    request: Request, session: SessionDep, today: TodayDep, fmt: FeedFormatDep
) -> Response:
    """Ongoing and upcoming milestones, soonest first, in the feed format Accept asks for."""
    return _upcoming(request, session, today, fmt)


@router.get("/upcoming.atom", summary="Upcoming milestones (Atom)", **suffix_route(ATOM))
def get_upcoming_feed_atom(request: Request, session: SessionDep, today: TodayDep) -> Response:
    """Ongoing and upcoming milestones, soonest first, as Atom: for RSS-to-email tools."""
    return _upcoming(request, session, today, ATOM)


@router.get("/upcoming.rss", summary="Upcoming milestones (RSS)", **suffix_route(RSS))
def get_upcoming_feed_rss(request: Request, session: SessionDep, today: TodayDep) -> Response:
    """Ongoing and upcoming milestones, soonest first, as RSS 2.0: for RSS-to-email tools."""
    return _upcoming(request, session, today, RSS)


@router.get(
    "/upcoming.feed.json", summary="Upcoming milestones (JSON Feed)", **suffix_route(JSON_FEED)
)
def get_upcoming_feed_json(request: Request, session: SessionDep, today: TodayDep) -> Response:
    """Ongoing and upcoming milestones, soonest first, as JSON Feed 1.1."""
    return _upcoming(request, session, today, JSON_FEED)


@router.get("/recent", summary="Recent milestones feed", **NEGOTIATED)
def get_recent_feed(
    request: Request, session: SessionDep, today: TodayDep, fmt: FeedFormatDep
) -> Response:
    """The latest past milestones, most recent first, in the feed format Accept asks for."""
    return _recent(request, session, today, fmt)


@router.get("/recent.atom", summary="Recent milestones (Atom)", **suffix_route(ATOM))
def get_recent_feed_atom(request: Request, session: SessionDep, today: TodayDep) -> Response:
    """The latest past milestones, most recent first, as Atom."""
    return _recent(request, session, today, ATOM)


@router.get("/recent.rss", summary="Recent milestones (RSS)", **suffix_route(RSS))
def get_recent_feed_rss(request: Request, session: SessionDep, today: TodayDep) -> Response:
    """The latest past milestones, most recent first, as RSS 2.0."""
    return _recent(request, session, today, RSS)


@router.get("/recent.feed.json", summary="Recent milestones (JSON Feed)", **suffix_route(JSON_FEED))
def get_recent_feed_json(request: Request, session: SessionDep, today: TodayDep) -> Response:
    """The latest past milestones, most recent first, as JSON Feed 1.1."""
    return _recent(request, session, today, JSON_FEED)


@router.get("/changes", summary="Data changes feed", **NEGOTIATED)
def get_changes_feed(request: Request, session: SessionDep, fmt: FeedFormatDep) -> Response:
    """The latest changes to the data (records added, updated, removed), newest first, in
    the feed format Accept asks for."""
    return _changes(request, session, fmt)


@router.get("/changes.atom", summary="Data changes (Atom)", **suffix_route(ATOM))
def get_changes_feed_atom(request: Request, session: SessionDep) -> Response:
    """The latest changes to the data, newest first, as Atom: a newsletter of what changed."""
    return _changes(request, session, ATOM)


@router.get("/changes.rss", summary="Data changes (RSS)", **suffix_route(RSS))
def get_changes_feed_rss(request: Request, session: SessionDep) -> Response:
    """The latest changes to the data, newest first, as RSS 2.0: a newsletter of what changed."""
    return _changes(request, session, RSS)


@router.get("/changes.feed.json", summary="Data changes (JSON Feed)", **suffix_route(JSON_FEED))
def get_changes_feed_json(request: Request, session: SessionDep) -> Response:
    """The latest changes to the data, newest first, as JSON Feed 1.1."""
    return _changes(request, session, JSON_FEED)
