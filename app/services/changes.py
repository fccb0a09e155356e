"""The change log's rows as the API shows them, and when the data last changed."""

import datetime as dt
from collections.abc import Mapping
from typing import Any

from sqlmodel import Session

from app.services.dataset import dataset_info

FIELDS = ("id", "revision", "at", "collection", "record_id", "action", "title", "href")
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


def shape_change(row: Mapping[Any, Any]) -> dict[str, Any]:
    found = {name: row[name] for name in FIELDS if name != "href"}
    # A deleted record has no address any more: its change is a tombstone.
    href = RECORD_HREFS.get(row["collection"]) if row["action"] != "deleted" else None
    found["href"] = href.format(row["record_id"]) if href else None
    return found


def data_changed_at(session: Session) -> dt.datetime | None:
    """When the data last changed: what an empty feed gives as its `updated`."""
    info = dataset_info(session)
    changed_at: dt.datetime | None = info["changed_at"] if info else None
    return changed_at
