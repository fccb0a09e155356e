"""The IGF's National, Regional, Sub-regional and Youth Initiatives."""

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
from app.countries import ISO_3166_1_ALPHA_2
from app.db import SessionDep
from app.errors import BadRequest, problem_responses
from app.http_cache import cached_json
from app.models.vocabulary import NriEvidence, NriKind, NriRegion
from app.schemas.facets import FacetedPageMeta, Summary
from app.schemas.nri import NriPublic
from app.schemas.page import META_DESCRIPTION, Page
from app.services import nris as service
from app.services.listing import public_fields

router = APIRouter(prefix="/nris", tags=["nris"])
NriSort = Literal["name", "-name", "established_year", "-established_year", "country", "-country"]
FIELDS = public_fields(NriPublic)
SUMMARY_FACETS = ["kind", "region", "country", "evidence"]


class NriPageMeta(FacetedPageMeta):
    held: int = Field(description="NRIs the data holds in all, before filters.", examples=[175])
    fact_sheet_count: int | None = Field(
        description="How many NRIs the fact sheet counts.", examples=[176]
    )
    coverage_note: str | None = Field(description="Why the two counts differ.")


class NriPage(Page[NriPublic]):
    meta: NriPageMeta = Field(description=META_DESCRIPTION)


def _countries(values: list[str] | None) -> list[str] | None:
    if values is None:
        return None
    codes = [v.upper() for v in values]
    unknown = [c for c in codes if c not in ISO_3166_1_ALPHA_2]
    if unknown:
        raise BadRequest.for_param(
            "country", f"not ISO 3166-1 alpha-2 code(s): {', '.join(unknown)}"
        )
    return codes


async def nri_filters(
    kind: Annotated[list[NriKind] | None, Query(description="Repeat to OR.")] = None,
    region: Annotated[
        list[NriRegion] | None,
        Query(
            description="UN regional group for national and national youth initiatives; the "
            "named region for regional and sub-regional ones. Repeat to OR."
        ),
    ] = None,
    country: Annotated[
        # The constraints belong to each value: on the list they would count its items.
        list[Annotated[str, StringConstraints(pattern="^[A-Za-z]{2}$")]] | None,
        Query(description="ISO 3166-1 alpha-2 code, e.g. KE; repeat to OR."),
    ] = None,
    evidence: Annotated[
        list[NriEvidence] | None, Query(description="Strength of the sources; repeat to OR.")
    ] = None,
    established_from: Annotated[
        int | None, Query(ge=1900, le=2100, description="Founded in or after this year.")
    ] = None,
    established_to: Annotated[
        int | None, Query(ge=1900, le=2100, description="Founded in or before this year.")
    ] = None,
    q: TextQuery = None,
    updated_since: UpdatedSince = None,
) -> service.NriFilters:
    return service.NriFilters(
        kind=check_value_count("kind", kind),
        region=check_value_count("region", region),
        country=_countries(check_value_count("country", country)),
        evidence=check_value_count("evidence", evidence),
        established_from=established_from,
        established_to=established_to,
        q=q,
        updated_since=utc_moment("updated_since", updated_since),
    )


async def nri_query(
    params: ListParamsDep,
    sort: Annotated[
        NriSort,
        Query(description="`-` is descending; records without the value come last either way."),
    ] = "name",
    facets: Annotated[str | None, facets_query(tuple(service.FACETS))] = None,
) -> ListQuery:
    return ListQuery(params, sort, split_facets(facets))


FiltersDep = Annotated[service.NriFilters, Depends(nri_filters)]
QueryDep = Annotated[ListQuery, Depends(nri_query)]


def _nris(
    request: Request,
    session: SessionDep,
    filters: service.NriFilters,
    query: ListQuery,
    fmt: Format,
) -> Response:
    listing = service.nri_listing(filters)
    return list_response(
        request,
        session,
        listing,
        query,
        fmt,
        allowed_fields=FIELDS,
        filename="nris.csv",
        meta=service.coverage,
    )


@router.get(
    "",
    response_model=NriPage,
    responses=negotiated_responses(*LIST_FORMATS),
    summary="List NRIs",
)
def list_nris(
    request: Request,
    session: SessionDep,
    filters: FiltersDep,
    query: QueryDep,
    fmt: Annotated[Format, Depends(accepting(*LIST_FORMATS))],
) -> Response:
    """National, Regional, Sub-regional and Youth IGF Initiatives. The data holds fewer than
    the fact sheet counts; `meta` states both numbers and why. Also as CSV, by Accept or by
    suffix."""
    return _nris(request, session, filters, query, fmt)


@router.get(".csv", summary="List NRIs as CSV", **suffix_route(CSV))
def list_nris_csv(
    request: Request, session: SessionDep, filters: FiltersDep, query: QueryDep
) -> Response:
    """Every NRI that matches the filters, as CSV, in the list's sort order."""
    return _nris(request, session, filters, query, CSV)


@router.get(
    "/summary",
    response_model=Summary,
    responses=problem_responses(400, 500),
    summary="Count NRIs",
)
def get_nri_summary(request: Request, session: SessionDep, filters: FiltersDep) -> Response:
    """NRIs counted by kind, region, country and evidence, under the list's filters: the
    numbers behind a dashboard's first charts."""
    summary = service.nri_listing(filters).summary(session, SUMMARY_FACETS)
    return cached_json(request, summary)


@router.get(
    "/{nri_id}",
    response_model=NriPublic,
    responses=problem_responses(400, 404, 500),
    summary="Get an NRI",
)
def get_nri(
    request: Request,
    session: SessionDep,
    nri_id: Annotated[
        str, Path(pattern=r"^[a-z0-9][a-z0-9-]{0,39}$", description="NRI id.", examples=["nri-017"])
    ],
) -> Response:
    """One NRI by its stable id."""
    return cached_json(request, service.get_nri(session, nri_id))
