"""Query parameters every list shares, and the rule that unknown parameters are errors."""

from dataclasses import dataclass
from typing import Annotated, Any

from fastapi import Depends, Query, Request
from fastapi.dependencies.models import Dependant

from app.errors import BadRequest
from app.paging import PageRequest, decode_cursor

MAX_LIMIT = 200
MAX_VALUES = 20

_known_params: dict[int, frozenset[str]] = {}


def _query_aliases(dependant: Dependant) -> set[str]:
    names = {param.alias for param in dependant.query_params}
    for sub in dependant.dependencies:
        names |= _query_aliases(sub)
    return names


def _declared_query_params(request: Request) -> frozenset[str]:
    route = request.scope["route"]
    key = id(route)
    if key not in _known_params:
        _known_params[key] = frozenset(_query_aliases(route.dependant))
    return _known_params[key]


# The dependencies here do no I/O: as `async def` they run on the event loop instead of
# costing a thread-pool round trip each.
async def reject_unknown_params(request: Request) -> None:
    """A silently ignored typo (`?knd=youth`) would hand the client wrong data."""
    known = _declared_query_params(request)
    unknown = sorted({name for name in request.query_params if name not in known})
    if unknown:
        allowed = ", ".join(sorted(known)) or "none"
        raise BadRequest(
            f"Unknown query parameter(s): {', '.join(unknown)}. This operation accepts: {allowed}.",
            [
                {"name": n, "in": "query", "reason": "is not a parameter of this operation"}
                for n in unknown
            ],
        )


def check_value_count(name: str, values: list[Any] | None) -> list[Any] | None:
    if values is not None and len(values) > MAX_VALUES:
        raise BadRequest.for_param(name, f"at most {MAX_VALUES} values may be given")
    return values or None


@dataclass(frozen=True)
class ListParams:
    limit: int
    cursor: str | None
    fields: list[str] | None

    def page(self, sort: str) -> PageRequest:
        cursor = decode_cursor(self.cursor, sort) if self.cursor else None
        return PageRequest(limit=self.limit, sort=sort, cursor=cursor)


async def list_params(
    limit: Annotated[
        int,
        Query(ge=1, le=MAX_LIMIT, description=f"Records per page, 1 to {MAX_LIMIT}."),
    ] = 50,
    cursor: Annotated[
        str | None,
        Query(
            max_length=500,
            description="Opaque position from a `links.next` or `links.prev` URL. Keep the "
            "other parameters as they were; a cursor only works with the sort it was made for.",
        ),
    ] = None,
    fields: Annotated[
        str | None,
        Query(
            max_length=500,
            pattern=r"^[a-z_]+(,[a-z_]+)*$",
            description="Comma-separated fields to return (the record id is always included).",
            examples=["id,name,country"],
        ),
    ] = None,
) -> ListParams:
    return ListParams(limit=limit, cursor=cursor, fields=fields.split(",") if fields else None)


ListParamsDep = Annotated[ListParams, Depends(list_params)]
