"""The fact sheet's seven calls to action."""

from typing import Annotated

from fastapi import Path

from app.collection import Collection, RecordId, Row, Texts, doc
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
    texts=Texts(
        noun="call to action",
        plural="the calls to action",
        tag="fact-sheet",
        tag_description="The fact sheet's text and its calls to action.",
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
    page_meta=None,
    id=RecordId(
        "number",
        "number",
        Annotated[int, Path(ge=1, le=1000, description="1 to 7.", examples=[2])],
        label="number",
    ),
    filters=(text(NAME, TABLE.c.number), changed_since(TABLE.c.updated_at)),
    sorts={"number": SortKey(TABLE.c.number)},
    sort_description="By number; `-` is descending.",
    search=document,
)
