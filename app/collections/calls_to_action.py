"""The fact sheet's seven calls to action."""

import datetime as dt
from dataclasses import dataclass
from typing import Annotated

from fastapi import Path
from sqlalchemy import ColumnElement

from app.api.list_query import TextQuery, UpdatedSince, utc_moment
from app.collection import Collection, RecordId, Scope, Texts, doc
from app.models import CallToAction
from app.paging import SortKey
from app.schemas.fact_sheet import CallToActionPublic
from app.schemas.page import Page
from app.services.listing import text_match, updated_since

TABLE = CallToAction.__table__  # type: ignore[attr-defined]
NAME = "calls-to-action"


class CallToActionPage(Page[CallToActionPublic]):
    pass


@dataclass(frozen=True)
class CallFilters:
    q: str | None = None
    updated_since: dt.datetime | None = None


async def call_filters(q: TextQuery = None, updated_since: UpdatedSince = None) -> CallFilters:
    return CallFilters(q=q, updated_since=utc_moment("updated_since", updated_since))


def where(filters: CallFilters, scope: Scope) -> list[ColumnElement[bool]]:
    return [
        *text_match(filters.q, NAME, TABLE.c.number),
        *updated_since(TABLE, filters.updated_since),
    ]


CALLS_TO_ACTION = Collection(
    name=NAME,
    texts=Texts(
        noun="call to action",
        plural="the calls to action",
        tag="fact-sheet",
        list=doc(
            "List the calls to action",
            "The fact sheet's seven calls to action, in its words, with a short paraphrase. "
            "Also as\nCSV, by Accept or by suffix.",
        ),
        detail=doc("Get a call to action", "One call to action by its number in the fact sheet."),
        order="in number order",
        missing="There is no call to action number {value}.",
    ),
    table=TABLE,
    public=CallToActionPublic,
    page=CallToActionPage,
    id=RecordId(
        "number",
        "number",
        Annotated[int, Path(ge=1, le=1000, description="1 to 7.", examples=[2])],
        label="number",
    ),
    filters=call_filters,
    where=where,
    sorts={"number": SortKey(TABLE.c.number)},
    sort_description="By number; `-` is descending.",
)
