"""A list in the format asked for: one renderer per format, looked up in RENDERERS. Every
renderer reads the same Listing (which rows, in which order) and answers through
http_cache.conditional, so every format gets the same ETag, Last-Modified, Cache-Control,
Vary and 304s."""

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from fastapi import Request
from starlette.responses import Response

from app.api.formats import ATOM, CSV, HTML, ICS, JSON, JSON_FEED, RSS, Format
from app.api.html import alternates, html_response
from app.api.list_query import ListQuery
from app.api.params import ListParams
from app.api.representations import (
    absolute,
    base_url,
    calendar_response,
    csv_columns,
    csv_response,
    feed_response,
    query_pairs,
    without_suffix,
)
from app.collection import Collection, Row
from app.feeds.entries import build_feed
from app.feeds.model import TAG, Entry
from app.filters import Scope
from app.http_cache import cached_json
from app.page_links import canonical, link_header, page_links
from app.pages import views
from app.paging import PageResult
from app.services.changes import data_changed_at
from app.services.listing import Listing


@dataclass(frozen=True)
class ListAnswer:
    """One list request, parsed and queried, waiting for its format."""

    request: Request
    scope: Scope
    collection: Collection
    listing: Listing
    query: ListQuery
    fmt: Format
    title: str  # what feeds and calendars are called
    filename: str  # of a download, without its extension


Renderer = Callable[[ListAnswer], Response]


def page_response(
    request: Request, payload: dict[str, Any], depends_on_today: bool = False
) -> Response:
    """A JSON page: the envelope (page_payload), with its links also in the Link header."""
    link = {"Link": link_header(payload["links"])}
    return cached_json(request, payload, link, depends_on_today)


def page_payload(
    request: Request,
    result: PageResult,
    params: ListParams,
    sort: str,
    columns: Sequence[str],
    meta: dict[str, Any] | None = None,
    sparse: bool = True,
) -> dict[str, Any]:
    """The list envelope: a page of records, its links and its meta. `fields` leaves only
    `columns` in each record, unless not `sparse`: a page shows its records whole."""
    links = page_links(request.url, result, sort, params.codec)
    rows = result.rows
    if params.fields and sparse:
        rows = [{name: row[name] for name in columns} for row in rows]
    return {
        "data": rows,
        "links": links,
        "meta": {"total": result.total, "limit": params.limit, "sort": sort, **(meta or {})},
    }


def list_payload(answer: ListAnswer) -> dict[str, Any]:
    """The page of the list that the JSON format sends, and the HTML format shows."""
    c, query, session = answer.collection, answer.query, answer.scope.session
    result = answer.listing.page(session, query.page())
    columns = csv_columns(query.fields, c.fields, c.id.column)
    meta = c.meta(result) if c.meta else {}
    if query.facets:
        meta["facets"] = answer.listing.facet_counts(session, query.facets)
    sparse = answer.fmt is not HTML
    return page_payload(answer.request, result, query.params, query.sort, columns, meta, sparse)


def render_page(answer: ListAnswer) -> Response:
    return page_response(answer.request, list_payload(answer), answer.collection.depends_on_today)


def render_html(answer: ListAnswer) -> Response:
    c, request = answer.collection, answer.request
    path = without_suffix(request.url.path, answer.fmt)
    body = views.list_page(
        collection=c,
        payload=list_payload(answer),
        path=path,
        query=query_pairs(request),
        alternates=alternates(request, c.formats),
    )
    return html_response(request, body, c.depends_on_today)


def render_csv(answer: ListAnswer) -> Response:
    c = answer.collection
    columns = csv_columns(answer.query.fields, c.fields, c.id.column)
    rows = answer.listing.rows(answer.scope.session, answer.query.sort)
    return csv_response(
        answer.request,
        rows,
        columns,
        f"{answer.filename}.csv",
        c.record_lists,
        c.depends_on_today,
    )


def _whole_list(answer: ListAnswer) -> Iterable[Row]:
    # Feeds and calendars hold every matching record, like CSV: `limit` and `cursor` shape
    # JSON pages only. `fields` does not apply either, but a name no record has is still an
    # error, as it is for the list's other formats.
    c = answer.collection
    csv_columns(answer.query.fields, c.fields, c.id.column)
    return answer.listing.rows(answer.scope.session, answer.query.sort)


def render_feed(answer: ListAnswer) -> Response:
    c, request = answer.collection, answer.request
    assert c.entry is not None, f"{c.name} offers a feed without an entry mapping"  # nosec B101
    home_path = without_suffix(request.url.path, answer.fmt)
    return records_feed(
        request,
        answer.scope,
        _whole_list(answer),
        answer.fmt,
        c.entry,
        feed_id=TAG + canonical(home_path, query_pairs(request)),
        title=answer.title,
        subtitle=c.feed_subtitle,
        home_path=home_path,
        depends_on_today=c.depends_on_today,
    )


def records_feed(
    request: Request,
    scope: Scope,
    rows: Iterable[Row],
    fmt: Format,
    entry: Callable[[Row, str], Entry],
    *,
    feed_id: str,
    title: str,
    subtitle: str,
    home_path: str,
    depends_on_today: bool,
) -> Response:
    """Records as an Atom, RSS or JSON Feed. A feed with no entries is as new as the data."""
    base = base_url(request)
    entries = [entry(row, base) for row in rows]
    feed = build_feed(
        entries,
        id=feed_id,
        title=title,
        subtitle=subtitle,
        self_url=absolute(request, request.url.path),
        home_url=absolute(request, home_path),
        fallback_updated=None if entries else data_changed_at(scope.session),
    )
    return feed_response(request, feed, fmt, depends_on_today=depends_on_today)


def render_calendar(answer: ListAnswer) -> Response:
    c, request = answer.collection, answer.request
    assert c.calendar is not None, f"{c.name} offers a calendar without one"  # nosec B101
    body = c.calendar(
        _whole_list(answer),
        name=answer.title,
        description=c.feed_subtitle,
        base_url=base_url(request),
    )
    return calendar_response(
        request, body, f"{answer.filename}.ics", depends_on_today=c.depends_on_today
    )


RENDERERS: dict[Format, Renderer] = {
    JSON: render_page,
    CSV: render_csv,
    ATOM: render_feed,
    RSS: render_feed,
    JSON_FEED: render_feed,
    ICS: render_calendar,
    HTML: render_html,
}
