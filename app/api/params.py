"""Query parameters every list shares, and the rule that unknown parameters are errors."""

import datetime as dt
import re
from collections import Counter
from dataclasses import dataclass
from typing import Annotated, Any, get_args, get_origin

from fastapi import Depends, Query, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.dependencies.models import Dependant

from app.cursors import CursorCodec
from app.errors import BadRequest
from app.paging import PageRequest

MAX_LIMIT = 200
MAX_VALUES = 20
# The alphabet of `fields`; app.openapi narrows it per list to the record's field names.
FIELDS_PATTERN = r"^[a-z_]+(,[a-z_]+)*$"


@dataclass(frozen=True)
class QuerySpec:
    """What one route declares about its query string."""

    known: frozenset[str]
    dates: frozenset[str]  # parameters typed as a date or a date-time
    single: frozenset[str]  # parameters that take one value (not a list)


_query_specs: dict[int, QuerySpec] = {}
# Read as a Unix timestamp by pydantic's lax date parsing (`?to=0` is 1970-01-01), although
# the document promises an ISO 8601 date.
_NUMBER = re.compile(r"^\s*[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?\s*$")


def _is_date_type(annotation: Any) -> bool:
    if isinstance(annotation, type):
        return issubclass(annotation, dt.date)
    return any(_is_date_type(arg) for arg in get_args(annotation))


def _is_list_type(annotation: Any) -> bool:
    if get_origin(annotation) is list:
        return True
    return any(_is_list_type(arg) for arg in get_args(annotation))


def _query_fields(dependant: Dependant) -> list[Any]:
    fields = list(dependant.query_params)
    for sub in dependant.dependencies:
        fields.extend(_query_fields(sub))
    return fields


def _query_spec(request: Request) -> QuerySpec:
    route = request.scope["route"]
    key = id(route)
    if key not in _query_specs:
        fields = _query_fields(route.dependant)
        _query_specs[key] = QuerySpec(
            known=frozenset(f.alias for f in fields),
            dates=frozenset(f.alias for f in fields if _is_date_type(f.field_info.annotation)),
            single=frozenset(f.alias for f in fields if not _is_list_type(f.field_info.annotation)),
        )
    return _query_specs[key]


# The dependencies here do no I/O (but list_params's one read of the cursor key, handed to a
# thread): as `async def` they run on the event loop instead of costing a thread-pool round
# trip each.
async def reject_unknown_params(request: Request) -> None:
    """A silently ignored typo (`?knd=youth`) would hand the client wrong data. Also refused
    here, for every route at once: NUL characters, which no parameter means and PostgreSQL
    cannot store or compare (psycopg refuses them: a 500 instead of a 400), and numbers where
    the document promises a date."""
    spec = _query_spec(request)
    items = request.query_params.multi_items()
    with_nul = sorted({name for name, value in items if "\x00" in name or "\x00" in value})
    if with_nul:
        raise BadRequest(
            f"NUL characters are not allowed in query parameters: {', '.join(with_nul)}.",
            [{"name": n, "in": "query", "reason": "contains a NUL character"} for n in with_nul],
        )
    unknown = sorted({name for name, _ in items if name not in spec.known})
    if unknown:
        allowed = ", ".join(sorted(spec.known)) or "none"
        raise BadRequest(
            f"Unknown query parameter(s): {', '.join(unknown)}. This operation accepts: {allowed}.",
            [
                {"name": n, "in": "query", "reason": "is not a parameter of this operation"}
                for n in unknown
            ],
        )
    # Last-wins would answer a query the client did not mean (`limit=1&limit=2`) while
    # `links.self` echoed both values.
    counts = Counter(name for name, _ in items)
    repeated = sorted(n for n, count in counts.items() if count > 1 and n in spec.single)
    if repeated:
        raise BadRequest(
            f"Query parameter(s) given more than once: {', '.join(repeated)}. Each takes one "
            "value.",
            [{"name": n, "in": "query", "reason": "takes one value"} for n in repeated],
        )
    for name, value in items:
        if name in spec.dates and _NUMBER.match(value):
            raise BadRequest.for_param(name, "must be an ISO 8601 date such as 2025-12-31")


def check_value_count(name: str, values: list[Any] | None) -> list[Any] | None:
    if values is not None and len(values) > MAX_VALUES:
        raise BadRequest.for_param(name, f"at most {MAX_VALUES} values may be given")
    return values or None


@dataclass(frozen=True)
class ListParams:
    limit: int
    cursor: str | None
    fields: list[str] | None
    codec: CursorCodec

    def page(self, sort: str) -> PageRequest:
        # An empty `cursor=` is no cursor this API issued either.
        cursor = self.codec.decode(self.cursor, sort) if self.cursor is not None else None
        return PageRequest(limit=self.limit, sort=sort, cursor=cursor)


async def list_params(
    request: Request,
    limit: Annotated[
        int,
        Query(ge=1, le=MAX_LIMIT, description=f"Records per page, 1 to {MAX_LIMIT}."),
    ] = 50,
    cursor: Annotated[
        str | None,
        Query(
            min_length=1,
            max_length=500,
            description="Opaque position from a `links.next` or `links.prev` URL. Keep the "
            "other parameters as they were; a cursor only works with the sort it was made for.",
        ),
    ] = None,
    fields: Annotated[
        str | None,
        Query(
            max_length=500,
            pattern=FIELDS_PATTERN,
            description="Comma-separated fields to return (the record id is always included).",
            examples=["id,name,country"],
        ),
    ] = None,
) -> ListParams:
    codec: CursorCodec = request.app.state.cursor_codec
    if not codec.ready:
        # Once per process, the cursor key is read (or made) in the database: in a worker
        # thread, and before the route's session begins its transaction (an in-memory SQLite
        # database has a single connection, which cannot hold two transactions at once).
        await run_in_threadpool(codec.key)
    return ListParams(
        limit=limit,
        cursor=cursor,
        fields=fields.split(",") if fields else None,
        codec=codec,
    )


ListParamsDep = Annotated[ListParams, Depends(list_params)]
