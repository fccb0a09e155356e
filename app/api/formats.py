"""Which representation a request gets: by a path suffix (`/v1/nris.csv`), or on the path
without one by the Accept header. Calendar apps and newsletter tools cannot send headers, so
every format also has its URL; a suffix always wins over Accept."""

import copy
from collections.abc import Callable, Coroutine, Sequence
from dataclasses import dataclass
from typing import Any

from fastapi import Request
from fastapi.datastructures import DefaultPlaceholder
from fastapi.routing import APIRoute
from starlette.responses import Response

from app.errors import NotAcceptable, problem_responses


@dataclass(frozen=True)
class Format:
    name: str
    suffix: str
    media_type: str
    # Other media types that ask for the same bytes (JSON Feed also answers application/json
    # where the plain JSON list is not on offer).
    aliases: tuple[str, ...] = ()
    parameters: str = "; charset=utf-8"
    # A suffix route's texts, for a collection's list ({plural}, {title}: its plural
    # capitalised, {noun}: one record, {order}: the order of the records).
    summary: str = ""
    description: str = ""

    @property
    def content_type(self) -> str:
        return self.media_type + self.parameters

    @property
    def media_types(self) -> tuple[str, ...]:
        return (self.media_type, *self.aliases)


EVERY = "Every {noun} that matches the filters, as "
# JSON is what a resource's URL answers a program; `.json` is its URL for a browser, which
# would get the page there (HTML).
JSON = Format(
    "json",
    ".json",
    "application/json",
    parameters="",
    summary="List {plural} as JSON",
    description="The list as JSON, a page at a time, {order}: what the list's own URL answers "
    "a program, whatever the Accept header says.",
)
CSV = Format(
    "csv",
    ".csv",
    "text/csv",
    parameters="; charset=utf-8; header=present",
    summary="List {plural} as CSV",
    description=EVERY + "CSV, {order}.",
)
ATOM = Format(
    "atom",
    ".atom",
    "application/atom+xml",
    summary="{title} as an Atom feed",
    description=EVERY + "an Atom feed {order}.",
)
RSS = Format(
    "rss",
    ".rss",
    "application/rss+xml",
    summary="{title} as an RSS feed",
    description=EVERY + "an RSS 2.0 feed {order}.",
)
JSON_FEED = Format(
    "json_feed",
    ".feed.json",
    "application/feed+json",
    ("application/json",),
    summary="{title} as a JSON Feed",
    description=EVERY + "a JSON Feed 1.1 {order}.",
)
ICS = Format(
    "ics",
    ".ics",
    "text/calendar",
    summary="{title} as a calendar",
    description=EVERY + "an iCalendar feed {order}.",
)

# A page for people: last among a resource's formats, so a client that accepts everything
# alike (no Accept, `*/*`) keeps the first one, JSON; a browser ranks text/html above `*/*`.
HTML = Format(
    "html",
    ".html",
    "text/html",
    summary="{title} as a page",
    description=EVERY + "a page for people to read, {order}, with the list's filters as a "
    "form and the same cursor links as the JSON list.",
)
# A chart of a summary, for dashboards to embed in an <img>.
SVG = Format("svg", ".svg", "image/svg+xml")

LIST_FORMATS = (JSON, CSV, HTML)
MILESTONE_FORMATS = (JSON, CSV, ATOM, RSS, JSON_FEED, ICS, HTML)
FEED_FORMATS = (ATOM, RSS, JSON_FEED)
RECORD_FORMATS = (JSON, HTML)
# Every format some route answers in (the response cache keys on how Accept ranks them).
ALL_FORMATS = (*MILESTONE_FORMATS, SVG)
# Longest first: `.feed.json` is a suffix of its own, not `.json` after `.feed`.
SUFFIXES = tuple(sorted((f.suffix for f in ALL_FORMATS), key=len, reverse=True))
ALIASES = {f.media_type: f.aliases for f in ALL_FORMATS if f.aliases}

MediaRange = tuple[str, str, float]


def parse_accept(header: str) -> list[MediaRange]:
    """`text/csv;q=0.9, */*;q=0.1` as (type, subtype, q); malformed ranges are skipped."""
    ranges: list[MediaRange] = []
    for part in header.split(","):
        media, *params = [p.strip() for p in part.split(";")]
        kind, _, subtype = media.lower().partition("/")
        if not kind or not subtype:
            continue
        q = 1.0
        for param in params:
            name, _, value = param.partition("=")
            if name.strip().lower() == "q":
                try:
                    q = min(max(float(value), 0.0), 1.0)
                except ValueError:
                    q = 0.0
        ranges.append((kind, subtype, q))
    return ranges


def quality(ranges: Sequence[MediaRange], media_type: str) -> float:
    """The q of the most specific range that matches (RFC 9110 12.5.1)."""
    kind, _, subtype = media_type.partition("/")
    best: tuple[int, float] | None = None
    for r_kind, r_subtype, q in ranges:
        if (r_kind, r_subtype) == (kind, subtype):
            specificity = 2
        elif r_kind == kind and r_subtype == "*":
            specificity = 1
        elif (r_kind, r_subtype) == ("*", "*"):
            specificity = 0
        else:
            continue
        if best is None or specificity > best[0]:
            best = (specificity, q)
    return best[1] if best else 0.0


def negotiate(header: str | None, offered: Sequence[Format]) -> Format | None:
    """The offered format the client prefers; on a tie, or without Accept, the first one."""
    if not header or not header.strip():
        return offered[0]
    ranges = parse_accept(header)
    if not ranges:
        return offered[0]
    best, best_q = None, 0.0
    for fmt in offered:
        q = max(quality(ranges, media) for media in fmt.media_types)
        if q > best_q:
            best, best_q = fmt, q
    return best


def _not_acceptable(types: Sequence[str]) -> NotAcceptable:
    return NotAcceptable(
        f"This resource is available as {', '.join(types)}; the Accept header allows none of"
        " them. A suffix on the path (.csv and others) picks a format without Accept."
    )


def accepting(*offered: Format) -> Callable[[Request], Coroutine[Any, Any, Format]]:
    """A dependency: the format the Accept header picks among `offered`, or a 406."""

    async def negotiated_format(request: Request) -> Format:
        found = negotiate(request.headers.get("accept"), offered)
        if found is None:
            raise _not_acceptable([f.media_type for f in offered])
        return found

    return negotiated_format


_route_media_types: dict[int, tuple[str, ...]] = {}


def _media_types(route: APIRoute) -> tuple[str, ...]:
    """The media types a route's 200 answer comes in, as its OpenAPI entry declares them:
    the response class's own, then any other `content` declared for 200."""
    key = id(route)
    if key not in _route_media_types:
        response_class = route.response_class
        if isinstance(response_class, DefaultPlaceholder):
            response_class = response_class.value
        own = getattr(response_class, "media_type", None)
        declared = (route.responses.get(200) or route.responses.get("200") or {}).get("content")
        types = ([own] if own else []) + [t for t in declared or {} if t != own]
        aliases = [a for t in types for a in ALIASES.get(t, ()) if a not in types]
        _route_media_types[key] = tuple(types + aliases)
    return _route_media_types[key]


async def require_acceptable(request: Request) -> None:
    """One rule for every operation: an Accept header that allows none of the media types an
    operation answers in is a 406, whether it offers one format or several. A path suffix
    (`/v1/nris.csv`) names the format itself and wins over Accept, as documented."""
    header = request.headers.get("accept")
    route = request.scope.get("route")
    if not header or not isinstance(route, APIRoute) or route.path.endswith(SUFFIXES):
        return
    types = _media_types(route)
    ranges = parse_accept(header)
    if types and ranges and not any(quality(ranges, t) > 0 for t in types):
        raise _not_acceptable(types)


# --------------------------------------------------------------------------- OpenAPI

TEXT = {"type": "string"}
# JSON Feed is declared once under components/schemas (see document_formats) and referenced
# by every feed response, so a generated client gets one model for it, not one per route.
JSON_FEED_REF = {"$ref": "#/components/schemas/JsonFeed"}


def _text(description: str, **schema: Any) -> dict[str, Any]:
    return {"type": "string", "description": description, **schema}


JSON_FEED_SCHEMAS: dict[str, Any] = {
    "JsonFeed": {
        "type": "object",
        "title": "JsonFeed",
        "description": "JSON Feed 1.1 (https://jsonfeed.org/version/1.1).",
        "required": ["version", "title", "items"],
        "properties": {
            "version": {
                "const": "https://jsonfeed.org/version/1.1",
                "description": "The JSON Feed version this feed follows.",
            },
            "title": _text("The feed's name."),
            "home_page_url": _text("The API list the feed shows, as JSON.", format="uri"),
            "feed_url": _text("This feed's own URL.", format="uri"),
            "description": _text("What the feed holds and in which order."),
            "language": _text("The language of the feed's text (RFC 5646)."),
            "authors": {
                "type": "array",
                "description": "Who publishes the feed.",
                "items": {"$ref": "#/components/schemas/JsonFeedAuthor"},
            },
            "items": {
                "type": "array",
                "description": "The entries, in the feed's order.",
                "items": {"$ref": "#/components/schemas/JsonFeedItem"},
            },
        },
    },
    "JsonFeedAuthor": {
        "type": "object",
        "title": "JsonFeedAuthor",
        "description": "A publisher of a JSON Feed.",
        "properties": {"name": _text("The publisher's name.")},
    },
    "JsonFeedItem": {
        "type": "object",
        "title": "JsonFeedItem",
        "description": "One entry of a JSON Feed: a milestone, or a change to the data.",
        "required": ["id", "content_html"],
        "properties": {
            "id": _text("A stable, unique id of the entry (a tag: URI)."),
            "url": _text("The record's URL in the API.", format="uri"),
            "external_url": _text("The record's source page.", format="uri"),
            "title": _text("The entry's headline."),
            "content_html": _text("The entry as HTML."),
            "summary": _text("The entry as one line of plain text."),
            "date_published": _text("When the entry was first published.", format="date-time"),
            "date_modified": _text("When the entry last changed.", format="date-time"),
            "tags": {
                "type": "array",
                "description": "Keywords: a milestone's kind; a change's collection and action.",
                "items": {"type": "string"},
            },
        },
    },
}


def content(*formats: Format) -> dict[str, Any]:
    """OpenAPI `content` entries for non-JSON formats."""
    return {f.media_type: {"schema": JSON_FEED_REF if f is JSON_FEED else TEXT} for f in formats}


DESCRIPTIONS = {
    "csv": "Every matching record as CSV (RFC 4180, UTF-8, a header row). `limit` and `cursor` "
    "are ignored; `fields` picks the columns. Nested values are flattened: lists joined with "
    '" | ", organisations as their ids plus an `organisation_names` column, `conflicts` as '
    "JSON.",
    "atom": "An Atom 1.0 feed.",
    "rss": "An RSS 2.0 feed.",
    "json_feed": "A JSON Feed 1.1.",
    "ics": "An iCalendar (RFC 5545) calendar: one all-day event per milestone.",
    "html": "A page for people (HTML). Empty query parameters are ignored on `.html` URLs, "
    "as a browser sends every field of a form.",
    "svg": "An SVG image with a title and a description, for an `<img>`.",
}


def negotiated_responses(*offered: Format) -> dict[int | str, dict[str, Any]]:
    """`responses` for a route that answers in any of `offered` by Accept (the first is the
    route's own response model, when it is JSON)."""
    others = [f for f in offered if f is not JSON]
    names = ", ".join(f.media_type for f in offered)
    return {
        200: {
            "description": f"The resource as {names}, as the Accept header asks; without "
            "Accept, the first of them.",
            "content": content(*others),
        },
        **problem_responses(400, 406, 500),
    }


def suffix_route(fmt: Format, *problems: int) -> dict[str, Any]:
    """Keyword arguments for a route that always answers in `fmt`."""
    return {
        "response_class": Response,
        "responses": {
            200: {"description": DESCRIPTIONS[fmt.name], "content": content(fmt)},
            **problem_responses(*(problems or (400, 500))),
        },
    }


def document_formats(document: dict[str, Any]) -> None:
    """Post-processing of the OpenAPI document: a suffix route takes the same query
    parameters as the list it renders, so it gets their final (narrowed) schemas too."""
    paths: dict[str, Any] = document.get("paths", {})
    for path, item in paths.items():
        suffix = next((s for s in SUFFIXES if path.endswith(s)), None)
        base = paths.get(path[: -len(suffix)]) if suffix else None
        if base is None or "get" not in item or "get" not in base:
            continue
        schemas = {p["name"]: p["schema"] for p in base["get"].get("parameters", [])}
        for parameter in item["get"].get("parameters", []):
            if parameter["name"] in schemas:
                parameter["schema"] = copy.deepcopy(schemas[parameter["name"]])
    document.setdefault("components", {}).setdefault("schemas", {}).update(JSON_FEED_SCHEMAS)
    tags = document.setdefault("tags", [])
    known = {t["name"] for t in tags}
    for name, text in EXTRA_TAGS.items():
        if name not in known:
            tags.append({"name": name, "description": text})


EXTRA_TAGS = {
    "feeds": "Atom, RSS 2.0 and JSON Feed for newsletters: upcoming and recent milestones, "
    "and what changed in the data.",
    "changes": "The change log: every record created, updated or deleted, oldest first.",
    "search": "Full-text search across every collection and the fact sheet's sections.",
}
