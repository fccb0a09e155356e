"""Feeds for newsletters, read with the parser feed readers use (feedparser) and checked
against the JSON list: every item, with its id and dates; JSON Feed against the 1.1 rules."""

import calendar
import datetime as dt
import json
import re
import time
from typing import Any
from urllib.parse import urlsplit
from xml.etree import ElementTree

import feedparser
import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine
from sqlmodel import Session

from app.seed import sync_seed
from tests.api.test_formats import walk
from tests.conftest import FakeClock, MakeApp
from tests.factories import make_milestone

TAG = "tag:wsis-factsheet,2026:"
# How long after the seed the "later" edit is made: derived from the seed time, never a date.
LATER = dt.timedelta(days=30, hours=2, minutes=15)
# (feed path, the JSON list that holds the same milestones in the same order)
MILESTONE_FEEDS = [
    ("/v1/feeds/upcoming", "/v1/milestones?status=ongoing&status=upcoming"),
    ("/v1/feeds/recent", "/v1/milestones?status=past&sort=-start_date&limit=20"),
    ("/v1/milestones", "/v1/milestones"),
    ("/v1/milestones?kind=meeting&sort=-title", "/v1/milestones?kind=meeting&sort=-title"),
    ("/v1/organisations/org-011/milestones", "/v1/organisations/org-011/milestones"),
]
RFC3339 = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$")


def suffixed(url: str, suffix: str) -> str:
    path, _, query = url.partition("?")
    return path + suffix + (f"?{query}" if query else "")


def moment(value: str) -> int:
    return int(dt.datetime.fromisoformat(value.replace("Z", "+00:00")).timestamp())


def parsed_moment(value: time.struct_time) -> int:
    return calendar.timegm(value)


def json_items(client: TestClient, url: str) -> list[dict[str, Any]]:
    if "limit=" in url:  # the recent feed: one page of the latest
        data: list[dict[str, Any]] = client.get(url).json()["data"]
        return data
    return walk(client, url)


@pytest.fixture
def edited_at(clock: FakeClock) -> dt.datetime:
    return clock.now + LATER


@pytest.fixture
def edited(engine: Engine, seeded: dict[str, Any], edited_at: dt.datetime) -> dict[str, Any]:
    """The seed, then one milestone edited later: its published and updated dates differ."""
    data: dict[str, Any] = json.loads(json.dumps(seeded))
    (milestone,) = [m for m in data["milestones"] if m["id"] == "ms-024"]
    milestone["notes"] = "Edited later."
    sync_seed(engine, data, now=edited_at)
    return data


@pytest.mark.parametrize(("feed", "listing"), MILESTONE_FEEDS)
@pytest.mark.parametrize("suffix", [".atom", ".rss"])
def test_feedparser_reads_every_milestone_with_its_id_and_dates(
    client: TestClient, edited: dict[str, Any], feed: str, listing: str, suffix: str
) -> None:
    response = client.get(suffixed(feed, suffix))
    assert response.status_code == 200
    parsed = feedparser.parse(response.content)
    assert parsed.bozo == 0, parsed.get("bozo_exception")
    assert parsed.version == ("atom10" if suffix == ".atom" else "rss20")
    expected = json_items(client, listing)
    assert expected
    assert [e.id for e in parsed.entries] == [f"{TAG}milestones/{m['id']}" for m in expected]
    for entry, milestone in zip(parsed.entries, expected, strict=True):
        assert parsed_moment(entry.published_parsed) == moment(milestone["created_at"])
        assert parsed_moment(entry.updated_parsed) == moment(milestone["updated_at"])
        assert entry.title.startswith(milestone["title"])
        assert entry.link == f"http://testserver/v1/milestones/{milestone['id']}"


@pytest.mark.parametrize("suffix", [".atom", ".rss", ".feed.json"])
def test_a_feed_is_updated_when_its_newest_item_is_never_at_request_time(
    client: TestClient, edited: dict[str, Any], edited_at: dt.datetime, suffix: str
) -> None:
    response = client.get(f"/v1/feeds/recent{suffix}")
    if suffix == ".feed.json":
        items = response.json()["items"]
        assert max(moment(i["date_modified"]) for i in items) == int(edited_at.timestamp())
        return
    parsed = feedparser.parse(response.content)
    assert parsed.bozo == 0
    newest = max(parsed_moment(e.updated_parsed) for e in parsed.entries)
    assert newest == int(edited_at.timestamp())
    assert parsed_moment(parsed.feed.updated_parsed) == newest


def test_an_empty_feed_is_updated_when_the_data_last_changed(
    client: TestClient, edited: dict[str, Any], clock: FakeClock
) -> None:
    clock.today = dt.date(2031, 1, 1)
    parsed = feedparser.parse(client.get("/v1/feeds/upcoming.atom").content)
    assert (parsed.bozo, parsed.entries) == (0, [])
    changed_at = client.get("/v1").json()["data"]["changed_at"]
    assert parsed_moment(parsed.feed.updated_parsed) == moment(changed_at)


def check_json_feed(document: dict[str, Any]) -> None:
    """The rules of JSON Feed 1.1 (https://jsonfeed.org/version/1.1)."""
    known = {
        "version", "title", "home_page_url", "feed_url", "description", "user_comment",
        "next_url", "icon", "favicon", "authors", "language", "expired", "hubs", "items",
    }  # fmt: skip
    item_keys = {
        "id", "url", "external_url", "title", "content_html", "content_text", "summary",
        "image", "banner_image", "date_published", "date_modified", "authors", "tags",
        "language", "attachments",
    }  # fmt: skip
    assert document["version"] == "https://jsonfeed.org/version/1.1"
    assert isinstance(document["title"], str) and document["title"]
    assert {k for k in document if not k.startswith("_")} <= known
    for key in ("home_page_url", "feed_url"):
        if key in document:
            assert urlsplit(document[key]).scheme in ("http", "https"), key
    for author in document.get("authors", []):
        assert {"name", "url", "avatar"} & set(author)
    assert isinstance(document["items"], list)
    ids = [item["id"] for item in document["items"]]
    assert all(isinstance(i, str) and i for i in ids)
    assert len(set(ids)) == len(ids)
    for item in document["items"]:
        assert {k for k in item if not k.startswith("_")} <= item_keys
        assert isinstance(item.get("content_html") or item.get("content_text"), str)
        for key in ("url", "external_url"):
            if key in item:
                assert urlsplit(item[key]).scheme in ("http", "https"), key
        for key in ("date_published", "date_modified"):
            if key in item:
                assert RFC3339.match(item[key]), item[key]
                dt.datetime.fromisoformat(item[key].replace("Z", "+00:00"))
        assert all(isinstance(t, str) for t in item.get("tags", []))


@pytest.mark.parametrize(("feed", "listing"), MILESTONE_FEEDS)
def test_json_feed_follows_the_1_1_rules_and_holds_every_milestone(
    client: TestClient, edited: dict[str, Any], feed: str, listing: str
) -> None:
    response = client.get(suffixed(feed, ".feed.json"))
    assert response.headers["content-type"] == "application/feed+json; charset=utf-8"
    document = response.json()
    check_json_feed(document)
    expected = json_items(client, listing)
    assert [i["id"] for i in document["items"]] == [f"{TAG}milestones/{m['id']}" for m in expected]
    for item, milestone in zip(document["items"], expected, strict=True):
        assert moment(item["date_published"]) == moment(milestone["created_at"])
        assert moment(item["date_modified"]) == moment(milestone["updated_at"])
        assert item["external_url"] == milestone["source_url"]


def test_item_content_reads_well_in_an_email_and_is_escaped(
    client: TestClient, session: Session
) -> None:
    make_milestone(
        session,
        id="ms-901",
        title="Fish & <chips>",
        start_date="2025-08",
        date_precision="month",
        location="Paris",
        notes='Said "hello" <script>alert(1)</script>',
        source_url="javascript:alert(1)",
        other_sources=["https://example.org/more"],
    )
    document = client.get("/v1/milestones.feed.json").json()
    (item,) = document["items"]
    html = item["content_html"]
    assert "<script>" not in html and "&lt;script&gt;" in html
    assert "<p><strong>When:</strong> August 2025 (date known to the month)</p>" in html
    assert "<p><strong>Where:</strong> Paris</p>" in html
    assert '<a href="https://example.org/more">' in html
    # Only http(s) addresses become links.
    assert 'href="javascript' not in html and "external_url" not in item
    atom = client.get("/v1/milestones.atom").content
    entry = ElementTree.fromstring(atom).find("{http://www.w3.org/2005/Atom}entry")
    assert entry is not None
    title = entry.findtext("{http://www.w3.org/2005/Atom}title")
    content = entry.find("{http://www.w3.org/2005/Atom}content")
    assert title == "Fish & <chips> (August 2025)"
    assert content is not None and content.get("type") == "html"
    assert content.text == html


@pytest.mark.parametrize(
    ("accept", "version"),
    [
        (None, "atom10"),
        ("*/*", "atom10"),
        ("application/rss+xml", "rss20"),
        ("application/atom+xml;q=0.5, application/rss+xml;q=0.9", "rss20"),
    ],
)
def test_a_feed_without_suffix_answers_in_the_format_accept_asks_for(
    client: TestClient, seeded: dict[str, Any], accept: str | None, version: str
) -> None:
    headers = {"Accept": accept} if accept else {}
    parsed = feedparser.parse(client.get("/v1/feeds/changes", headers=headers).content)
    assert (parsed.bozo, parsed.version) == (0, version)


@pytest.mark.parametrize("accept", ["application/feed+json", "application/json"])
def test_a_feed_without_suffix_answers_json_feed_to_json(
    client: TestClient, seeded: dict[str, Any], accept: str
) -> None:
    response = client.get("/v1/feeds/upcoming", headers={"Accept": accept})
    assert response.headers["content-type"].startswith("application/feed+json")
    check_json_feed(response.json())


def test_feed_links_are_absolute_on_the_allowed_host_that_was_asked(
    make_app: MakeApp, seed_data: dict[str, Any], clock: FakeClock
) -> None:
    """Without FACTSHEET_PUBLIC_BASE_URL links follow the Host, once it is allowed; the
    response cache keys on the host too, so one host's links never reach another."""
    app = make_app(allowed_hosts=["api.example.org", "mirror.example.net"])
    sync_seed(app.state.engine, seed_data, now=clock.now)
    with TestClient(app) as client:
        one, two = (
            feedparser.parse(client.get("/v1/feeds/recent.atom", headers={"Host": host}).content)
            for host in ("api.example.org", "mirror.example.net")
        )
    assert one.entries[0].link.startswith("http://api.example.org/v1/milestones/")
    assert two.entries[0].link.startswith("http://mirror.example.net/v1/milestones/")
    assert [e.id for e in one.entries] == [e.id for e in two.entries]


@pytest.mark.parametrize("url", ["/v1/feeds/upcoming.rss", "/v1/feeds/changes.feed.json"])
def test_feeds_answer_304_to_their_etag(
    client: TestClient, seeded: dict[str, Any], url: str
) -> None:
    first = client.get(url)
    assert {"etag", "last-modified", "cache-control"} <= set(first.headers)
    again = client.get(url, headers={"If-None-Match": first.headers["ETag"]})
    assert (first.status_code, again.status_code) == (200, 304)


def test_the_same_data_gives_the_same_feed_bytes(
    client: TestClient, seeded: dict[str, Any], app: Any
) -> None:
    first = client.get("/v1/feeds/upcoming.atom").content
    app.state.response_store.clear()
    assert client.get("/v1/feeds/upcoming.atom").content == first
