"""Atom 1.0 (RFC 4287)."""

from xml.etree.ElementTree import Element, SubElement, tostring

from app.feeds.model import Entry, Feed, rfc3339, text_element, xml_text

NS = "http://www.w3.org/2005/Atom"
MEDIA_TYPE = "application/atom+xml"


def _entry(parent: Element, entry: Entry) -> None:
    node = SubElement(parent, "entry")
    text_element(node, "id", entry.id)
    text_element(node, "title", entry.title)
    text_element(node, "published", rfc3339(entry.published))
    text_element(node, "updated", rfc3339(entry.updated))
    if entry.link:
        # No `type`: readers (and RSS-to-email tools) take only an untyped or HTML alternate
        # as the entry's link, and this is the one link every entry of the feed has.
        SubElement(node, "link", {"rel": "alternate", "href": entry.link})
    if entry.related:
        # The source page: HTML mostly, a PDF sometimes, so no `type` is claimed.
        SubElement(node, "link", {"rel": "related", "href": entry.related})
    for term in entry.categories:
        SubElement(node, "category", {"term": xml_text(term)})
    text_element(node, "summary", entry.summary)
    text_element(node, "content", entry.content_html, type="html")


def render(feed: Feed) -> bytes:
    # The namespace as a plain attribute: ElementTree would otherwise prefix every tag.
    root = Element("feed", {"xmlns": NS, "xml:lang": "en"})
    text_element(root, "id", feed.id)
    text_element(root, "title", feed.title)
    text_element(root, "subtitle", feed.subtitle)
    text_element(root, "updated", rfc3339(feed.updated))
    SubElement(root, "link", {"rel": "self", "type": MEDIA_TYPE, "href": feed.self_url})
    SubElement(
        root, "link", {"rel": "alternate", "type": "application/json", "href": feed.home_url}
    )
    author = SubElement(root, "author")
    text_element(author, "name", feed.author)
    for entry in feed.entries:
        _entry(root, entry)
    body: bytes = tostring(root, encoding="utf-8", xml_declaration=True)
    return body + b"\n"
