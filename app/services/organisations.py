"""Organisations: list, detail, and the milestones each took part in."""

import datetime as dt
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlmodel import Session

from app.errors import NotFound
from app.models import Organisation
from app.paging import PageRequest, PageResult, SortKey
from app.schemas.organisation import OrganisationPublic
from app.services.listing import Listing, get_one, in_values, shaper, text_match, updated_since

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
    updated_since: dt.datetime | None = None


def organisation_listing(filters: OrganisationFilters) -> Listing:
    """The organisations that match the filters, for every format of the list."""
    where = [
        *in_values(TABLE.c.kind, filters.kind),
        *text_match(filters.q, "organisations", TABLE.c.id),
        *updated_since(TABLE, filters.updated_since),
    ]
    return Listing(TABLE, where, SORTS, TABLE.c.id, shape, facets={"kind": TABLE.c.kind})


def list_organisations(
    session: Session, filters: OrganisationFilters, page: PageRequest
) -> PageResult:
    return organisation_listing(filters).page(session, page)


def get_organisation(session: Session, organisation_id: str) -> dict[str, Any]:
    found = get_one(session, TABLE, TABLE.c.id, organisation_id, shape)
    if found is None:
        raise NotFound(f"No organisation has the id {organisation_id!r}.")
    return found


def organisation_kinds(session: Session) -> list[str]:
    return list(session.execute(select(TABLE.c.kind).distinct().order_by(TABLE.c.kind)).scalars())
