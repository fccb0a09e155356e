"""The editors' bearer tokens: made, listed and revoked by `factsheet tokens`, checked on
every write.

A token is `wsis20_`, 32 random base62 characters and 6 base62 characters holding the CRC32
of those 32. The prefix lets secret scanners find a leaked token with TOKEN_PATTERN, and the
checksum lets them (and `authenticate`, before any query) tell a real token from look-alikes
offline. The database keeps only the SHA-256 of each token and its first 12 characters.

Nothing here reads the clock: `now` is always the caller's (app.api.clock).
"""

import datetime as dt
import hashlib
import hmac
import re
import secrets
import zlib
from collections.abc import Sequence

from sqlmodel import Session, col, select

from app.models.token import ApiToken

PREFIX = "wsis20_"
TOKEN_PATTERN = re.compile(r"wsis20_[0-9A-Za-z]{38}")
SCOPES = ("write", "admin")

BASE62 = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
RANDOM_LENGTH = 32
CHECKSUM_LENGTH = 6  # 62**6 > 2**32: any CRC32 fits
HINT_LENGTH = len(PREFIX) + 5
NAME_PATTERN = re.compile(r"[A-Za-z0-9._ -]{1,80}")
# The actor of the changes seed runs make (app.models.change): no token may pass for it.
RESERVED_NAME = "seed"
LIFETIME_PATTERN = re.compile(r"([0-9]{1,12})([dhm])")
LIFETIME_UNITS = {
    "d": dt.timedelta(days=1),
    "h": dt.timedelta(hours=1),
    "m": dt.timedelta(minutes=1),
}
MAX_LIFETIME = dt.timedelta(days=3650)


class TokenError(ValueError):
    """Input a token cannot be made, revoked or given from; the message says what is wrong."""


def _base62(number: int, width: int) -> str:
    digits = []
    for _ in range(width):
        number, digit = divmod(number, 62)
        digits.append(BASE62[digit])
    return "".join(reversed(digits))


def _checksum(random_part: str) -> str:
    return _base62(zlib.crc32(random_part.encode("ascii")), CHECKSUM_LENGTH)


def new_token() -> str:
    """A fresh token: the prefix, 32 random base62 characters and their checksum."""
    random_part = "".join(secrets.choice(BASE62) for _ in range(RANDOM_LENGTH))
    return PREFIX + random_part + _checksum(random_part)


def well_formed(token: str) -> bool:
    """Whether `token` has the form of one of ours and its checksum is right."""
    if TOKEN_PATTERN.fullmatch(token) is None:
        return False
    body = token[len(PREFIX) :]
    return _checksum(body[:RANDOM_LENGTH]) == body[RANDOM_LENGTH:]


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode("ascii")).hexdigest()


def parse_lifetime(text: str) -> dt.timedelta | None:
    """`90d`, `12h` or `30m` (at most 3650 days), or `never` (None)."""
    if text == "never":
        return None
    match = LIFETIME_PATTERN.fullmatch(text)
    if match is None:
        raise TokenError(
            f"lifetime {text!r} is not a number of days, hours or minutes (90d, 12h, 30m) or never"
        )
    lifetime = int(match[1]) * LIFETIME_UNITS[match[2]]
    if not dt.timedelta(0) < lifetime <= MAX_LIFETIME:
        raise TokenError(f"lifetime {text!r} is not between 1 minute and 3650 days")
    return lifetime


def _check_name(name: str) -> None:
    if NAME_PATTERN.fullmatch(name) is None or name != name.strip(" "):
        raise TokenError(
            f"token name {name!r} is not 1 to 80 letters, digits, spaces, '.', '_' or '-' "
            "(no space first or last)"
        )
    if name.casefold() == RESERVED_NAME:
        raise TokenError(f"token name {name!r} is reserved for seed runs")


def _checked_collections(
    scope: str, collections: Sequence[str], known_collections: Sequence[str]
) -> list[str]:
    if scope not in SCOPES:
        raise TokenError(f"scope {scope!r} is not one of {', '.join(SCOPES)}")
    if scope == "admin":
        if collections:
            raise TokenError("an admin token may write every collection and takes none")
        return []
    if not collections:
        raise TokenError("a write token needs at least one collection")
    unknown = [c for c in collections if c not in known_collections]
    if unknown:
        raise TokenError(
            f"unknown collection {unknown[0]!r} (known: {', '.join(sorted(known_collections))})"
        )
    repeated = sorted({c for c in collections if collections.count(c) > 1})
    if repeated:
        raise TokenError(f"collection {repeated[0]!r} is named twice")
    return sorted(collections)


def _get_by_name(session: Session, name: str) -> ApiToken | None:
    return session.exec(select(ApiToken).where(ApiToken.name == name)).first()


def create_token(
    session: Session,
    *,
    name: str,
    scope: str,
    collections: Sequence[str],
    lifetime: dt.timedelta | None,
    now: dt.datetime,
    known_collections: Sequence[str],
) -> tuple[ApiToken, str]:
    """Makes a token; returns its row and the token itself, which is stored nowhere."""
    _check_name(name)
    checked = _checked_collections(scope, collections, known_collections)
    # The unique index is what prevents duplicates; this only gives the clear message.
    if _get_by_name(session, name) is not None:
        raise TokenError(f"a token named {name!r} exists")
    token = new_token()
    row = ApiToken(
        name=name,
        hash=_digest(token),
        hint=token[:HINT_LENGTH],
        scope=scope,
        collections=checked,
        created_at=now,
        expires_at=None if lifetime is None else now + lifetime,
    )
    session.add(row)
    session.commit()
    session.refresh(row)
    return row, token


def list_tokens(session: Session) -> list[ApiToken]:
    """Every token, revoked and expired ones too, oldest first."""
    return list(session.exec(select(ApiToken).order_by(col(ApiToken.id))).all())


def revoke_token(session: Session, name: str, now: dt.datetime) -> ApiToken:
    """Stops the token named `name` from working, for good."""
    row = _get_by_name(session, name)
    if row is None:
        raise TokenError(f"no token named {name!r}")
    if row.revoked_at is not None:
        raise TokenError(f"token {name!r} was already revoked")
    row.revoked_at = now
    session.add(row)
    session.commit()
    session.refresh(row)
    return row


def authenticate(session: Session, presented: str | None, now: dt.datetime) -> ApiToken | None:
    """The token's row when `presented` is one of ours, neither revoked nor expired."""
    # Checked offline first: a guess or a stray header costs no query.
    if presented is None or not well_formed(presented):
        return None
    digest = _digest(presented)
    row = session.exec(select(ApiToken).where(ApiToken.hash == digest)).first()
    if row is None or not hmac.compare_digest(row.hash, digest):
        return None
    return row if status(row, now) == "active" else None


def may_write(token: ApiToken, collection: str) -> bool:
    """Whether `token` may change records of `collection` (its URL name)."""
    if token.scope == "admin":
        return True
    return token.scope == "write" and collection in token.collections


def status(token: ApiToken, now: dt.datetime) -> str:
    """`active`, `expired` (at expires_at and after) or `revoked`."""
    if token.revoked_at is not None:
        return "revoked"
    if token.expires_at is not None and token.expires_at <= now:
        return "expired"
    return "active"
