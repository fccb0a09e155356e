"""What every list service shares: the page query, text match, and row shaping."""

from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import Any

from pydantic import BaseModel
from sqlalchemy import ColumnElement, Table, false, func, or_, select
from sqlmodel import Session

from app.paging import Ordering, PageRequest, PageResult, SortKey, fetch_page

RowShaper = Callable[[Mapping[Any, Any]], dict[str, Any]]


def public_fields(schema: type[BaseModel]) -> tuple[str, ...]:
    """The public field names, in the order the JSON shows them (identity first)."""
    names = list(schema.model_fields)
    stamps = [n for n in ("created_at", "updated_at") if n in names]
    sources = [n for n in ("source_url", "other_sources") if n in names]
    rest = [n for n in names if n not in stamps and n not in sources]
    return (*rest, *sources, *stamps)


def shaper(
    schema: type[BaseModel], extra: Callable[[Mapping[Any, Any]], dict[str, Any]] | None = None
) -> RowShaper:
    names = public_fields(schema)

    def shape(row: Mapping[Any, Any]) -> dict[str, Any]:
        computed = extra(row) if extra else {}
        return {name: computed[name] if name in computed else row[name] for name in names}

    return shape


def text_match(q: str | None, columns: Iterable[Any]) -> list[ColumnElement[bool]]:
    """Case-insensitive substring match of q on any of the columns."""
    if q is None:
        return []
    needle = q.strip().lower()
    if not needle:
        return [false()]
    return [or_(*(func.lower(c).contains(needle, autoescape=True) for c in columns))]


def in_values(column: Any, values: Sequence[Any] | None) -> list[ColumnElement[bool]]:
    return [column.in_(values)] if values else []


def list_page(
    session: Session,
    table: Table,
    *,
    where: Sequence[ColumnElement[bool]],
    page: PageRequest,
    sorts: Mapping[str, SortKey],
    id_column: Any,
    shape: RowShaper,
    extra_columns: Sequence[Any] = (),
    extras: Mapping[str, Any] | None = None,
) -> PageResult:
    ordering = Ordering(page.sort, sorts[page.sort.lstrip("-")], id_column)
    statement = select(*table.columns, *extra_columns).where(*where)
    count = select(func.count()).select_from(table).where(*where)
    return fetch_page(
        session.execute, statement, count, ordering, page, id_column.key, shape, extras
    )


def get_one(
    session: Session,
    table: Table,
    id_column: Any,
    record_id: Any,
    shape: RowShaper,
    extra_columns: Sequence[Any] = (),
) -> dict[str, Any] | None:
    row = session.execute(
        select(*table.columns, *extra_columns).where(id_column == record_id)
    ).first()
    return shape(row._mapping) if row is not None else None
