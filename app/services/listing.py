"""What every list service shares: the page query, every row in keyset chunks, facet
counts, text match, and row shaping."""

from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from pydantic import BaseModel
from sqlalchemy import ColumnElement, Table, bindparam, func, select
from sqlmodel import Session

from app.db import SNAPSHOT_ENGINE
from app.errors import BadRequest
from app.paging import (
    Cursor,
    Ordering,
    PageRequest,
    PageResult,
    SortKey,
    page_params,
    page_query,
    read_page,
    totals,
)
from app.statement_cache import StatementCache

RowShaper = Callable[[Mapping[Any, Any]], dict[str, Any]]
RECORD_ID = "_record_id"


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
        # B610 is about Django's QuerySet.extra(); this is a plain callback of that name.
        computed = extra(row) if extra else {}  # nosec B610
        return {name: computed[name] if name in computed else row[name] for name in names}

    return shape


# Rows per query when a list is read whole (CSV, feeds, calendars): memory stays bounded by
# one chunk of rows however long the list grows.
CHUNK = 500
FacetCounts = dict[str, dict[str, int]]


def facet_key(value: Any) -> str:
    """Facet values as JSON object keys: a missing value counts under "null"."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


@dataclass(frozen=True)
class Listing:
    """One list query: which rows (table and conditions), how they sort, how each row looks,
    and which expressions it can be faceted by. Every format of a list reads it."""

    table: Table
    where: Sequence[ColumnElement[bool]]
    sorts: Mapping[str, SortKey]
    id_column: Any
    shape: RowShaper
    extra_columns: Sequence[Any] = ()
    extras: Mapping[str, Any] | None = None
    facets: Mapping[str, ColumnElement[Any]] = field(default_factory=dict)

    def page(self, session: Session, page: PageRequest) -> PageResult:
        return list_page(
            session,
            self.table,
            where=self.where,
            page=page,
            sorts=self.sorts,
            id_column=self.id_column,
            shape=self.shape,
            extra_columns=self.extra_columns,
            extras=self.extras,
        )

    def rows(
        self, session: Session, sort: str, limit: int | None = None
    ) -> Iterator[dict[str, Any]]:
        """Every matching row (or the first `limit`), in `sort` order, read in keyset chunks."""
        cursor: Cursor | None = None
        left = limit
        while left is None or left > 0:
            size = CHUNK if left is None else min(CHUNK, left)
            result = self.page(session, PageRequest(limit=size, sort=sort, cursor=cursor))
            yield from result.rows
            if left is not None:
                left -= len(result.rows)
            if not result.has_next or result.last_key is None:
                return
            cursor = Cursor(sort, result.last_key, "next")

    def count(self, session: Session) -> int:
        query = select(func.count()).select_from(self.table).where(*self.where)
        return int(session.execute(query).scalar_one())

    def summary(self, session: Session, names: Sequence[str]) -> dict[str, Any]:
        """The total and the facet counts, for the summary endpoints."""
        return {"total": self.count(session), "facets": self.facet_counts(session, names)}

    def facet_counts(self, session: Session, names: Sequence[str]) -> FacetCounts:
        """Rows per value of each named facet, under the same conditions as the list; the
        counts of one facet add up to the list's total. Values in ascending order, null last."""
        unknown = [n for n in names if n not in self.facets]
        if unknown:
            known = ", ".join(self.facets) or "none"
            raise BadRequest.for_param(
                "facets", f"unknown facet(s) {', '.join(unknown)}; this list has: {known}"
            )
        counts: FacetCounts = {}
        for name in dict.fromkeys(names):
            # Grouped through a subquery: PostgreSQL would not match a GROUP BY expression
            # with bound parameters (the status CASE) to the same expression in SELECT.
            facet = self.facets[name].label("value")
            values = select(facet).select_from(self.table).where(*self.where).subquery()
            query = select(values.c.value, func.count()).group_by(values.c.value)
            found = [(row[0], int(row[1])) for row in session.execute(query)]
            found.sort(key=lambda pair: (pair[0] is None, pair[0] if pair[0] is not None else 0))
            counts[name] = {facet_key(value): n for value, n in found}
        return counts


# Page and record statements, one per shape (app.statement_cache).
_statements = StatementCache()


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
    direction = page.cursor.direction if page.cursor else "next"
    segment, own_params = page_params(ordering, page)
    n_extra = len(extra_columns)

    def build(elements: Sequence[Any]) -> Any:
        columns, conditions = elements[:n_extra], elements[n_extra:]
        statement = select(*table.columns, *columns).where(*conditions)
        count = select(func.count()).select_from(table).where(*conditions)
        return page_query(statement, count, ordering, page, extras)

    # What the statement's structure depends on besides the request's own elements.
    extras_key = tuple(extras.items()) if extras is not None else None
    shape_key = (table, id_column, page.sort, direction, segment, n_extra, extras_key)
    query, params = _statements.get(shape_key, [*extra_columns, *where], build)
    params.update(own_params)
    rows = session.execute(query, params).all()
    snapshot = session.info.get(SNAPSHOT_ENGINE)
    if not rows and snapshot is not None:
        # Without rows there is no total to read from them: the page and the counts are
        # read again in one transaction, so they still come from one snapshot.
        with Session(snapshot) as in_snapshot:
            return list_page(
                in_snapshot,
                table,
                where=where,
                page=page,
                sorts=sorts,
                id_column=id_column,
                shape=shape,
                extra_columns=extra_columns,
                extras=extras,
            )
    return read_page(
        rows,
        ordering,
        page,
        id_column.key,
        shape,
        extras,
        lambda: totals(session.execute, _count(table, where), extras),
    )


def _count(table: Table, where: Sequence[ColumnElement[bool]]) -> Any:
    return select(func.count()).select_from(table).where(*where)


def get_one(
    session: Session,
    table: Table,
    id_column: Any,
    record_id: Any,
    shape: RowShaper,
    extra_columns: Sequence[Any] = (),
) -> dict[str, Any] | None:
    def build(columns: Sequence[Any]) -> Any:
        return select(*table.columns, *columns).where(id_column == bindparam(RECORD_ID))

    query, params = _statements.get((table, id_column), list(extra_columns), build)
    row = session.execute(query, {**params, RECORD_ID: record_id}).first()
    return shape(row._mapping) if row is not None else None
