"""The dataset as a whole: counts per collection, its version and revision, readiness."""

import datetime as dt
from typing import Any

from sqlalchemy import func, select, text
from sqlmodel import Session

from app.collections import COLLECTIONS
from app.models import Dataset


def collection_counts(session: Session) -> dict[str, int]:
    counts = {}
    for c in COLLECTIONS:
        table = c.table
        counts[c.name] = int(session.execute(select(func.count()).select_from(table)).scalar_one())
    return counts


def dataset_info(session: Session) -> dict[str, Any] | None:
    row = session.execute(select(*Dataset.__table__.columns)).first()  # type: ignore[attr-defined]
    if row is None:
        return None
    data = row._mapping
    return {
        "title": data["title"],
        "version": data["version"],
        # The seed schema makes the version the ISO date of the reference data.
        "curated_on": dt.date.fromisoformat(data["version"]),
        "description": data["description"],
        "revision": data["revision"],
        "changed_at": data["changed_at"],
        "notes": data["notes"],
    }


def current_revision(session: Session) -> int:
    revision = session.execute(text("SELECT revision FROM dataset WHERE id = 1")).scalar()
    return int(revision or 0)
