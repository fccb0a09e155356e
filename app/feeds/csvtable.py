"""CSV (RFC 4180: UTF-8, CRLF line ends, a header row) from list rows, flattened.

Flattening rules (also in the README):
- null is an empty cell; true/false are `true`/`false`; timestamps are RFC 3339 in UTC (`Z`);
- a list of strings is joined with " | "; an empty list is an empty cell;
- a list of records (a milestone's `organisations`) is their ids joined with " | ", and a
  second column (`organisation_names`) holds their names in the same order;
- anything else nested (`conflicts`) is compact JSON;
- a text cell that starts with `=`, `+`, `-`, `@`, a tab or a carriage return gets a leading
  `'`, so a spreadsheet shows it as text instead of running it as a formula (OWASP "CSV
  injection"); numbers are never altered, so a negative number stays a number;
- control characters other than tab and line ends are dropped.
"""

import csv
import datetime as dt
import io
from collections.abc import Iterable, Iterator, Mapping, Sequence
from typing import Any

import orjson

from app.characters import without_controls

MEDIA_TYPE = "text/csv"
SEPARATOR = " | "
ROWS_PER_CHUNK = 500


FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def text_cell(text: str) -> str:
    """A cell of text, safe to open in a spreadsheet (see the module's rules)."""
    text = without_controls(text)
    return "'" + text if text.startswith(FORMULA_STARTS) else text


def cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return str(value)
    if isinstance(value, dt.datetime):
        return value.astimezone(dt.UTC).isoformat().replace("+00:00", "Z")
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, list):
        if all(isinstance(v, str) for v in value):
            return text_cell(SEPARATOR.join(value))
        if all(isinstance(v, Mapping) and "id" in v for v in value):
            return text_cell(SEPARATOR.join(str(v["id"]) for v in value))
    if isinstance(value, list | dict):
        return text_cell(orjson.dumps(value).decode())
    return text_cell(str(value))


def header(fields: Sequence[str], record_lists: Mapping[str, tuple[str, str]]) -> list[str]:
    """The columns: each field, and after a list of records the column of their names.
    `record_lists` maps such a field to (names column, the records' name key)."""
    columns: list[str] = []
    for name in fields:
        columns.append(name)
        if name in record_lists:
            columns.append(record_lists[name][0])
    return columns


def flatten(
    row: Mapping[str, Any], fields: Sequence[str], record_lists: Mapping[str, tuple[str, str]]
) -> list[str]:
    cells: list[str] = []
    for name in fields:
        cells.append(cell(row[name]))
        if name in record_lists:
            key = record_lists[name][1]
            cells.append(text_cell(SEPARATOR.join(str(r[key]) for r in row[name] or [])))
    return cells


def render(
    rows: Iterable[Mapping[str, Any]],
    fields: Sequence[str],
    record_lists: Mapping[str, tuple[str, str]] | None = None,
) -> Iterator[bytes]:
    """The header, then the rows, encoded a chunk of rows at a time."""
    lists = record_lists or {}
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(header(fields, lists))
    pending = 0
    for row in rows:
        writer.writerow(flatten(row, fields, lists))
        pending += 1
        if pending == ROWS_PER_CHUNK:
            yield buffer.getvalue().encode("utf-8")
            buffer.seek(0)
            buffer.truncate()
            pending = 0
    yield buffer.getvalue().encode("utf-8")
