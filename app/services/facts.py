"""Key figures."""

import datetime as dt
from dataclasses import dataclass
from typing import Any

from sqlalchemy import ColumnElement
from sqlmodel import Session

from app.errors import NotFound
from app.models import Fact
from app.paging import PageRequest, PageResult, SortKey
from app.schemas.fact import FactPublic
from app.services.listing import Listing, get_one, in_values, shaper, text_match, updated_since

TABLE = Fact.__table__  # type: ignore[attr-defined]
SORTS = {
    "id": SortKey(TABLE.c.id),
    "as_of": SortKey(TABLE.c.as_of, null_fill=0),
    "label": SortKey(TABLE.c.label),
}
shape = shaper(FactPublic)


@dataclass(frozen=True)
class FactFilters:
    category: list[str] | None = None
    as_of: list[int] | None = None
    q: str | None = None
    updated_since: dt.datetime | None = None


def fact_listing(filters: FactFilters) -> Listing:
    """The facts that match the filters, for every format of the list."""
    where: list[ColumnElement[bool]] = [
        *in_values(TABLE.c.category, filters.category),
        *in_values(TABLE.c.as_of, filters.as_of),
        *text_match(filters.q, "facts", TABLE.c.id),
        *updated_since(TABLE, filters.updated_since),
    ]
    facets = {"category": TABLE.c.category, "as_of": TABLE.c.as_of}
    return Listing(TABLE, where, SORTS, TABLE.c.id, shape, facets=facets)


def list_facts(session: Session, filters: FactFilters, page: PageRequest) -> PageResult:
    return fact_listing(filters).page(session, page)


def get_fact(session: Session, fact_id: str) -> dict[str, Any]:
    found = get_one(session, TABLE, TABLE.c.id, fact_id, shape)
    if found is None:
        raise NotFound(f"No fact has the id {fact_id!r}.")
    return found
