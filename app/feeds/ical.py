"""iCalendar (RFC 5545) for milestones: one all-day VEVENT each.

Dates known only to the month or year become an all-day event over the whole month or year,
with the precision said in SUMMARY and DESCRIPTION: a calendar cannot show "some day in June",
and pinning the event to the 1st would state a date no source gives.
"""

import datetime as dt
from collections.abc import Iterable, Mapping
from typing import Any

from app.characters import without_controls
from app.feeds.entries import milestone_url, milestone_when, organisation_names
from app.feeds.text import PRECISION_NOTE
from app.seed_rows import period_bounds

MEDIA_TYPE = "text/calendar"
UID_DOMAIN = "wsis-factsheet"
PRODID = "-//WSIS+20 fact sheet API//Milestones//EN"
LINE_OCTETS = 75


def escape_text(value: str) -> str:
    """TEXT values (RFC 5545 3.3.11): backslash, semicolon, comma and newline escaped;
    control characters, which TEXT may not hold, dropped."""
    value = without_controls(value)
    value = value.replace("\\", "\\\\").replace(";", "\\;").replace(",", "\\,")
    return value.replace("\r\n", "\\n").replace("\n", "\\n").replace("\r", "\\n")


def fold(line: str) -> bytes:
    """Lines longer than 75 octets continue on lines that start with a space (RFC 5545 3.1),
    never splitting a UTF-8 character."""
    out: list[bytes] = []
    current = b""
    limit = LINE_OCTETS
    for char in line:
        encoded = char.encode("utf-8")
        if len(current) + len(encoded) > limit:
            out.append(current)
            current = b" "
            limit = LINE_OCTETS  # the leading space counts towards the 75
        current += encoded
    out.append(current)
    return b"\r\n".join(out) + b"\r\n"


def _stamp(value: dt.datetime) -> str:
    return value.astimezone(dt.UTC).strftime("%Y%m%dT%H%M%SZ")


def _date(value: dt.date) -> str:
    return value.strftime("%Y%m%d")


def _description(row: Mapping[str, Any], record_url: str) -> str:
    lines = [f"When: {milestone_when(row)}"]
    names = organisation_names(row)
    if names:
        lines.append(f"Organisations: {', '.join(names)}")
    if row.get("resolution"):
        lines.append(f"Resolution: {row['resolution']}")
    if row.get("notes"):
        lines += ["", row["notes"]]
    for conflict in row.get("conflicts") or []:
        values = " / ".join(conflict["values"])
        lines += ["", f"Sources disagree on {conflict['field']}: {values}. {conflict['note']}"]
    lines += ["", f"Source: {row['source_url']}", f"Record: {record_url}"]
    return "\n".join(lines)


def _event(row: Mapping[str, Any], base_url: str) -> list[str]:
    record_url = milestone_url(base_url, row["id"])
    # The whole period the dates can mean, as the list's filters and status read them.
    first, last = period_bounds(row["start_date"], row["end_date"])
    note = PRECISION_NOTE.get(row["date_precision"])
    summary = f"{row['title']} ({note})" if note else row["title"]
    lines = [
        "BEGIN:VEVENT",
        f"UID:{row['id']}@{UID_DOMAIN}",
        f"DTSTAMP:{_stamp(row['updated_at'])}",
        f"CREATED:{_stamp(row['created_at'])}",
        f"LAST-MODIFIED:{_stamp(row['updated_at'])}",
        f"DTSTART;VALUE=DATE:{_date(first)}",
        # DTEND is exclusive: the day after the last day.
        f"DTEND;VALUE=DATE:{_date(last + dt.timedelta(days=1))}",
        f"SUMMARY:{escape_text(summary)}",
        f"DESCRIPTION:{escape_text(_description(row, record_url))}",
    ]
    if row.get("location"):
        lines.append(f"LOCATION:{escape_text(row['location'])}")
    lines += [
        f"URL:{record_url}",
        f"CATEGORIES:{escape_text(row['kind'])}",
        # All-day events that span a month or a year must not show as busy time.
        "TRANSP:TRANSPARENT",
        "END:VEVENT",
    ]
    return lines


def render(
    rows: Iterable[Mapping[str, Any]], *, name: str, description: str, base_url: str
) -> bytes:
    """Rows are milestone rows as the JSON list has them."""
    lines = [
        "BEGIN:VCALENDAR",
        "VERSION:2.0",
        f"PRODID:{PRODID}",
        "CALSCALE:GREGORIAN",
        "METHOD:PUBLISH",
        f"NAME:{escape_text(name)}",
        f"X-WR-CALNAME:{escape_text(name)}",
        f"X-WR-CALDESC:{escape_text(description)}",
        "REFRESH-INTERVAL;VALUE=DURATION:P1D",
        "X-PUBLISHED-TTL:P1D",
    ]
    for row in rows:
        lines += _event(row, base_url)
    lines.append("END:VCALENDAR")
    return b"".join(fold(line) for line in lines)
