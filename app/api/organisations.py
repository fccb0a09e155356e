"""Organisations named in the fact sheet, and the milestones they took part in."""

from typing import Annotated, Literal

from fastapi import APIRouter, Depends, Path, Query, Request
from pydantic import StringConstraints
from starlette.responses import Response

from app.api.clock import TodayDep
from app.api.milestones import FIELDS as MILESTONE_FIELDS
from app.api.milestones import MilestoneFiltersDep, MilestonePage
from app.api.milestones import SortParam as MilestoneSortParam
from app.api.params import ListParamsDep, check_value_count
from app.api.responses import page_response
from app.db import SessionDep
from app.errors import problem_responses
from app.http_cache import cached_json
from app.schemas.organisation import OrganisationPublic
from app.schemas.page import Page
from app.services import milestones as milestone_service
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
    pass


async def organisation_filters(
    kind: Annotated[
        list[Annotated[str, StringConstraints(max_length=200)]] | None,
        Query(
            description="Exact kind as the records state it, e.g. `regional internet "
            "registry`; repeat to OR.",
        ),
    ] = None,
    q: Annotated[
        str | None,
        Query(max_length=200, description="Case-insensitive match on names and role."),
    ] = None,
) -> service.OrganisationFilters:
    return service.OrganisationFilters(kind=check_value_count("kind", kind), q=q)


@router.get(
    "",
    response_model=OrganisationPage,
    responses=problem_responses(400, 500),
    summary="List organisations",
)
def list_organisations(
    request: Request,
    session: SessionDep,
    params: ListParamsDep,
    filters: Annotated[service.OrganisationFilters, Depends(organisation_filters)],
    sort: Annotated[
        OrganisationSort, Query(description="`name` sorts by short name; `-` is descending.")
    ] = "name",
) -> Response:
    """Organisations the fact sheet names (IETF, ICANN, PTI, the five RIRs, ITU, IGF, ...)."""
    result = service.list_organisations(session, filters, params.page(sort))
    return page_response(request, result, params, sort, FIELDS)


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


@router.get(
    "/{organisation_id}/milestones",
    response_model=MilestonePage,
    responses=problem_responses(400, 404, 500),
    summary="List an organisation's milestones",
)
def list_organisation_milestones(
    request: Request,
    session: SessionDep,
    today: TodayDep,
    organisation_id: OrganisationId,
    params: ListParamsDep,
    filters: MilestoneFiltersDep,
    sort: MilestoneSortParam = "start_date",
) -> Response:
    """The milestones this organisation took part in, with the milestone list's filters."""
    result = milestone_service.list_organisation_milestones(
        session, organisation_id, filters, params.page(sort), today
    )
    return page_response(request, result, params, sort, MILESTONE_FIELDS, depends_on_today=True)
