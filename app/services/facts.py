"""Key figures."""

from dataclasses import dataclass
from typing import Any

from sqlalchemy import ColumnElement
from sqlmodel import Session

from app.errors import NotFound
from app.models import Fact
from app.paging import PageRequest, PageResult, SortKey
from app.schemas.fact import FactPublic
from app.services.listing import get_one, in_values, list_page, shaper, text_match

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


def list_facts(session: Session, filters: FactFilters, page: PageRequest) -> PageResult:
    where: list[ColumnElement[bool]] = [
        *in_values(TABLE.c.category, filters.category),
        *in_values(TABLE.c.as_of, filters.as_of),
        *text_match(filters.q, [TABLE.c.label, TABLE.c.context, TABLE.c.notes]),
    ]
    return list_page(
        session, TABLE, where=where, page=page, sorts=SORTS, id_column=TABLE.c.id, shape=shape
    )


def get_fact(session: Session, fact_id: str) -> dict[str, Any]:
    found = get_one(session, TABLE, TABLE.c.id, fact_id, shape)
    if found is None:
        raise NotFound(f"No fact has the id {fact_id!r}.")
    return found
