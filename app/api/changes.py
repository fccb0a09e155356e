"""The change log: every record a data load created, updated or deleted, oldest first."""

import datetime as dt
from typing import Annotated, Literal

from fastapi import APIRouter, Depends, Query, Request
from pydantic import Field, StringConstraints
from starlette.responses import Response

from app.api.formats import CSV, LIST_FORMATS, Format, accepting, negotiated_responses, suffix_route
from app.api.list_query import ListQuery, facets_query, split_facets, utc_moment
from app.api.params import ListParamsDep, check_value_count
from app.api.representations import list_response
from app.db import SessionDep
from app.schemas.change import ChangeAction, ChangeCollection, ChangePublic
from app.schemas.facets import FacetedPageMeta
from app.schemas.page import META_DESCRIPTION, Page
from app.services import changes as service

router = APIRouter(prefix="/changes", tags=["changes"])
ChangeSort = Literal["id", "-id"]


class ChangePage(Page[ChangePublic]):
    meta: FacetedPageMeta = Field(description=META_DESCRIPTION)


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
) -> service.ChangeFilters:
    return service.ChangeFilters(
        since=utc_moment("since", since),
        collection=check_value_count("collection", collection),
        action=check_value_count("action", action),
        record_id=check_value_count("record_id", record_id),
    )


async def change_query(
    params: ListParamsDep,
    sort: Annotated[
        ChangeSort, Query(description="`id` is oldest first; `-id` newest first.")
    ] = "id",
    facets: Annotated[str | None, facets_query(["collection", "action"])] = None,
) -> ListQuery:
    return ListQuery(params, sort, split_facets(facets))


FiltersDep = Annotated[service.ChangeFilters, Depends(change_filters)]
QueryDep = Annotated[ListQuery, Depends(change_query)]


def _changes(
    request: Request,
    session: SessionDep,
    filters: service.ChangeFilters,
    query: ListQuery,
    fmt: Format,
) -> Response:
    listing = service.change_listing(filters)
    return list_response(
        request,
        session,
        listing,
        query,
        fmt,
        allowed_fields=service.FIELDS,
        filename="changes.csv",
    )


@router.get(
    "",
    response_model=ChangePage,
    responses=negotiated_responses(*LIST_FORMATS),
    summary="List changes to the data",
)
def list_changes(
    request: Request,
    session: SessionDep,
    filters: FiltersDep,
    query: QueryDep,
    fmt: Annotated[Format, Depends(accepting(*LIST_FORMATS))],
) -> Response:
    """Every record created, updated or deleted since `since`, across all collections, oldest
    first. A deleted record leaves a tombstone: its id and last title, and `href: null`. To
    stay in sync, keep the `at` of the last change seen and ask again with `since` set to it
    (changes made at that moment come again: skip the ids already seen). Also as CSV."""
    return _changes(request, session, filters, query, fmt)


@router.get(".csv", summary="List changes to the data as CSV", **suffix_route(CSV))
def list_changes_csv(
    request: Request, session: SessionDep, filters: FiltersDep, query: QueryDep
) -> Response:
    """Every change that matches the filters, as CSV, oldest first unless sorted by `-id`."""
    return _changes(request, session, filters, query, CSV)
