"""Full-text search across every collection and the fact sheet's sections."""

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Query, Request
from pydantic import BaseModel, Field
from starlette.responses import Response

from app.api.list_query import SEARCH_RULES
from app.api.params import ListParamsDep, check_value_count
from app.api.renderers import page_response
from app.api.representations import csv_columns
from app.db import SessionDep
from app.errors import problem_responses
from app.schemas.page import Page
from app.search.documents import sources
from app.services import search as service

router = APIRouter(tags=["search"])
# The searchable collections, as the index names them (app.search.documents).
Collection: Any = Literal[tuple(sources())]
FIELDS = ("collection", "id", "title", "snippet", "link")


class SearchHit(BaseModel):
    collection: Collection = Field(
        description="Where the record lives; `fact-sheet` for a section of the fact sheet."
    )
    id: str = Field(
        description="The record's id in its collection (a call to action's number as text, "
        "an action line's code, a section's id).",
        examples=["ms-004"],
    )
    title: str = Field(description="The record's title or name, as plain text (not HTML).")
    snippet: str = Field(
        description="HTML: the passage of the record's text that best matches, with each "
        "match in <mark>...</mark>. Everything else is HTML-escaped, so it can be inserted "
        "into a page as it is. Empty when the record has no text beyond its title.",
        examples=["WSIS second phase · <mark>Tunis</mark>, Tunisia"],
    )
    link: str = Field(
        description="The record's URL (relative); sections link into /v1/fact-sheet by fragment.",
        examples=["/v1/milestones/ms-004"],
    )


class SearchPage(Page[SearchHit]):
    pass


@router.get(
    "/search",
    response_model=SearchPage,
    responses=problem_responses(400, 500),
    summary="Search everything",
)
def search(
    request: Request,
    session: SessionDep,
    params: ListParamsDep,
    q: Annotated[
        str | None,
        Query(
            max_length=200,
            description="Words to find. " + SEARCH_RULES + " Without `q`, every record is a "
            "hit, in index order.",
            examples=["youth initiatives in Africa"],
        ),
    ] = None,
    collection: Annotated[
        list[Collection] | None,
        Query(description="Only hits from this collection; repeat to OR."),
    ] = None,
) -> Response:
    """Ranked full-text search over milestones, organisations, NRIs, calls to action, action
    lines, facts and the fact sheet's sections: best match first (a match in the title
    counts more than one in the text), each hit with a highlighted snippet and its link."""
    filters = service.SearchFilters(q=q, collections=check_value_count("collection", collection))
    result = service.search(session, filters, params.page(service.SORT))
    columns = csv_columns(params.fields, FIELDS, "id")
    return page_response(request, result, params, service.SORT, columns)
