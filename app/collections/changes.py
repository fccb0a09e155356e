"""The change log: every record a data load created, updated or deleted, oldest first. It is
listed like a collection (filters, sorts, facets, JSON and CSV) but its records have no URL
of their own, and it is not one of the collections it logs."""

import datetime as dt
from dataclasses import dataclass
from typing import Annotated

from fastapi import Query
from pydantic import Field, StringConstraints
from sqlalchemy import ColumnElement

from app.api.list_query import utc_moment
from app.api.params import check_value_count
from app.collection import Collection, RecordId, Scope, Texts, column, doc
from app.models import Change
from app.paging import SortKey
from app.schemas.change import ChangeAction, ChangeCollection, ChangePublic
from app.schemas.facets import FacetedPageMeta
from app.schemas.page import META_DESCRIPTION, Page
from app.services.changes import shape_change
from app.services.listing import in_values

TABLE = Change.__table__  # type: ignore[attr-defined]


class ChangePage(Page[ChangePublic]):
    meta: FacetedPageMeta = Field(description=META_DESCRIPTION)


@dataclass(frozen=True)
class ChangeFilters:
    since: dt.datetime | None = None
    collection: list[str] | None = None
    action: list[str] | None = None
    record_id: list[str] | None = None


async def change_filters(
    since: Annotated[
        dt.datetime | None,
        Query(
            description="Only changes made at or after this moment: RFC 3339 with an offset, "
            "e.g. `2026-11-29T00:00:00Z`. Without it, the whole log.",
            examples=["2026-11-29T00:00:00Z"],
        ),
    ] = None,
    collection: Annotated[list[ChangeCollection] | None, Query(description="Repeat to OR.")] = None,
    action: Annotated[list[ChangeAction] | None, Query(description="Repeat to OR.")] = None,
    record_id: Annotated[
        list[Annotated[str, StringConstraints(max_length=120)]] | None,
        Query(description="One record's history (with `collection`); repeat to OR."),
    ] = None,
) -> ChangeFilters:
    return ChangeFilters(
        since=utc_moment("since", since),
        collection=check_value_count("collection", collection),
        action=check_value_count("action", action),
        record_id=check_value_count("record_id", record_id),
    )


def where(filters: ChangeFilters, scope: Scope) -> list[ColumnElement[bool]]:
    conditions: list[ColumnElement[bool]] = [
        *in_values(TABLE.c.collection, filters.collection),
        *in_values(TABLE.c.action, filters.action),
        *in_values(TABLE.c.record_id, filters.record_id),
    ]
    if filters.since is not None:
        conditions.append(TABLE.c.at >= filters.since)
    return conditions


CHANGES = Collection(
    name="changes",
    texts=Texts(
        noun="change",
        plural="changes to the data",
        tag="changes",
        list=doc(
            "List changes to the data",
            "Every record created, updated or deleted since `since`, across all collections, "
            "oldest\nfirst. A deleted record leaves a tombstone: its id and last title, and "
            "`href: null`. To\nstay in sync, keep the `at` of the last change seen and ask "
            "again with `since` set to it\n(changes made at that moment come again: skip the ids "
            "already seen). Also as CSV.",
        ),
        detail=None,
        order="oldest first unless sorted by `-id`",
    ),
    table=TABLE,
    public=ChangePublic,
    page=ChangePage,
    id=RecordId("id", "change_id", int),
    filters=change_filters,
    where=where,
    sorts={"id": SortKey(TABLE.c.id)},
    sort_description="`id` is oldest first; `-id` newest first.",
    facets={"collection": column("collection", TABLE), "action": column("action", TABLE)},
    shape_row=shape_change,
)
