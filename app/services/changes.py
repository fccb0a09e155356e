"""The change log's rows as the API shows them, and when the data last changed."""

import datetime as dt
from collections.abc import Mapping
from typing import Any

from sqlmodel import Session

from app.collections import COLLECTIONS
from app.services.dataset import dataset_info

FIELDS = ("id", "revision", "at", "collection", "record_id", "action", "title", "actor", "href")
# The fact sheet and its sections: changes to the sheet's own text, which has one URL.
SHEET = "fact-sheet"
# The change log's `collection` values: the lists, the fact sheet's own lists, then the sheet.
LOGGED = (
    *(c.name for c in COLLECTIONS if c.texts.tag != SHEET),
    *(c.name for c in COLLECTIONS if c.texts.tag == SHEET),
    SHEET,
)
RECORD_HREFS = {**{c.name: f"{c.href}/{{}}" for c in COLLECTIONS}, SHEET: f"/v1/{SHEET}"}
NOUNS = {**{c.name: c.texts.noun for c in COLLECTIONS}, SHEET: "fact sheet text"}


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
