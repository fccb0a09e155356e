"""The WSIS Action Lines."""

import datetime as dt
from dataclasses import dataclass
from typing import Annotated

from fastapi import Path, Query
from pydantic import Field, StringConstraints
from sqlalchemy import ColumnElement

from app.api.list_query import TextQuery, UpdatedSince, utc_moment
from app.api.params import check_value_count
from app.collection import Collection, RecordId, Scope, Texts, column, doc
from app.models import ActionLine
from app.paging import SortKey
from app.schemas.action_line import ActionLinePublic
from app.schemas.facets import FacetedPageMeta
from app.schemas.page import META_DESCRIPTION, Page
from app.services.listing import in_values, text_match, updated_since

TABLE = ActionLine.__table__  # type: ignore[attr-defined]
NAME = "action-lines"


class ActionLinePage(Page[ActionLinePublic]):
    meta: FacetedPageMeta = Field(description=META_DESCRIPTION)


@dataclass(frozen=True)
class ActionLineFilters:
    parent: list[str] | None = None
    top_level: bool | None = None
    q: str | None = None
    updated_since: dt.datetime | None = None


async def action_line_filters(
    parent: Annotated[
        list[Annotated[str, StringConstraints(max_length=40)]] | None,
        Query(description="Only sub-lines of this code, e.g. C7; repeat to OR."),
    ] = None,
    top_level: Annotated[
        bool | None, Query(description="true: C1-C11 only; false: sub-lines only.")
    ] = None,
    q: TextQuery = None,
    updated_since: UpdatedSince = None,
) -> ActionLineFilters:
    return ActionLineFilters(
        parent=check_value_count("parent", parent),
        top_level=top_level,
        q=q,
        updated_since=utc_moment("updated_since", updated_since),
    )


def where(filters: ActionLineFilters, scope: Scope) -> list[ColumnElement[bool]]:
    conditions: list[ColumnElement[bool]] = [
        *in_values(TABLE.c.parent_code, filters.parent),
        *text_match(filters.q, NAME, TABLE.c.code),
    ]
    if filters.top_level is not None:
        parent = TABLE.c.parent_code
        conditions.append(parent.is_(None) if filters.top_level else parent.isnot(None))
    return conditions + updated_since(TABLE, filters.updated_since)


ACTION_LINES = Collection(
    name=NAME,
    texts=Texts(
        noun="action line",
        plural="action lines",
        tag="action-lines",
        list=doc(
            "List action lines",
            """The WSIS Action Lines C1-C11 and the C7 sub-lines, with their facilitators. Also as
            CSV, by Accept or by suffix.""",
        ),
        detail=doc("Get an action line", "One action line by its code."),
    ),
    table=TABLE,
    public=ActionLinePublic,
    page=ActionLinePage,
    id=RecordId(
        "code",
        "code",
        Annotated[
            str,
            Path(
                pattern=r"^C[0-9]{1,2}(\.[a-z-]{1,30})?$",
                description="Action line code.",
                examples=["C7.e-government"],
            ),
        ],
        label="code",
    ),
    filters=action_line_filters,
    where=where,
    sorts={"position": SortKey(TABLE.c.position), "title": SortKey(TABLE.c.title)},
    sort_description="`position` is the WSIS order: C1 ... C7, its sub-lines, C8 ... C11.",
    facets={"parent_code": column("parent_code", TABLE)},
)
