"""The pages: each view takes the JSON payload the API sends for a resource (the same dicts,
before encoding) and returns the HTML page's bytes. Views read no database and no clock; the
routes hand them everything, so a page is as cacheable as the JSON it shows."""

import datetime as dt
import functools
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from app.collection import Collection
from app.pages import forms, timeline
from app.pages.display import capitalised, date_range, label
from app.pages.render import render
from app.pages.summary_charts import facet_counts
from app.pages.tables import table

Payload = Mapping[str, Any]
Links = Sequence[tuple[str, str]]  # (label, URL): "JSON", "/v1/nris?kind=youth"
# Shown in the provenance section, not among the record's own fields.
PROVENANCE = ("source_url", "source", "other_sources", "evidence", "conflicts")
STAMPS = ("created_at", "updated_at")
SHEET = "fact-sheet"  # how search and the change log name the fact sheet's sections
CHARTED = ("kind", "region")  # the NRI facets the landing page charts, each beside its table


@functools.cache
def _registry() -> dict[str, Collection]:
    # Imported on first use: app.collections imports the API's modules, which import these
    # pages to render HTML, so importing it with this module would be circular.
    from app.collections import COLLECTIONS

    return {c.name: c for c in COLLECTIONS}


def collection_label(name: str) -> str:
    if name == SHEET:
        return "Fact sheet"
    found = _registry().get(name)
    return capitalised(found.texts.plural) if found else label(name)


@dataclass(frozen=True)
class Row:
    """One field of a record page: its value shown as a whole, as text, or as links."""

    label: str
    value: Any = None
    text: str | None = None
    links: tuple[tuple[str, str], ...] = ()


def _record_links(name: str, value: Any) -> tuple[tuple[str, str], ...]:
    """A list of records of another collection, embedded by id and name (a milestone's
    organisations), as links to their pages; () for anything else."""
    target = _registry().get(name)
    if target is None or target.texts.detail is None or not isinstance(value, list) or not value:
        return ()
    if not all(isinstance(v, Mapping) and "id" in v for v in value):
        return ()
    title = target.title_column
    return tuple((str(v.get(title) or v["id"]), f"{target.href}/{v['id']}") for v in value)


def _row(record: Payload, name: str) -> Row:
    value = record[name]
    precision = record.get("date_precision")
    if name == "start_date" and precision and value is not None:
        # One row for both ends: a one-day event's null end_date is no unknown.
        return Row("Date", text=date_range(value, record.get("end_date"), precision))
    if name == "href" and isinstance(value, str):
        return Row(label(name), links=((value, value),))
    links = _record_links(name, value)
    return Row(label(name), value, links=links) if links else Row(label(name), value)


def _rows(collection: Collection, record: Payload) -> list[Row]:
    hidden = {collection.title_column, *PROVENANCE, *STAMPS}
    if record.get("date_precision") and record.get("start_date") is not None:
        hidden.add("end_date")  # shown with start_date
    return [_row(record, name) for name in record if name not in hidden]


def list_page(
    *,
    collection: Collection,
    payload: Payload,
    path: str,
    query: Sequence[tuple[str, str]],
    alternates: Links,
) -> bytes:
    meta = payload.get("meta") or {}
    filters = forms.filter_controls(collection, query, path)
    controls = [
        *filters,
        forms.sort_control(collection, query, str(meta.get("sort") or collection.default_sort)),
        forms.limit_control(query, meta.get("limit")),
    ]
    return render(
        "list.html",
        heading=capitalised(collection.texts.plural),
        description=collection.texts.list.description,
        note=meta.get("coverage_note"),
        path=path,
        # The server drops empty fields only on .html URLs: the form's blanks mean "any".
        action=path + ".html",
        controls=controls,
        total=meta.get("total", len(payload["data"])),
        table=table(collection, payload["data"]),
        filtered=any(c.chosen for c in filters),
        links=payload.get("links") or {},
        alternates=alternates,
        current=path,
    )


def record_page(*, collection: Collection, record: Payload, alternates: Links) -> bytes:
    title = record.get(collection.title_column)
    noun = capitalised(collection.texts.noun)
    return render(
        "record.html",
        title=str(title) if title is not None else f"{noun} {record[collection.id.column]}",
        rows=_rows(collection, record),
        source_url=record.get("source_url"),
        has_source_url="source_url" in record,
        source=record.get("source"),
        other_sources=record.get("other_sources"),
        evidence=record.get("evidence"),
        conflicts=record.get("conflicts"),
        created_at=record.get("created_at"),
        updated_at=record.get("updated_at"),
        noun=collection.texts.noun,
        plural=collection.texts.plural,
        list_href=collection.href,
        list_name=capitalised(collection.texts.plural),
        alternates=alternates,
        current=collection.href,
    )


def search_page(*, payload: Payload | None, query: str, alternates: Links) -> bytes:
    """An empty query shows the form alone, whatever the payload holds."""
    hits = None
    if query.strip() and payload is not None:
        hits = [
            {**hit, "label": collection_label(str(hit["collection"]))} for hit in payload["data"]
        ]
    meta = (payload or {}).get("meta") or {}
    return render(
        "search.html",
        query=query,
        hits=hits,
        total=meta.get("total", len(hits or [])),
        links=(payload or {}).get("links") or {},
        alternates=alternates if hits is not None else [],
        current="/v1/search",
    )


@dataclass(frozen=True)
class Section:
    id: str
    heading: str
    rank: int  # the heading's level on the page: h2 for the sheet's top level
    body: str
    footnotes: list[str]


def sections(raw: Sequence[Payload], top: int = 2) -> list[Section]:
    """The sheet's sections in order, their levels mapped to heading ranks from `top` down,
    never more than one rank below the heading before (a page's outline may not skip)."""
    found, previous = [], top - 1
    for s in sorted(raw, key=lambda s: s.get("position", 0)):
        rank = min(top + int(s.get("level") or 1) - 1, previous + 1, 6)
        body, footnotes = s.get("body") or "", s.get("footnotes") or []
        found.append(Section(str(s["id"]), str(s["heading"]), rank, body, footnotes))
        previous = rank
    return found


def fact_sheet_page(*, payload: Payload, alternates: Links) -> bytes:
    return render(
        "fact_sheet.html",
        sheet=payload,
        sections=sections(payload.get("sections") or []),
        calls=payload.get("calls_to_action") or [],
        alternates=alternates,
        current="/v1/fact-sheet",
    )


def landing_page(
    *,
    index: Payload,
    fact_sheet: Payload | None,
    milestones: Sequence[Payload],
    nri_summary: Payload,
    today: dt.date,
    charts: Mapping[str, str],
) -> bytes:
    facets = nri_summary.get("facets") or {}
    collections = [
        {**c, "label": collection_label(str(c["name"]))} for c in index.get("collections") or []
    ]
    return render(
        "landing.html",
        data=index.get("data"),
        collections=collections,
        sheet=fact_sheet,
        sections=sections((fact_sheet or {}).get("sections") or [], top=3),
        calls=(fact_sheet or {}).get("calls_to_action") or [],
        timeline=timeline.items(milestones, "/v1/milestones", today),
        today=today,
        nri_total=nri_summary.get("total"),
        nri_tables=[
            (facet, label(facet), facet_counts(dict(nri_summary), facet) if facet in facets else [])
            for facet in CHARTED
        ],
        charts=charts,
        alternates=[],
        current="/",
    )


def error_page(*, problem: Payload) -> bytes:
    kind = problem.get("type")
    return render(
        "error.html",
        status=problem.get("status") or "",
        title=problem.get("title") or "Error",
        detail=problem.get("detail"),
        errors=[e for e in problem.get("errors") or [] if isinstance(e, Mapping)],
        instance=problem.get("instance"),
        # A problem type is a page of its own when it is a path on this site.
        type_href=kind if isinstance(kind, str) and kind.startswith("/problems/") else None,
        alternates=[],
        current="",
    )
