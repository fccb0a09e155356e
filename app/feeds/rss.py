"""RSS 2.0, with the Atom extensions readers understand: a self link, and each item's
`atom:updated` (RSS itself only has the publication date)."""

from xml.etree.ElementTree import Element, SubElement, tostring

from app.feeds.model import Entry, Feed, rfc822, rfc3339, text_element

MEDIA_TYPE = "application/rss+xml"
ATOM_NS = "http://www.w3.org/2005/Atom"


def _item(channel: Element, entry: Entry) -> None:
    item = SubElement(channel, "item")
    text_element(item, "title", entry.title)
    if entry.link:
        text_element(item, "link", entry.link)
    # Tag URIs are ids, not addresses to open.
    text_element(item, "guid", entry.id, isPermaLink="false")
    text_element(item, "pubDate", rfc822(entry.published))
    text_element(item, "atom:updated", rfc3339(entry.updated))
    for term in entry.categories:
        text_element(item, "category", term)
    text_element(item, "description", entry.content_html)


def render(feed: Feed) -> bytes:
    root = Element("rss", {"version": "2.0", "xmlns:atom": ATOM_NS})
    channel = SubElement(root, "channel")
    text_element(channel, "title", feed.title)
    text_element(channel, "link", feed.home_url)
    text_element(channel, "description", feed.subtitle)
    text_element(channel, "language", "en")
    text_element(channel, "lastBuildDate", rfc822(feed.updated))
    SubElement(channel, "atom:link", {"href": feed.self_url, "rel": "self", "type": MEDIA_TYPE})
    for entry in feed.entries:
        _item(channel, entry)
    body: bytes = tostring(root, encoding="utf-8", xml_declaration=True)
    return body + b"\n"
