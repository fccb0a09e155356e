"""What the tests of editing share: tokens of each kind, and the headers of a write."""

import datetime as dt
from collections.abc import Sequence

from sqlalchemy import Engine
from sqlmodel import Session

from app.collections import editable
from app.tokens import create_token, revoke_token

# The collections whose records have a URL of their own: every one of them takes writes.
EDITABLE = editable()
EDITABLE_NAMES = [c.name for c in EDITABLE]
MERGE_PATCH = "application/merge-patch+json"


def make_token(
    engine: Engine,
    name: str,
    now: dt.datetime,
    scope: str = "write",
    collections: Sequence[str] = ("milestones",),
    lifetime: dt.timedelta | None = dt.timedelta(days=90),
) -> str:
    """A new token; returns the token itself."""
    with Session(engine) as session:
        _, token = create_token(
            session,
            name=name,
            scope=scope,
            collections=[] if scope == "admin" else list(collections),
            lifetime=lifetime,
            now=now,
            known_collections=EDITABLE_NAMES,
        )
    return token


def revoke(engine: Engine, name: str, now: dt.datetime) -> None:
    with Session(engine) as session:
        revoke_token(session, name, now)


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def patch_headers(token: str, etag: str) -> dict[str, str]:
    return {**bearer(token), "If-Match": etag, "Content-Type": MERGE_PATCH}
