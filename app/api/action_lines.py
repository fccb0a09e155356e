"""The WSIS Action Lines."""

from typing import Annotated, Literal

from fastapi import APIRouter, Depends, Path, Query, Request
from pydantic import StringConstraints
from starlette.responses import Response

from app.api.params import ListParamsDep, check_value_count
from app.api.responses import page_response
from app.db import SessionDep
from app.errors import problem_responses
from app.http_cache import cached_json
from app.schemas.action_line import ActionLinePublic
from app.schemas.page import Page
from app.services import action_lines as service
from app.services.listing import public_fields

router = APIRouter(prefix="/action-lines", tags=["action-lines"])
ActionLineSort = Literal["position", "-position", "title", "-title"]
FIELDS = public_fields(ActionLinePublic)


class ActionLinePage(Page[ActionLinePublic]):
    pass


async def action_line_filters(
    parent: Annotated[
        list[Annotated[str, StringConstraints(max_length=40)]] | None,
        Query(description="Only sub-lines of this code, e.g. C7; repeat to OR."),
    ] = None,
    top_level: Annotated[
        bool | None, Query(description="true: C1-C11 only; false: sub-lines only.")
    ] = None,
    q: Annotated[
        str | None, Query(max_length=200, description="Case-insensitive match on code and title.")
    ] = None,
) -> service.ActionLineFilters:
    return service.ActionLineFilters(
        parent=check_value_count("parent", parent), top_level=top_level, q=q
    )


@router.get(
    "",
    response_model=ActionLinePage,
    responses=problem_responses(400, 500),
    summary="List action lines",
)
def list_action_lines(
    request: Request,
    session: SessionDep,
    params: ListParamsDep,
    filters: Annotated[service.ActionLineFilters, Depends(action_line_filters)],
    sort: Annotated[
        ActionLineSort,
        Query(description="`position` is the WSIS order: C1 ... C7, its sub-lines, C8 ... C11."),
    ] = "position",
) -> Response:
    """The WSIS Action Lines C1-C11 and the C7 sub-lines, with their facilitators."""
    result = service.list_action_lines(session, filters, params.page(sort))
    return page_response(request, result, params, sort, FIELDS, id_field="code")


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
