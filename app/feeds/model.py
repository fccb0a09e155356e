"""A feed as the renderers see it, whatever its format: Atom, RSS 2.0 or JSON Feed 1.1."""

import datetime as dt
import email.utils
import re
from dataclasses import dataclass
from xml.etree.ElementTree import Element, SubElement

# Item and feed ids must never change, and must not depend on the host that served them, or
# feed readers and newsletter tools would deliver every item again after a move.
TAG = "tag:wsis-factsheet,2026:"
AUTHOR = "WSIS+20 fact sheet API"
# Characters XML 1.0 cannot carry at all, not even escaped.
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


@dataclass(frozen=True)
class Entry:
    id: str
    title: str
    published: dt.datetime
    updated: dt.datetime
    summary: str  # plain text, a line or two
    content_html: str  # reads on its own, in an email too
    link: str | None  # this record in the API (none for a deleted record)
    related: str | None = None  # the source page the record was taken from
    categories: tuple[str, ...] = ()


@dataclass(frozen=True)
class Feed:
    id: str
    title: str
    subtitle: str
    self_url: str  # this feed, absolute
    home_url: str  # the same data as JSON, absolute
    updated: dt.datetime
    entries: tuple[Entry, ...]
    author: str = AUTHOR


def rfc3339(value: dt.datetime) -> str:
    return value.astimezone(dt.UTC).isoformat().replace("+00:00", "Z")


def rfc822(value: dt.datetime) -> str:
    return email.utils.format_datetime(value.astimezone(dt.UTC), usegmt=True)


def xml_text(value: str) -> str:
    return _NOT_XML.sub("", value)


def text_element(parent: Element, tag: str, value: str, **attrs: str) -> Element:
    """A child element holding `value` as XML-safe text."""
    element = SubElement(parent, tag, attrs)
    element.text = xml_text(value)
    return element
