"""The filter form of a list page, made from the collection's declared filters: each filter's
type (read from its annotation) picks the control, its Query metadata gives the hint and
bounds, and the request's query string fills it in again."""

import datetime as dt
import re
import types
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Annotated, Any, Literal, Union, get_args, get_origin

from app.api.params import MAX_LIMIT
from app.collection import Collection
from app.filters import Filter
from app.pages.display import label

Query = Sequence[tuple[str, str]]
ANY = ("", "any")
YES_NO = (ANY, ("true", "yes"), ("false", "no"))
YES_NO_WORD = dict(YES_NO[1:])
# API advice that means nothing in a form, where one control gives one value.
_REPEAT = re.compile(r"[;,.]?\s*repeat to OR\.?|\s*\(write [^)]*\)", re.IGNORECASE)
_FIRST_SENTENCE = re.compile(r"(?<=\.)(?<!e\.g\.)(?<!i\.e\.)\s+(?=[A-Z])")


@dataclass(frozen=True)
class Control:
    """One form control: a <select> (with `options`) or an <input type=`input_type`>."""

    param: str
    label: str
    input_type: str = "text"  # "select" for a <select>
    options: tuple[tuple[str, str], ...] = ()
    chosen: tuple[str, ...] = ()
    hint: str = ""
    bounds: dict[str, int] = field(default_factory=dict)  # min/max of a number input

    @property
    def id(self) -> str:
        return "filter-" + re.sub(r"[^a-z0-9]+", "-", self.param.lower())

    @property
    def value(self) -> str:
        return self.chosen[0] if self.chosen else ""

    @property
    def multiple(self) -> bool:
        """Several values given (`?status=ongoing&status=upcoming`) stay chosen, so sending
        the form again keeps the filter it was loaded with."""
        return self.input_type == "select" and len(self.chosen) > 1


def _unwrap(annotation: Any) -> tuple[Any, list[Any]]:
    """The value type under Annotated, Optional and list, with all metadata met on the way."""
    metadata: list[Any] = []
    while True:
        origin = get_origin(annotation)
        if origin is Annotated:
            annotation, *more = get_args(annotation)
            metadata.extend(more)
        elif origin in (Union, types.UnionType):
            annotation = next(a for a in get_args(annotation) if a is not type(None))
        elif origin is list:
            (annotation,) = get_args(annotation)
        else:
            return annotation, metadata


def _bounds(metadata: list[Any]) -> dict[str, int]:
    bounds: dict[str, int] = {}
    for item in metadata:
        for inner in [item, *getattr(item, "metadata", [])]:
            if getattr(inner, "ge", None) is not None:
                bounds["min"] = inner.ge
            if getattr(inner, "le", None) is not None:
                bounds["max"] = inner.le
    return bounds


def _hint(metadata: list[Any]) -> str:
    description = next((m.description for m in metadata if getattr(m, "description", None)), "")
    first = _FIRST_SENTENCE.split(description.strip(), 1)[0]
    hint = _REPEAT.sub("", first).replace("`", "").strip(" .;")
    # The form's yes/no select stands for the parameter's true/false.
    hint = re.sub(r"\b(true|false):", lambda m: YES_NO_WORD[m[1]] + ":", hint)
    return hint + "." if hint else ""


def option_text(value: str) -> str:
    return label(value) if "_" in value else value


def control(f: Filter, given: Sequence[str]) -> Control:
    kind, metadata = _unwrap(f.annotation)
    name = f.query_name
    common: dict[str, Any] = {"chosen": tuple(given), "hint": _hint(metadata)}
    text = "Text" if name == "q" else label(name)
    if get_origin(kind) is Literal:
        options = (ANY, *((str(v), option_text(str(v))) for v in get_args(kind)))
        return Control(name, text, "select", options, **common)
    if kind is bool:
        return Control(name, text, "select", YES_NO, **common)
    if kind is dt.datetime:
        return Control(name, text, "text", **common)
    if kind is dt.date:
        return Control(name, text, "date", **common)
    if kind is int:
        return Control(name, text, "number", bounds=_bounds(metadata), **common)
    return Control(name, text, "search" if name == "q" else "text", **common)


def values_of(query: Query, name: str) -> list[str]:
    return [value for key, value in query if key == name and value != ""]


def linked_filters(collection: Collection, path: str) -> set[str]:
    """The filters a sub-list's path already sets (an organisation's milestones are filtered
    by that organisation): its route takes no such parameter, so the form has no control."""
    # Imported on use: app.collections imports the API's modules, which import these pages.
    from app.collections import SUB_LISTS

    found = set()
    for sub in SUB_LISTS:
        shape = rf"{re.escape(sub.parent.href)}/[^/]+/{re.escape(sub.child.name)}"
        if sub.child is collection and re.fullmatch(shape, path):
            found.add(sub.link)
    return found


def filter_controls(collection: Collection, query: Query, path: str) -> list[Control]:
    linked = linked_filters(collection, path)
    return [
        control(f, values_of(query, f.query_name))
        for f in collection.filters
        if f.name not in linked
    ]


def sort_control(collection: Collection, query: Query, current: str) -> Control:
    options: list[tuple[str, str]] = []
    for key in collection.sorts:
        options += [(key, f"{label(key)}, ascending"), (f"-{key}", f"{label(key)}, descending")]
    chosen = values_of(query, "sort")[:1] or [current]
    return Control("sort", "Sort by", "select", tuple(options), tuple(chosen))


def limit_control(query: Query, current: int | None) -> Control:
    chosen = values_of(query, "limit")[:1] or ([str(current)] if current else [])
    bounds = {"min": 1, "max": MAX_LIMIT}
    hint = f"1 to {MAX_LIMIT}."
    return Control("limit", "Per page", "number", (), tuple(chosen), hint, bounds)
