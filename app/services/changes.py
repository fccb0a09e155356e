"""The change log: what each seed run created, updated and deleted, oldest first."""

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from sqlalchemy import ColumnElement
from sqlmodel import Session

from app.models import Change
from app.paging import SortKey
from app.services.dataset import dataset_info
from app.services.listing import Listing, in_values

TABLE = Change.__table__  # type: ignore[attr-defined]
SORTS = {"id": SortKey(TABLE.c.id)}
FIELDS = ("id", "revision", "at", "collection", "record_id", "action", "title", "href")
COLLECTIONS = (
    "milestones",
    "organisations",
    "nris",
    "action-lines",
    "facts",
    "calls-to-action",
    "fact-sheet",
)
ACTIONS = ("created", "updated", "deleted")
RECORD_HREFS = {
    "milestones": "/v1/milestones/{}",
    "organisations": "/v1/organisations/{}",
    "nris": "/v1/nris/{}",
    "action-lines": "/v1/action-lines/{}",
    "facts": "/v1/facts/{}",
    "calls-to-action": "/v1/calls-to-action/{}",
    # Sections have no URL of their own: they are part of the fact sheet.
    "fact-sheet": "/v1/fact-sheet",
}


@dataclass(frozen=True)
class ChangeFilters:
    since: dt.datetime | None = None
    collection: list[str] | None = None
    action: list[str] | None = None
    record_id: list[str] | None = None


def shape(row: Mapping[Any, Any]) -> dict[str, Any]:
    found = {name: row[name] for name in FIELDS if name != "href"}
    # A deleted record has no address any more: its change is a tombstone.
    href = RECORD_HREFS.get(row["collection"]) if row["action"] != "deleted" else None
    found["href"] = href.format(row["record_id"]) if href else None
    return found


def change_listing(filters: ChangeFilters) -> Listing:
    where: list[ColumnElement[bool]] = [
        *in_values(TABLE.c.collection, filters.collection),
        *in_values(TABLE.c.action, filters.action),
        *in_values(TABLE.c.record_id, filters.record_id),
    ]
    if filters.since is not None:
        where.append(TABLE.c.at >= filters.since)
    facets = {"collection": TABLE.c.collection, "action": TABLE.c.action}
    return Listing(TABLE, where, SORTS, TABLE.c.id, shape, facets=facets)


def data_changed_at(session: Session) -> dt.datetime | None:
    """When the data last changed: what an empty feed gives as its `updated`."""
    info = dataset_info(session)
    changed_at: dt.datetime | None = info["changed_at"] if info else None
    return changed_at
