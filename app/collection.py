"""A collection, declared once: its table, id, public schema, filters, sorts, facets, formats,
feed mapping, search document, seed key and texts. Routes, search, the change log, the seed
and the OpenAPI tags read the declarations in app.collections; no other module spells a
collection's name."""

import datetime as dt
import functools
import inspect
import tomllib
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from importlib.resources import files
from typing import Annotated, Any

from fastapi import Path
from pydantic import BaseModel, Field, create_model
from sqlalchemy import ColumnElement, Table

from app.api.format_routes import Docs
from app.api.formats import LIST_FORMATS, Format
from app.feeds.model import Entry
from app.filters import Filter, Filters, Rule, Scope, read_filters, where
from app.paging import PageResult, SortKey
from app.schemas.facets import FacetedPageMeta
from app.schemas.page import META_DESCRIPTION, Page
from app.seed_rows import plain_rows
from app.services.listing import Listing, RowShaper, public_fields, shaper

Row = Mapping[str, Any]
# A facet is a column, or an expression that depends on today (a milestone's status).
Facet = Callable[[dt.date], ColumnElement[Any]]
# Columns computed per record (a milestone's status and organisations) from its row and today.
Computed = Callable[[Row, dt.date], dict[str, Any]]


def slug_id(description: str, example: str, longest: int = 40) -> Any:
    """The path schema of an id made of lower-case letters, digits and hyphens."""
    pattern = rf"^[a-z0-9][a-z0-9-]{{0,{longest - 1}}}$"
    return Path(pattern=pattern, description=description, examples=[example])


@dataclass(frozen=True)
class RecordId:
    """How a record is named in its URL: the path parameter's schema (`Path(...)`) and type,
    the column it matches, the parameter's name (`<noun>_id` unless given) and the word for
    it in a 404 ("No NRI has the id ...")."""

    path: Any
    type: Any = str
    column: str = "id"
    param: str = ""
    label: str = "id"

    @property
    def annotation(self) -> Any:
        return Annotated[self.type, self.path]


@dataclass(frozen=True)
class Texts:
    """The words of a collection's operations. `plural` reads after "List" ("NRIs", "the
    calls to action"); `noun` is one record ("NRI")."""

    noun: str
    plural: str
    tag: str  # the OpenAPI tag; the collection's name unless it shares another's
    tag_description: str
    list: Docs
    detail: Docs | None  # None: the records have no URL of their own (the change log)
    summary: Docs | None = None
    formats: Mapping[str, Docs] = field(default_factory=dict)
    order: str = "in the list's sort order"
    missing: str = "No {noun} has the {label} {value!r}."


@dataclass(frozen=True)
class Collection:
    name: str  # in URLs, tags, search and the change log: "nris"
    texts: Texts
    table: Table
    public: type[BaseModel]
    id: RecordId
    filters: Sequence[Filter]
    sorts: Mapping[str, SortKey]
    sort_description: str
    facets: Mapping[str, Facet] = field(default_factory=dict)
    rules: Sequence[Rule] = ()  # checks over several filters, e.g. a range the right way up
    # The list envelope's `meta`: the facet counts, or more (NRIs held vs counted).
    page_meta: type[BaseModel] | None = FacetedPageMeta
    summary_facets: Sequence[str] = ()
    formats: tuple[Format, ...] = LIST_FORMATS
    computed: Computed | None = None
    shape_row: RowShaper | None = None  # instead of the public fields of the row as they are
    extra_columns: Callable[[Scope], Sequence[Any]] = lambda scope: ()
    # Read with each page (one statement): counts beside the list, e.g. NRIs held vs counted.
    extras: Mapping[str, Any] | None = None
    meta: Callable[[PageResult], dict[str, Any]] | None = None
    # CSV: nested lists of records flattened to ids plus a names column.
    record_lists: Mapping[str, tuple[str, str]] | None = None
    depends_on_today: bool = False
    entry: Callable[[Row, str], Entry] | None = None  # the feed entry of a record
    calendar: Callable[..., bytes] | None = None  # rows -> iCalendar
    feed_title: str = ""
    feed_subtitle: str = ""
    # How a record reads to /v1/search: (title, body) from its row.
    search: Callable[[Row], tuple[str, str]] | None = None
    # Its records in seed.json: under seed_key (the name with underscores), each becoming a
    # row as seed_rows says (the record's columns, by default); title_column names a record
    # in the change log.
    title_column: str = "title"
    seed_rows: Callable[[dict[str, Any]], Iterable[dict[str, Any]]] | None = None
    # The JSON Schema of one record in seed.json, for a collection app/seed_schema.json does
    # not describe (the ones there are checked by it, with the rules of app.seed_check).
    seed_schema: dict[str, Any] | None = None

    @property
    def seed_key(self) -> str:
        return self.name.replace("-", "_")

    def rows_of(self, data: dict[str, Any]) -> Iterable[dict[str, Any]]:
        """The table rows of its records in the seed file."""
        rows = self.seed_rows or plain_rows(self.table, self.seed_key)
        return rows(data)

    @functools.cached_property
    def fields(self) -> tuple[str, ...]:
        return public_fields(self.public)

    @property
    def default_sort(self) -> str:
        return next(iter(self.sorts))

    @property
    def id_column(self) -> Any:
        return self.table.c[self.id.column]

    @property
    def id_param(self) -> str:
        """The path parameter of a record's URL: /v1/nris/{nri_id}."""
        return self.id.param or f"{self.record_name}_id"

    @property
    def record_name(self) -> str:
        """One record in operation ids: get_nri, get_call_to_action."""
        return self.texts.noun.lower().replace(" ", "_")

    @property
    def href(self) -> str:
        return f"/v1/{self.name}"

    def shape(self, today: dt.date) -> RowShaper:
        computed = self.computed
        if self.shape_row is not None:
            return self.shape_row
        if computed is None:
            return self._plain_shape
        return shaper(self.public, lambda row: computed(row, today))

    @functools.cached_property
    def _plain_shape(self) -> RowShaper:
        return shaper(self.public)

    @property
    def page(self) -> type[BaseModel]:
        """The JSON list envelope: `Page` of the public schema, named for the OpenAPI
        document after it (NriPublic -> NriPage)."""
        return _page_model(self.public, self.page_meta)

    def read_filters(self, without: Sequence[str] = ()) -> Callable[..., Any]:
        """The dependency that reads the filters (all but `without`) from the query string."""
        return read_filters([f for f in self.filters if f.name not in without])

    def where(self, given: Filters, scope: Scope) -> list[ColumnElement[bool]]:
        for rule in self.rules:
            rule(given)
        return where(self.filters, given, scope)

    def listing(self, filters: Filters, scope: Scope) -> Listing:
        """The records that match `filters`, for every format of the list."""
        return Listing(
            self.table,
            self.where(filters, scope),
            self.sorts,
            self.id_column,
            self.shape(scope.today),
            extra_columns=self.extra_columns(scope),
            extras=self.extras,
            facets={name: facet(scope.today) for name, facet in self.facets.items()},
        )

    def format_docs(self, fmt: Format) -> Docs:
        """A suffix route's texts: the collection's own, or the format's wording."""
        if fmt.name in self.texts.formats:
            return self.texts.formats[fmt.name]
        plural, noun = self.texts.plural, self.texts.noun
        title = plural[:1].upper() + plural[1:]
        summary = fmt.summary.format(plural=plural, title=title)
        description = fmt.description.format(noun=noun, order=self.texts.order)
        return Docs(summary, description)

    def not_found(self, value: Any) -> str:
        return self.texts.missing.format(noun=self.texts.noun, label=self.id.label, value=value)


TEXTS_FILE = "texts.toml"


@functools.cache
def _texts() -> dict[str, Any]:
    return tomllib.loads((files("app.collections") / TEXTS_FILE).read_text(encoding="utf-8"))


def _docs(entry: dict[str, str]) -> Docs:
    return Docs(entry["summary"], entry["description"])


def texts_of(name: str) -> Texts:
    """The words of a collection's operations, from app/collections/texts.toml."""
    entry = _texts()[name]
    optional = {key: entry[key] for key in ("order", "missing") if key in entry}
    return Texts(
        noun=entry["noun"],
        plural=entry["plural"],
        tag=entry.get("tag", name),
        tag_description=entry["tag_description"],
        list=_docs(entry["list"]),
        detail=_docs(entry["detail"]) if "detail" in entry else None,
        summary=_docs(entry["summary"]) if "summary" in entry else None,
        formats={fmt: _docs(d) for fmt, d in entry.get("formats", {}).items()},
        **optional,
    )


def sub_list_docs(name: str) -> dict[str, Docs]:
    """The words of a sub-list's routes (by format name, and "negotiated")."""
    return {key: _docs(d) for key, d in _texts()["sub-lists"][name].items()}


@functools.cache
def _page_model(public: type[BaseModel], meta: type[BaseModel] | None) -> type[BaseModel]:
    name = public.__name__.removesuffix("Public") + "Page"
    base = Page[public]  # type: ignore[valid-type]
    if meta is None:
        return type(name, (base,), {"__module__": public.__module__})
    fields: Any = {"meta": (meta, Field(description=META_DESCRIPTION))}
    model: type[BaseModel] = create_model(
        name, __base__=base, __module__=public.__module__, **fields
    )
    return model


@dataclass(frozen=True)
class SubList:
    """The records of `child` that one record of `parent` links to (an organisation's
    milestones), in every format of the child's list. `link` is the child's filter that holds
    parent ids (the sub-list takes the child's other filters); `title(parent record)` names a
    feed."""

    parent: Collection
    child: Collection
    link: str
    name: str  # the operation id of its negotiated route
    title: Callable[[Row], str]
    docs: Mapping[str, Docs]


def column(name: str, table: Table) -> Facet:
    """A facet that is a plain column."""
    return lambda today: table.c[name]


def doc(summary: str, description: str) -> Docs:
    """Texts written as a docstring is: indented continuation lines are dedented."""
    return Docs(summary, inspect.cleandoc(description))
