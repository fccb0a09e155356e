"""Milestone lists in every format: JSON and CSV like any list, and also as Atom, RSS and
JSON Feed for newsletters and as iCalendar for calendar apps, from the same rows."""

from collections.abc import Iterable, Mapping
from typing import Any

from fastapi import Request
from sqlmodel import Session
from starlette.responses import Response

from app.api.formats import CSV, ICS, JSON, Format
from app.api.list_query import ListQuery
from app.api.representations import (
    absolute,
    base_url,
    calendar_response,
    csv_columns,
    feed_response,
    list_response,
    query_pairs,
    without_suffix,
)
from app.feeds import ical
from app.feeds.entries import build_feed, milestone_entry
from app.feeds.model import TAG
from app.paging import canonical
from app.services.changes import data_changed_at
from app.services.listing import Listing

RECORD_LISTS = {"organisations": ("organisation_names", "short_name")}
SUBTITLE = (
    "Dated events of the WSIS process, from the RIPE NCC fact sheet on WSIS+20 and the "
    "sources behind it."
)


def milestone_feed(
    request: Request,
    session: Session,
    rows: Iterable[Mapping[str, Any]],
    fmt: Format,
    *,
    feed_id: str,
    title: str,
    subtitle: str,
    home_path: str,
) -> Response:
    """Milestones as an Atom, RSS or JSON Feed. Their status depends on today, so the feed
    does too (Last-Modified no earlier than today's UTC midnight)."""
    base = base_url(request)
    entries = [milestone_entry(row, base) for row in rows]
    feed = build_feed(
        entries,
        id=feed_id,
        title=title,
        subtitle=subtitle,
        self_url=absolute(request, request.url.path),
        home_url=absolute(request, home_path),
        fallback_updated=None if entries else data_changed_at(session),
    )
    return feed_response(request, feed, fmt, depends_on_today=True)


def milestone_list_response(
    request: Request,
    session: Session,
    listing: Listing,
    query: ListQuery,
    fmt: Format,
    *,
    allowed_fields: tuple[str, ...],
    title: str,
    filename: str,
) -> Response:
    if fmt in (JSON, CSV):
        return list_response(
            request,
            session,
            listing,
            query,
            fmt,
            allowed_fields=allowed_fields,
            filename=f"{filename}.csv",
            record_lists=RECORD_LISTS,
            depends_on_today=True,
        )
    # Feeds and calendars hold every matching milestone, like CSV: `limit` and `cursor` shape
    # JSON pages only. `fields` does not apply either, but a name no milestone has is still
    # an error, as it is for the list's other formats.
    csv_columns(query.fields, allowed_fields, "id")
    rows = listing.rows(session, query.sort)
    home_path = without_suffix(request.url.path, fmt)
    if fmt is ICS:
        body = ical.render(rows, name=title, description=SUBTITLE, base_url=base_url(request))
        return calendar_response(request, body, f"{filename}.ics", depends_on_today=True)
    return milestone_feed(
        request,
        session,
        rows,
        fmt,
        feed_id=TAG + canonical(home_path, query_pairs(request)),
        title=title,
        subtitle=SUBTITLE,
        home_path=home_path,
    )
