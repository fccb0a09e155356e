"""A record's history as the API lists it: every version, who made it, when, and the
JSON Patch from the version before."""

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from sqlalchemy import func, select
from sqlmodel import Session

from app.collection import Collection
from app.errors import NotFound
from app.record_history import REVISIONS

FIELDS = ("number", "data_revision", "at", "actor", "action", "patch", "record")


@dataclass(frozen=True)
class RevisionPage:
    rows: list[dict[str, Any]]
    total: int  # revisions of the record that match the filter, over all pages
    more: bool  # a next page follows
    # Where the previous page starts: None without one, FIRST when it is the first page,
    # else the number its `after` takes.
    prev_after: int | None


FIRST = 0  # `after` of no revision: every number is above it


def list_revisions(
    session: Session,
    c: Collection,
    record_id: str,
    after: int | None,
    limit: int,
    descending: bool,
    actor: str | None = None,
) -> RevisionPage:
    """One page of the record's revisions in number order (keyset on the number)."""
    number = REVISIONS.c.number
    mine = (REVISIONS.c.collection == c.name) & (REVISIONS.c.record_id == record_id)
    if actor is not None:
        mine = mine & (REVISIONS.c.actor == actor)
    query = select(*(REVISIONS.c[name] for name in FIELDS)).where(mine)
    forward = query
    if after is not None:
        forward = query.where(number < after if descending else number > after)
    forward = forward.order_by(number.desc() if descending else number).limit(limit + 1)
    rows = [dict(row._mapping) for row in session.execute(forward)]
    total = session.execute(select(func.count()).where(mine)).scalar_one()
    if not rows and after is None and not _has_history(session, c, record_id):
        raise NotFound(f"No {c.texts.noun} has ever had the {c.id.label} {record_id!r}.")
    prev_after = None
    if after is not None:
        # The page before: up to `limit` revisions before `after`, read backwards; one
        # more tells where that page's own `after` is.
        backward = query.where(number >= after if descending else number <= after)
        backward = backward.order_by(number if descending else number.desc()).limit(limit + 1)
        before = [row.number for row in session.execute(backward)]
        if before:
            prev_after = before[limit] if len(before) > limit else FIRST
    return RevisionPage(rows[:limit], int(total), len(rows) > limit, prev_after)


def get_revision(session: Session, c: Collection, record_id: str, number: int) -> Mapping[str, Any]:
    row = session.execute(
        select(*(REVISIONS.c[name] for name in FIELDS)).where(
            REVISIONS.c.collection == c.name,
            REVISIONS.c.record_id == record_id,
            REVISIONS.c.number == number,
        )
    ).first()
    if row is None:
        raise NotFound(f"The {c.texts.noun} {record_id!r} has no revision {number}.")
    return dict(row._mapping)


def _has_history(session: Session, c: Collection, record_id: str) -> bool:
    query = select(REVISIONS.c.id).where(
        REVISIONS.c.collection == c.name, REVISIONS.c.record_id == record_id
    )
    return session.execute(query.limit(1)).first() is not None
