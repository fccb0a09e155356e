"""A list's filters, declared: each is one query parameter (its name, type and text, which
is all the OpenAPI document knows of it), how its value is checked, and the SQL condition it
adds. A collection lists its filters; the dependency that reads them from the query string
and the WHERE clause are made from that list."""

import datetime as dt
import inspect
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import ColumnElement
from sqlmodel import Session

from app.api.list_query import TextQuery, UpdatedSince, utc_moment
from app.api.params import check_value_count
from app.errors import BadRequest
from app.services.search import record_match

Filters = Mapping[str, Any]  # a filter's name -> its value, None (or absent) when not given


@dataclass(frozen=True)
class Scope:
    """What a list query may depend on beyond its filters."""

    session: Session
    today: dt.date


Condition = Callable[[Any, Scope], ColumnElement[bool]]
Rule = Callable[[Filters], None]  # a check over several filters' values


def _as_given(name: str, value: Any) -> Any:
    return value


@dataclass(frozen=True)
class Filter:
    """`name` is the parameter's Python name (its Query alias, if any, is what clients send
    and what errors name: `param`); `clean` checks or normalises the value (a 400 names
    `param`); `condition` turns a given value into SQL."""

    name: str
    annotation: Any  # Annotated[T | None, Query(...)]
    condition: Condition
    clean: Callable[[str, Any], Any] = _as_given
    param: str = ""

    @property
    def query_name(self) -> str:
        return self.param or self.name


def any_of(name: str, column: Any, annotation: Any, **options: Any) -> Filter:
    """A repeatable parameter: records whose column has any of the values."""
    clean = options.pop("clean", None)

    def checked(param: str, values: Any) -> Any:
        values = check_value_count(param, values)
        return clean(values) if clean and values is not None else values

    return Filter(name, annotation, lambda values, scope: column.in_(values), checked, **options)


def text(collection: str, id_column: Any) -> Filter:
    """`q`: the records /v1/search finds for the text (app.search.query's rules)."""

    def condition(q: str, scope: Scope) -> ColumnElement[bool]:
        [match] = record_match(q, collection, id_column)
        return match

    return Filter("q", TextQuery, condition)


def changed_since(
    column: Any, name: str = "updated_since", annotation: Any = UpdatedSince
) -> Filter:
    """Records changed at or after an RFC 3339 moment (one with an offset)."""
    return Filter(name, annotation, lambda since, scope: column >= since, utc_moment)


def read_filters(filters: Sequence[Filter]) -> Callable[..., Any]:
    """A FastAPI dependency whose parameters are the filters' (in their order, so the
    document lists them so) and whose value is the Filters mapping. Values are checked in
    that order: the first bad one is the 400."""

    async def filters_of(**values: Any) -> dict[str, Any]:
        found: dict[str, Any] = {}
        for f in filters:
            value = values[f.name]
            found[f.name] = None if value is None else f.clean(f.query_name, value)
        return found

    kind = inspect.Parameter.KEYWORD_ONLY
    params = [
        inspect.Parameter(f.name, kind, annotation=f.annotation, default=None) for f in filters
    ]
    filters_of.__signature__ = inspect.Signature(params, return_annotation=dict[str, Any])  # type: ignore[attr-defined]
    return filters_of


def where(filters: Sequence[Filter], given: Filters, scope: Scope) -> list[ColumnElement[bool]]:
    """The conditions of the filters given a value."""
    conditions = []
    for f in filters:
        value = given.get(f.name)
        if value is not None:
            conditions.append(f.condition(value, scope))
    return conditions


def ordered_range(low: str, high: str, param: str, reason: str) -> Rule:
    """A rule over two filters: `high` may not be below `low` (a 400 on `param`)."""

    def check(given: Filters) -> None:
        first, last = given.get(low), given.get(high)
        if first is not None and last is not None and first > last:
            raise BadRequest.for_param(param, reason)

    return check
