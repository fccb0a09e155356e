"""Organisations named in the fact sheet (their milestones: app.api.organisation_milestones)."""

from typing import Annotated, Literal

from fastapi import APIRouter, Depends, Path, Query, Request
from pydantic import Field, StringConstraints
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
from app.schemas.facets import FacetedPageMeta
from app.schemas.organisation import OrganisationPublic
from app.schemas.page import META_DESCRIPTION, Page
from app.services import organisations as service
from app.services.listing import public_fields

router = APIRouter(prefix="/organisations", tags=["organisations"])
OrganisationSort = Literal["name", "-name", "founded_year", "-founded_year"]
FIELDS = public_fields(OrganisationPublic)
OrganisationId = Annotated[
    str,
    Path(
        pattern=r"^[a-z0-9][a-z0-9-]{0,39}$", description="Organisation id.", examples=["org-017"]
    ),
]


class OrganisationPage(Page[OrganisationPublic]):
    meta: FacetedPageMeta = Field(description=META_DESCRIPTION)


async def organisation_filters(
    kind: Annotated[
        list[Annotated[str, StringConstraints(max_length=200)]] | None,
        Query(
            description="Exact kind as the records state it, e.g. `regional internet "
            "registry`; repeat to OR.",
        ),
    ] = None,
    q: TextQuery = None,
    updated_since: UpdatedSince = None,
) -> service.OrganisationFilters:
    return service.OrganisationFilters(
        kind=check_value_count("kind", kind),
        q=q,
        updated_since=utc_moment("updated_since", updated_since),
    )


async def organisation_query(
    params: ListParamsDep,
    sort: Annotated[
        OrganisationSort, Query(description="`name` sorts by short name; `-` is descending.")
    ] = "name",
    facets: Annotated[str | None, facets_query(["kind"])] = None,
) -> ListQuery:
    return ListQuery(params, sort, split_facets(facets))


FiltersDep = Annotated[service.OrganisationFilters, Depends(organisation_filters)]
QueryDep = Annotated[ListQuery, Depends(organisation_query)]


def _organisations(
    request: Request,
    session: SessionDep,
    filters: service.OrganisationFilters,
    query: ListQuery,
    fmt: Format,
) -> Response:
    listing = service.organisation_listing(filters)
    return list_response(
        request,
        session,
        listing,
        query,
        fmt,
        allowed_fields=FIELDS,
        filename="organisations.csv",
    )


@router.get(
    "",
    response_model=OrganisationPage,
    responses=negotiated_responses(*LIST_FORMATS),
    summary="List organisations",
)
def list_organisations(
    request: Request,
    session: SessionDep,
    filters: FiltersDep,
    query: QueryDep,
    fmt: Annotated[Format, Depends(accepting(*LIST_FORMATS))],
) -> Response:
    """Organisations the fact sheet names (IETF, ICANN, PTI, the five RIRs, ITU, IGF, ...).
    Also as CSV, by Accept or by suffix."""
    return _organisations(request, session, filters, query, fmt)


@router.get(".csv", summary="List organisations as CSV", **suffix_route(CSV))
def list_organisations_csv(
    request: Request, session: SessionDep, filters: FiltersDep, query: QueryDep
) -> Response:
    """Every organisation that matches the filters, as CSV, in the list's sort order."""
    return _organisations(request, session, filters, query, CSV)


@router.get(
    "/{organisation_id}",
    response_model=OrganisationPublic,
    responses=problem_responses(400, 404, 500),
    summary="Get an organisation",
)
def get_organisation(
    request: Request, session: SessionDep, organisation_id: OrganisationId
) -> Response:
    """One organisation by its stable id."""
    return cached_json(request, service.get_organisation(session, organisation_id))
