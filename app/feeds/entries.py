"""Feed entries built from milestone and change rows: what a newsletter reader sees."""

import datetime as dt
from collections.abc import Iterable, Mapping
from typing import Any
from urllib.parse import urlencode

from app.feeds.model import TAG, Entry, Feed
from app.feeds.text import (
    MONTHS,
    PRECISION_NOTE,
    esc,
    human_date,
    is_web_url,
    joined,
    lines_html,
    link,
    paragraph,
)

Row = Mapping[str, Any]
# A feed that has no entries yet still needs an `updated`; renderers never read the clock.
EPOCH = dt.datetime(1970, 1, 1, tzinfo=dt.UTC)
VERBS = {"created": ("Added", "added to"), "updated": ("Updated", "updated in")}


def milestone_url(base_url: str, milestone_id: str) -> str:
    return f"{base_url}/v1/milestones/{milestone_id}"


def milestone_when(row: Row) -> str:
    when = human_date(row["start_date"], row["end_date"])
    note = PRECISION_NOTE.get(row["date_precision"])
    return f"{when} ({note})" if note else when


def organisation_names(row: Row) -> list[str]:
    linked = [o["short_name"] for o in row.get("organisations") or []]
    return [*linked, *(row.get("unlinked_organisations") or [])]


def _conflicts_html(conflicts: Iterable[Row]) -> list[str]:
    return [
        paragraph(
            f"Sources disagree on {c['field']}",
            f"{esc(' / '.join(c['values']))}. {esc(c['note'])}",
        )
        for c in conflicts
    ]


def milestone_entry(row: Row, base_url: str) -> Entry:
    when = milestone_when(row)
    record_url = milestone_url(base_url, row["id"])
    names = organisation_names(row)
    parts = [paragraph("When", esc(when))]
    if row.get("location"):
        parts.append(paragraph("Where", esc(row["location"])))
    parts.append(paragraph("Kind", esc(row["kind"])))
    if names:
        parts.append(paragraph("Organisations", esc(joined(names))))
    if row.get("resolution"):
        parts.append(paragraph("Resolution", esc(row["resolution"])))
    if row.get("notes"):
        parts.append(paragraph(None, lines_html(row["notes"])))
    parts += _conflicts_html(row.get("conflicts") or [])
    parts.append(paragraph("Source", link(row["source_url"])))
    if row.get("other_sources"):
        parts.append(paragraph("More sources", ", ".join(link(u) for u in row["other_sources"])))
    parts.append(paragraph(None, link(record_url, "This milestone in the WSIS+20 fact sheet API")))
    summary = when + (f", {row['location']}" if row.get("location") else "") + "."
    return Entry(
        id=f"{TAG}milestones/{row['id']}",
        title=f"{row['title']} ({human_date(row['start_date'], row['end_date'])})",
        published=row["created_at"],
        updated=row["updated_at"],
        summary=summary,
        content_html="".join(parts),
        link=record_url,
        related=row["source_url"] if is_web_url(row["source_url"]) else None,
        categories=(row["kind"],),
    )


def change_entry(row: Row, base_url: str) -> Entry:
    """A row of /v1/changes: its `href` is null for a deletion (a tombstone)."""
    collection, record_id, action = row["collection"], row["record_id"], row["action"]
    # Imported here: the collections' declarations use this module's milestone entries.
    from app.services.changes import NOUNS

    noun = NOUNS.get(collection, collection)
    record_url = base_url + row["href"] if row.get("href") else None
    # A removed record has no page; what is left to read of it is its history.
    history_url = (
        base_url + "/v1/changes?" + urlencode({"collection": collection, "record_id": record_id})
    )
    at = row["at"].astimezone(dt.UTC)
    # Month names from our own table: strftime's follow the server's locale.
    moment = f"{at.day} {MONTHS[at.month - 1]} {at.year} at {at:%H:%M} UTC"
    named = f"“{esc(row['title'])}”"
    if record_url:
        named = f'<a href="{esc(record_url)}">{named}</a>'
    named += f" (<code>{esc(record_id)}</code>)"
    if action == "deleted":
        headline = "Removed"
        sentence = (
            f"The {esc(noun)} {named} was removed from the data in revision "
            f"{row['revision']}, on {moment}. It is no longer served; its history stays in "
            f'<a href="{esc(history_url)}">the change log</a>.'
        )
    else:
        headline, phrase = VERBS.get(action, (action.capitalize(), f"{action} in"))
        sentence = (
            f"The {esc(noun)} {named} was {phrase} the data in revision {row['revision']}, "
            f"on {moment}."
        )
    return Entry(
        id=f"{TAG}changes/{row['id']}",
        title=f"{headline} {noun}: {row['title']}",
        published=row["at"],
        updated=row["at"],
        summary=f"{headline} {noun} {record_id} in data revision {row['revision']}.",
        content_html=paragraph(None, sentence),
        link=record_url or history_url,
        categories=(collection, action),
    )


def build_feed(
    entries: Iterable[Entry],
    *,
    id: str,
    title: str,
    subtitle: str,
    self_url: str,
    home_url: str,
    fallback_updated: dt.datetime | None,
) -> Feed:
    """A feed's `updated` is its newest entry's, or when the data last changed if it has
    none: never the time of the request."""
    items = tuple(entries)
    newest = max((e.updated for e in items), default=None)
    return Feed(
        id=id,
        title=title,
        subtitle=subtitle,
        self_url=self_url,
        home_url=home_url,
        updated=newest or fallback_updated or EPOCH,
        entries=items,
    )
