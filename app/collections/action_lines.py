"""The WSIS Action Lines."""

from typing import Annotated, Any

from fastapi import Path, Query
from pydantic import StringConstraints
from sqlalchemy import ColumnElement

from app.collection import Collection, RecordId, Row, column, texts_of
from app.filters import Filter, Scope, any_of, changed_since, text
from app.models import ActionLine
from app.paging import SortKey
from app.schemas.action_line import ActionLinePublic
from app.search.text import document_text
from app.seed_rows import pick

TABLE = ActionLine.__table__  # type: ignore[attr-defined]
NAME = "action-lines"


CODE = Path(
    pattern=r"^C[0-9]{1,2}(\.[a-z-]{1,30})?$",
    description="Action line code.",
    examples=["C7.e-government"],
)
PARENT = TABLE.c.parent_code


def _top_level(top_level: bool, scope: Scope) -> ColumnElement[bool]:
    condition: ColumnElement[bool] = PARENT.is_(None) if top_level else PARENT.isnot(None)
    return condition


FILTERS = (
    any_of(
        "parent",
        PARENT,
        Annotated[
            list[Annotated[str, StringConstraints(max_length=40)]] | None,
            Query(description="Only sub-lines of this code, e.g. C7; repeat to OR."),
        ],
    ),
    Filter(
        "top_level",
        Annotated[bool | None, Query(description="true: C1-C11 only; false: sub-lines only.")],
        _top_level,
    ),
    text(NAME, TABLE.c.code),
    changed_since(TABLE.c.updated_at),
)


def document(r: Row) -> tuple[str, str]:
    body = document_text(r["code"], r["title_variant"], r["facilitators"], r["co_facilitators"])
    return r["title"], document_text(body, r["notes"])


def seed_rows(data: dict[str, Any]) -> list[dict[str, Any]]:
    # Main lines before sub-lines, whatever the file's order (which sets `position`): inserts
    # check the parent_code foreign key row by row.
    rows = [pick(TABLE, r, position=i + 1) for i, r in enumerate(data["action_lines"])]
    return sorted(rows, key=lambda row: row["parent_code"] is not None)


ACTION_LINES = Collection(
    name=NAME,
    texts=texts_of(NAME),
    table=TABLE,
    public=ActionLinePublic,
    id=RecordId(CODE, column="code", param="code", label="code"),
    filters=FILTERS,
    sorts={"position": SortKey(TABLE.c.position), "title": SortKey(TABLE.c.title)},
    sort_description="`position` is the WSIS order: C1 ... C7, its sub-lines, C8 ... C11.",
    facets={"parent_code": column("parent_code", TABLE)},
    search=document,
    seed_rows=seed_rows,
)
