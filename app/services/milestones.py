"""Milestones of the WSIS process, with their status computed against today's date."""

import datetime as dt
from collections.abc import Callable, Mapping
from dataclasses import dataclass, replace
from typing import Any

from sqlalchemy import ColumnElement, and_, case, func, or_, select
from sqlmodel import Session

from app.dialect import decode_json, json_objects_array
from app.errors import BadRequest, NotFound
from app.models import Milestone, MilestoneOrganisation, Organisation
from app.paging import PageRequest, PageResult, SortKey, parse_date
from app.schemas.milestone import MilestonePublic
from app.services.listing import (
    Listing,
    get_one,
    in_values,
    shaper,
    text_match,
    updated_since,
)

TABLE = Milestone.__table__  # type: ignore[attr-defined]
LINK = MilestoneOrganisation.__table__  # type: ignore[attr-defined]
ORG = Organisation.__table__  # type: ignore[attr-defined]
SORTS = {
    "start_date": SortKey(TABLE.c.period_start, parse=parse_date),
    "title": SortKey(TABLE.c.title),
}


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


def _organisations_column(session: Session) -> Any:
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
    dialect = session.get_bind().dialect.name
    fields = {"id": "id", "short_name": "short_name"}
    return json_objects_array(dialect, rows, fields, "position").label("organisations")


def _shaper(today: dt.date) -> Any:
    def computed(row: Mapping[Any, Any]) -> dict[str, Any]:
        return {
            "status": status_of(row["period_start"], row["period_end"], today),
            "organisations": decode_json(row["organisations"]) or [],
        }

    return shaper(MilestonePublic, computed)


def _status_expression(today: dt.date) -> ColumnElement[str]:
    return case(
        (TABLE.c.period_end < today, "past"),
        (TABLE.c.period_start > today, "upcoming"),
        else_="ongoing",
    )


FACETS: dict[str, Callable[[dt.date], ColumnElement[Any]]] = {
    "kind": lambda today: TABLE.c.kind,
    "status": _status_expression,
    # The year the milestone starts in: every precision has it as its first part.
    "year": lambda today: func.substr(TABLE.c.start_date, 1, 4),
    "in_fact_sheet": lambda today: TABLE.c.in_fact_sheet,
}


def milestone_listing(session: Session, filters: MilestoneFilters, today: dt.date) -> Listing:
    """The milestones that match the filters, for every format of the list."""
    if filters.date_from and filters.date_to and filters.date_from > filters.date_to:
        raise BadRequest.for_param("to", "must not be before 'from'")
    where: list[ColumnElement[bool]] = [
        *in_values(TABLE.c.kind, filters.kind),
        *text_match(filters.q, "milestones", TABLE.c.id),
    ]
    if filters.status:
        conditions = [_status_condition(s, today) for s in filters.status]
        where.append(or_(*conditions))
    if filters.organisation:
        linked = select(LINK.c.milestone_id).where(LINK.c.organisation_id.in_(filters.organisation))
        where.append(TABLE.c.id.in_(linked))
    if filters.date_from:
        where.append(TABLE.c.period_end >= filters.date_from)
    if filters.date_to:
        where.append(TABLE.c.period_start <= filters.date_to)
    if filters.in_fact_sheet is not None:
        where.append(TABLE.c.in_fact_sheet == filters.in_fact_sheet)
    where += updated_since(TABLE, filters.updated_since)
    return Listing(
        TABLE,
        where,
        SORTS,
        TABLE.c.id,
        _shaper(today),
        extra_columns=[_organisations_column(session)],
        facets={name: expression(today) for name, expression in FACETS.items()},
    )


def list_milestones(
    session: Session, filters: MilestoneFilters, page: PageRequest, today: dt.date
) -> PageResult:
    return milestone_listing(session, filters, today).page(session, page)


def get_milestone(session: Session, milestone_id: str, today: dt.date) -> dict[str, Any]:
    found = get_one(
        session,
        TABLE,
        TABLE.c.id,
        milestone_id,
        _shaper(today),
        extra_columns=[_organisations_column(session)],
    )
    if found is None:
        raise NotFound(f"No milestone has the id {milestone_id!r}.")
    return found


def organisation_milestone_listing(
    session: Session, organisation_id: str, filters: MilestoneFilters, today: dt.date
) -> Listing:
    """The milestones one organisation took part in; 404 if there is no such organisation."""
    if session.execute(select(ORG.c.id).where(ORG.c.id == organisation_id)).first() is None:
        raise NotFound(f"No organisation has the id {organisation_id!r}.")
    scoped = replace(filters, organisation=[organisation_id])
    return milestone_listing(session, scoped, today)


def list_organisation_milestones(
    session: Session,
    organisation_id: str,
    filters: MilestoneFilters,
    page: PageRequest,
    today: dt.date,
) -> PageResult:
    listing = organisation_milestone_listing(session, organisation_id, filters, today)
    return listing.page(session, page)
