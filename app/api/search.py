"""Full-text search across every collection and the fact sheet's sections."""

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Query, Request
from pydantic import BaseModel, Field
from starlette.responses import Response

from app.api.format_routes import REQUEST, SESSION, Docs, add_format_routes, parameter
from app.api.formats import HTML, JSON, Format
from app.api.html import alternates, html_response
from app.api.list_query import SEARCH_RULES
from app.api.params import ListParams, ListParamsDep, check_value_count
from app.api.renderers import page_payload, page_response
from app.api.representations import csv_columns
from app.db import SessionDep
from app.pages import views
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


SearchText = Annotated[
    str | None,
    Query(
        max_length=200,
        description="Words to find. " + SEARCH_RULES + " Without `q`, every record is a "
        "hit, in index order.",
        examples=["youth initiatives in Africa"],
    ),
]
SearchIn = Annotated[
    list[Collection] | None,
    Query(description="Only hits from this collection; repeat to OR."),
]


def search(
    request: Request,
    session: SessionDep,
    params: ListParams,
    q: str | None,
    collection: list[str] | None,
    fmt: Format,
) -> Response:
    filters = service.SearchFilters(q=q, collections=check_value_count("collection", collection))
    result = service.search(session, filters, params.page(service.SORT))
    columns = csv_columns(params.fields, FIELDS, "id")
    payload = page_payload(request, result, params, service.SORT, columns, sparse=fmt is not HTML)
    if fmt is HTML:
        links = alternates(request, SEARCH_FORMATS)
        page = views.search_page(payload=payload, query=q or "", alternates=links)
        return html_response(request, page)
    return page_response(request, payload)


SEARCH_FORMATS = (JSON, HTML)
add_format_routes(
    router,
    "/search",
    name="search",
    formats=SEARCH_FORMATS,
    handle=search,
    params=[
        REQUEST,
        SESSION,
        parameter("params", ListParamsDep),
        parameter("q", SearchText, None),
        parameter("collection", SearchIn, None),
    ],
    docs={
        "negotiated": Docs(
            "Search everything",
            "Ranked full-text search over milestones, organisations, NRIs, calls to action, "
            "action\nlines, facts and the fact sheet's sections: best match first (a match in "
            "the title\ncounts more than one in the text), each hit with a highlighted snippet "
            "and its link.",
        ),
        JSON.name: Docs(
            "Search everything, as JSON",
            "The same search as JSON, whatever the Accept header says.",
        ),
        HTML.name: Docs(
            "Search everything, as a page",
            "The same search as a page for people: a form, and each hit with its highlighted "
            "snippet and a link to the record's page.",
        ),
    },
    response_model=SearchPage,
)
