"""Cursor tokens (app.cursors) as units: their wire format, the codec's key (configured, or
kept in a database of its own here), and the reasons a refused token is given. No app is
made: tests/test_paging.py and tests/test_cursor_fuzz.py hold the codec through the lists."""

import base64
import dataclasses
import logging
from collections.abc import Iterator

import orjson
import pytest
from sqlalchemy import Engine, create_engine
from sqlalchemy.pool import StaticPool
from sqlmodel import Session, SQLModel

from app.cursors import NOT_ISSUED, Cursor, CursorCodec
from app.errors import BadRequest
from app.models import Secret
from app.services import secrets

SECRET = "a golden secret, fixed for good"
CODEC = CursorCodec(secret=SECRET)
# Tokens issued by this version: a process of the next one, sharing the secret, must take
# them (a rolling upgrade hands a client's links from the old processes to the new ones).
GOLDEN = {
    "eyJzIjoibmFtZSIsImsiOlsiQSIsIm5yaS0wMDEiXSwiZCI6Im5leHQifQ.RPwk-xl5lhtctN9WuXG9ZA": Cursor(
        "name", ("A", "nri-001"), "next"
    ),
    "eyJzIjoiLWVzdGFibGlzaGVkX3llYXIiLCJrIjpbMSwwLCJucmktMDAyIl0sImQiOiJwcmV2In0"
    ".v2vOPYn02y-z_ZN3bY--PQ": Cursor("-established_year", (1, 0, "nri-002"), "prev"),
}


def reason(exc: pytest.ExceptionInfo[BadRequest]) -> str:
    assert exc.value.errors is not None
    [error] = exc.value.errors
    assert (error["name"], error["in"]) == ("cursor", "query")
    return str(error["reason"])


def unpadded(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


# --------------------------------------------------------------------------- the format


@pytest.mark.parametrize("token", GOLDEN)
def test_a_token_issued_by_this_version_keeps_its_meaning(token: str) -> None:
    cursor = GOLDEN[token]
    assert CODEC.encode(cursor) == token
    assert CursorCodec(secret=SECRET).decode(token, cursor.sort) == cursor


def test_a_token_is_the_json_payload_and_a_128_bit_tag_in_unpadded_base64url() -> None:
    token = CODEC.encode(Cursor("title", ("Ä b", 7), "prev"))
    payload, dot, tag = token.partition(".")
    assert dot == "." and "=" not in token
    raw = base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4))
    assert orjson.loads(raw) == {"s": "title", "k": ["Ä b", 7], "d": "prev"}
    assert len(base64.urlsafe_b64decode(tag + "==")) == 16


@pytest.mark.parametrize("length", range(1, 13))
def test_payloads_of_every_length_come_back(length: int) -> None:
    """Base64 pads to a multiple of 4 characters; the token drops the padding, and reading
    it back restores it, whatever the payload's length."""
    cursor = Cursor("s" * length, ("k" * length, length), "next")
    token = CODEC.encode(cursor)
    assert CODEC.decode(token, cursor.sort) == cursor


def test_a_cursor_is_a_value() -> None:
    """Equal cursors are equal and hash alike; none changes once made."""
    one, other = Cursor("name", ("A", "x"), "next"), Cursor("name", ("A", "x"), "next")
    assert one == other and hash(one) == hash(other)
    with pytest.raises(dataclasses.FrozenInstanceError):
        one.direction = "prev"  # type: ignore[misc]


# --------------------------------------------------------------------------- refusals


def test_a_signed_cursor_for_a_sort_that_is_not_a_string_names_no_value_of_it() -> None:
    token = CODEC.seal(orjson.dumps({"s": 5, "k": ["A", "x"], "d": "next"}))
    with pytest.raises(BadRequest) as exc:
        CODEC.decode(token, "name")
    assert reason(exc) == "it was issued for sort='another sort', not sort='name'"


def test_a_tag_for_another_payload_is_refused_whatever_its_spelling() -> None:
    token = CODEC.encode(Cursor("name", ("A", "x"), "next"))
    other = CODEC.encode(Cursor("name", ("B", "x"), "next"))
    for forged in (
        token.partition(".")[0] + "." + other.partition(".")[2],
        token.partition(".")[0] + "." + unpadded(bytes(16)),
        token.partition(".")[0] + token.partition(".")[2],  # the dot dropped
    ):
        with pytest.raises(BadRequest) as exc:
            CODEC.decode(forged, "name")
        assert reason(exc) == NOT_ISSUED


# --------------------------------------------------------------------------- the key


@pytest.fixture
def database() -> Iterator[Engine]:
    """A database of its own, holding the secrets table."""
    engine = create_engine(
        "sqlite://", poolclass=StaticPool, connect_args={"check_same_thread": False}
    )
    SQLModel.metadata.create_all(engine)
    try:
        yield engine
    finally:
        engine.dispose()


def test_a_codec_needs_a_secret_or_a_database() -> None:
    with pytest.raises(ValueError):
        CursorCodec()


def test_a_codec_on_a_database_reads_its_key_on_first_use_and_keeps_it(
    database: Engine,
) -> None:
    codec = CursorCodec(database)
    assert not codec.ready
    token = codec.encode(Cursor("name", ("A", "x"), "next"))
    assert codec.ready
    with Session(database) as session:
        stored = session.get(Secret, secrets.CURSOR)
        assert stored is not None
        # The key is held for the life of the process: it is not read again.
        session.delete(stored)
        session.commit()
    assert codec.decode(token, "name") == Cursor("name", ("A", "x"), "next")
    assert CursorCodec(secret=stored.value).decode(token, "name") == Cursor(
        "name", ("A", "x"), "next"
    )


def test_preload_reads_the_key_at_start_up(database: Engine) -> None:
    codec = CursorCodec(database)
    codec.preload()
    assert codec.ready
    with Session(database) as session:
        assert session.get(Secret, secrets.CURSOR) is not None


def test_preload_without_a_database_leaves_the_read_to_the_first_request(
    caplog: pytest.LogCaptureFixture, tmp_path: object
) -> None:
    engine = create_engine(f"sqlite:///{tmp_path}/no/such/directory/db.sqlite")
    try:
        codec = CursorCodec(engine)
        with caplog.at_level(logging.INFO, logger="app.cursors"):
            codec.preload()
        assert not codec.ready
        assert [r.name for r in caplog.records] == ["app.cursors"]
        assert "cursor key not read at start-up" in caplog.records[0].getMessage()
    finally:
        engine.dispose()


def test_a_configured_secret_needs_no_database() -> None:
    codec = CursorCodec(secret=SECRET)
    assert codec.ready
    codec.preload()
    assert codec.encode(GOLDEN[next(iter(GOLDEN))]) == next(iter(GOLDEN))
