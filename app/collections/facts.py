"""Key figures: the fact sheet's numbers and ITU's headline Internet-use estimates."""

from typing import Annotated

from fastapi import Path, Query
from pydantic import Field

from app.collection import Collection, RecordId, Row, Texts, column, doc
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
    texts=Texts(
        noun="fact",
        plural="facts",
        tag="facts",
        tag_description="Key figures.",
        list=doc(
            "List facts",
            """Figures the fact sheet states (with their sources), and ITU's estimates beside them.
            Also as CSV, by Accept or by suffix.""",
        ),
        detail=doc("Get a fact", "One fact by its stable id."),
    ),
    table=TABLE,
    public=FactPublic,
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
