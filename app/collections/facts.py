"""Key figures: the fact sheet's numbers and ITU's headline Internet-use estimates."""

import datetime as dt
from dataclasses import dataclass
from typing import Annotated

from fastapi import Path, Query
from pydantic import Field
from sqlalchemy import ColumnElement

from app.api.list_query import TextQuery, UpdatedSince, utc_moment
from app.api.params import check_value_count
from app.collection import Collection, RecordId, Scope, Texts, column, doc
from app.models import Fact
from app.models.vocabulary import FactCategory
from app.paging import SortKey
from app.schemas.facets import FacetedPageMeta
from app.schemas.fact import FactPublic
from app.schemas.page import META_DESCRIPTION, Page
from app.services.listing import in_values, text_match, updated_since

TABLE = Fact.__table__  # type: ignore[attr-defined]
NAME = "facts"


class FactPage(Page[FactPublic]):
    meta: FacetedPageMeta = Field(description=META_DESCRIPTION)


@dataclass(frozen=True)
class FactFilters:
    category: list[str] | None = None
    as_of: list[int] | None = None
    q: str | None = None
    updated_since: dt.datetime | None = None


async def fact_filters(
    category: Annotated[list[FactCategory] | None, Query(description="Repeat to OR.")] = None,
    as_of: Annotated[
        # Bounded per value: an unbounded integer overflows the database's INTEGER.
        list[Annotated[int, Field(ge=1900, le=2100)]] | None,
        Query(description="Year the figure refers to (1900-2100); repeat to OR."),
    ] = None,
    q: TextQuery = None,
    updated_since: UpdatedSince = None,
) -> FactFilters:
    return FactFilters(
        category=check_value_count("category", category),
        as_of=check_value_count("as_of", as_of),
        q=q,
        updated_since=utc_moment("updated_since", updated_since),
    )


def where(filters: FactFilters, scope: Scope) -> list[ColumnElement[bool]]:
    return [
        *in_values(TABLE.c.category, filters.category),
        *in_values(TABLE.c.as_of, filters.as_of),
        *text_match(filters.q, NAME, TABLE.c.id),
        *updated_since(TABLE, filters.updated_since),
    ]


FACTS = Collection(
    name=NAME,
    texts=Texts(
        noun="fact",
        plural="facts",
        tag="facts",
        list=doc(
            "List facts",
            """Figures the fact sheet states (with their sources), and ITU's estimates beside them.
            Also as CSV, by Accept or by suffix.""",
        ),
        detail=doc("Get a fact", "One fact by its stable id."),
    ),
    table=TABLE,
    public=FactPublic,
    page=FactPage,
    id=RecordId(
        "id",
        "fact_id",
        Annotated[
            str,
            Path(
                pattern=r"^[a-z0-9][a-z0-9-]{0,79}$",
                description="Fact id.",
                examples=["fs-nri-count"],
            ),
        ],
    ),
    filters=fact_filters,
    where=where,
    sorts={
        "id": SortKey(TABLE.c.id),
        "as_of": SortKey(TABLE.c.as_of, null_fill=0),
        "label": SortKey(TABLE.c.label),
    },
    sort_description="`-` is descending.",
    facets={"category": column("category", TABLE), "as_of": column("as_of", TABLE)},
)
