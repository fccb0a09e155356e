"""Milestones of the WSIS process, in every format: JSON, CSV, Atom, RSS, JSON Feed and
iCalendar, by suffix or Accept. Their status is computed against today's UTC date."""

import datetime as dt
from dataclasses import dataclass, replace
from typing import Annotated, Any

from fastapi import Depends, Path, Query
from pydantic import Field
from sqlalchemy import ColumnElement, and_, case, func, or_, select

from app.api.format_routes import Docs
from app.api.formats import ATOM, CSV, ICS, JSON, JSON_FEED, RSS
from app.api.list_query import TextQuery, UpdatedSince, utc_moment
from app.api.params import check_value_count
from app.collection import Collection, RecordId, Row, Scope, Texts, column, doc
from app.dialect import decode_json, json_objects_array
from app.errors import BadRequest
from app.feeds import ical
from app.feeds.entries import milestone_entry
from app.models import Milestone, MilestoneOrganisation, Organisation
from app.models.vocabulary import MilestoneKind, MilestoneStatus
from app.paging import SortKey, parse_date
from app.schemas.facets import FacetedPageMeta
from app.schemas.milestone import MilestonePublic
from app.schemas.page import META_DESCRIPTION, Page
from app.services.listing import in_values, text_match, updated_since

TABLE = Milestone.__table__  # type: ignore[attr-defined]
LINK = MilestoneOrganisation.__table__  # type: ignore[attr-defined]
ORG = Organisation.__table__  # type: ignore[attr-defined]
NAME = "milestones"
TITLE = "WSIS+20 milestones"


class MilestonePage(Page[MilestonePublic]):
    meta: FacetedPageMeta = Field(description=META_DESCRIPTION)


@dataclass(frozen=True)
class MilestoneFilters:
    status: list[str] | None = None
    kind: list[str] | None = None
    organisation: list[str] | None = None
    date_from: dt.date | None = None
    date_to: dt.date | None = None
    in_fact_sheet: bool | None = None
    q: str | None = None
    updated_since: dt.datetime | None = None


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
) -> MilestoneFilters:
    """The filters of an organisation's milestones: the list's, but `organisation`."""
    return MilestoneFilters(
        status=check_value_count("status", status),
        kind=check_value_count("kind", kind),
        date_from=date_from,
        date_to=date_to,
        in_fact_sheet=in_fact_sheet,
        q=q,
        updated_since=utc_moment("updated_since", updated_since),
    )


async def all_milestone_filters(
    filters: Annotated[MilestoneFilters, Depends(milestone_filters)],
    organisation: Annotated[
        list[str] | None,
        Query(description="Organisation id (see /v1/organisations); repeat to OR."),
    ] = None,
) -> MilestoneFilters:
    return replace(filters, organisation=check_value_count("organisation", organisation))


def status_of(period_start: dt.date, period_end: dt.date, today: dt.date) -> str:
    if period_end < today:
        return "past"
    if period_start > today:
        return "upcoming"
    return "ongoing"


def _status_condition(status: str, today: dt.date) -> ColumnElement[bool]:
    start: ColumnElement[dt.date] = TABLE.c.period_start
    end: ColumnElement[dt.date] = TABLE.c.period_end
    if status == "past":
        return end < today
    if status == "upcoming":
        return start > today
    return and_(start <= today, end >= today)


def where(filters: MilestoneFilters, scope: Scope) -> list[ColumnElement[bool]]:
    if filters.date_from and filters.date_to and filters.date_from > filters.date_to:
        raise BadRequest.for_param("to", "must not be before 'from'")
    conditions: list[ColumnElement[bool]] = [
        *in_values(TABLE.c.kind, filters.kind),
        *text_match(filters.q, NAME, TABLE.c.id),
    ]
    if filters.status:
        conditions.append(or_(*[_status_condition(s, scope.today) for s in filters.status]))
    if filters.organisation:
        linked = select(LINK.c.milestone_id).where(LINK.c.organisation_id.in_(filters.organisation))
        conditions.append(TABLE.c.id.in_(linked))
    if filters.date_from:
        conditions.append(TABLE.c.period_end >= filters.date_from)
    if filters.date_to:
        conditions.append(TABLE.c.period_start <= filters.date_to)
    if filters.in_fact_sheet is not None:
        conditions.append(TABLE.c.in_fact_sheet == filters.in_fact_sheet)
    return conditions + updated_since(TABLE, filters.updated_since)


def organisations_column(scope: Scope) -> list[Any]:
    """Each milestone's organisations, ids and short names in the record's order, as one
    JSON array column read with the row."""
    rows = (
        select(ORG.c.id, ORG.c.short_name, LINK.c.position)
        .join(LINK, LINK.c.organisation_id == ORG.c.id)
        .where(LINK.c.milestone_id == TABLE.c.id)
        .order_by(LINK.c.position)
        # A FROM-clause subquery does not auto-correlate: without this, `milestone` joins in
        # again and every milestone gets the links of all milestones.
        .correlate(TABLE)
        .subquery()
    )
    dialect = scope.session.get_bind().dialect.name
    fields = {"id": "id", "short_name": "short_name"}
    return [json_objects_array(dialect, rows, fields, "position").label("organisations")]


def computed(row: Row, today: dt.date) -> dict[str, Any]:
    return {
        "status": status_of(row["period_start"], row["period_end"], today),
        "organisations": decode_json(row["organisations"]) or [],
    }


def _status_expression(today: dt.date) -> ColumnElement[str]:
    return case(
        (TABLE.c.period_end < today, "past"),
        (TABLE.c.period_start > today, "upcoming"),
        else_="ongoing",
    )


ORGANISATION_DOCS = {
    "negotiated": doc(
        "List an organisation's milestones",
        """The milestones this organisation took part in, with the milestone list's filters, in
        any of its formats (CSV, Atom, RSS, JSON Feed, iCalendar) by Accept or by suffix.""",
    ),
    "csv": Docs(
        "List an organisation's milestones as CSV",
        "Every milestone of this organisation that matches the filters, as CSV.",
    ),
    "atom": Docs(
        "An organisation's milestones as an Atom feed",
        "Every milestone of this organisation that matches the filters, as an Atom feed.",
    ),
    "rss": Docs(
        "An organisation's milestones as an RSS feed",
        "Every milestone of this organisation that matches the filters, as an RSS 2.0 feed.",
    ),
    "json_feed": Docs(
        "An organisation's milestones as a JSON Feed",
        "Every milestone of this organisation that matches the filters, as a JSON Feed 1.1.",
    ),
    "ics": doc(
        "An organisation's milestones as a calendar",
        """Every milestone of this organisation that matches the filters, as an iCalendar feed
        to subscribe to: one all-day event each.""",
    ),
}


def organisation_feed_title(organisation: Row) -> str:
    return f"{TITLE}: {organisation['short_name']}"


MILESTONES = Collection(
    name=NAME,
    texts=Texts(
        noun="milestone",
        plural="milestones",
        tag="milestones",
        list=doc(
            "List milestones",
            """Dated events of the WSIS process, 2003 to 2025, with filters by status, kind,
            organisation, date range and text. Each embeds its organisations' ids and names.
            `status` is computed from the dates against today's UTC date. The same list is
            available as CSV, Atom, RSS, JSON Feed and iCalendar, by Accept or by suffix.""",
        ),
        summary=doc(
            "Count milestones",
            """Milestones counted by year, kind and status, under the list's filters: the numbers
            behind a dashboard's first charts.""",
        ),
        detail=doc("Get a milestone", "One milestone by its stable id."),
        formats={
            "ics": doc(
                "Milestones as a calendar",
                "Every milestone that matches the filters as an iCalendar feed to subscribe to "
                "(webcal):\none all-day event each. A date known only to the month or year spans "
                "that whole month or\nyear, and its summary says so.",
            )
        },
    ),
    table=TABLE,
    public=MilestonePublic,
    page=MilestonePage,
    id=RecordId(
        "id",
        "milestone_id",
        Annotated[
            str,
            Path(
                pattern=r"^[a-z0-9][a-z0-9-]{0,39}$",
                description="Milestone id.",
                examples=["ms-019"],
            ),
        ],
    ),
    filters=all_milestone_filters,
    where=where,
    sorts={
        "start_date": SortKey(TABLE.c.period_start, parse=parse_date),
        "title": SortKey(TABLE.c.title),
    },
    sort_description="Sort order; `-` means descending. `start_date` orders by the first day "
    "the date can mean (`2025` sorts as 2025-01-01). Ties break on the id.",
    facets={
        "kind": column("kind", TABLE),
        "status": _status_expression,
        # The year the milestone starts in: every precision has it as its first part.
        "year": lambda today: func.substr(TABLE.c.start_date, 1, 4),
        "in_fact_sheet": column("in_fact_sheet", TABLE),
    },
    summary_facets=("year", "kind", "status"),
    formats=(JSON, CSV, ATOM, RSS, JSON_FEED, ICS),
    computed=computed,
    extra_columns=organisations_column,
    record_lists={"organisations": ("organisation_names", "short_name")},
    depends_on_today=True,
    entry=milestone_entry,
    calendar=ical.render,
    feed_title=TITLE,
    feed_subtitle="Dated events of the WSIS process, from the RIPE NCC fact sheet on WSIS+20 "
    "and the sources behind it.",
)
