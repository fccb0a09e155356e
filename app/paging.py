"""Keyset pagination: sort keys and the page query (app.page_links: the envelope's links).

A cursor (app.cursors: signed, opaque) names the sort it was made for and the sort key of
the row it points past, so walking pages under any sort returns every matching row exactly
once, even when rows share a sort value (the record id breaks ties) or the sort column is
null (nulls last). Each key value is checked against its column before it reaches a query.
"""

import datetime as dt
import math
import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import (
    ColumnElement,
    Date,
    Float,
    Integer,
    Numeric,
    Select,
    String,
    TypeDecorator,
    bindparam,
    literal,
    select,
    tuple_,
    union_all,
)

# Cursor is re-exported: the list services build cursors for their own chunked reads.
from app.cursors import Cursor as Cursor
from app.cursors import Direction, invalid

INT64 = (-(2**63), 2**63 - 1)
# The names of a page statement's own parameters: its limit, and the cursor's key values.
LIMIT_PARAM = "_page_limit"
AFTER_PARAMS = ("_after_0", "_after_1")
# A string key longer than this could not have come in a cursor (the parameter's own bound).
MAX_KEY_CHARS = 500
ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")


@dataclass(frozen=True)
class SortKey:
    """A sortable column. `null_fill` (set for a nullable column) stands in for NULL in the
    cursor's key, which stays (flag, value, id) so cursors issued earlier keep working."""

    column: Any
    null_fill: Any = None
    parse: Callable[[Any], Any] = lambda value: value

    @property
    def nullable(self) -> bool:
        return self.null_fill is not None


def parse_date(value: Any) -> dt.date:
    """A date as cursors carry it: YYYY-MM-DD only (fromisoformat alone would also take
    `20250101` or a week date, which no issued cursor holds)."""
    if isinstance(value, dt.date):
        return value
    if not isinstance(value, str) or not ISO_DATE.match(value):
        raise ValueError("not an ISO date")
    return dt.date.fromisoformat(value)


def _sql_type(column: Any) -> Any:
    """A column's type, seen through decorators such as SQLModel's AutoString."""
    column_type = column.type
    return column_type.impl_instance if isinstance(column_type, TypeDecorator) else column_type


def key_value(value: Any, column: Any) -> Any:
    """`value`, from a cursor's key, as `column` holds it; ValueError if it cannot be one.

    A value of the wrong type or range would reach the database and fail there (2**63 is
    out of range for SQLite and PostgreSQL alike; a string against an integer column fails
    on PostgreSQL): a 500 instead of a 400."""
    column_type = _sql_type(column)
    if isinstance(value, bool):
        raise ValueError("a boolean is no sort key")
    if isinstance(column_type, Integer):
        if not isinstance(value, int) or not INT64[0] <= value <= INT64[1]:
            raise ValueError("not a 64-bit integer")
        return value
    if isinstance(column_type, Float | Numeric):
        # Issued scores are floats, and JSON keeps them so (0.0, never 0).
        if not isinstance(value, float) or not math.isfinite(value):
            raise ValueError("not a finite number")
        return value
    if isinstance(column_type, Date):
        return parse_date(value)
    if isinstance(column_type, String):  # Text, VARCHAR and AutoString alike
        bound = min(column_type.length or MAX_KEY_CHARS, MAX_KEY_CHARS)
        # PostgreSQL cannot hold a NUL character in text.
        if not isinstance(value, str) or len(value) > bound or "\x00" in value:
            raise ValueError("not a string this column can hold")
        return value
    # A sort over a column of another type needs its own rule here; failing loudly keeps
    # such a sort from going out unchecked.
    raise NotImplementedError(f"no cursor key rule for {column_type!r}")


@dataclass(frozen=True)
class Segment:
    """Rows that sort together: those with the sort value, or those without it (NULL)."""

    number: int
    where: ColumnElement[bool] | None
    columns: tuple[Any, ...]  # what the segment sorts by and the keyset compares


@dataclass(frozen=True)
class Ordering:
    """How one list sorts by one sort parameter value such as `-established_year`.

    Every page query is a range scan of an index on (sort column, id): a keyset predicate
    on plain columns, never on expressions such as COALESCE that no index holds. A nullable
    sort is read as two such segments, the rows with a value and then those without (nulls
    come last in both directions), each its own index range."""

    name: str
    key: SortKey
    id_column: Any

    @property
    def descending(self) -> bool:
        return self.name.startswith("-")

    def segments(self) -> list[Segment]:
        column = self.key.column
        if not self.key.nullable:
            return [Segment(0, None, (column, self.id_column))]
        return [
            Segment(0, column.isnot(None), (column, self.id_column)),
            Segment(1, column.is_(None), (self.id_column,)),
        ]

    def statement(
        self, base: Select[Any], cursor: "Cursor | None", direction: Direction, limit: int
    ) -> Select[Any]:
        """The page query over `base` and the sort columns of its rows: the first `limit`
        rows after (or before) the cursor. Also validates the cursor's key.

        The cursor's key values and the limit are named parameters (AFTER_PARAMS, LIMIT_PARAM):
        a statement made once per shape can be run again with another cursor and limit."""
        backwards = self.descending != (direction == "prev")
        limit_param = bindparam(LIMIT_PARAM, limit, type_=Integer)
        segments = self.segments()
        bound: tuple[int, list[Any]] | None = None
        if cursor is not None:
            bound = self._bound(cursor)
            at = bound[0]
            # The cursor's segment from the cursor on, then the segments after it in full
            # (going back: before it).
            segments = [
                s
                for s in segments
                if s.number == at or (s.number > at if direction == "next" else s.number < at)
            ]
        selects = []
        for segment in segments:
            query = base if segment.where is None else base.where(segment.where)
            if bound is not None and segment.number == bound[0]:
                values = bound[1][-len(segment.columns) :]
                row = tuple_(*segment.columns)
                limit_row = tuple_(
                    *[
                        bindparam(name, v, type_=c.type)
                        for name, c, v in zip(AFTER_PARAMS, segment.columns, values, strict=False)
                    ]
                )
                query = query.where(row < limit_row if backwards else row > limit_row)
            order = [c.desc() if backwards else c.asc() for c in segment.columns]
            selects.append((segment, query.order_by(*order).limit(limit_param)))
        if len(selects) == 1:
            return selects[0][1]
        # Each segment reads its own index range; the union only merges two short lists.
        parts = [select(q.subquery(), literal(s.number).label("_segment")) for s, q in selects]
        union = union_all(*parts).subquery()
        reverse = direction == "prev"
        key_names = [self.key.column.key, self.id_column.key]
        order = [union.c._segment.desc() if reverse else union.c._segment.asc()]
        order += [union.c[n].desc() if backwards else union.c[n].asc() for n in key_names]
        return select(union).order_by(*order).limit(limit_param)

    def _bound(self, cursor: "Cursor") -> tuple[int, list[Any]]:
        """The cursor's segment and key values, each checked against its column: the
        number of parts for this sort, then every part's type and range."""
        expected = 3 if self.key.nullable else 2
        # A key made for `num` reads as another position under `-num` (its null flag means
        # the opposite): the codec refuses it over HTTP, and so does this, for any caller.
        if len(cursor.key) != expected or cursor.sort != self.name:
            raise invalid("does not match this list's sort")
        *flag, value, record_id = cursor.key
        try:
            if flag and (type(flag[0]) is not int or flag[0] not in (0, 1)):
                raise ValueError("bad null flag")
            record_id = key_value(record_id, self.id_column)
            without_value = bool(flag) and flag[0] == (0 if self.descending else 1)
            if without_value:
                # A row without the value is keyed by null_fill: nothing else was issued.
                if type(value) is not type(self.key.null_fill) or value != self.key.null_fill:
                    raise ValueError("bad null stand-in")
                return 1, [record_id]
            return 0, [key_value(self.key.parse(value), self.key.column), record_id]
        except (TypeError, ValueError) as exc:
            raise invalid("does not match this list's sort") from exc

    def key_of(self, row: Mapping[Any, Any], id_field: str) -> tuple[Any, ...]:
        value = row[self.key.column.key]
        record_id = row[id_field]
        if not self.key.nullable:
            return (value, record_id)
        flag = (0 if self.descending else 1) if value is None else (1 if self.descending else 0)
        return (flag, self.key.null_fill if value is None else value, record_id)


@dataclass
class PageRequest:
    limit: int
    sort: str
    cursor: Cursor | None


@dataclass
class PageResult:
    rows: list[dict[str, Any]]
    total: int
    has_next: bool
    has_prev: bool
    first_key: tuple[Any, ...] | None
    last_key: tuple[Any, ...] | None
    extras: dict[str, Any] = field(default_factory=dict)


def fetch_page(
    session_execute: Callable[[Select[Any]], Any],
    statement: Select[Any],
    count_statement: Select[Any],
    ordering: Ordering,
    page: PageRequest,
    id_field: str,
    to_row: Callable[[Mapping[Any, Any]], dict[str, Any]],
    extras: Mapping[str, Any] | None = None,
) -> PageResult:
    """Run one keyset page query (plus a count only when the page comes back empty).

    `extras` are scalar subqueries (name -> select) whose values ride along on every row, so
    page-wide figures cost no extra round trip."""
    query = page_query(statement, count_statement, ordering, page, extras)
    return read_page(
        session_execute(query),
        ordering,
        page,
        id_field,
        to_row,
        extras,
        lambda: totals(session_execute, count_statement, extras),
    )


def page_query(
    statement: Select[Any],
    count_statement: Select[Any],
    ordering: Ordering,
    page: PageRequest,
    extras: Mapping[str, Any] | None = None,
) -> Select[Any]:
    """The statement fetch_page runs: one row more than the page, each with the total."""
    direction: Direction = page.cursor.direction if page.cursor else "next"
    query = ordering.statement(statement, page.cursor, direction, page.limit + 1)
    total_column = count_statement.scalar_subquery().label("_total")
    extra_columns = [s.scalar_subquery().label(f"_x_{n}") for n, s in (extras or {}).items()]
    return query.add_columns(total_column, *extra_columns)


def page_params(ordering: Ordering, page: PageRequest) -> tuple[int | None, dict[str, Any]]:
    """The values of page_query's own parameters for `page` (its limit and the cursor's key,
    checked as Ordering.statement checks it), and the cursor's segment: page_query reads that
    segment and those after it, so the segment is part of the statement's shape."""
    params: dict[str, Any] = {LIMIT_PARAM: page.limit + 1}
    if page.cursor is None:
        return None, params
    segment, values = ordering._bound(page.cursor)
    params.update(zip(AFTER_PARAMS, values, strict=False))
    return segment, params


def totals(
    session_execute: Callable[[Select[Any]], Any],
    count_statement: Select[Any],
    extras: Mapping[str, Any] | None,
) -> tuple[int, dict[str, Any]]:
    """The total and the extras, for a page without rows to read them from."""
    total = int(session_execute(count_statement).scalar_one())
    return total, {n: session_execute(s).scalar_one_or_none() for n, s in (extras or {}).items()}


def read_page(
    result: Iterable[Any],
    ordering: Ordering,
    page: PageRequest,
    id_field: str,
    to_row: Callable[[Mapping[Any, Any]], dict[str, Any]],
    extras: Mapping[str, Any] | None,
    when_empty: Callable[[], tuple[int, dict[str, Any]]],
) -> PageResult:
    """The page from the rows of page_query."""
    direction: Direction = page.cursor.direction if page.cursor else "next"
    fetched = [row._mapping for row in result]
    more = len(fetched) > page.limit
    fetched = fetched[: page.limit]
    if fetched:
        total = int(fetched[0]["_total"])
        extra_values = {name: fetched[0][f"_x_{name}"] for name in extras or {}}
    else:
        total, extra_values = when_empty()
    if direction == "prev":
        fetched.reverse()
    has_next = more if direction == "next" else True
    has_prev = page.cursor is not None if direction == "next" else more
    if not fetched:
        has_next = has_prev = False
    return PageResult(
        rows=[to_row(row) for row in fetched],
        total=total,
        extras=extra_values,
        has_next=has_next,
        has_prev=has_prev,
        first_key=ordering.key_of(fetched[0], id_field) if fetched else None,
        last_key=ordering.key_of(fetched[-1], id_field) if fetched else None,
    )
