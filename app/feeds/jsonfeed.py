"""JSON Feed 1.1 (https://jsonfeed.org/version/1.1)."""

from typing import Any

import orjson

from app.feeds.model import Entry, Feed, rfc3339

VERSION = "https://jsonfeed.org/version/1.1"
MEDIA_TYPE = "application/feed+json"


def _item(entry: Entry) -> dict[str, Any]:
    item: dict[str, Any] = {"id": entry.id}
    if entry.link:
        item["url"] = entry.link
    if entry.related:
        item["external_url"] = entry.related
    item.update(
        title=entry.title,
        content_html=entry.content_html,
        summary=entry.summary,
        date_published=rfc3339(entry.published),
        date_modified=rfc3339(entry.updated),
        tags=list(entry.categories),
    )
    return item


def render(feed: Feed) -> bytes:
    document = {
        "version": VERSION,
        "title": feed.title,
        "home_page_url": feed.home_url,
        "feed_url": feed.self_url,
        "description": feed.subtitle,
        "language": "en",
        "authors": [{"name": feed.author}],
        "items": [_item(e) for e in feed.entries],
    }
    return orjson.dumps(document) + b"\n"
