"""The change log: every record a seed run or an editor created, updated or deleted, oldest
first. It is listed like a collection (filters, sorts, facets, JSON and CSV) but its records
have no URL of their own, and it is not one of the collections it logs."""

import datetime as dt
from typing import Annotated

from fastapi import Query
from pydantic import StringConstraints

from app.collection import Collection, RecordId, column, texts_of
from app.feeds.entries import change_entry
from app.filters import any_of, changed_since
from app.models import Change
from app.paging import SortKey
from app.schemas.change import ChangeAction, ChangeCollection, ChangePublic
from app.services.changes import shape_change

TABLE = Change.__table__  # type: ignore[attr-defined]


FILTERS = (
    changed_since(
        TABLE.c.at,
        "since",
        Annotated[
            dt.datetime | None,
            Query(
                description="Only changes made at or after this moment: RFC 3339 with an "
                "offset, e.g. `2026-11-29T00:00:00Z`. Without it, the whole log.",
                examples=["2026-11-29T00:00:00Z"],
            ),
        ],
    ),
    any_of(
        "collection",
        TABLE.c.collection,
        Annotated[list[ChangeCollection] | None, Query(description="Repeat to OR.")],
    ),
    any_of(
        "action",
        TABLE.c.action,
        Annotated[list[ChangeAction] | None, Query(description="Repeat to OR.")],
    ),
    any_of(
        "actor",
        TABLE.c.actor,
        Annotated[
            list[Annotated[str, StringConstraints(max_length=80)]] | None,
            Query(
                description="Only the changes this editor made (`seed`: seed runs); repeat to OR."
            ),
        ],
    ),
    any_of(
        "record_id",
        TABLE.c.record_id,
        Annotated[
            list[Annotated[str, StringConstraints(max_length=120)]] | None,
            Query(description="One record's history (with `collection`); repeat to OR."),
        ],
    ),
)


CHANGES = Collection(
    name="changes",
    texts=texts_of("changes"),
    table=TABLE,
    public=ChangePublic,
    id=RecordId(None, int),
    filters=FILTERS,
    sorts={"id": SortKey(TABLE.c.id)},
    sort_description="`id` is oldest first; `-id` newest first.",
    facets={"collection": column("collection", TABLE), "action": column("action", TABLE)},
    shape_row=shape_change,
    # Not a format of the list: the entry of /v1/feeds/changes (app.api.feeds).
    entry=change_entry,
)
