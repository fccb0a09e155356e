"""The change log: a reseed that edits and removes records shows both in /v1/changes and in
the changes feed, with a tombstone for the removal."""

import calendar
import copy
import datetime as dt
from typing import Any

import feedparser
import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine

from app.seed import COLLECTIONS, sync_seed
from tests.api.test_formats import csv_rows, walk

T1 = dt.datetime(2026, 11, 29, 12, 0, tzinfo=dt.UTC)
T2 = dt.datetime(2026, 12, 1, 9, 30, tzinfo=dt.UTC)
TAG = "tag:wsis-factsheet,2026:"
PARSED_DATES = ("published_parsed", "updated_parsed")


def find(data: dict[str, Any], collection: str, record_id: str) -> dict[str, Any]:
    found: list[dict[str, Any]] = [r for r in data[collection] if r.get("id") == record_id]
    (record,) = found
    return record


@pytest.fixture
def loaded(engine: Engine, seed_data: dict[str, Any]) -> dict[str, Any]:
    """The real seed loaded at T1; returns a copy to edit."""
    sync_seed(engine, seed_data, now=T1)
    return copy.deepcopy(seed_data)


@pytest.fixture
def reseeded(engine: Engine, loaded: dict[str, Any]) -> dict[str, Any]:
    """At T2: one NRI renamed, another removed."""
    old_name = find(loaded, "nris", "nri-018")["name"]
    find(loaded, "nris", "nri-017")["name"] = "Renamed IGF"
    loaded["nris"] = [n for n in loaded["nris"] if n["id"] != "nri-018"]
    report = sync_seed(engine, loaded, now=T2)
    assert report.revision == 2
    return {"removed_name": old_name}


def test_the_first_load_logs_every_record_as_created(
    client: TestClient, loaded: dict[str, Any]
) -> None:
    changes = walk(client, "/v1/changes?limit=200")
    records = sum(len(list(c.rows(loaded))) for c in COLLECTIONS)
    assert len(changes) == records
    assert {(c["action"], c["revision"], c["at"]) for c in changes} == {
        ("created", 1, "2026-11-29T12:00:00Z")
    }
    ids = [c["id"] for c in changes]
    assert ids == sorted(ids) and len(set(ids)) == len(ids)
    nri = next(c for c in changes if c["record_id"] == "nri-017")
    assert nri["collection"] == "nris" and nri["href"] == "/v1/nris/nri-017"


def test_a_reseed_that_edits_and_removes_shows_both_with_a_tombstone(
    client: TestClient, reseeded: dict[str, Any]
) -> None:
    response = client.get("/v1/changes", params={"since": "2026-12-01T09:30:00Z"})
    assert response.status_code == 200
    changes = response.json()["data"]
    assert [{k: v for k, v in c.items() if k != "id"} for c in changes] == [
        {
            "revision": 2,
            "at": "2026-12-01T09:30:00Z",
            "collection": "nris",
            "record_id": "nri-017",
            "action": "updated",
            "title": "Renamed IGF",
            "actor": "seed",
            "href": "/v1/nris/nri-017",
        },
        {
            "revision": 2,
            "at": "2026-12-01T09:30:00Z",
            "collection": "nris",
            "record_id": "nri-018",
            "action": "deleted",
            "title": reseeded["removed_name"],
            "actor": "seed",
            "href": None,
        },
    ]
    assert changes[0]["id"] < changes[1]["id"]
    # The record is gone; its tombstone stays.
    assert client.get("/v1/nris/nri-018").status_code == 404


@pytest.mark.parametrize("suffix", [".atom", ".rss"])
def test_the_changes_feed_shows_the_edit_and_the_removal_newest_first(
    client: TestClient, reseeded: dict[str, Any], suffix: str
) -> None:
    changes = client.get("/v1/changes?since=2026-12-01T09:30:00Z").json()["data"]
    parsed = feedparser.parse(client.get(f"/v1/feeds/changes{suffix}").content)
    assert parsed.bozo == 0
    assert len(parsed.entries) == 50
    removed, renamed = parsed.entries[:2]
    assert [removed.id, renamed.id] == [f"{TAG}changes/{c['id']}" for c in reversed(changes)]
    assert removed.title == f"Removed NRI: {reseeded['removed_name']}"
    content = removed.content[0].value if "content" in removed else removed.summary
    assert "was removed from the data in revision 2" in content
    # The removed record has no page: its entry links to its history, which holds the tombstone.
    assert removed.link == "http://testserver/v1/changes?collection=nris&record_id=nri-018"
    history = client.get(removed.link.removeprefix("http://testserver")).json()["data"]
    assert [(c["action"], c["record_id"]) for c in history] == [
        ("created", "nri-018"),
        ("deleted", "nri-018"),
    ]
    assert renamed.title == "Updated NRI: Renamed IGF"
    assert renamed.link == "http://testserver/v1/nris/nri-017"
    stamps = [calendar.timegm(e[key]) for e in (removed, renamed) for key in PARSED_DATES]
    assert stamps == [int(T2.timestamp())] * 4


def test_the_changes_json_feed_holds_the_same_items(
    client: TestClient, reseeded: dict[str, Any]
) -> None:
    items = client.get("/v1/feeds/changes.feed.json").json()["items"]
    latest = client.get("/v1/changes?sort=-id&limit=50").json()["data"]
    assert [i["id"] for i in items] == [f"{TAG}changes/{c['id']}" for c in latest]
    assert [i["date_published"] for i in items[:2]] == ["2026-12-01T09:30:00Z"] * 2
    assert items[0]["url"].endswith("/v1/changes?collection=nris&record_id=nri-018")
    assert items[1]["url"].endswith("/v1/nris/nri-017")


def test_a_second_identical_load_logs_nothing(
    client: TestClient, engine: Engine, loaded: dict[str, Any]
) -> None:
    before = client.get("/v1/changes").json()["meta"]["total"]
    report = sync_seed(engine, loaded, now=T2)
    assert not report.changed
    assert client.get("/v1/changes").json()["meta"]["total"] == before


def test_relinking_a_milestone_logs_it_as_updated(
    client: TestClient, engine: Engine, loaded: dict[str, Any]
) -> None:
    find(loaded, "milestones", "ms-018")["organisations"] = ["org-011"]
    loaded["fact_sheet"]["sections"][0]["body"] += " Edited."
    sync_seed(engine, loaded, now=T2)
    changes = client.get("/v1/changes?since=2026-12-01T00:00:00Z").json()["data"]
    section = loaded["fact_sheet"]["sections"][0]
    assert [(c["collection"], c["record_id"], c["action"], c["title"]) for c in changes] == [
        ("fact-sheet", section["id"], "updated", section["heading"]),
        ("milestones", "ms-018", "updated", find(loaded, "milestones", "ms-018")["title"]),
    ]
    assert changes[0]["href"] == "/v1/fact-sheet"


def test_changes_filter_by_collection_action_and_record(
    client: TestClient, reseeded: dict[str, Any]
) -> None:
    deleted = client.get("/v1/changes?action=deleted").json()["data"]
    assert [c["record_id"] for c in deleted] == ["nri-018"]
    history = client.get("/v1/changes?collection=nris&record_id=nri-017").json()["data"]
    assert [(c["action"], c["revision"]) for c in history] == [("created", 1), ("updated", 2)]
    facets = client.get("/v1/changes?since=2026-12-01T09:30:00Z&facets=action").json()["meta"]
    assert facets["facets"] == {"action": {"deleted": 1, "updated": 1}}
    assert client.get("/v1/changes?collection=colours").status_code == 400


def test_pages_of_changes_walk_the_whole_log_oldest_first(
    client: TestClient, reseeded: dict[str, Any]
) -> None:
    walked = walk(client, "/v1/changes?limit=37")
    assert [c["id"] for c in walked] == list(range(1, len(walked) + 1))
    assert walked[-1]["action"] == "deleted"
    newest_first = walk(client, "/v1/changes?limit=37&sort=-id")
    assert newest_first == list(reversed(walked))


@pytest.mark.parametrize(
    ("since", "count"),
    [("2026-11-29T12:00:00Z", None), ("2026-12-01T10:30:00+01:00", 2), ("2027-01-01T00:00:00Z", 0)],
)
def test_since_is_inclusive_and_any_offset_names_the_same_moment(
    client: TestClient, reseeded: dict[str, Any], since: str, count: int | None
) -> None:
    meta = client.get("/v1/changes", params={"since": since}).json()["meta"]
    total = client.get("/v1/changes").json()["meta"]["total"]
    assert meta["total"] == (total if count is None else count)


def test_since_without_an_offset_is_400(client: TestClient, reseeded: dict[str, Any]) -> None:
    response = client.get("/v1/changes", params={"since": "2026-12-01T09:30:00"})
    assert response.status_code == 400
    assert [e["name"] for e in response.json()["errors"]] == ["since"]


def test_changes_as_csv_are_the_same_rows(client: TestClient, reseeded: dict[str, Any]) -> None:
    rows = csv_rows(client.get("/v1/changes.csv?since=2026-12-01T09:30:00Z").text)
    assert [(r["record_id"], r["action"], r["href"]) for r in rows] == [
        ("nri-017", "updated", "/v1/nris/nri-017"),
        ("nri-018", "deleted", ""),
    ]
