"""The milestone timeline of the landing page: every milestone in date order, its dates only
as precise as the record says, and its status (past, ongoing, upcoming) as a word as well as a
style, so it does not rest on colour alone."""

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from app.pages.display import capitalised, date_range
from app.seed_rows import period_bounds

STATUSES = ("past", "ongoing", "upcoming")


@dataclass(frozen=True)
class Item:
    title: str
    href: str
    when: str  # "10–12 December 2003", "March 2025", "2026"
    datetime: str  # the <time> element's machine-readable start: "2025-03", "2026"
    status: str
    kind: str

    @property
    def status_text(self) -> str:
        return capitalised(self.status)


def status_of(record: Mapping[str, Any], today: dt.date) -> str:
    """The record's status as the API computed it; from its dates when it has none. A date
    known to the month or year covers that whole month or year."""
    if record.get("status") in STATUSES:
        return str(record["status"])
    last = record.get("end_date")
    start, end = period_bounds(_iso(record["start_date"]), _iso(last) if last else None)
    if end < today:
        return "past"
    return "upcoming" if start > today else "ongoing"


def _iso(value: str | dt.date) -> str:
    return value.isoformat() if isinstance(value, dt.date) else value


def items(milestones: Sequence[Mapping[str, Any]], href: str, today: dt.date) -> list[Item]:
    """Date order is the start date's first possible day; a stable sort keeps the list's own
    order between milestones that start together."""
    ordered = sorted(milestones, key=lambda r: period_bounds(_iso(r["start_date"]), None)[0])
    return [
        Item(
            title=str(r["title"]),
            href=f"{href}/{r['id']}",
            when=date_range(r["start_date"], r.get("end_date"), r.get("date_precision", "day")),
            datetime=_iso(r["start_date"]),
            status=status_of(r, today),
            kind=str(r.get("kind") or ""),
        )
        for r in ordered
    ]
