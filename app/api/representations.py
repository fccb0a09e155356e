"""The bytes and headers of the non-JSON formats (CSV, feeds, calendars), and the absolute
links they carry. Every one goes through http_cache.conditional, like JSON."""

from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import Any
from urllib.parse import parse_qsl

from fastapi import Request
from starlette.responses import Response

from app.api.formats import ATOM, CSV, ICS, JSON_FEED, RSS, Format
from app.errors import BadRequest
from app.feeds import atom, csvtable, jsonfeed, rss
from app.feeds.model import Feed
from app.hosts import link_origin
from app.http_cache import conditional
from app.page_links import canonical

RecordLists = Mapping[str, tuple[str, str]]
FEED_RENDERERS: dict[Format, Callable[[Feed], bytes]] = {
    ATOM: atom.render,
    RSS: rss.render,
    JSON_FEED: jsonfeed.render,
}


def base_url(request: Request) -> str:
    """What the absolute links of feeds and calendars start with: FACTSHEET_PUBLIC_BASE_URL,
    or the scheme and an allowed Host of the request (app.hosts)."""
    return link_origin(request)


def query_pairs(request: Request) -> list[tuple[str, str]]:
    return parse_qsl(request.url.query, keep_blank_values=True)


def without_suffix(path: str, fmt: Format) -> str:
    return path[: -len(fmt.suffix)] if fmt.suffix and path.endswith(fmt.suffix) else path


def absolute(request: Request, path: str) -> str:
    """This request's parameters on another path, absolute and in canonical order."""
    return base_url(request) + canonical(path, query_pairs(request))


def csv_columns(fields: list[str] | None, allowed: Sequence[str], id_field: str) -> list[str]:
    if not fields:
        return list(allowed)
    unknown = [f for f in fields if f not in allowed]
    if unknown:
        raise BadRequest.for_param(
            "fields", f"unknown field(s) {', '.join(unknown)}; known: {', '.join(allowed)}"
        )
    return [id_field, *[f for f in dict.fromkeys(fields) if f != id_field]]


def csv_response(
    request: Request,
    rows: Iterable[Mapping[str, Any]],
    columns: Sequence[str],
    filename: str,
    record_lists: RecordLists | None = None,
    depends_on_today: bool = False,
) -> Response:
    # Rows are read and encoded a chunk at a time; the body is sent whole because its ETag
    # is the hash of its bytes, and the response cache keeps whole bodies anyway.
    body = b"".join(csvtable.render(rows, columns, record_lists))
    disposition = {"Content-Disposition": f'inline; filename="{filename}"'}
    return conditional(request, body, CSV.content_type, disposition, depends_on_today)


def feed_response(
    request: Request, feed: Feed, fmt: Format, depends_on_today: bool = False
) -> Response:
    body = FEED_RENDERERS[fmt](feed)
    return conditional(request, body, fmt.content_type, None, depends_on_today)


def calendar_response(
    request: Request, body: bytes, filename: str, depends_on_today: bool = False
) -> Response:
    disposition = {"Content-Disposition": f'inline; filename="{filename}"'}
    return conditional(request, body, ICS.content_type, disposition, depends_on_today)
