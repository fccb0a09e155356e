"""Wording shared by feeds and calendars: human dates, and HTML that is escaped and safe to
put in an email."""

import html
from collections.abc import Iterable
from urllib.parse import urlsplit

MONTHS = (
    "January February March April May June July August September October November December"
).split()
PRECISION_NOTE = {
    "month": "date known to the month",
    "year": "date known to the year",
}


def _parts(value: str) -> list[int]:
    return [int(p) for p in value.split("-")]


def _one(value: str) -> str:
    parts = _parts(value)
    if len(parts) == 1:
        return str(parts[0])
    if len(parts) == 2:
        return f"{MONTHS[parts[1] - 1]} {parts[0]}"
    return f"{parts[2]} {MONTHS[parts[1] - 1]} {parts[0]}"


def human_date(start: str, end: str | None) -> str:
    """'27 March 2025', '16–17 December 2025', '30 June – 4 July 2025', 'June 2014', '2010'."""
    if not end or end == start:
        return _one(start)
    a, b = _parts(start), _parts(end)
    if len(a) == len(b) == 3 and a[0] == b[0]:
        if a[1] == b[1]:
            return f"{a[2]}–{b[2]} {MONTHS[a[1] - 1]} {a[0]}"
        return f"{a[2]} {MONTHS[a[1] - 1]} – {b[2]} {MONTHS[b[1] - 1]} {a[0]}"
    return f"{_one(start)} – {_one(end)}"


def esc(value: object) -> str:
    return html.escape(str(value), quote=True)


def is_web_url(url: str | None) -> bool:
    """Only http(s) addresses become links: a `javascript:` URL must never reach an email."""
    return bool(url) and urlsplit(str(url)).scheme in ("http", "https")


def link(url: str, text: str | None = None) -> str:
    if not is_web_url(url):
        return esc(text or url)
    return f'<a href="{esc(url)}">{esc(text or url)}</a>'


def paragraph(label: str | None, body_html: str) -> str:
    prefix = f"<strong>{esc(label)}:</strong> " if label else ""
    return f"<p>{prefix}{body_html}</p>"


def lines_html(text: str) -> str:
    return "<br>".join(esc(line) for line in text.splitlines())


def joined(values: Iterable[str]) -> str:
    return ", ".join(values)
