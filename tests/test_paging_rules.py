"""Keyset paging, the rules one at a time: app.paging called directly on a small table of
this module's own (in-memory SQLite), each rule checked on a few hand-picked rows.

The rows go into the table in an order unlike the one being asked for (reversed, or
shuffled), so a page query that forgot to sort would hand them back in the wrong order
rather than by luck in the right one. tests/test_keyset.py holds the same rules against an
oracle over many random tables; this file is the quick, pointed version."""

import dataclasses
import datetime as dt
import random
import re
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from typing import Any

import pytest
from sqlalchemy import (
    Boolean,
    Column,
    Connection,
    Date,
    Float,
    Integer,
    MetaData,
    Numeric,
    String,
    Table,
    Text,
    func,
    select,
)
from sqlmodel import Session
from sqlmodel.sql.sqltypes import AutoString

from app.cursors import CursorCodec, Direction
from app.errors import BadRequest
from app.paging import (
    Cursor,
    Ordering,
    PageRequest,
    PageResult,
    Segment,
    SortKey,
    fetch_page,
    key_value,
    page_params,
    page_query,
    parse_date,
    read_page,
    totals,
)
from app.services.listing import list_page
from tests import test_keyset as keyset

Row = dict[str, Any]

TABLE = Table(
    "paging_rules",
    MetaData(),
    Column("id", String(8), primary_key=True),
    Column("num", Integer, nullable=True),
    Column("tag", String(4), nullable=False),
)
SORT_KEYS = {"num": SortKey(TABLE.c.num, null_fill=0), "tag": SortKey(TABLE.c.tag)}
SORTS = ["num", "-num", "tag", "-tag"]
CODEC = CursorCodec(secret="paging rules, a test secret of some length")

# Nulls, ties (a/d, c/g, and on tag), and the null stand-in 0 as a real value (c, g).
ROWS: list[Row] = [
    {"id": "a", "num": 3, "tag": "x"},
    {"id": "b", "num": None, "tag": "y"},
    {"id": "c", "num": 0, "tag": "x"},
    {"id": "d", "num": 3, "tag": "y"},
    {"id": "e", "num": None, "tag": "x"},
    {"id": "f", "num": -2, "tag": "y"},
    {"id": "g", "num": 0, "tag": "x"},
    {"id": "h", "num": 7, "tag": "x"},
]
# The documented order (README, "Lists"): by the value, the id breaking ties, records
# without the value last; `-` reverses all of it but keeps those without the value last.
ORDER = {
    "num": ["f", "c", "g", "a", "d", "h", "b", "e"],
    "-num": ["h", "d", "a", "g", "c", "f", "e", "b"],
    "tag": ["a", "c", "e", "g", "h", "b", "d", "f"],
    "-tag": ["f", "d", "b", "h", "g", "e", "c", "a"],
}
BY_ID = {row["id"]: row for row in ROWS}
# Integer keys are 64-bit, as SQLite and PostgreSQL hold them: -(2**63) to 2**63 - 1.
# Page-wide figures that ride along on every row (fetch_page's `extras`).
EXTRAS = {
    "largest": select(func.max(TABLE.c.num)),
    "tagged_x": select(func.count()).select_from(TABLE).where(TABLE.c.tag == "x"),
}
EXTRA_VALUES = {"largest": 7, "tagged_x": 5}


def inserted(sort: str, how: str) -> list[Row]:
    """The rows in the order they go into the table: never the order asked for."""
    if how == "reversed":
        return [BY_ID[i] for i in reversed(ORDER[sort])]
    shuffled = list(ROWS)
    random.Random(sort).shuffle(shuffled)
    assert [r["id"] for r in shuffled] != ORDER[sort]
    return shuffled


@contextmanager
def database(rows: list[Row]) -> Iterator[Connection]:
    """This module's table, holding `rows` in the order given."""
    with keyset.database(rows, TABLE) as conn:
        yield conn


def ordering(sort: str) -> Ordering:
    return Ordering(sort, SORT_KEYS[sort.lstrip("-")], TABLE.c.id)


def fetch(
    conn: Connection,
    sort: str,
    limit: int,
    cursor: Cursor | None = None,
    extras: Mapping[str, Any] | None = None,
) -> PageResult:
    return fetch_page(
        conn.execute,
        select(*TABLE.columns),
        select(func.count()).select_from(TABLE),
        ordering(sort),
        PageRequest(limit=limit, sort=sort, cursor=cursor),
        "id",
        dict,
        extras,
    )


def travel(sort: str, key: tuple[Any, ...] | None, direction: Direction) -> Cursor:
    """The cursor in a page's link, as the next request reads it back (signed JSON)."""
    assert key is not None
    return CODEC.decode(CODEC.encode(Cursor(sort, key, direction)), sort)


def ids(result: PageResult) -> list[str]:
    return [row["id"] for row in result.rows]


def links(result: PageResult) -> tuple[bool, bool]:
    return (result.has_prev, result.has_next)


def chunks(sort: str, limit: int) -> list[list[str]]:
    order = ORDER[sort]
    return [order[i : i + limit] for i in range(0, len(order), limit)]


# --------------------------------------------------------------------------- walking


@pytest.mark.parametrize("how", ["reversed", "shuffled"])
@pytest.mark.parametrize("limit", [1, 3, 7, 8])
@pytest.mark.parametrize("sort", SORTS)
def test_walking_next_then_prev_reads_every_row_once_in_the_documented_order(
    sort: str, limit: int, how: str
) -> None:
    wanted = chunks(sort, limit)
    with database(inserted(sort, how)) as conn:
        forward = [fetch(conn, sort, limit)]
        while forward[-1].has_next:
            assert len(forward) <= len(ROWS)
            forward.append(fetch(conn, sort, limit, travel(sort, forward[-1].last_key, "next")))
        backward = [forward[-1]]
        while backward[-1].has_prev:
            assert len(backward) <= len(ROWS)
            backward.append(fetch(conn, sort, limit, travel(sort, backward[-1].first_key, "prev")))
    assert [ids(p) for p in forward] == wanted
    assert [links(p) for p in forward] == [(i > 0, i < len(wanted) - 1) for i in range(len(wanted))]
    assert all(p.total == len(ROWS) for p in forward)
    # Going back retraces the same pages, with the same links and the same keys.
    assert [ids(p) for p in backward] == wanted[::-1]
    assert [links(p) for p in backward] == [links(p) for p in reversed(forward)]
    assert [(p.first_key, p.last_key) for p in backward] == [
        (p.first_key, p.last_key) for p in reversed(forward)
    ]
    assert all(p.total == len(ROWS) for p in backward)


@pytest.mark.parametrize("sort", SORTS)
def test_a_page_reached_through_prev_keeps_its_next_link(sort: str) -> None:
    with database(inserted(sort, "reversed")) as conn:
        first = fetch(conn, sort, 3)
        second = fetch(conn, sort, 3, travel(sort, first.last_key, "next"))
        back = fetch(conn, sort, 3, travel(sort, second.first_key, "prev"))
        again = fetch(conn, sort, 3, travel(sort, back.last_key, "next"))
    assert ids(back) == ids(first) == ORDER[sort][:3]
    assert links(back) == (False, True)
    assert ids(again) == ids(second)


# --------------------------------------------------------------------------- the keys


@pytest.mark.parametrize(
    ("sort", "row", "key"),
    [
        ("num", {"id": "a", "num": 3}, (0, 3, "a")),
        ("num", {"id": "c", "num": 0}, (0, 0, "c")),
        ("num", {"id": "b", "num": None}, (1, 0, "b")),  # without a value: flag 1, then 0
        ("-num", {"id": "a", "num": 3}, (1, 3, "a")),  # the flag flips with the direction
        ("-num", {"id": "b", "num": None}, (0, 0, "b")),
        ("tag", {"id": "a", "tag": "x"}, ("x", "a")),
        ("-tag", {"id": "a", "tag": "x"}, ("x", "a")),
    ],
)
def test_a_rows_key_is_the_flag_the_value_and_the_id(
    sort: str, row: Row, key: tuple[Any, ...]
) -> None:
    assert ordering(sort).key_of(row, "id") == key


# --------------------------------------------------------------------------- empty pages


@pytest.mark.parametrize("sort", SORTS)
def test_an_empty_list_is_one_page_without_rows_links_or_keys(sort: str) -> None:
    with database([]) as conn:
        result = fetch(conn, sort, 5, extras=EXTRAS)
    assert result.rows == []
    assert (result.total, links(result)) == (0, (False, False))
    assert (result.first_key, result.last_key) == (None, None)
    assert result.extras == {"largest": None, "tagged_x": 0}


@pytest.mark.parametrize("sort", SORTS)
def test_a_cursor_past_either_end_gives_an_empty_page_that_still_counts_the_list(
    sort: str,
) -> None:
    """No row to read the total and the extras from: they are read apart, and the page
    links nowhere, whichever way it was reached."""
    with database(inserted(sort, "shuffled")) as conn:
        first = fetch(conn, sort, 8)
        past_the_end = fetch(conn, sort, 3, travel(sort, first.last_key, "next"), EXTRAS)
        before_the_start = fetch(conn, sort, 3, travel(sort, first.first_key, "prev"), EXTRAS)
    assert ids(first) == ORDER[sort]
    for empty in (past_the_end, before_the_start):
        assert empty.rows == []
        assert (empty.total, empty.extras) == (len(ROWS), EXTRA_VALUES)
        assert links(empty) == (False, False)
        assert (empty.first_key, empty.last_key) == (None, None)


@pytest.mark.parametrize("limit", [1, 3])
@pytest.mark.parametrize("sort", SORTS)
def test_extras_ride_along_on_every_page(sort: str, limit: int) -> None:
    with database(inserted(sort, "reversed")) as conn:
        pages = [fetch(conn, sort, limit, extras=EXTRAS)]
        while pages[-1].has_next:
            cursor = travel(sort, pages[-1].last_key, "next")
            pages.append(fetch(conn, sort, limit, cursor, EXTRAS))
        back = fetch(conn, sort, limit, travel(sort, pages[-1].first_key, "prev"), EXTRAS)
    assert [i for p in pages for i in ids(p)] == ORDER[sort]
    assert all(p.extras == EXTRA_VALUES for p in [*pages, back])
    assert all(p.total == len(ROWS) for p in [*pages, back])


def test_the_totals_of_a_page_without_rows_are_counted_apart() -> None:
    with database(ROWS) as conn:
        count = select(func.count()).select_from(TABLE).where(TABLE.c.tag == "y")
        assert totals(conn.execute, count, EXTRAS) == (3, EXTRA_VALUES)
        assert totals(conn.execute, count, None) == (3, {})


@pytest.mark.parametrize(
    ("sort", "direction", "segments", "keys"),
    [
        ("num", "next", "ASC", "ASC"),
        ("num", "prev", "DESC", "DESC"),
        ("-num", "next", "ASC", "DESC"),
        ("-num", "prev", "DESC", "ASC"),
    ],
)
def test_the_merged_query_puts_its_rows_in_order_itself(
    sort: str, direction: Direction, segments: str, keys: str
) -> None:
    """A nullable sort reads its two segments as one UNION ALL, and SQL keeps no order
    through a union: the outer query orders by the segment, then the value and the id. On
    SQLite the inner order happens to survive the union, so no walk here would show a
    missing outer ORDER BY; on PostgreSQL the rows could come back in any order."""
    statement = ordering(sort).statement(select(*TABLE.columns), None, direction, 3)
    sql = str(statement.compile(compile_kwargs={"literal_binds": True}))
    outer = sql.rsplit(") AS anon_1", 1)[1]
    assert re.findall(r"anon_1\.(\w+) (ASC|DESC)", outer) == [
        ("_segment", segments),
        ("num", keys),
        ("id", keys),
    ]


# --------------------------------------------------------------------------- statements
# The list services build each shape's page statement once (page_query) and run it again
# with each request's own values (page_params): walking the pages that way must read the
# same rows as building the statement for every page.


def list_service_page(session: Session, sort: str, limit: int, cursor: Cursor | None) -> PageResult:
    return list_page(
        session,
        TABLE,
        where=[],
        page=PageRequest(limit=limit, sort=sort, cursor=cursor),
        sorts=SORT_KEYS,
        id_column=TABLE.c.id,
        shape=dict,
    )


@pytest.mark.parametrize("limit", [1, 2, 3])
@pytest.mark.parametrize("sort", SORTS)
def test_a_statement_made_once_walks_every_page_with_each_pages_own_values(
    sort: str, limit: int
) -> None:
    with database(inserted(sort, "reversed")) as conn, Session(conn) as session:
        forward = [list_service_page(session, sort, limit, None)]
        while forward[-1].has_next:
            assert len(forward) <= len(ROWS)
            cursor = travel(sort, forward[-1].last_key, "next")
            forward.append(list_service_page(session, sort, limit, cursor))
        backward = [forward[-1]]
        while backward[-1].has_prev:
            assert len(backward) <= len(ROWS)
            cursor = travel(sort, backward[-1].first_key, "prev")
            backward.append(list_service_page(session, sort, limit, cursor))
    assert [ids(p) for p in forward] == chunks(sort, limit)
    assert [ids(p) for p in backward] == chunks(sort, limit)[::-1]
    assert [links(p) for p in backward] == [links(p) for p in reversed(forward)]


@pytest.mark.parametrize("sort", ["num", "-num"])
def test_one_statement_serves_every_cursor_in_its_segment(sort: str) -> None:
    """page_params gives the statement's own values for a page, and the segment its cursor
    is in (part of the statement's shape): rows with the value, or the nulls."""
    order = ORDER[sort]
    made_for = travel(sort, ordering(sort).key_of(BY_ID[order[0]], "id"), "next")
    with database(inserted(sort, "shuffled")) as conn:
        statement = page_query(
            select(*TABLE.columns),
            select(func.count()).select_from(TABLE),
            ordering(sort),
            PageRequest(limit=2, sort=sort, cursor=made_for),
        )
        for i, record_id in enumerate(order):
            cursor = travel(sort, ordering(sort).key_of(BY_ID[record_id], "id"), "next")
            page = PageRequest(limit=2, sort=sort, cursor=cursor)
            segment, params = page_params(ordering(sort), page)
            assert segment == (0 if BY_ID[record_id]["num"] is not None else 1)
            if segment != 0:
                continue
            result = read_page(
                conn.execute(statement, params),
                ordering(sort),
                page,
                "id",
                dict,
                None,
                lambda: (0, {}),
            )
            assert ids(result) == order[i + 1 : i + 3]
            assert result.has_next == (i + 3 < len(order))
    assert page_params(ordering(sort), PageRequest(limit=2, sort=sort, cursor=None))[0] is None


# --------------------------------------------------------------------------- cursor keys


def bound(sort: str, key: list[Any], made_for: str | None = None) -> Any:
    return ordering(sort)._bound(Cursor(made_for or sort, tuple(key), "next"))


@pytest.mark.parametrize(
    ("sort", "key", "expected"),
    [
        ("num", [0, 3, "a"], (0, [3, "a"])),
        ("num", [0, -(2**63), "a"], (0, [-(2**63), "a"])),
        ("num", [0, 2**63 - 1, "a"], (0, [2**63 - 1, "a"])),
        ("num", [1, 0, "b"], (1, ["b"])),  # past a row without a value
        ("-num", [1, 3, "a"], (0, [3, "a"])),
        ("-num", [0, 0, "b"], (1, ["b"])),  # the flag flips with the direction
        ("tag", ["x", "a"], (0, ["x", "a"])),
        ("-tag", ["", "a"], (0, ["", "a"])),
    ],
)
def test_an_issued_key_is_read_into_its_segment(sort: str, key: list[Any], expected: Any) -> None:
    assert bound(sort, key) == expected


@pytest.mark.parametrize(
    ("sort", "key"),
    [
        ("num", [0, 3]),  # a part missing
        ("num", [0, 3, "a", "b"]),  # one too many
        ("tag", ["x"]),
        ("tag", [0, "x", "a"]),
        ("num", [2, 3, "a"]),  # a flag is 0 or 1
        ("num", [-1, 3, "a"]),
        ("num", [True, 3, "a"]),  # and an integer, not a boolean or a float
        ("num", [1.0, 0, "b"]),
        ("num", [0.0, 3, "a"]),
        ("num", [1, 5, "b"]),  # past a row without a value: the stand-in is 0, nothing else
        ("num", [1, 0.0, "b"]),
        ("num", [1, False, "b"]),
        ("num", [1, "0", "b"]),
        ("-num", [0, 5, "b"]),
        ("num", [0, 3, "too long an id"]),  # longer than the id column holds
        ("num", [0, 3, 7]),  # the id is a string
        ("tag", ["x", None]),
        ("num", [0, 3.0, "a"]),  # the value checked against its column
        ("num", [0, 2**63, "a"]),
        ("tag", ["xxxxx", "a"]),
    ],
)
def test_a_key_that_no_page_of_this_sort_issued_is_400(sort: str, key: list[Any]) -> None:
    with pytest.raises(BadRequest) as exc:
        bound(sort, key)
    assert exc.value.errors is not None
    assert [(e["name"], e["reason"]) for e in exc.value.errors] == [
        ("cursor", "does not match this list's sort")
    ]


@pytest.mark.parametrize(
    ("made_for", "sort"), [("num", "-num"), ("-num", "num"), ("tag", "-tag"), ("tag", "num")]
)
def test_a_cursor_made_for_another_sort_is_400_even_when_its_key_fits(
    made_for: str, sort: str
) -> None:
    """Under `-num` a key made for `num` reads as another position (its null flag means the
    opposite): the ordering refuses a cursor made for another sort whoever calls it, not
    only the codec over HTTP."""
    key = list(ordering(sort).key_of(BY_ID["a"], "id"))
    assert bound(sort, key) is not None  # the key itself fits this sort
    with pytest.raises(BadRequest):
        bound(sort, key, made_for=made_for)


# --------------------------------------------------------------------------- key values

TYPES = Table(
    "paging_rule_types",
    MetaData(),
    Column("id", Integer, primary_key=True),
    Column("score", Float),
    Column("amount", Numeric(10, 2)),
    Column("day", Date),
    Column("code", String(4)),
    Column("note", Text),
    Column("flag", Boolean),
)


@pytest.mark.parametrize(
    ("value", "column", "expected"),
    [
        (7, TYPES.c.id, 7),
        (-(2**63), TYPES.c.id, -(2**63)),
        (2**63 - 1, TYPES.c.id, 2**63 - 1),
        (-0.5, TYPES.c.score, -0.5),
        (2.25, TYPES.c.amount, 2.25),
        ("2025-12-16", TYPES.c.day, dt.date(2025, 12, 16)),
        # A chunked read (Listing.rows) carries the row's key as it came, a date object.
        (dt.date(2025, 12, 16), TYPES.c.day, dt.date(2025, 12, 16)),
        ("abcd", TYPES.c.code, "abcd"),
        ("", TYPES.c.code, ""),
        # A column without a length: the bound is the cursor parameter's own, 500 characters.
        ("n" * 500, TYPES.c.note, "n" * 500),
    ],
)
def test_a_key_value_its_column_holds_is_read(value: Any, column: Any, expected: Any) -> None:
    read = key_value(value, column)
    assert read == expected
    assert type(read) is type(expected)


@pytest.mark.parametrize(
    ("value", "column"),
    [
        (2**63, TYPES.c.id),  # 2**63: out of range for SQLite and PostgreSQL
        (-(2**63) - 1, TYPES.c.id),
        (2**64, TYPES.c.id),
        (True, TYPES.c.id),
        (1.0, TYPES.c.id),
        ("3", TYPES.c.id),
        (None, TYPES.c.id),
        (3, TYPES.c.score),  # an issued score is always a float
        (False, TYPES.c.score),
        (float("nan"), TYPES.c.score),
        (float("inf"), TYPES.c.score),
        (float("-inf"), TYPES.c.amount),
        ("0.5", TYPES.c.score),
        ("20251216", TYPES.c.day),  # fromisoformat alone would take these
        ("2025-W51-2", TYPES.c.day),
        ("2025-02-30", TYPES.c.day),
        (20251216, TYPES.c.day),
        ("abcde", TYPES.c.code),  # longer than the column holds
        ("a\x00b", TYPES.c.code),  # PostgreSQL cannot hold NUL in text
        (1, TYPES.c.code),
        (["a"], TYPES.c.code),
        ("n" * 501, TYPES.c.note),
        ("n" * 501, Column("long", String(2000))),  # no cursor holds a longer one
        ("a\x00", TYPES.c.note),
    ],
)
def test_a_key_value_its_column_cannot_hold_is_refused(value: Any, column: Any) -> None:
    with pytest.raises(ValueError):
        key_value(value, column)


def test_a_column_of_a_type_without_a_key_rule_fails_loudly() -> None:
    with pytest.raises(NotImplementedError):
        key_value(1, TYPES.c.flag)


def test_sqlmodel_string_columns_are_checked_as_strings() -> None:
    """SQLModel declares str fields as AutoString, a TypeDecorator over VARCHAR."""
    column: Column[str] = Column("name", AutoString(6))
    assert key_value("abcdef", column) == "abcdef"
    with pytest.raises(ValueError):
        key_value("abcdefg", column)
    with pytest.raises(ValueError):
        key_value(7, column)


def test_a_date_is_read_from_its_iso_spelling_only() -> None:
    assert parse_date("2031-06-01") == dt.date(2031, 6, 1)
    assert parse_date(dt.date(2031, 6, 1)) == dt.date(2031, 6, 1)
    for other in ("20310601", "2031-W22-7", "2031-06-01T00:00", " 2031-06-01", None, 20310601):
        with pytest.raises(ValueError):
            parse_date(other)


# --------------------------------------------------------------------------- values


def test_sort_keys_segments_and_orderings_are_values_that_cannot_change() -> None:
    """They are declared once per list and shared by every request and thread: equal ones
    hash alike (so they can key a cache), and none can be changed in place."""
    key = SortKey(TABLE.c.num, null_fill=0)
    made: list[Any] = [key, ordering("num"), Segment(0, None, (TABLE.c.tag, TABLE.c.id))]
    again: list[Any] = [
        SortKey(TABLE.c.num, null_fill=0, parse=key.parse),
        ordering("num"),
        Segment(0, None, (TABLE.c.tag, TABLE.c.id)),
    ]
    for one, other in zip(made, again, strict=True):
        assert one == other and hash(one) == hash(other)
        field = dataclasses.fields(one)[0].name
        with pytest.raises(dataclasses.FrozenInstanceError):
            setattr(one, field, None)
