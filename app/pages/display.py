"""How values read on a page: field names as labels, dates as precise as the data says (a
month-precision date never gains a day), URLs as links, and nothing invented for a gap."""

import datetime as dt
import re
from typing import Any

MONTHS = (
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
)
# Words a label keeps in capitals ("source_url" -> "Source URL").
ACRONYMS = {
    "url": "URL",
    "urls": "URLs",
    "id": "ID",
    "nri": "NRI",
    "nris": "NRIs",
    "igf": "IGF",
    "itu": "ITU",
}
# What each evidence level of an NRI means, in words; an unknown level reads as its words.
EVIDENCE = {
    "igf_secretariat_page": "Listed on an IGF Secretariat page",
    "recognition_stated_elsewhere": "IGF recognition stated in another source",
    "existence_reported": "Only reported to exist; no statement of IGF recognition",
}
_DAY = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_MONTH = re.compile(r"^\d{4}-\d{2}$")
_YEAR = re.compile(r"^\d{4}$")
_MOMENT = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}")


def label(name: str) -> str:
    """A field name as words: "date_precision" -> "Date precision"."""
    words = [ACRONYMS.get(w, w) for w in name.replace("-", "_").split("_") if w]
    text = " ".join(words)
    return text[:1].upper() + text[1:]


def is_url(value: Any) -> bool:
    return isinstance(value, str) and value.startswith(("https://", "http://"))


def day(value: dt.date) -> str:
    return f"{value.day} {MONTHS[value.month - 1]} {value.year}"


def moment(value: dt.datetime) -> str:
    """A timestamp to the minute, in UTC (the API's timestamps all are)."""
    if value.tzinfo is not None:
        value = value.astimezone(dt.UTC)
    return f"{day(value)}, {value:%H:%M} UTC"


def precise_date(value: str | dt.date, precision: str = "day") -> str:
    """An ISO date shown no more precisely than `precision` or its own form allows:
    "2025-03-27" -> "27 March 2025", "2025-03" -> "March 2025", "2025" -> "2025"."""
    text = value.isoformat() if isinstance(value, dt.date) else value
    parts = text.split("-")
    if not (_DAY.match(text) or _MONTH.match(text) or _YEAR.match(text)):
        return text
    year, month = parts[0], MONTHS[int(parts[1]) - 1] if len(parts) > 1 else ""
    if precision == "year" or not month:
        return year
    if precision == "month" or len(parts) < 3:
        return f"{month} {year}"
    return f"{int(parts[2])} {month} {year}"


def date_range(start: str | dt.date, end: str | dt.date | None, precision: str) -> str:
    """A milestone's dates: one date, or a range that does not repeat what both ends share
    ("10–12 December 2003", "30 October – 2 November 2006")."""
    first = precise_date(start, precision)
    if end is None or end == start:
        return first
    last = precise_date(end, precision)
    if first == last:
        return first
    head, tail = first.split(" "), last.split(" ")
    if len(head) == len(tail) == 3 and head[2] == tail[2]:
        if head[1] == tail[1]:
            return f"{head[0]}–{last}"
        return f"{head[0]} {head[1]} – {last}"
    if len(head) == len(tail) == 2 and head[1] == tail[1]:
        return f"{head[0]} – {last}"
    return f"{first} – {last}"


def readable(value: Any) -> str:
    """A plain value as text: dates and timestamps in words, booleans as Yes/No, None as
    "Unknown" (a gap in the data is never filled with a guess)."""
    if value is None:
        return "Unknown"
    if isinstance(value, bool):
        return "Yes" if value else "No"
    if isinstance(value, dt.datetime):
        return moment(value)
    if isinstance(value, dt.date):
        return day(value)
    if isinstance(value, str):
        if _MOMENT.match(value):
            try:
                return moment(dt.datetime.fromisoformat(value))
            except ValueError:
                return value
        if _DAY.match(value):
            return precise_date(value)
    return str(value)


def evidence(value: str) -> str:
    return EVIDENCE.get(value, label(value))


def excerpt(text: str, longest: int = 240) -> str:
    """The first paragraph of a text, cut at a word and marked as cut when it is longer."""
    first = text.strip().split("\n\n", 1)[0].strip()
    if len(first) <= longest:
        return first
    cut = first[:longest].rsplit(" ", 1)[0].rstrip(",;:")
    return cut + "…"


def paragraphs(text: str) -> list[str]:
    """Paragraphs are separated by blank lines; a single line break inside one is a space."""
    return [" ".join(p.split()) for p in re.split(r"\n\s*\n", text) if p.strip()]


def capitalised(text: str) -> str:
    return text[:1].upper() + text[1:]


_URL = re.compile(r"(https?://[^\s<>\"]+[^\s<>\".,;:!?)])")


def link_parts(text: str) -> list[str]:
    """A text split around the web addresses in it, so a template can link each address
    (a footnote's "available at: https://...") and escape the rest."""
    return [part for part in _URL.split(text) if part]
