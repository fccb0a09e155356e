"""The WSIS Action Lines."""

import datetime as dt
from dataclasses import dataclass
from typing import Any

from sqlalchemy import ColumnElement
from sqlmodel import Session

from app.errors import NotFound
from app.models import ActionLine
from app.paging import PageRequest, PageResult, SortKey
from app.schemas.action_line import ActionLinePublic
from app.services.listing import Listing, get_one, in_values, shaper, text_match, updated_since

TABLE = ActionLine.__table__  # type: ignore[attr-defined]
SORTS = {"position": SortKey(TABLE.c.position), "title": SortKey(TABLE.c.title)}
shape = shaper(ActionLinePublic)


@dataclass(frozen=True)
class ActionLineFilters:
    parent: list[str] | None = None
    top_level: bool | None = None
    q: str | None = None
    updated_since: dt.datetime | None = None


def action_line_listing(filters: ActionLineFilters) -> Listing:
    """The action lines that match the filters, for every format of the list."""
    where: list[ColumnElement[bool]] = [
        *in_values(TABLE.c.parent_code, filters.parent),
        *text_match(filters.q, "action-lines", TABLE.c.code),
    ]
    if filters.top_level is not None:
        where.append(
            TABLE.c.parent_code.is_(None) if filters.top_level else TABLE.c.parent_code.isnot(None)
        )
    where += updated_since(TABLE, filters.updated_since)
    facets = {"parent_code": TABLE.c.parent_code}
    return Listing(TABLE, where, SORTS, TABLE.c.code, shape, facets=facets)


def list_action_lines(
    session: Session, filters: ActionLineFilters, page: PageRequest
) -> PageResult:
    return action_line_listing(filters).page(session, page)


def get_action_line(session: Session, code: str) -> dict[str, Any]:
    found = get_one(session, TABLE, TABLE.c.code, code, shape)
    if found is None:
        raise NotFound(f"No action line has the code {code!r}.")
    return found
