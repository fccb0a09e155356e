"""The table of a list page. No collection is named here: the columns are the record's title
plus whichever of a few telling fields its records have, so a collection added later gets a
sensible table without touching this module."""

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from app.collection import Collection
from app.pages.display import date_range, label, readable

# Short ids that mean something to a reader (an action line's code, a call's number) lead.
LEADING = ("code", "number")
# The fields worth a column, in column order; a list shows the first MOST_COLUMNS it has.
TELLING = (
    "start_date",
    "at",
    "collection",
    "action",
    "record_id",
    "full_name",
    "kind",
    "value",
    "unit",
    "as_of",
    "category",
    "status",
    "country",
    "region",
    "facilitators",
)
MOST_COLUMNS = 4
HEADINGS = {"start_date": "Date", "at": "When"}


@dataclass(frozen=True)
class Cell:
    text: str
    href: str | None = None
    header: bool = False  # the title: the row's header cell


@dataclass(frozen=True)
class Table:
    headings: list[str]
    rows: list[list[Cell]]


def columns(collection: Collection) -> list[str]:
    fields = collection.fields
    title = collection.title_column
    leading = [f for f in LEADING if f in fields and f != title]
    telling = [f for f in TELLING if f in fields and f != title][:MOST_COLUMNS]
    return [*leading, title, *telling]


def record_href(collection: Collection, record: Mapping[str, Any]) -> str | None:
    """A record's page; a record with no page of its own may still name one (a change's
    `href`, which a deletion leaves null)."""
    if collection.texts.detail is not None:
        return f"{collection.href}/{record[collection.id.column]}"
    href = record.get("href")
    return href if isinstance(href, str) else None


def cell_text(record: Mapping[str, Any], name: str) -> str:
    value = record.get(name)
    if name == "start_date" and "date_precision" in record and value is not None:
        return date_range(value, record.get("end_date"), record["date_precision"])
    if isinstance(value, list):
        return ", ".join(readable(v) for v in value) if value else "None"
    return readable(value)


def table(collection: Collection, records: Sequence[Mapping[str, Any]]) -> Table:
    names = columns(collection)
    rows = []
    for record in records:
        href = record_href(collection, record)
        title = collection.title_column
        rows.append(
            [
                Cell(cell_text(record, n), href, True) if n == title else Cell(cell_text(record, n))
                for n in names
            ]
        )
    return Table([HEADINGS.get(n, label(n)) for n in names], rows)
