"""The fact sheet document and its calls to action."""

import datetime as dt
from dataclasses import dataclass
from typing import Any

from sqlalchemy import ColumnElement, select
from sqlmodel import Session

from app.errors import NotFound
from app.models import CallToAction, FactSheet, FactSheetSection
from app.paging import PageRequest, PageResult, SortKey
from app.schemas.fact_sheet import CallToActionPublic, SectionPublic
from app.services.listing import Listing, get_one, shaper, text_match, updated_since

SHEET = FactSheet.__table__  # type: ignore[attr-defined]
SECTION = FactSheetSection.__table__  # type: ignore[attr-defined]
CALL = CallToAction.__table__  # type: ignore[attr-defined]
CALL_SORTS = {"number": SortKey(CALL.c.number)}
shape_call = shaper(CallToActionPublic)
shape_section = shaper(SectionPublic)
SHEET_FIELDS = ("id", "title", "publisher", "source", "source_url", "notes")


@dataclass(frozen=True)
class CallFilters:
    q: str | None = None
    updated_since: dt.datetime | None = None


def get_fact_sheet(session: Session) -> dict[str, Any]:
    sheet = session.execute(select(*SHEET.columns).order_by(SHEET.c.id)).first()
    if sheet is None:
        raise NotFound("The fact sheet has not been loaded yet.")
    row = sheet._mapping
    sections = session.execute(
        select(*SECTION.columns)
        .where(SECTION.c.fact_sheet_id == row["id"])
        .order_by(SECTION.c.position)
    )
    calls = session.execute(select(*CALL.columns).order_by(CALL.c.number))
    document = {name: row[name] for name in SHEET_FIELDS}
    document["sections"] = [shape_section(s._mapping) for s in sections]
    document["calls_to_action"] = [shape_call(c._mapping) for c in calls]
    document["created_at"] = row["created_at"]
    document["updated_at"] = row["updated_at"]
    return document


def call_listing(filters: CallFilters) -> Listing:
    """The calls to action that match the filters, for every format of the list."""
    where: list[ColumnElement[bool]] = [
        *text_match(filters.q, "calls-to-action", CALL.c.number),
        *updated_since(CALL, filters.updated_since),
    ]
    return Listing(CALL, where, CALL_SORTS, CALL.c.number, shape_call)


def list_calls_to_action(session: Session, filters: CallFilters, page: PageRequest) -> PageResult:
    return call_listing(filters).page(session, page)


def get_call_to_action(session: Session, number: int) -> dict[str, Any]:
    found = get_one(session, CALL, CALL.c.number, number, shape_call)
    if found is None:
        raise NotFound(f"There is no call to action number {number}.")
    return found
