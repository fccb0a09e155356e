"""The WSIS Action Lines."""

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
from app.schemas.action_line import ActionLinePublic
from app.schemas.facets import FacetedPageMeta
from app.schemas.page import META_DESCRIPTION, Page
from app.services import action_lines as service
from app.services.listing import public_fields

router = APIRouter(prefix="/action-lines", tags=["action-lines"])
ActionLineSort = Literal["position", "-position", "title", "-title"]
FIELDS = public_fields(ActionLinePublic)


class ActionLinePage(Page[ActionLinePublic]):
    meta: FacetedPageMeta = Field(description=META_DESCRIPTION)


async def action_line_filters(
    parent: Annotated[
        list[Annotated[str, StringConstraints(max_length=40)]] | None,
        Query(description="Only sub-lines of this code, e.g. C7; repeat to OR."),
    ] = None,
    top_level: Annotated[
        bool | None, Query(description="true: C1-C11 only; false: sub-lines only.")
    ] = None,
    q: TextQuery = None,
    updated_since: UpdatedSince = None,
) -> service.ActionLineFilters:
    return service.ActionLineFilters(
        parent=check_value_count("parent", parent),
        top_level=top_level,
        q=q,
        updated_since=utc_moment("updated_since", updated_since),
    )


async def action_line_query(
    params: ListParamsDep,
    sort: Annotated[
        ActionLineSort,
        Query(description="`position` is the WSIS order: C1 ... C7, its sub-lines, C8 ... C11."),
    ] = "position",
    facets: Annotated[str | None, facets_query(["parent_code"])] = None,
) -> ListQuery:
    return ListQuery(params, sort, split_facets(facets))


FiltersDep = Annotated[service.ActionLineFilters, Depends(action_line_filters)]
QueryDep = Annotated[ListQuery, Depends(action_line_query)]


def _action_lines(
    request: Request,
    session: SessionDep,
    filters: service.ActionLineFilters,
    query: ListQuery,
    fmt: Format,
) -> Response:
    listing = service.action_line_listing(filters)
    return list_response(
        request,
        session,
        listing,
        query,
        fmt,
        allowed_fields=FIELDS,
        filename="action-lines.csv",
        id_field="code",
    )


@router.get(
    "",
    response_model=ActionLinePage,
    responses=negotiated_responses(*LIST_FORMATS),
    summary="List action lines",
)
def list_action_lines(
    request: Request,
    session: SessionDep,
    filters: FiltersDep,
    query: QueryDep,
    fmt: Annotated[Format, Depends(accepting(*LIST_FORMATS))],
) -> Response:
    """The WSIS Action Lines C1-C11 and the C7 sub-lines, with their facilitators. Also as
    CSV, by Accept or by suffix."""
    return _action_lines(request, session, filters, query, fmt)


@router.get(".csv", summary="List action lines as CSV", **suffix_route(CSV))
def list_action_lines_csv(
    request: Request, session: SessionDep, filters: FiltersDep, query: QueryDep
) -> Response:
    """Every action line that matches the filters, as CSV, in the list's sort order."""
    return _action_lines(request, session, filters, query, CSV)


@router.get(
    "/{code}",
    response_model=ActionLinePublic,
    responses=problem_responses(400, 404, 500),
    summary="Get an action line",
)
def get_action_line(
    request: Request,
    session: SessionDep,
    code: Annotated[
        str,
        Path(
            pattern=r"^C[0-9]{1,2}(\.[a-z-]{1,30})?$",
            description="Action line code.",
            examples=["C7.e-government"],
        ),
    ],
) -> Response:
    """One action line by its code."""
    return cached_json(request, service.get_action_line(session, code))
