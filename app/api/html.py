"""HTML as one more format: the bytes of a page come from app.pages, the headers from here.
A page answers through http_cache.conditional like every other format (ETag, 304,
Last-Modified, Vary: Accept), with the page policy of app.security as its own
Content-Security-Policy."""

from collections.abc import Sequence
from typing import Any

from fastapi import Request
from starlette.responses import Response

from app.api.formats import HTML, Format, parse_accept, quality
from app.api.representations import without_suffix
from app.http_cache import conditional
from app.pages import views
from app.security import PAGE_CSP

LABELS = {
    "json": "JSON",
    "csv": "CSV",
    "atom": "Atom",
    "rss": "RSS",
    "json_feed": "JSON Feed",
    "ics": "iCalendar",
    "svg": "SVG",
}
PAGE_HEADERS = {"Content-Security-Policy": PAGE_CSP}
PROBLEM_TYPES = ("application/json", "application/problem+json")


def html_response(request: Request, body: bytes, depends_on_today: bool = False) -> Response:
    return conditional(request, body, HTML.content_type, PAGE_HEADERS, depends_on_today)


def alternates(request: Request, formats: Sequence[Format]) -> list[tuple[str, str]]:
    """(label, URL) of the page's resource in its other formats, with this request's query:
    each by its suffix, since a browser following the link must get that format (at the
    page's own URL it would get the page again)."""
    path = without_suffix(request.url.path, HTML)
    query = request.url.query
    found = []
    for fmt in formats:
        if fmt is HTML or fmt.name not in LABELS:
            continue
        found.append((LABELS[fmt.name], path + fmt.suffix + (f"?{query}" if query else "")))
    return found


def problem_page(problem: dict[str, Any], status: int, headers: dict[str, str]) -> Response:
    """A problem as a page for people. The problem+json of the same request may be cached
    (a 404, for a minute) without Vary, as it always was; a page never is, so a shared cache
    cannot hand it to a program."""
    return Response(
        views.error_page(problem=problem),
        status_code=status,
        media_type=HTML.content_type,
        headers={**headers, **PAGE_HEADERS, "Cache-Control": "no-store", "Vary": "Accept"},
    )


def wants_page(request: Request) -> bool:
    """Whether an error should be a page for people: when Accept ranks text/html above JSON
    (a browser's navigation does), or, where it ranks them alike (no Accept, `*/*`), on a
    `.html` URL. A client that ranks JSON higher gets problem+json even there."""
    html, json = 0.0, 0.0
    header = request.headers.get("accept")
    if header:
        ranges = parse_accept(header)
        html = quality(ranges, HTML.media_type)
        json = max(quality(ranges, t) for t in PROBLEM_TYPES)
    if html != json:
        return html > json
    return request.url.path.endswith(HTML.suffix)
