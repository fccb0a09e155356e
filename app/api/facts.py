"""Key figures: the fact sheet's numbers and ITU's headline Internet-use estimates."""

from typing import Annotated, Literal

from fastapi import APIRouter, Depends, Path, Query, Request
from starlette.responses import Response

from app.api.params import ListParamsDep, check_value_count
from app.api.responses import page_response
from app.db import SessionDep
from app.errors import problem_responses
from app.http_cache import cached_json
from app.models.vocabulary import FactCategory
from app.schemas.fact import FactPublic
from app.schemas.page import Page
from app.services import facts as service
from app.services.listing import public_fields

router = APIRouter(prefix="/facts", tags=["facts"])
FactSort = Literal["id", "-id", "as_of", "-as_of", "label", "-label"]
FIELDS = public_fields(FactPublic)


class FactPage(Page[FactPublic]):
    pass


async def fact_filters(
    category: Annotated[list[FactCategory] | None, Query(description="Repeat to OR.")] = None,
    as_of: Annotated[
        list[int] | None, Query(description="Year the figure refers to; repeat to OR.")
    ] = None,
    q: Annotated[
        str | None,
        Query(max_length=200, description="Case-insensitive match on label, context and notes."),
    ] = None,
) -> service.FactFilters:
    return service.FactFilters(
        category=check_value_count("category", category),
        as_of=check_value_count("as_of", as_of),
        q=q,
    )


@router.get(
    "", response_model=FactPage, responses=problem_responses(400, 500), summary="List facts"
)
def list_facts(
    request: Request,
    session: SessionDep,
    params: ListParamsDep,
    filters: Annotated[service.FactFilters, Depends(fact_filters)],
    sort: Annotated[FactSort, Query(description="`-` is descending.")] = "id",
) -> Response:
    """Figures the fact sheet states (with their sources), and ITU's estimates beside them."""
    result = service.list_facts(session, filters, params.page(sort))
    return page_response(request, result, params, sort, FIELDS)


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
