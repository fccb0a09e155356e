"""The WSIS Action Lines."""

from dataclasses import dataclass
from typing import Any

from sqlalchemy import ColumnElement
from sqlmodel import Session

from app.errors import NotFound
from app.models import ActionLine
from app.paging import PageRequest, PageResult, SortKey
from app.schemas.action_line import ActionLinePublic
from app.services.listing import get_one, in_values, list_page, shaper, text_match

TABLE = ActionLine.__table__  # type: ignore[attr-defined]
SORTS = {"position": SortKey(TABLE.c.position), "title": SortKey(TABLE.c.title)}
shape = shaper(ActionLinePublic)


@dataclass(frozen=True)
class ActionLineFilters:
    parent: list[str] | None = None
    top_level: bool | None = None
    q: str | None = None


def list_action_lines(
    session: Session, filters: ActionLineFilters, page: PageRequest
) -> PageResult:
    where: list[ColumnElement[bool]] = [
        *in_values(TABLE.c.parent_code, filters.parent),
        *text_match(filters.q, [TABLE.c.code, TABLE.c.title, TABLE.c.title_variant]),
    ]
    if filters.top_level is not None:
        where.append(
            TABLE.c.parent_code.is_(None) if filters.top_level else TABLE.c.parent_code.isnot(None)
        )
    return list_page(
        session, TABLE, where=where, page=page, sorts=SORTS, id_column=TABLE.c.code, shape=shape
    )


def get_action_line(session: Session, code: str) -> dict[str, Any]:
    found = get_one(session, TABLE, TABLE.c.code, code, shape)
    if found is None:
        raise NotFound(f"No action line has the code {code!r}.")
    return found
