"""The landing page at `/`, for people (programs start at /v1), and the one stylesheet the
pages load, under a name that changes with its content so it can be cached for a year."""

from typing import Any

from fastapi import APIRouter, Request
from starlette.responses import Response

from app.api.clock import utc_date
from app.api.formats import HTML
from app.api.html import html_response
from app.api.index import index_payload
from app.collections.milestones import MILESTONES
from app.collections.nris import NRIS
from app.db import SessionDep
from app.errors import NotFound, problem_responses
from app.filters import Scope
from app.pages import views
from app.pages.assets import STATIC_FILES
from app.pages.summary_charts import chart_svg
from app.services import fact_sheet

router = APIRouter()
CHARTED = ("kind", "region")  # the NRI facets the landing page draws
YEAR = 365 * 24 * 3600


@router.get(
    "/",
    tags=["meta"],
    response_class=Response,
    responses={
        200: {
            "description": "The landing page (HTML).",
            "content": {HTML.media_type: {"schema": {"type": "string"}}},
        },
        **problem_responses(400, 500),
    },
    summary="Landing page",
)
def home(request: Request, session: SessionDep) -> Response:
    """A page for people: what this is and whose fact sheet, the counts, the fact sheet's
    sections and calls to action, a timeline of the milestones, the NRIs charted, and where
    the feeds, calendars, CSV exports and the API documentation are. Programs start at /v1."""
    scope = Scope(session, utc_date(request.app.state.clock))
    milestones = MILESTONES.listing({}, scope).rows(session, "start_date")
    nri_summary = NRIS.listing({}, scope).summary(session, CHARTED)
    body = views.landing_page(
        index=index_payload(session),
        fact_sheet=_fact_sheet(session),
        milestones=list(milestones),
        nri_summary=nri_summary,
        today=scope.today,
        charts={facet: chart_svg(NRIS, facet, nri_summary, False) for facet in CHARTED},
    )
    return html_response(request, body, depends_on_today=True)


def _fact_sheet(session: SessionDep) -> dict[str, Any] | None:
    try:
        return fact_sheet.get_fact_sheet(session)
    except NotFound:
        return None  # not loaded yet: the page says so


@router.get("/static/{name}", include_in_schema=False)
def static_file(name: str) -> Response:
    """The pages' stylesheet and icon, under their current names only."""
    if name not in STATIC_FILES:
        raise NotFound(f"No file /static/{name}.")
    body, media_type = STATIC_FILES[name]
    headers = {"Cache-Control": f"public, max-age={YEAR}, immutable"}
    return Response(body, media_type=media_type, headers=headers)
