"""RSS 2.0, with the Atom extensions readers understand: a self link, and each item's
`atom:updated` (RSS itself only has the publication date)."""

from xml.etree.ElementTree import Element, SubElement, tostring

from app.feeds.model import Entry, Feed, rfc822, rfc3339, xml_text

MEDIA_TYPE = "application/rss+xml"
ATOM_NS = "http://www.w3.org/2005/Atom"


def _text(parent: Element, tag: str, value: str, **attrs: str) -> Element:
    element = SubElement(parent, tag, attrs)
    element.text = xml_text(value)
    return element


def _item(channel: Element, entry: Entry) -> None:
    item = SubElement(channel, "item")
    _text(item, "title", entry.title)
    if entry.link:
        _text(item, "link", entry.link)
    # Tag URIs are ids, not addresses to open.
    _text(item, "guid", entry.id, isPermaLink="false")
    _text(item, "pubDate", rfc822(entry.published))
    _text(item, "atom:updated", rfc3339(entry.updated))
    for term in entry.categories:
        _text(item, "category", term)
    _text(item, "description", entry.content_html)


def render(feed: Feed) -> bytes:
    root = Element("rss", {"version": "2.0", "xmlns:atom": ATOM_NS})
    channel = SubElement(root, "channel")
    _text(channel, "title", feed.title)
    _text(channel, "link", feed.home_url)
    _text(channel, "description", feed.subtitle)
    _text(channel, "language", "en")
    _text(channel, "lastBuildDate", rfc822(feed.updated))
    SubElement(channel, "atom:link", {"href": feed.self_url, "rel": "self", "type": MEDIA_TYPE})
    for entry in feed.entries:
        _item(channel, entry)
    body: bytes = tostring(root, encoding="utf-8", xml_declaration=True)
    return body + b"\n"
