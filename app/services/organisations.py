"""Organisations: list, detail, and the milestones each took part in."""

from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlmodel import Session

from app.errors import NotFound
from app.models import Organisation
from app.paging import PageRequest, PageResult, SortKey
from app.schemas.organisation import OrganisationPublic
from app.services.listing import get_one, in_values, list_page, shaper, text_match

TABLE = Organisation.__table__  # type: ignore[attr-defined]
SORTS = {
    "name": SortKey(TABLE.c.short_name),
    "founded_year": SortKey(TABLE.c.founded_year, null_fill=0),
}
shape = shaper(OrganisationPublic)


@dataclass(frozen=True)
class OrganisationFilters:
    kind: list[str] | None = None
    q: str | None = None


def list_organisations(
    session: Session, filters: OrganisationFilters, page: PageRequest
) -> PageResult:
    where = [
        *in_values(TABLE.c.kind, filters.kind),
        *text_match(filters.q, [TABLE.c.short_name, TABLE.c.full_name, TABLE.c.role_in_fact_sheet]),
    ]
    return list_page(
        session, TABLE, where=where, page=page, sorts=SORTS, id_column=TABLE.c.id, shape=shape
    )


def get_organisation(session: Session, organisation_id: str) -> dict[str, Any]:
    found = get_one(session, TABLE, TABLE.c.id, organisation_id, shape)
    if found is None:
        raise NotFound(f"No organisation has the id {organisation_id!r}.")
    return found


def organisation_kinds(session: Session) -> list[str]:
    return list(session.execute(select(TABLE.c.kind).distinct().order_by(TABLE.c.kind)).scalars())
