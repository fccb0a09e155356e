"""Keyset paging below HTTP: cursors signed and checked (app.cursors), every key value
checked against its column, and pages walked over nulls and ties in both directions, on the
suite's database (SQLite, or PostgreSQL when FACTSHEET_TEST_DATABASE_URL is set)."""

import base64
import datetime as dt
from collections.abc import Iterator
from typing import Any

import orjson
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import (
    Column,
    Date,
    Engine,
    Float,
    Integer,
    MetaData,
    String,
    Table,
    TypeDecorator,
    func,
    literal,
    select,
    type_coerce,
)
from sqlmodel import Session

from app.collections import COLLECTIONS
from app.collections.changes import CHANGES
from app.cursors import NOT_ISSUED, Cursor, CursorCodec, Direction
from app.errors import BadRequest
from app.models import Secret
from app.paging import INT64, Ordering, PageRequest, PageResult, SortKey, fetch_page, key_value
from app.search.documents import DOCUMENTS
from app.services import secrets

CODEC = CursorCodec(secret="a test secret, 32 characters ok")


def b64(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


def reason(exc: pytest.ExceptionInfo[BadRequest]) -> str:
    assert exc.value.errors is not None
    [error] = exc.value.errors
    assert (error["name"], error["in"]) == ("cursor", "query")
    return str(error["reason"])


# --------------------------------------------------------------------------- the token


def test_a_cursor_comes_back_as_it_went_out() -> None:
    cursor = Cursor("-established_year", (1, 2015, "nri-001"), "prev")
    token = CODEC.encode(cursor)
    assert CODEC.decode(token, "-established_year") == cursor
    # Another process with the same secret reads it too.
    assert CursorCodec(secret="a test secret, 32 characters ok").decode(token, cursor.sort) == (
        cursor
    )


def test_dates_and_scores_travel_as_json_the_ordering_reads_back() -> None:
    token = CODEC.encode(Cursor("start_date", (dt.date(2025, 12, 16), "ms-001"), "next"))
    assert CODEC.decode(token, "start_date").key == ("2025-12-16", "ms-001")
    token = CODEC.encode(Cursor("relevance", (-1.25e-05, 42), "next"))
    assert CODEC.decode(token, "relevance").key == (-1.25e-05, 42)


def test_a_cursor_is_url_safe_and_short() -> None:
    token = CODEC.encode(Cursor("name", ("A" * 100, "nri-001"), "next"))
    assert set(token) <= set("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_.")
    assert len(token) < 250


def test_a_cursor_made_for_another_sort_says_which() -> None:
    token = CODEC.encode(Cursor("name", ("A", "nri-001"), "next"))
    with pytest.raises(BadRequest) as exc:
        CODEC.decode(token, "-name")
    assert reason(exc) == "it was issued for sort='name', not sort='-name'"


def test_a_cursor_signed_under_another_secret_is_not_ours() -> None:
    theirs = CursorCodec(secret="another deployment's secret....").encode(
        Cursor("name", ("A", "nri-001"), "next")
    )
    with pytest.raises(BadRequest) as exc:
        CODEC.decode(theirs, "name")
    assert reason(exc) == NOT_ISSUED


def issued() -> str:
    return CODEC.encode(Cursor("name", ("A", "nri-001"), "next"))


def unsigned(payload: Any) -> str:
    return b64(orjson.dumps(payload))


NOT_ISSUED_TOKENS = {
    "empty": "",
    "garbage": "garbage",
    "the old unsigned format": unsigned({"s": "name", "k": ["A", "nri-001"], "d": "next"}),
    "a payload without its tag": issued().partition(".")[0],
    "a payload with an empty tag": issued().partition(".")[0] + ".",
    "a tag without its payload": "." + issued().partition(".")[2],
    "a tag with one bit changed": issued()[:-1] + ("B" if issued()[-1] == "A" else "A"),
    "a payload with one character changed": "f" + issued()[1:],
    "a payload with another cursor's tag": (
        unsigned({"s": "name", "k": ["B", "nri-001"], "d": "next"})
        + "."
        + issued().partition(".")[2]
    ),
    "padding added": issued() + "==",
    "standard base64 characters": issued().replace("-", "+").replace("_", "/") + "+/",
    "a second dot": issued() + ".AAAA",
    "whitespace": " " + issued(),
    "non-ASCII": issued() + "é",
}


@pytest.mark.parametrize("token", NOT_ISSUED_TOKENS.values(), ids=NOT_ISSUED_TOKENS.keys())
def test_a_token_this_api_did_not_issue_is_refused(token: str) -> None:
    with pytest.raises(BadRequest) as exc:
        CODEC.decode(token, "name")
    assert reason(exc) == NOT_ISSUED


def test_a_non_canonical_spelling_of_an_issued_cursor_is_refused() -> None:
    """Base64 leaves spare bits in the last character: a token that differs only there
    decodes to the same bytes, but is still not the one the API issued."""
    payload, _, tag = issued().partition(".")
    # 16 tag bytes are 22 characters, the last carrying 4 spare bits.
    last = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_".index(tag[-1])
    spare = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"[last ^ 1]
    assert base64.urlsafe_b64decode(tag[:-1] + spare + "==") == base64.urlsafe_b64decode(tag + "==")
    with pytest.raises(BadRequest):
        CODEC.decode(f"{payload}.{tag[:-1]}{spare}", "name")


SIGNED_BUT_MALFORMED = {
    "not JSON": b"\xff\xfe",
    "a list": b"[]",
    "a string": b'"name"',
    "no key": orjson.dumps({"s": "name", "d": "next"}),
    "an extra field": orjson.dumps({"s": "name", "k": ["A", "x"], "d": "next", "x": 1}),
    "a key that is no list": orjson.dumps({"s": "name", "k": "A", "d": "next"}),
    "a direction sideways": orjson.dumps({"s": "name", "k": ["A", "x"], "d": "sideways"}),
    "a direction that is a list": orjson.dumps({"s": "name", "k": ["A", "x"], "d": ["next"]}),
}


@pytest.mark.parametrize("payload", SIGNED_BUT_MALFORMED.values(), ids=SIGNED_BUT_MALFORMED.keys())
def test_a_signed_payload_of_the_wrong_shape_is_still_refused(payload: bytes) -> None:
    with pytest.raises(BadRequest) as exc:
        CODEC.decode(CODEC.seal(payload), "name")
    assert reason(exc) == NOT_ISSUED


# --------------------------------------------------------------------------- the secret


def test_processes_on_one_database_share_the_secret_made_on_first_use(engine: Engine) -> None:
    cursor = Cursor("name", ("A", "nri-001"), "next")
    token = CursorCodec(engine).encode(cursor)
    assert CursorCodec(engine).decode(token, "name") == cursor
    with Session(engine) as session:
        stored = session.get(Secret, secrets.CURSOR)
    assert stored is not None and len(stored.value) >= 43  # 256 random bits


def test_a_secret_already_kept_is_used_not_replaced(engine: Engine) -> None:
    with Session(engine) as session:
        session.add(Secret(name=secrets.CURSOR, value="made by the migration, say"))
        session.commit()
        assert secrets.get_or_create_secret(session, secrets.CURSOR) == (
            "made by the migration, say"
        )
    cursor = Cursor("name", ("A", "x"), "next")
    token = CursorCodec(secret="made by the migration, say").encode(cursor)
    assert CursorCodec(engine).decode(token, "name") == cursor


def test_the_configured_secret_wins_over_the_database(engine: Engine) -> None:
    codec = CursorCodec(engine, secret="configured, and at least 16")
    assert codec.ready
    token = codec.encode(Cursor("name", ("A", "x"), "next"))
    with pytest.raises(BadRequest):
        CursorCodec(engine).decode(token, "name")


# --------------------------------------------------------------------------- key values

T = Table(
    "paging_probe",
    MetaData(),
    Column("id", String(10), primary_key=True),
    Column("n", Integer, nullable=True),
    Column("s", String(8), nullable=True),
    Column("t", String(8), nullable=False),
)
PROBE_SORTS = {
    "n": SortKey(T.c.n, null_fill=0),
    "s": SortKey(T.c.s, null_fill=""),
    "t": SortKey(T.c.t),
}


def bound(sort: str, key: list[Any], sorts: dict[str, SortKey] = PROBE_SORTS) -> Any:
    ordering = Ordering(sort, sorts[sort.lstrip("-")], T.c.id)
    return ordering._bound(Cursor(sort, tuple(key), "next"))


@pytest.mark.parametrize(
    ("sort", "key", "expected"),
    [
        ("n", [0, INT64[1], "r1"], (0, [INT64[1], "r1"])),
        ("n", [0, INT64[0], "r1"], (0, [INT64[0], "r1"])),
        ("n", [1, 0, "r1"], (1, ["r1"])),  # past a row without a value
        ("-n", [0, 0, "r1"], (1, ["r1"])),  # the flag flips with the direction
        ("s", [0, "abcdefgh", "r1"], (0, ["abcdefgh", "r1"])),
        ("t", ["", "r1"], (0, ["", "r1"])),
    ],
)
def test_an_issued_key_is_read_into_its_segment(sort: str, key: list[Any], expected: Any) -> None:
    assert bound(sort, key) == expected


@pytest.mark.parametrize(
    ("sort", "key"),
    [
        ("n", [0, INT64[1] + 1, "r1"]),  # 2**63: the issue's overflow
        ("n", [0, INT64[0] - 1, "r1"]),
        ("n", [0, 10**40, "r1"]),
        ("n", [0, 1.0, "r1"]),
        ("n", [0, "1", "r1"]),
        ("n", [0, True, "r1"]),
        ("n", [0, None, "r1"]),
        ("n", [1, 5, "r1"]),  # past a row without a value, whose stand-in is 0
        ("n", [1, 0.0, "r1"]),
        ("n", [2, 5, "r1"]),
        ("n", [True, 5, "r1"]),
        ("n", [0.0, 5, "r1"]),
        ("n", [0, 5]),
        ("n", [0, 5, "r1", "r2"]),
        ("n", [0, 5, 7]),  # the id tie-breaker is a string here
        ("n", [0, 5, "r" * 11]),  # longer than the id column holds
        ("s", [0, "abcdefghi", "r1"]),  # longer than the column holds
        ("s", [0, "a\x00b", "r1"]),  # PostgreSQL cannot hold NUL
        ("s", [1, "x", "r1"]),
        ("s", [0, ["a"], "r1"]),
        ("s", [0, {"a": 1}, "r1"]),
        ("t", ["a"]),
        ("t", []),
        ("t", [1, "r1"]),
    ],
)
def test_a_key_its_columns_cannot_hold_is_400(sort: str, key: list[Any]) -> None:
    with pytest.raises(BadRequest) as exc:
        bound(sort, key)
    assert reason(exc) == "does not match this list's sort"


OTHER = Table(
    "paging_types", MetaData(), Column("score", Float), Column("day", Date), Column("id", Integer)
)


@pytest.mark.parametrize(
    ("value", "column", "expected"),
    [
        ("2025-12-16", OTHER.c.day, dt.date(2025, 12, 16)),
        (-0.5, OTHER.c.score, -0.5),
        (7, OTHER.c.id, 7),
    ],
)
def test_key_values_of_other_types_are_read(value: Any, column: Any, expected: Any) -> None:
    assert key_value(value, column) == expected


@pytest.mark.parametrize(
    ("value", "column"),
    [
        ("20251216", OTHER.c.day),  # fromisoformat alone would take these
        ("2025-W51-2", OTHER.c.day),
        (20251216, OTHER.c.day),
        ("2025-02-30", OTHER.c.day),
        (float("nan"), OTHER.c.score),
        (float("inf"), OTHER.c.score),
        ("0.5", OTHER.c.score),
        (3, OTHER.c.score),  # an issued score is always a float
        (False, OTHER.c.score),
        ("3", OTHER.c.id),  # the issue's [1.0, "3"] on search: a string for an integer id
        (2**63, OTHER.c.id),
    ],
)
def test_key_values_of_other_types_are_refused(value: Any, column: Any) -> None:
    with pytest.raises(ValueError):
        key_value(value, column)


def every_list_sort() -> list[tuple[str, SortKey, Any]]:
    """(name, sort key, id column) of every sort of every list, search included."""
    found = [
        (f"{c.name}:{name}", key, c.id_column)
        for c in (*COLLECTIONS, CHANGES)
        for name, key in c.sorts.items()
    ]
    hits = select(DOCUMENTS.c.id, literal(0.0, Float).label("score")).subquery()
    return [*found, ("search", SortKey(hits.c.score), type_coerce(hits.c.id, Integer))]


def sample(column: Any) -> Any:
    """A value of the column's type, as a cursor carries it."""
    column_type = column.type
    if isinstance(column_type, TypeDecorator):  # SQLModel's AutoString
        column_type = column_type.impl_instance
    python_type = column_type.python_type
    return {int: 1, float: 0.5, str: "a", dt.date: "2025-12-16"}[python_type]


@pytest.mark.parametrize(("name", "key", "id_column"), every_list_sort())
def test_every_sort_of_every_list_has_its_keys_checked(
    name: str, key: SortKey, id_column: Any
) -> None:
    """Each sort's columns have a rule (key_value fails loudly for a type without one), a
    key of their types is read, and 2**63 in any part of it is refused."""
    for direction in ("", "-"):
        ordering = Ordering(direction + name, key, id_column)
        flag = [1 if direction else 0] if key.nullable else []
        good = [*flag, sample(key.column), sample(id_column)]
        assert ordering._bound(Cursor(ordering.name, tuple(good), "next"))[0] == 0
        for part in range(len(good)):
            bad = [*good[:part], 2**63, *good[part + 1 :]]
            with pytest.raises(BadRequest):
                ordering._bound(Cursor(ordering.name, tuple(bad), "next"))


# --------------------------------------------------------------------------- walking pages

ROW_VALUES = st.tuples(
    st.none() | st.integers(-3, 3),
    st.none() | st.sampled_from(["", "a", "b", "bb"]),
    st.sampled_from(["x", "y"]),  # few values: many ties, broken by the id
)


@pytest.fixture
def probe(engine: Engine) -> Iterator[Engine]:
    T.create(engine)
    try:
        yield engine
    finally:
        T.drop(engine)


def page(engine: Engine, sort: str, limit: int, cursor: Cursor | None) -> PageResult:
    ordering = Ordering(sort, PROBE_SORTS[sort.lstrip("-")], T.c.id)
    request = PageRequest(limit=limit, sort=sort, cursor=cursor)
    with Session(engine) as session:
        return fetch_page(
            session.execute,
            select(*T.columns),
            select(func.count()).select_from(T),
            ordering,
            request,
            "id",
            dict,
        )


def travel(sort: str, key: tuple[Any, ...] | None, direction: Direction) -> Cursor | None:
    """The cursor as a client gets it back: through a link, signed, and decoded again."""
    if key is None:
        return None
    return CODEC.decode(CODEC.encode(Cursor(sort, key, direction)), sort)


def expected_order(rows: list[dict[str, Any]], column: str, descending: bool) -> list[str]:
    present = sorted(
        (r for r in rows if r[column] is not None),
        key=lambda r: (r[column], r["id"]),
        reverse=descending,
    )
    missing = sorted(
        (r for r in rows if r[column] is None), key=lambda r: r["id"], reverse=descending
    )
    return [r["id"] for r in present + missing]


@settings(
    max_examples=40,
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
@given(
    values=st.lists(ROW_VALUES, max_size=12),
    sort=st.sampled_from(["n", "-n", "s", "-s", "t", "-t"]),
    limit=st.integers(1, 4),
)
def test_pages_walk_every_row_once_in_order_both_ways(
    probe: Engine, values: list[tuple[Any, Any, str]], sort: str, limit: int
) -> None:
    """Nulls last in both directions, ties broken by the id, the same rows whichever way
    the pages are walked."""
    rows = [{"id": f"r{i:02d}", "n": n, "s": s, "t": t} for i, (n, s, t) in enumerate(values)]
    with probe.begin() as conn:
        conn.execute(T.delete())
        if rows:
            conn.execute(T.insert(), rows)
    wanted = expected_order(rows, sort.lstrip("-"), sort.startswith("-"))

    forward = [page(probe, sort, limit, None)]
    while forward[-1].has_next:
        forward.append(page(probe, sort, limit, travel(sort, forward[-1].last_key, "next")))
        assert len(forward) <= len(rows) + 1
    assert [r["id"] for p in forward for r in p.rows] == wanted
    assert not forward[0].has_prev
    assert all(p.total == len(rows) for p in forward)

    backward = [forward[-1]]
    while backward[-1].has_prev:
        backward.append(page(probe, sort, limit, travel(sort, backward[-1].first_key, "prev")))
        assert len(backward) <= len(rows) + 1
    assert [r["id"] for p in reversed(backward) for r in p.rows] == wanted
