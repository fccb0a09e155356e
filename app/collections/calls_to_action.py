"""The fact sheet's seven calls to action."""

from fastapi import Path

from app.collection import Collection, RecordId, Row, texts_of
from app.filters import changed_since, text
from app.models import CallToAction
from app.paging import SortKey
from app.schemas.fact_sheet import CallToActionPublic
from app.search.text import document_text

TABLE = CallToAction.__table__  # type: ignore[attr-defined]
NAME = "calls-to-action"


def document(r: Row) -> tuple[str, str]:
    return r["title"], document_text(r["short_title"], r["summary"], r["body"])


CALLS_TO_ACTION = Collection(
    name=NAME,
    texts=texts_of(NAME),
    table=TABLE,
    public=CallToActionPublic,
    page_meta=None,
    id=RecordId(
        Path(ge=1, le=1000, description="1 to 7.", examples=[2]),
        int,
        column="number",
        param="number",
        label="number",
    ),
    filters=(text(NAME, TABLE.c.number), changed_since(TABLE.c.updated_at)),
    sorts={"number": SortKey(TABLE.c.number)},
    sort_description="By number; `-` is descending.",
    search=document,
)
