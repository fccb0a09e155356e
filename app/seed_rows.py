"""How a record of seed.json becomes a row of its table: the table's columns picked from the
record (the timestamps are the seed's to set), and a date of any precision as the first and
last day it can mean."""

import calendar
import datetime as dt
from collections.abc import Callable, Iterable
from typing import Any

from sqlalchemy import Table

STAMPS = ("created_at", "updated_at")
RowsOf = Callable[[dict[str, Any]], Iterable[dict[str, Any]]]


def pick(table: Table, record: dict[str, Any], **extra: Any) -> dict[str, Any]:
    columns = [c.key for c in table.columns if c.key not in STAMPS]
    merged = {**record, **extra}
    return {c: merged[c] for c in columns if c in merged}


def plain_rows(table: Table, key: str) -> RowsOf:
    """The records under `key` of the seed file, one row each."""
    return lambda data: (pick(table, r) for r in data[key])


def period_bounds(start: str, end: str | None) -> tuple[dt.date, dt.date]:
    """The first day `start` can mean and the last day `end` (or `start`) can mean."""
    return _first_day(start), _last_day(end or start)


def _first_day(value: str) -> dt.date:
    parts = [int(p) for p in value.split("-")]
    return dt.date(parts[0], parts[1] if len(parts) > 1 else 1, parts[2] if len(parts) > 2 else 1)


def _last_day(value: str) -> dt.date:
    parts = [int(p) for p in value.split("-")]
    if len(parts) == 3:
        return dt.date(*parts)
    month = parts[1] if len(parts) == 2 else 12
    return dt.date(parts[0], month, calendar.monthrange(parts[0], month)[1])
