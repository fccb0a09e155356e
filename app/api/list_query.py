"""What every list request carries beyond its filters: the page parameters, its sort, the
facets asked for; and `updated_since`, which every list's filters take."""

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Annotated, Any

from fastapi import Query

from app.api.params import ListParams
from app.errors import BadRequest
from app.paging import PageRequest

UpdatedSince = Annotated[
    dt.datetime | None,
    Query(
        description="Only records changed at or after this moment: RFC 3339 with an offset, "
        "e.g. `2026-11-29T00:00:00Z` (write `+` as `%2B`).",
        examples=["2026-11-29T00:00:00Z"],
    ),
]


# What `q` means, in one text for /v1/search and every list's `q` (the rules are
# app.search.query's; the README's Search section says the same).
SEARCH_RULES = (
    "Every word must occur, in any order, in any field of the record. Each word also matches "
    'as the start of a longer word (`Tuni` finds "Tunis"), and an English plural matches its '
    'singular (`initiatives` finds "initiative"). A token with punctuation inside is a phrase '
    '(`A/RES/80/173`, `e-government`); "double quotes" match an exact phrase. Case is '
    "ignored, accents are not. A few very common words (the, in, of, and, ...) are ignored "
    "unless they are all the query has. There is no query syntax: AND, OR, NOT, `*`, `-` and "
    "brackets are plain words or punctuation. A `q` without any letter or digit, or with "
    "more than 12 words or phrases, is a 400."
)
TextQuery = Annotated[
    str | None,
    Query(
        max_length=200,
        description="Only the records /v1/search finds for this text (the same index and "
        "rules). " + SEARCH_RULES,
    ),
]


def utc_moment(name: str, value: dt.datetime | None) -> dt.datetime | None:
    """An RFC 3339 moment in UTC. A time without an offset would mean a different moment on
    every server, so it is refused; moments beyond what UTC can hold are clamped."""
    if value is None:
        return None
    if value.tzinfo is None or value.utcoffset() is None:
        raise BadRequest.for_param(name, "needs a UTC offset, e.g. 2026-11-29T00:00:00Z")
    try:
        return value.astimezone(dt.UTC)
    except OverflowError:
        edge = dt.datetime.min if value.year < 5000 else dt.datetime.max
        return edge.replace(tzinfo=dt.UTC)


def facets_query(names: Sequence[str]) -> Any:
    """The `facets` parameter of a list whose records can be counted by `names`."""
    choice = "|".join(names)
    return Query(
        max_length=200,
        pattern=f"^(?:{choice})(?:,(?:{choice}))*$",
        description="Comma-separated fields to count the matching records by, added to "
        f"`meta.facets` (JSON only): {', '.join(names)}.",
        examples=[",".join(names[:2])],
    )


@dataclass(frozen=True)
class ListQuery:
    params: ListParams
    sort: str
    facets: tuple[str, ...] = ()

    def page(self) -> PageRequest:
        return self.params.page(self.sort)

    @property
    def fields(self) -> list[str] | None:
        return self.params.fields


def split_facets(value: str | None) -> tuple[str, ...]:
    if not value:
        return ()
    return tuple(dict.fromkeys(value.split(",")))
