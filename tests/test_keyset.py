"""Keyset paging as units: app.paging's fetch_page and Ordering called directly on a small
in-memory SQLite table of this module's own, held against an oracle that sorts the inserted
rows in Python by the documented rules (README, "Lists"):

- a leading `-` sorts descending, and descending reverses the whole order, the id
  tie-breaker included;
- records without the sort value come last in either direction (among themselves they go
  by the id, in the sort's direction);
- the record id breaks ties.

Every cursor travels as a client's does: encoded, signed and decoded again (JSON), so a key
value that does not survive the round trip shows up here too."""

import random
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from sqlalchemy import (
    Column,
    Connection,
    Integer,
    MetaData,
    Select,
    String,
    Table,
    create_engine,
    func,
    select,
)
from sqlalchemy.pool import StaticPool

from app.cursors import CursorCodec, Direction
from app.errors import BadRequest
from app.paging import INT64, Cursor, Ordering, PageRequest, PageResult, SortKey, fetch_page

Row = dict[str, Any]

ID_CHARS = 12
TABLE = Table(
    "keyset_probe",
    MetaData(),
    Column("id", String(ID_CHARS), primary_key=True),
    Column("num", Integer, nullable=True),
    Column("word", String(8), nullable=True),
    Column("tag", String(8), nullable=False),  # few values: many ties
)
SORT_KEYS = {
    "num": SortKey(TABLE.c.num, null_fill=0),
    "word": SortKey(TABLE.c.word, null_fill=""),
    "tag": SortKey(TABLE.c.tag),
}
SORTS = [direction + name for name in SORT_KEYS for direction in ("", "-")]
NULLABLE_SORTS = [s for s in SORTS if SORT_KEYS[s.lstrip("-")].nullable]
CODEC = CursorCodec(secret="keyset unit tests, a long secret")


# --------------------------------------------------------------------------- the oracle


def expected_ids(rows: list[Row], sort: str) -> list[str]:
    """The documented order, computed from the rows alone."""
    field, descending = sort.lstrip("-"), sort.startswith("-")
    with_value = [r for r in rows if r[field] is not None]
    without = [r for r in rows if r[field] is None]
    with_value.sort(key=lambda r: (r[field], r["id"]), reverse=descending)
    without.sort(key=lambda r: r["id"], reverse=descending)
    return [r["id"] for r in with_value + without]


def expected_pages(rows: list[Row], sort: str, limit: int) -> list[list[str]]:
    ids = expected_ids(rows, sort)
    return [ids[i : i + limit] for i in range(0, len(ids), limit)] or [[]]


# --------------------------------------------------------------------------- the data


def random_rows(seed: int, count: int) -> list[Row]:
    """Rows with nulls, ties on every column, the null stand-ins (0, "") as real values,
    64-bit extremes and ids whose string order differs from their numeric one."""
    rng = random.Random(seed)
    ids = rng.sample(range(1, 10 * count + 10), count)
    nums = [None, None, 0, 1, -1, 7, INT64[0], INT64[1]]
    words = [None, None, "", "a", "B", "bb", "é", "a b"]
    return [
        {
            "id": f"r{i}",
            "num": rng.choice(nums),
            "word": rng.choice(words),
            "tag": rng.choice(["x", "y"]),
        }
        for i in ids
    ]


ROWS = random_rows(seed=20251216, count=23)


@contextmanager
def database(rows: list[Row], table: Table = TABLE) -> Iterator[Connection]:
    """A fresh in-memory SQLite database holding `rows` in `table`, inserted in the order
    given, closed afterwards."""
    engine = create_engine(
        "sqlite://", poolclass=StaticPool, connect_args={"check_same_thread": False}
    )
    try:
        table.metadata.create_all(engine)
        with engine.begin() as conn:
            if rows:
                conn.execute(table.insert(), rows)
        with engine.connect() as conn:
            yield conn
    finally:
        engine.dispose()


# --------------------------------------------------------------------------- paging


def ordering(sort: str) -> Ordering:
    return Ordering(sort, SORT_KEYS[sort.lstrip("-")], TABLE.c.id)


def fetch(
    conn: Connection,
    sort: str,
    limit: int,
    cursor: Cursor | None = None,
    statement: Select[Any] | None = None,
    count: Select[Any] | None = None,
) -> PageResult:
    return fetch_page(
        conn.execute,
        select(*TABLE.columns) if statement is None else statement,
        select(func.count()).select_from(TABLE) if count is None else count,
        ordering(sort),
        PageRequest(limit=limit, sort=sort, cursor=cursor),
        "id",
        dict,
    )


def travel(sort: str, key: tuple[Any, ...] | None, direction: Direction) -> Cursor:
    """The cursor a page's link carries, as the next request reads it back."""
    assert key is not None
    return CODEC.decode(CODEC.encode(Cursor(sort, key, direction)), sort)


def ids(result: PageResult) -> list[str]:
    return [row["id"] for row in result.rows]


def walk_forward(conn: Connection, sort: str, limit: int, rows: int) -> list[PageResult]:
    pages = [fetch(conn, sort, limit)]
    while pages[-1].has_next:
        assert len(pages) <= rows, "the walk does not end"
        pages.append(fetch(conn, sort, limit, travel(sort, pages[-1].last_key, "next")))
    return pages


def walk_back(conn: Connection, sort: str, limit: int, last: PageResult) -> list[PageResult]:
    """From `last` back to the first page, following `prev`: the pages in walking order."""
    pages = [last]
    while pages[-1].has_prev:
        assert len(pages) <= last.total + 1, "the walk does not end"
        pages.append(fetch(conn, sort, limit, travel(sort, pages[-1].first_key, "prev")))
    return pages


def check_walk(rows: list[Row], sort: str, limit: int) -> None:
    """Forward to the end and back again: every page as the oracle cuts it, no row twice or
    missing, the links exactly where there is more, and `prev` retracing `next`."""
    wanted = expected_pages(rows, sort, limit)
    with database(rows) as conn:
        forward = walk_forward(conn, sort, limit, len(rows))
        assert [ids(p) for p in forward] == wanted
        assert [(p.has_prev, p.has_next) for p in forward] == [
            (i > 0, i < len(wanted) - 1) for i in range(len(wanted))
        ]
        assert all(p.total == len(rows) for p in forward)

        backward = walk_back(conn, sort, limit, forward[-1])
        assert [ids(p) for p in backward] == [ids(p) for p in reversed(forward)]
        assert [(p.has_prev, p.has_next) for p in backward] == [
            (p.has_prev, p.has_next) for p in reversed(forward)
        ]
        assert [(p.first_key, p.last_key) for p in backward] == [
            (p.first_key, p.last_key) for p in reversed(forward)
        ]


# --------------------------------------------------------------------------- the tests


def test_the_oracle_data_has_what_the_rules_are_about() -> None:
    """The fixed data set really holds nulls, null stand-ins as values, ties and extremes,
    so the tests below exercise the rules rather than pass vacuously."""
    for field in ("num", "word"):
        values = [r[field] for r in ROWS]
        assert values.count(None) >= 2
        present = [v for v in values if v is not None]
        assert len(set(present)) < len(present)  # ties
    assert 0 in [r["num"] for r in ROWS] and "" in [r["word"] for r in ROWS]
    assert {INT64[0], INT64[1]} & {r["num"] for r in ROWS}
    assert len({r["tag"] for r in ROWS}) == 2
    assert len({r["id"] for r in ROWS}) == len(ROWS)
    # Ids tie-break in string order ("r10" before "r9"), which differs from number order.
    assert any(
        a["id"] < b["id"] and int(a["id"][1:]) > int(b["id"][1:]) for a in ROWS for b in ROWS
    )


@pytest.mark.parametrize("limit", [1, 2, 3, 5, 22, 23, 24, 200])
@pytest.mark.parametrize("sort", SORTS)
def test_walking_next_then_prev_reads_every_row_once_in_order(sort: str, limit: int) -> None:
    check_walk(ROWS, sort, limit)


@pytest.mark.parametrize("sort", NULLABLE_SORTS)
def test_records_without_the_value_come_last_in_both_directions(sort: str) -> None:
    """Checked without the oracle: the tail of the walk is exactly the null rows, going by
    the id in the sort's direction, and the rows before it are in value order."""
    field, descending = sort.lstrip("-"), sort.startswith("-")
    by_id = {r["id"]: r for r in ROWS}
    nulls = {r["id"] for r in ROWS if r[field] is None}
    with database(ROWS) as conn:
        walked = [i for p in walk_forward(conn, sort, 3, len(ROWS)) for i in ids(p)]
    head, tail = walked[: len(walked) - len(nulls)], walked[len(walked) - len(nulls) :]
    assert set(tail) == nulls
    assert tail == sorted(tail, reverse=descending)
    values = [by_id[i][field] for i in head]
    assert None not in values
    assert values == sorted(values, reverse=descending)


@pytest.mark.parametrize("sort", SORTS)
def test_ties_are_broken_by_the_id(sort: str) -> None:
    """Within each run of equal values the ids go the sort's way, across page boundaries
    (limit 2 cuts through every run)."""
    field, descending = sort.lstrip("-"), sort.startswith("-")
    by_id = {r["id"]: r for r in ROWS}
    with database(ROWS) as conn:
        walked = [i for p in walk_forward(conn, sort, 2, len(ROWS)) for i in ids(p)]
    runs: dict[Any, list[str]] = {}
    for record_id in walked:
        runs.setdefault(by_id[record_id][field], []).append(record_id)
    assert any(len(run) > 2 for run in runs.values())
    for run in runs.values():
        assert run == sorted(run, reverse=descending)


@pytest.mark.parametrize("sort", SORTS)
def test_limit_one_gives_one_row_a_page(sort: str) -> None:
    with database(ROWS) as conn:
        pages = walk_forward(conn, sort, 1, len(ROWS))
    assert [ids(p) for p in pages] == [[i] for i in expected_ids(ROWS, sort)]


@pytest.mark.parametrize("sort", SORTS)
def test_a_limit_beyond_the_table_gives_one_page_without_links(sort: str) -> None:
    with database(ROWS) as conn:
        result = fetch(conn, sort, len(ROWS) + 1)
    assert ids(result) == expected_ids(ROWS, sort)
    assert (result.has_prev, result.has_next, result.total) == (False, False, len(ROWS))


@pytest.mark.parametrize("sort", SORTS)
def test_an_empty_table_gives_one_empty_page(sort: str) -> None:
    with database([]) as conn:
        result = fetch(conn, sort, 5)
    assert result.rows == []
    assert (result.total, result.has_prev, result.has_next) == (0, False, False)
    assert (result.first_key, result.last_key) == (None, None)


@pytest.mark.parametrize("sort", SORTS)
def test_the_total_counts_the_list_not_the_page(sort: str) -> None:
    """The total rides on a full page, and is counted apart when a page comes back empty
    (a cursor past the last row); with a filter, it counts the filtered rows."""
    with database(ROWS) as conn:
        last = walk_forward(conn, sort, 4, len(ROWS))[-1]
        past_the_end = fetch(conn, sort, 4, travel(sort, last.last_key, "next"))
        first = fetch(conn, sort, 4)
        before_the_start = fetch(conn, sort, 4, travel(sort, first.first_key, "prev"))
        where = TABLE.c.tag == "x"
        filtered = fetch(
            conn,
            sort,
            4,
            statement=select(*TABLE.columns).where(where),
            count=select(func.count()).select_from(TABLE).where(where),
        )
    assert past_the_end.rows == [] and past_the_end.total == len(ROWS)
    assert before_the_start.rows == [] and before_the_start.total == len(ROWS)
    # An empty page links nowhere, whichever way it was reached.
    assert (past_the_end.has_prev, past_the_end.has_next) == (False, False)
    assert (before_the_start.has_prev, before_the_start.has_next) == (False, False)
    assert filtered.total == len([r for r in ROWS if r["tag"] == "x"])
    assert ids(filtered) == expected_ids([r for r in ROWS if r["tag"] == "x"], sort)[:4]


def issued_keys(sort: str) -> list[tuple[Any, ...]]:
    """Every key a walk under `sort` hands out (limit 1: one a row)."""
    with database(ROWS) as conn:
        pages = walk_forward(conn, sort, 1, len(ROWS))
    return [key for p in pages for key in (p.first_key, p.last_key) if key is not None]


@pytest.mark.parametrize("issued_for", SORTS)
def test_a_cursor_made_for_one_sort_is_refused_by_every_other(issued_for: str) -> None:
    """The codec refuses a cursor for any other sort; the ordering itself refuses a cursor
    made for another sort, and every key of another column's sort whatever the cursor says
    (the parts, their types and the null stand-in are checked)."""
    keys = issued_keys(issued_for)
    for other in SORTS:
        if other == issued_for:
            continue
        for key in keys:
            token = CODEC.encode(Cursor(issued_for, key, "next"))
            with pytest.raises(BadRequest):
                CODEC.decode(token, other)
            if other.lstrip("-") != issued_for.lstrip("-"):
                with pytest.raises(BadRequest), database(ROWS) as conn:
                    fetch(conn, other, 3, Cursor(other, key, "next"))
            # A cursor that says which sort it was made for is refused by any other ordering.
            with pytest.raises(BadRequest), database(ROWS) as conn:
                fetch(conn, other, 3, Cursor(issued_for, key, "next"))
    with database(ROWS) as conn:  # and its own sort takes every one of them
        for key in keys:
            fetch(conn, issued_for, 3, travel(issued_for, key, "next"))


# --------------------------------------------------------------------------- properties

IDS = st.text(alphabet="0aAzZé-", min_size=1, max_size=ID_CHARS)
NUMS = st.none() | st.sampled_from([0, INT64[0], INT64[1]]) | st.integers(-3, 3)
WORDS = st.none() | st.text(alphabet="ab B\u00e9", max_size=3)
TAGS = st.sampled_from(["x", "y"])


@settings(max_examples=60, deadline=None, derandomize=True, database=None)
@given(
    rows=st.lists(
        st.fixed_dictionaries({"id": IDS, "num": NUMS, "word": WORDS, "tag": TAGS}),
        max_size=14,
        unique_by=lambda r: r["id"],
    ),
    sort=st.sampled_from(SORTS),
    limit=st.integers(1, 16),
)
def test_any_rows_walk_as_the_oracle_says(rows: list[Row], sort: str, limit: int) -> None:
    check_walk(rows, sort, limit)


@pytest.mark.parametrize("seed", range(4))
@pytest.mark.parametrize("count", [1, 2, 9, 40])
def test_seeded_tables_of_several_sizes_walk_as_the_oracle_says(seed: int, count: int) -> None:
    rows = random_rows(seed, count)
    for sort in SORTS:
        for limit in {1, 3, max(1, count // 2), count}:
            check_walk(rows, sort, limit)
