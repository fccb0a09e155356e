"""The editors' tokens as app.tokens makes and checks them: their form and checksum, what the
database keeps of them, and when a presented token is accepted."""

import datetime as dt
import hashlib
import string
import zlib
from collections.abc import Iterator
from typing import Any

import pytest
from sqlalchemy import Engine, event, text
from sqlmodel import Session

from app.models.token import ApiToken
from app.tokens import (
    PREFIX,
    SCOPES,
    TOKEN_PATTERN,
    TokenError,
    authenticate,
    create_token,
    list_tokens,
    may_write,
    new_token,
    parse_lifetime,
    revoke_token,
    status,
    well_formed,
)
from tests.conftest import TEST_NOW

KNOWN = ("milestones", "nris", "organisations")
# Written out here rather than taken from app.tokens, so the tests pin the published format.
ALPHABET = string.digits + string.ascii_uppercase + string.ascii_lowercase
SECOND = dt.timedelta(seconds=1)


def base62(number: int, width: int) -> str:
    digits = ""
    for _ in range(width):
        number, digit = divmod(number, 62)
        digits = ALPHABET[digit] + digits
    assert number == 0
    return digits


def make(session: Session, **overrides: Any) -> tuple[ApiToken, str]:
    values: dict[str, Any] = {
        "name": "ann",
        "scope": "write",
        "collections": ["nris"],
        "lifetime": dt.timedelta(days=90),
        "now": TEST_NOW,
        "known_collections": KNOWN,
    }
    values.update(overrides)
    return create_token(session, **values)


@pytest.fixture
def statements(engine: Engine) -> Iterator[list[str]]:
    seen: list[str] = []

    def note(_conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        seen.append(statement)

    event.listen(engine, "before_cursor_execute", note)
    yield seen
    event.remove(engine, "before_cursor_execute", note)


# --------------------------------------------------------------------------- format


def test_a_new_token_is_the_prefix_32_random_characters_and_their_crc32_in_base62() -> None:
    token = new_token()
    assert TOKEN_PATTERN.fullmatch(token)
    assert token.startswith(PREFIX) and PREFIX == "wsis20_"
    random_part, checksum = token[7:39], token[39:]
    assert checksum == base62(zlib.crc32(random_part.encode()), 6)
    assert well_formed(token)


def test_new_tokens_differ() -> None:
    assert len({new_token() for _ in range(100)}) == 100


def test_a_token_built_to_the_published_format_is_well_formed() -> None:
    random_part = "0123456789ABCDEFGHIJKLMNOPQRSTuv"
    token = PREFIX + random_part + base62(zlib.crc32(random_part.encode()), 6)
    assert well_formed(token)


def test_a_token_with_any_one_character_changed_is_not_well_formed() -> None:
    token = new_token()
    for i, char in enumerate(token):
        other = "-" if char == "_" else ALPHABET[(ALPHABET.index(char) + 1) % 62]
        changed = token[:i] + other + token[i + 1 :]
        assert not well_formed(changed), (i, changed)


@pytest.mark.parametrize(
    "change",
    [
        lambda t: t[:-1],
        lambda t: t + "0",
        lambda t: t + "\n",
        lambda t: " " + t,
        lambda t: t.upper(),
        lambda t: "Bearer " + t,
        lambda t: t[:-6] + "zzzzzz",  # above any CRC32
        lambda t: "",
    ],
    ids=["short", "long", "newline", "space", "upper", "bearer", "checksum-too-big", "empty"],
)
def test_a_token_out_of_shape_is_not_well_formed(change: Any) -> None:
    assert not well_formed(change(new_token()))


# --------------------------------------------------------------------------- create


def test_create_stores_the_token_with_its_scope_sorted_collections_and_times(
    session: Session,
) -> None:
    row, token = make(session, collections=["nris", "milestones"])
    assert well_formed(token)
    stored = list_tokens(session)
    assert [(t.id, t.name, t.scope, t.collections) for t in stored] == [
        (row.id, "ann", "write", ["milestones", "nris"])
    ]
    assert stored[0].created_at == TEST_NOW
    assert stored[0].expires_at == TEST_NOW + dt.timedelta(days=90)
    assert stored[0].revoked_at is None


def test_a_token_without_a_lifetime_never_expires(session: Session) -> None:
    row, token = make(session, scope="admin", collections=[], lifetime=None)
    assert row.expires_at is None
    later = TEST_NOW + dt.timedelta(days=36500)
    assert status(row, later) == "active"
    found = authenticate(session, token, later)
    assert found is not None and found.id == row.id


def test_only_the_hash_and_the_first_12_characters_are_stored(session: Session) -> None:
    row, token = make(session)
    assert row.hash == hashlib.sha256(token.encode()).hexdigest()
    assert row.hint == token[:12]
    values = session.connection().execute(text("SELECT * FROM api_token")).one()
    assert row.hash in values and row.hint in values
    # The hint is the token's first 12 characters; the other 33 appear in no column.
    assert [v for v in values if token[12:] in str(v)] == []


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"name": ""}, "token name '' is not 1 to 80"),
        ({"name": "a" * 81}, "is not 1 to 80"),
        ({"name": "ann/bob"}, "token name 'ann/bob' is not"),
        ({"name": "ann\n"}, "is not 1 to 80"),
        ({"name": "annë"}, "is not 1 to 80"),
        ({"name": " ann"}, "no space first or last"),
        ({"name": "ann "}, "no space first or last"),
        ({"name": "seed"}, "token name 'seed' is reserved for seed runs"),
        ({"name": "Seed"}, "reserved for seed runs"),
        ({"scope": "read"}, "scope 'read' is not one of write, admin"),
        ({"collections": []}, "a write token needs at least one collection"),
        ({"collections": ["nris", "events"]}, "unknown collection 'events'"),
        ({"collections": ["nris", "milestones", "nris"]}, "collection 'nris' is named twice"),
        ({"scope": "admin", "collections": ["nris"]}, "an admin token may write every"),
    ],
)
def test_create_refuses_bad_input_and_stores_nothing(
    session: Session, overrides: dict[str, Any], message: str
) -> None:
    with pytest.raises(TokenError, match=message):
        make(session, **overrides)
    assert list_tokens(session) == []


@pytest.mark.parametrize("name", ["a", "a" * 80, "Ann Editor-2_x.y", "seeds", "1"])
def test_create_accepts_names_of_1_to_80_allowed_characters(session: Session, name: str) -> None:
    row, _ = make(session, name=name)
    assert row.name == name


def test_create_refuses_a_name_already_used_and_keeps_the_first_token(session: Session) -> None:
    first, token = make(session)
    with pytest.raises(TokenError, match="a token named 'ann' exists"):
        make(session, scope="admin", collections=[])
    assert [t.id for t in list_tokens(session)] == [first.id]
    found = authenticate(session, token, TEST_NOW)
    assert found is not None and found.id == first.id


def test_list_tokens_orders_by_id(session: Session) -> None:
    make(session, name="bob")
    make(session, name="ann")
    assert [t.name for t in list_tokens(session)] == ["bob", "ann"]


# --------------------------------------------------------------------------- authenticate


def test_authenticate_returns_the_row_of_a_valid_token(session: Session) -> None:
    row, token = make(session)
    found = authenticate(session, token, TEST_NOW)
    assert found is not None and found.id == row.id


def test_authenticate_refuses_an_absent_or_unknown_token(session: Session) -> None:
    make(session)
    assert authenticate(session, None, TEST_NOW) is None
    assert authenticate(session, new_token(), TEST_NOW) is None


def test_authenticate_refuses_a_malformed_token_before_any_query(
    session: Session, statements: list[str]
) -> None:
    _, token = make(session)
    statements.clear()
    wrong_checksum = token[:-1] + ALPHABET[(ALPHABET.index(token[-1]) + 1) % 62]
    for presented in ["", "secret", token[:-1], token + "0", wrong_checksum, f"Bearer {token}"]:
        assert authenticate(session, presented, TEST_NOW) is None
    assert statements == []
    # The counter does see the lookup of a well-formed token.
    assert authenticate(session, token, TEST_NOW) is not None
    assert statements != []


@pytest.mark.parametrize(
    ("offset", "accepted"), [(-SECOND, True), (dt.timedelta(0), False), (SECOND, False)]
)
def test_a_token_is_refused_from_its_expiry_on(
    session: Session, offset: dt.timedelta, accepted: bool
) -> None:
    row, token = make(session, lifetime=dt.timedelta(days=1))
    assert row.expires_at is not None
    now = row.expires_at + offset
    assert (authenticate(session, token, now) is not None) is accepted
    assert status(row, now) == ("active" if accepted else "expired")


def test_a_revoked_token_is_refused(session: Session) -> None:
    row, token = make(session)
    revoked = revoke_token(session, "ann", TEST_NOW + SECOND)
    assert revoked.id == row.id and revoked.revoked_at == TEST_NOW + SECOND
    assert authenticate(session, token, TEST_NOW + 2 * SECOND) is None
    assert status(revoked, TEST_NOW + 2 * SECOND) == "revoked"


def test_revoke_refuses_an_unknown_or_already_revoked_token(session: Session) -> None:
    make(session)
    with pytest.raises(TokenError, match="no token named 'bob'"):
        revoke_token(session, "bob", TEST_NOW)
    revoke_token(session, "ann", TEST_NOW)
    with pytest.raises(TokenError, match="token 'ann' was already revoked"):
        revoke_token(session, "ann", TEST_NOW + SECOND)
    assert list_tokens(session)[0].revoked_at == TEST_NOW


def test_a_revoked_token_stays_revoked_after_its_expiry(session: Session) -> None:
    row = revoke_token(session, make(session, lifetime=dt.timedelta(days=1))[0].name, TEST_NOW)
    assert status(row, TEST_NOW + dt.timedelta(days=2)) == "revoked"


# --------------------------------------------------------------------------- may_write


def token_with(scope: str, collections: list[str]) -> ApiToken:
    return ApiToken(
        name="t", hash="0" * 64, hint="wsis20_abcde", scope=scope, collections=collections
    )


@pytest.mark.parametrize(
    ("scope", "collections", "collection", "allowed"),
    [
        ("admin", [], "nris", True),
        ("admin", [], "milestones", True),
        ("write", ["nris"], "nris", True),
        ("write", ["milestones", "nris"], "milestones", True),
        ("write", ["nris"], "milestones", False),
        ("write", ["milestones", "nris"], "organisations", False),
        ("write", [], "nris", False),
        ("read", ["nris"], "nris", False),
    ],
)
def test_may_write_lets_admin_write_everything_and_write_only_its_collections(
    scope: str, collections: list[str], collection: str, allowed: bool
) -> None:
    assert may_write(token_with(scope, collections), collection) is allowed


def test_the_scopes_are_write_and_admin() -> None:
    assert SCOPES == ("write", "admin")


# --------------------------------------------------------------------------- lifetimes


@pytest.mark.parametrize(
    ("text", "lifetime"),
    [
        ("90d", dt.timedelta(days=90)),
        ("12h", dt.timedelta(hours=12)),
        ("30m", dt.timedelta(minutes=30)),
        ("1m", dt.timedelta(minutes=1)),
        ("3650d", dt.timedelta(days=3650)),
        ("87600h", dt.timedelta(days=3650)),
        ("never", None),
    ],
)
def test_parse_lifetime_reads_days_hours_minutes_and_never(
    text: str, lifetime: dt.timedelta | None
) -> None:
    assert parse_lifetime(text) == lifetime


@pytest.mark.parametrize(
    "text",
    [
        "",
        "90",
        "d",
        "0d",
        "0m",
        "-1d",
        "1.5d",
        "90D",
        "90 d",
        " 90d",
        "90d ",
        "1w",
        "Never",
        "3651d",
        "87601h",
        "5256001m",
        "１d",
        "9" * 5000 + "d",
    ],
)
def test_parse_lifetime_refuses_anything_else(text: str) -> None:
    with pytest.raises(TokenError, match="lifetime"):
        parse_lifetime(text)
