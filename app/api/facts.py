"""Key figures: the fact sheet's numbers and ITU's headline Internet-use estimates."""

from typing import Annotated, Literal

from fastapi import APIRouter, Depends, Path, Query, Request
from pydantic import Field
from starlette.responses import Response

from app.api.formats import CSV, LIST_FORMATS, Format, accepting, negotiated_responses, suffix_route
from app.api.list_query import (
    ListQuery,
    TextQuery,
    UpdatedSince,
    facets_query,
    split_facets,
    utc_moment,
)
from app.api.params import ListParamsDep, check_value_count
from app.api.representations import list_response
from app.db import SessionDep
from app.errors import problem_responses
from app.http_cache import cached_json
from app.models.vocabulary import FactCategory
from app.schemas.facets import FacetedPageMeta
from app.schemas.fact import FactPublic
from app.schemas.page import META_DESCRIPTION, Page
from app.services import facts as service
from app.services.listing import public_fields

router = APIRouter(prefix="/facts", tags=["facts"])
FactSort = Literal["id", "-id", "as_of", "-as_of", "label", "-label"]
FIELDS = public_fields(FactPublic)


class FactPage(Page[FactPublic]):
    meta: FacetedPageMeta = Field(description=META_DESCRIPTION)


async def fact_filters(
    category: Annotated[list[FactCategory] | None, Query(description="Repeat to OR.")] = None,
    as_of: Annotated[
        # Bounded per value: an unbounded integer overflows the database's INTEGER.
        list[Annotated[int, Field(ge=1900, le=2100)]] | None,
        Query(description="Year the figure refers to (1900-2100); repeat to OR."),
    ] = None,
    q: TextQuery = None,
    updated_since: UpdatedSince = None,
) -> service.FactFilters:
    return service.FactFilters(
        category=check_value_count("category", category),
        as_of=check_value_count("as_of", as_of),
        q=q,
        updated_since=utc_moment("updated_since", updated_since),
    )


async def fact_query(
    params: ListParamsDep,
    sort: Annotated[FactSort, Query(description="`-` is descending.")] = "id",
    facets: Annotated[str | None, facets_query(["category", "as_of"])] = None,
) -> ListQuery:
    return ListQuery(params, sort, split_facets(facets))


FiltersDep = Annotated[service.FactFilters, Depends(fact_filters)]
QueryDep = Annotated[ListQuery, Depends(fact_query)]


def _facts(
    request: Request,
    session: SessionDep,
    filters: service.FactFilters,
    query: ListQuery,
    fmt: Format,
) -> Response:
    listing = service.fact_listing(filters)
    return list_response(
        request, session, listing, query, fmt, allowed_fields=FIELDS, filename="facts.csv"
    )


@router.get(
    "",
    response_model=FactPage,
    responses=negotiated_responses(*LIST_FORMATS),
    summary="List facts",
)
def list_facts(
    request: Request,
    session: SessionDep,
    filters: FiltersDep,
    query: QueryDep,
    fmt: Annotated[Format, Depends(accepting(*LIST_FORMATS))],
) -> Response:
    """Figures the fact sheet states (with their sources), and ITU's estimates beside them.
    Also as CSV, by Accept or by suffix."""
    return _facts(request, session, filters, query, fmt)


@router.get(".csv", summary="List facts as CSV", **suffix_route(CSV))
def list_facts_csv(
    request: Request, session: SessionDep, filters: FiltersDep, query: QueryDep
) -> Response:
    """Every fact that matches the filters, as CSV, in the list's sort order."""
    return _facts(request, session, filters, query, CSV)


@router.get(
    "/{fact_id}",
    response_model=FactPublic,
    responses=problem_responses(400, 404, 500),
    summary="Get a fact",
)
def get_fact(
    request: Request,
    session: SessionDep,
    fact_id: Annotated[
        str,
        Path(
            pattern=r"^[a-z0-9][a-z0-9-]{0,79}$", description="Fact id.", examples=["fs-nri-count"]
        ),
    ],
) -> Response:
    """One fact by its stable id."""
    return cached_json(request, service.get_fact(session, fact_id))
