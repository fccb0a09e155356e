"""Milestones of the WSIS process, in every format: JSON, CSV, Atom, RSS, JSON Feed and
iCalendar, by suffix or Accept. Their status is computed against today's UTC date."""

import datetime as dt
from collections.abc import Iterable
from typing import Annotated, Any

from fastapi import Query
from sqlalchemy import ColumnElement, and_, case, func, or_, select

from app.api.formats import MILESTONE_FORMATS
from app.api.params import check_value_count
from app.collection import Collection, RecordId, Row, column, slug_id, texts_of
from app.dialect import decode_json, json_objects_array
from app.feeds import ical
from app.feeds.entries import milestone_entry
from app.filters import Filter, Scope, any_of, changed_since, ordered_range, text
from app.models import Milestone, MilestoneOrganisation, Organisation
from app.models.vocabulary import MilestoneKind, MilestoneStatus
from app.paging import SortKey, parse_date
from app.schemas.milestone import MilestonePublic
from app.search.text import document_text
from app.seed_rows import period_bounds, pick

TABLE = Milestone.__table__  # type: ignore[attr-defined]
LINK = MilestoneOrganisation.__table__  # type: ignore[attr-defined]
ORG = Organisation.__table__  # type: ignore[attr-defined]
NAME = "milestones"
TITLE = "WSIS+20 milestones"


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


def _any_status(statuses: list[str], scope: Scope) -> ColumnElement[bool]:
    return or_(*[_status_condition(s, scope.today) for s in statuses])


def _linked_to(organisations: list[str], scope: Scope) -> ColumnElement[bool]:
    linked = select(LINK.c.milestone_id).where(LINK.c.organisation_id.in_(organisations))
    condition: ColumnElement[bool] = TABLE.c.id.in_(linked)
    return condition


def _date(alias: str, description: str) -> Any:
    return Annotated[dt.date | None, Query(alias=alias, description=description)]


FILTERS = (
    # First, as the document has always listed it.
    Filter(
        "organisation",
        Annotated[
            list[str] | None,
            Query(description="Organisation id (see /v1/organisations); repeat to OR."),
        ],
        _linked_to,
        check_value_count,
    ),
    Filter(
        "status",
        Annotated[
            list[MilestoneStatus] | None,
            Query(description="past, ongoing or upcoming against today's UTC date; repeat to OR."),
        ],
        _any_status,
        check_value_count,
    ),
    any_of(
        "kind",
        TABLE.c.kind,
        Annotated[list[MilestoneKind] | None, Query(description="Repeat to OR.")],
    ),
    Filter(
        "date_from",
        _date("from", "Only milestones that end on or after this date."),
        lambda day, scope: TABLE.c.period_end >= day,
        param="from",
    ),
    Filter(
        "date_to",
        _date("to", "Only milestones that start on or before this date."),
        lambda day, scope: TABLE.c.period_start <= day,
        param="to",
    ),
    Filter(
        "in_fact_sheet",
        Annotated[bool | None, Query(description="true: only those the fact sheet mentions.")],
        lambda flag, scope: TABLE.c.in_fact_sheet == flag,
    ),
    text(NAME, TABLE.c.id),
    changed_since(TABLE.c.updated_at),
)


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


def document(r: Row) -> tuple[str, str]:
    dates = r["start_date"] + (f" to {r['end_date']}" if r["end_date"] else "")
    return r["title"], document_text(r["kind"], dates, r["location"], r["resolution"], r["notes"])


def seed_rows(data: dict[str, Any]) -> Iterable[dict[str, Any]]:
    for record in data[NAME]:
        start, end = period_bounds(record["start_date"], record["end_date"])
        yield pick(TABLE, record, period_start=start, period_end=end)


def organisation_feed_title(organisation: Row) -> str:
    return f"{TITLE}: {organisation['short_name']}"


MILESTONES = Collection(
    name=NAME,
    texts=texts_of(NAME),
    table=TABLE,
    public=MilestonePublic,
    id=RecordId(slug_id("Milestone id.", "ms-019")),
    filters=FILTERS,
    rules=[ordered_range("date_from", "date_to", "to", "must not be before 'from'")],
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
    formats=MILESTONE_FORMATS,
    computed=computed,
    extra_columns=organisations_column,
    record_lists={"organisations": ("organisation_names", "short_name")},
    depends_on_today=True,
    entry=milestone_entry,
    calendar=ical.render,
    search=document,
    seed_rows=seed_rows,
    feed_title=TITLE,
    feed_subtitle="Dated events of the WSIS process, from the RIPE NCC fact sheet on WSIS+20 "
    "and the sources behind it.",
)
