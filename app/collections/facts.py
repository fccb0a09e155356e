"""Key figures: the fact sheet's numbers and ITU's headline Internet-use estimates."""

from typing import Annotated

from fastapi import Query
from pydantic import Field

from app.collection import Collection, RecordId, Row, column, slug_id, texts_of
from app.filters import any_of, changed_since, text
from app.models import Fact
from app.models.vocabulary import FactCategory
from app.paging import SortKey
from app.schemas.fact import FactPublic
from app.search.text import document_text

TABLE = Fact.__table__  # type: ignore[attr-defined]
NAME = "facts"


FILTERS = (
    any_of(
        "category",
        TABLE.c.category,
        Annotated[list[FactCategory] | None, Query(description="Repeat to OR.")],
    ),
    any_of(
        "as_of",
        TABLE.c.as_of,
        Annotated[
            # Bounded per value: an unbounded integer overflows the database's INTEGER.
            list[Annotated[int, Field(ge=1900, le=2100)]] | None,
            Query(description="Year the figure refers to (1900-2100); repeat to OR."),
        ],
    ),
    text(NAME, TABLE.c.id),
    changed_since(TABLE.c.updated_at),
)


def document(r: Row) -> tuple[str, str]:
    return r["label"], document_text(r["context"], r["notes"])


FACTS = Collection(
    name=NAME,
    texts=texts_of(NAME),
    table=TABLE,
    public=FactPublic,
    id=RecordId(slug_id("Fact id.", "fs-nri-count", 80)),
    filters=FILTERS,
    sorts={
        "id": SortKey(TABLE.c.id),
        "as_of": SortKey(TABLE.c.as_of, null_fill=0),
        "label": SortKey(TABLE.c.label),
    },
    sort_description="`-` is descending.",
    facets={"category": column("category", TABLE), "as_of": column("as_of", TABLE)},
    search=document,
    title_column="label",
)
