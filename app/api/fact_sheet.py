"""The fact sheet document (its calls to action as a list: app.collections)."""

from fastapi import APIRouter, Request
from starlette.responses import Response

from app.api.format_routes import REQUEST, SESSION, Docs, add_format_routes
from app.api.formats import HTML, JSON, RECORD_FORMATS, Format
from app.api.html import alternates, html_response
from app.db import SessionDep
from app.http_cache import cached_json
from app.pages import views
from app.schemas.fact_sheet import FactSheetPublic
from app.services import fact_sheet as service

router = APIRouter(tags=["fact-sheet"])


def get_fact_sheet(request: Request, session: SessionDep, fmt: Format) -> Response:
    sheet = service.get_fact_sheet(session)
    if fmt is HTML:
        links = alternates(request, RECORD_FORMATS)
        return html_response(request, views.fact_sheet_page(payload=sheet, alternates=links))
    return cached_json(request, sheet)


add_format_routes(
    router,
    "/fact-sheet",
    name="get_fact_sheet",
    formats=RECORD_FORMATS,
    handle=get_fact_sheet,
    params=[REQUEST, SESSION],
    docs={
        "negotiated": Docs(
            "Get the fact sheet",
            'The RIPE NCC fact sheet "WSIS+20": its sections in order, as the sheet words '
            "them, and its seven calls to action.",
        ),
        JSON.name: Docs(
            "Get the fact sheet as JSON",
            "The fact sheet as JSON, whatever the Accept header says.",
        ),
        HTML.name: Docs(
            "Read the fact sheet",
            "The fact sheet as a page for people: its sections and its calls to action.",
        ),
    },
    response_model=FactSheetPublic,
    problems=(400, 404, 500),
    one_statement=None,
)
