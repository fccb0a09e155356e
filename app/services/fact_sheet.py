"""The fact sheet document and its calls to action."""

from typing import Any

from sqlalchemy import select
from sqlmodel import Session

from app.errors import NotFound
from app.models import CallToAction, FactSheet, FactSheetSection
from app.schemas.fact_sheet import CallToActionPublic, SectionPublic
from app.services.listing import shaper

SHEET = FactSheet.__table__  # type: ignore[attr-defined]
SECTION = FactSheetSection.__table__  # type: ignore[attr-defined]
CALL = CallToAction.__table__  # type: ignore[attr-defined]
shape_call = shaper(CallToActionPublic)
shape_section = shaper(SectionPublic)
SHEET_FIELDS = ("id", "title", "publisher", "source", "source_url", "notes")


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
