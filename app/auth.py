"""Who may write: the editor a bearer token names, and whether its scope covers the
collection. Checked before anything about the record is looked up, so that a client
without the right token learns nothing about which records exist."""

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import Engine
from sqlmodel import Session

from app.errors import Forbidden, Unauthorized
from app.tokens import authenticate, may_write

# RFC 6750 3: the scheme a 401 asks for; "invalid_token" once a token was offered.
REALM = 'Bearer realm="factsheet"'


@dataclass(frozen=True)
class Editor:
    token_id: int
    name: str  # the actor of the changes made with the token
    scope: str


def bearer_token(authorization: str | None) -> str | None:
    """The token of an `Authorization: Bearer <token>` header; None for any other header."""
    if not authorization:
        return None
    scheme, _, token = authorization.strip().partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        return None
    return token.strip()


def require_editor(
    engine: Engine, authorization: str | None, collection: str, now: dt.datetime
) -> Editor:
    """The editor who may change `collection`, or the 401/403 that says why not."""
    offered = bearer_token(authorization)
    with Session(engine) as session:
        token = authenticate(session, offered, now)
    if token is None or token.id is None:
        # RFC 6750 3.1: the error code only when a bearer token was sent.
        challenge = REALM if offered is None else f'{REALM}, error="invalid_token"'
        raise Unauthorized(
            "A valid editor token is required: send it as 'Authorization: Bearer <token>'. "
            "Reads need no token.",
            headers={"WWW-Authenticate": challenge},
        )
    if not may_write(token, collection):
        raise Forbidden(f"The token {token.name!r} may not change {collection}.")
    return Editor(token.id, token.name, token.scope)
