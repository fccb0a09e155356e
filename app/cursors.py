"""Cursors: the opaque positions in `links.next` and `links.prev`, signed.

A cursor is `<payload>.<tag>`, both base64url without padding: the payload is the JSON
`{"s": sort, "k": key, "d": direction}` and the tag an HMAC-SHA256 of it (128 bits) under the
deployment's cursor key. Only the tag is checked before anything else is read, so a cursor
this API did not issue (made by hand, altered, or issued under another key) is a 400 before
any of its values could reach a query. app.paging still checks every key value against its
column: the key is a secret, and a leaked one must not turn into database errors.

The key is FACTSHEET_CURSOR_SECRET when set, or else a random secret kept in the database
(made by migration 0004, or on first use), so every process that serves one database accepts
the others' cursors with nothing to configure, and no key ships with the source."""

import base64
import binascii
import hashlib
import hmac
import logging
import re
import threading
from dataclasses import dataclass
from typing import Any, Literal

import orjson
from sqlalchemy import Engine
from sqlalchemy.exc import SQLAlchemyError
from sqlmodel import Session

from app.errors import BadRequest
from app.services.secrets import CURSOR, get_or_create_secret

Direction = Literal["next", "prev"]
log = logging.getLogger("app.cursors")

TAG_BYTES = 16
NOT_ISSUED = "is not a cursor this API issued; use the links it returned"
_BASE64URL = re.compile(r"^[A-Za-z0-9_-]*$")


@dataclass(frozen=True)
class Cursor:
    sort: str
    key: tuple[Any, ...]
    direction: Direction


def _b64encode(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


def _b64decode(text: str) -> bytes:
    """Strict: only the one spelling _b64encode gives, so no two tokens mean one cursor."""
    if not _BASE64URL.match(text):
        raise ValueError("not base64url")
    raw = base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))
    if _b64encode(raw) != text:
        raise ValueError("not the canonical spelling")
    return raw


def derive_key(secret: str) -> bytes:
    """The signing key: the secret itself is never the key, so a secret that other parts of
    the deployment might come to use does not sign cursors by accident."""
    return hmac.new(secret.encode(), b"factsheet cursor v1", hashlib.sha256).digest()


def invalid(reason: str = NOT_ISSUED) -> BadRequest:
    return BadRequest.for_param("cursor", reason)


class CursorCodec:
    """Encodes and checks cursors with one deployment's key. A key kept in the database is
    read at start-up or, if the database is away then, by the first list request (before its
    route's transaction begins), and then held for the life of the process."""

    def __init__(self, engine: Engine | None = None, secret: str | None = None) -> None:
        if engine is None and secret is None:
            raise ValueError("a cursor codec needs a secret or a database to keep one in")
        self._engine = engine
        self._key = derive_key(secret) if secret is not None else None
        self._lock = threading.Lock()

    @property
    def ready(self) -> bool:
        return self._key is not None

    def key(self) -> bytes:
        if self._key is None:
            with self._lock:
                if self._key is None and self._engine is not None:
                    with Session(self._engine) as session:
                        self._key = derive_key(get_or_create_secret(session, CURSOR))
        assert self._key is not None
        return self._key

    def preload(self) -> None:
        """Reads the key at start-up if the database answers; if not, the first list request
        does. In tests this also keeps the read clear of transactions a test's own session
        holds open on an in-memory database's single connection."""
        try:
            self.key()
        except (SQLAlchemyError, OSError) as exc:
            log.info("cursor key not read at start-up (%s); the first list request reads it", exc)

    def _tag(self, payload: bytes) -> bytes:
        return hmac.new(self.key(), payload, hashlib.sha256).digest()[:TAG_BYTES]

    def encode(self, cursor: Cursor) -> str:
        payload = orjson.dumps(
            {"s": cursor.sort, "k": list(cursor.key), "d": cursor.direction},
            default=lambda value: value.isoformat(),
        )
        return self.seal(payload)

    def seal(self, payload: bytes) -> str:
        """The token for `payload`, signed: what encode() hands out (and tests forge with)."""
        return f"{_b64encode(payload)}.{_b64encode(self._tag(payload))}"

    def decode(self, token: str, sort: str) -> Cursor:
        """The cursor `token` stands for, if this deployment issued it for `sort`; else a 400
        naming `cursor`."""
        encoded_payload, dot, encoded_tag = token.partition(".")
        try:
            payload, tag = _b64decode(encoded_payload), _b64decode(encoded_tag)
        except (binascii.Error, ValueError) as exc:
            raise invalid() from exc
        if not dot or not hmac.compare_digest(tag, self._tag(payload)):
            raise invalid()
        # Signed by this deployment, so what follows holds for every cursor it issued; the
        # checks stay, as the last line should the key ever leak.
        try:
            data = orjson.loads(payload)
        except orjson.JSONDecodeError as exc:
            raise invalid() from exc
        if not isinstance(data, dict) or set(data) != {"s", "k", "d"}:
            raise invalid()
        if not isinstance(data["k"], list) or data["d"] not in ("next", "prev"):
            raise invalid()
        if data["s"] != sort:
            shown = data["s"] if isinstance(data["s"], str) else "another sort"
            raise invalid(f"it was issued for sort={shown!r}, not sort={sort!r}")
        return Cursor(sort=sort, key=tuple(data["k"]), direction=data["d"])
