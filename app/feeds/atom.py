"""Atom 1.0 (RFC 4287)."""

from xml.etree.ElementTree import Element, SubElement, tostring

from app.feeds.model import Entry, Feed, rfc3339, xml_text

NS = "http://www.w3.org/2005/Atom"
MEDIA_TYPE = "application/atom+xml"


def _text(parent: Element, tag: str, value: str, **attrs: str) -> Element:
    element = SubElement(parent, tag, attrs)
    element.text = xml_text(value)
    return element


def _entry(parent: Element, entry: Entry) -> None:
    node = SubElement(parent, "entry")
    _text(node, "id", entry.id)
    _text(node, "title", entry.title)
    _text(node, "published", rfc3339(entry.published))
    _text(node, "updated", rfc3339(entry.updated))
    if entry.link:
        # No `type`: readers (and RSS-to-email tools) take only an untyped or HTML alternate
        # as the entry's link, and this is the one link every entry of the feed has.
        SubElement(node, "link", {"rel": "alternate", "href": entry.link})
    if entry.related:
        # The source page: HTML mostly, a PDF sometimes, so no `type` is claimed.
        SubElement(node, "link", {"rel": "related", "href": entry.related})
    for term in entry.categories:
        SubElement(node, "category", {"term": xml_text(term)})
    _text(node, "summary", entry.summary)
    _text(node, "content", entry.content_html, type="html")


def render(feed: Feed) -> bytes:
    # The namespace as a plain attribute: ElementTree would otherwise prefix every tag.
    root = Element("feed", {"xmlns": NS, "xml:lang": "en"})
    _text(root, "id", feed.id)
    _text(root, "title", feed.title)
    _text(root, "subtitle", feed.subtitle)
    _text(root, "updated", rfc3339(feed.updated))
    SubElement(root, "link", {"rel": "self", "type": MEDIA_TYPE, "href": feed.self_url})
    SubElement(
        root, "link", {"rel": "alternate", "type": "application/json", "href": feed.home_url}
    )
    author = SubElement(root, "author")
    _text(author, "name", feed.author)
    for entry in feed.entries:
        _entry(root, entry)
    body: bytes = tostring(root, encoding="utf-8", xml_declaration=True)
    return body + b"\n"
