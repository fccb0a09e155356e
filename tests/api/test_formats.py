"""Every list in JSON and CSV, chosen by suffix or Accept, with the same filters and sort;
formats a resource cannot produce are 404 (suffix) or 406 (Accept)."""

import csv
import datetime as dt
import io
import json
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import Engine

from app.feeds import csvtable
from app.seed import sync_seed
from app.services import listing
from tests.conftest import FakeClock

PROBLEM = "application/problem+json"
LISTS = [
    "/v1/nris?kind=youth&sort=-established_year",
    "/v1/nris?region=Africa&q=igf",
    "/v1/milestones?sort=-start_date",
    "/v1/milestones?organisation=org-011&organisation=org-014&kind=resolution",
    "/v1/organisations/org-011/milestones",
    "/v1/organisations?sort=-founded_year",
    "/v1/action-lines?sort=title",
    "/v1/facts?category=itu_headline",
    "/v1/calls-to-action?sort=-number",
    "/v1/changes?collection=nris&sort=-id",
]


def walk(client: TestClient, url: str) -> list[dict[str, Any]]:
    """Every record of a JSON list, following `links.next`."""
    records: list[dict[str, Any]] = []
    next_url: str | None = url
    while next_url:
        response = client.get(next_url)
        assert response.status_code == 200, response.text
        body = response.json()
        records += body["data"]
        next_url = body["links"]["next"]
    return records


def flattened(record: dict[str, Any]) -> dict[str, str]:
    """A JSON record under the README's flattening rules, written independently of the app."""
    row: dict[str, str] = {}
    for name, value in record.items():
        if value is None:
            row[name] = ""
        elif isinstance(value, bool):
            row[name] = "true" if value else "false"
        elif isinstance(value, list) and all(isinstance(v, str) for v in value):
            row[name] = " | ".join(value)
        elif isinstance(value, list) and all(isinstance(v, dict) and "id" in v for v in value):
            row[name] = " | ".join(v["id"] for v in value)
            if name == "organisations":
                row["organisation_names"] = " | ".join(v["short_name"] for v in value)
        elif isinstance(value, list | dict):
            row[name] = json.dumps(value, separators=(",", ":"), ensure_ascii=False)
        else:
            row[name] = str(value)
    return row


def csv_rows(text: str) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(text, newline="")))


def with_suffix(url: str, suffix: str) -> str:
    path, _, query = url.partition("?")
    return path + suffix + (f"?{query}" if query else "")


@pytest.mark.parametrize("url", LISTS)
def test_csv_has_exactly_the_rows_of_every_json_page(
    client: TestClient, seeded: dict[str, Any], url: str
) -> None:
    pages = walk(client, url + ("&" if "?" in url else "?") + "limit=7")
    response = client.get(with_suffix(url, ".csv"))
    assert response.status_code == 200
    assert pages, url
    assert csv_rows(response.text) == [flattened(r) for r in pages]


def test_csv_is_rfc_4180_with_a_header_and_crlf_line_ends(
    client: TestClient, seeded: dict[str, Any]
) -> None:
    response = client.get("/v1/nris.csv")
    assert response.headers["content-type"] == "text/csv; charset=utf-8; header=present"
    assert response.headers["content-disposition"] == 'inline; filename="nris.csv"'
    body = response.content.decode("utf-8")
    assert body.endswith("\r\n")
    records = list(csv.reader(io.StringIO(body, newline="")))
    assert records[0][:3] == ["id", "name", "kind"]
    assert len(records) == 1 + len(seeded["nris"])
    # Outside quoted fields, every line ends in CRLF.
    unquoted = "".join(part for i, part in enumerate(body.split('"')) if i % 2 == 0)
    assert "\n" not in unquoted.replace("\r\n", "")


def test_csv_ignores_limit_and_cursor_and_keeps_every_row(
    client: TestClient, seeded: dict[str, Any]
) -> None:
    first = client.get("/v1/nris?limit=5").json()
    paged = client.get(first["links"]["next"].replace("/v1/nris?", "/v1/nris.csv?"))
    whole = client.get("/v1/nris.csv")
    assert paged.content == whole.content
    assert len(csv_rows(whole.text)) == first["meta"]["total"]


def test_csv_fields_pick_the_columns_id_first(client: TestClient, seeded: dict[str, Any]) -> None:
    response = client.get("/v1/milestones.csv?fields=organisations,title")
    rows = csv_rows(response.text)
    assert list(rows[0]) == ["id", "organisations", "organisation_names", "title"]
    assert client.get("/v1/milestones.csv?fields=colour").status_code == 400


def test_accept_text_csv_on_a_list_gives_the_same_bytes_as_its_csv_url(
    client: TestClient, seeded: dict[str, Any]
) -> None:
    by_accept = client.get("/v1/facts?category=fact_sheet", headers={"Accept": "text/csv"})
    by_suffix = client.get("/v1/facts.csv?category=fact_sheet")
    assert by_accept.headers["content-type"].startswith("text/csv")
    assert by_accept.content == by_suffix.content


@pytest.mark.parametrize(
    ("accept", "media_type"),
    [
        (None, "application/json"),
        ("*/*", "application/json"),
        ("text/html,application/xhtml+xml,*/*;q=0.8", "text/html"),
        ("text/*", "text/csv"),
        ("text/csv;q=0.5, application/json", "application/json"),
        ("application/json;q=0.2, text/csv", "text/csv"),
        ("application/atom+xml", "application/atom+xml"),
        ("application/rss+xml, application/atom+xml;q=0.9", "application/rss+xml"),
        ("application/feed+json", "application/feed+json"),
        ("text/calendar", "text/calendar"),
    ],
)
def test_accept_picks_the_format_the_client_prefers(
    client: TestClient, seeded: dict[str, Any], accept: str | None, media_type: str
) -> None:
    headers = {"Accept": accept} if accept else {}
    response = client.get("/v1/milestones", headers=headers)
    assert response.status_code == 200
    assert response.headers["content-type"].split(";")[0] == media_type
    assert "Accept" in response.headers["vary"]


@pytest.mark.parametrize(
    "url",
    [
        "/v1/nris.ics",
        "/v1/nris.atom",
        "/v1/nris.feed.json",
        "/v1/facts.rss",
        "/v1/changes.ics",
        "/v1/feeds/upcoming.csv",
        "/v1/feeds/changes.ics",
        "/v1/milestones.xml",
    ],
)
def test_a_suffix_the_resource_cannot_produce_is_a_404_problem(
    client: TestClient, seeded: dict[str, Any], url: str
) -> None:
    response = client.get(url)
    assert response.status_code == 404
    assert response.headers["content-type"] == PROBLEM
    assert response.json()["type"] == "/problems/not-found"


@pytest.mark.parametrize(
    ("url", "accept"),
    [
        ("/v1/nris", "image/png"),
        ("/v1/milestones", "image/png"),
        ("/v1/changes", "application/xml"),
        ("/v1/nris", "text/calendar"),
        ("/v1/feeds/upcoming", "text/csv"),
        ("/v1/organisations/org-011/milestones", "image/*"),
        ("/v1/facts", "application/json;q=0, text/csv;q=0"),
    ],
)
def test_an_accept_that_allows_none_of_the_formats_is_a_406_problem(
    client: TestClient, seeded: dict[str, Any], url: str, accept: str
) -> None:
    response = client.get(url, headers={"Accept": accept})
    assert response.status_code == 406
    assert response.headers["content-type"] == PROBLEM
    body = response.json()
    assert (body["type"], body["status"]) == ("/problems/not-acceptable", 406)


def test_a_suffix_wins_over_accept(client: TestClient, seeded: dict[str, Any]) -> None:
    response = client.get("/v1/nris.csv", headers={"Accept": "application/json"})
    assert response.headers["content-type"].startswith("text/csv")


def test_csv_answers_304_to_its_etag_and_carries_the_cache_headers(
    client: TestClient, seeded: dict[str, Any]
) -> None:
    first = client.get("/v1/nris.csv?kind=youth")
    assert {"etag", "last-modified", "cache-control", "vary"} <= set(first.headers)
    assert first.headers["vary"] == "Accept, Accept-Encoding"
    again = client.get("/v1/nris.csv?kind=youth", headers={"If-None-Match": first.headers["ETag"]})
    assert (first.status_code, again.status_code, again.content) == (200, 304, b"")
    by_date = client.get(
        "/v1/nris.csv?kind=youth", headers={"If-Modified-Since": first.headers["Last-Modified"]}
    )
    assert by_date.status_code == 304


def test_negotiated_representations_have_their_own_etags(
    client: TestClient, seeded: dict[str, Any]
) -> None:
    as_json = client.get("/v1/nris")
    as_csv = client.get("/v1/nris", headers={"Accept": "text/csv"})
    assert as_json.headers["ETag"] != as_csv.headers["ETag"]
    stale = client.get(
        "/v1/nris", headers={"Accept": "text/csv", "If-None-Match": as_json.headers["ETag"]}
    )
    assert stale.status_code == 200


@pytest.mark.parametrize(
    "path",
    [
        "/v1/nris",
        "/v1/milestones",
        "/v1/organisations",
        "/v1/action-lines",
        "/v1/facts",
        "/v1/calls-to-action",
    ],
)
def test_updated_since_keeps_only_records_changed_at_or_after_it(
    client: TestClient,
    engine: Engine,
    seeded: dict[str, Any],
    clock: FakeClock,
    path: str,
) -> None:
    edited = {
        "/v1/nris": ("nris", "nri-017", "name"),
        "/v1/milestones": ("milestones", "ms-019", "title"),
        "/v1/organisations": ("organisations", "org-011", "full_name"),
        "/v1/action-lines": ("action_lines", "C5", "title"),
        "/v1/facts": ("facts", "fs-nri-count", "label"),
        "/v1/calls-to-action": ("calls_to_action", 2, "summary"),
    }
    collection, record_id, field = edited[path]
    key = "number" if collection == "calls_to_action" else "code" if "action" in path else "id"
    data = json.loads(json.dumps(seeded))
    (record,) = [r for r in data[collection] if r[key] == record_id]
    record[field] = f"{record[field]} (edited)"
    # The edit comes a day after the seed; its instant, written three ways, is the boundary.
    edited_at = clock.now + dt.timedelta(days=1)
    sync_seed(engine, data, now=edited_at)

    since = {"updated_since": edited_at.isoformat().replace("+00:00", "Z")}
    response = client.get(path, params=since)
    assert [r[key] for r in response.json()["data"]] == [record_id]
    as_csv = client.get(f"{path}.csv", params=since)
    assert [r[key] for r in csv_rows(as_csv.text)] == [str(record_id)]
    in_paris = edited_at.astimezone(dt.timezone(dt.timedelta(hours=1))).isoformat()
    later = client.get(path, params={"updated_since": in_paris})
    assert [r[key] for r in later.json()["data"]] == [record_id]
    one_second_after = (edited_at + dt.timedelta(seconds=1)).isoformat()
    after = client.get(path, params={"updated_since": one_second_after})
    assert after.json()["data"] == []


@pytest.mark.parametrize("value", ["2026-12-01T09:30:00", "2026-12-01", "yesterday"])
def test_updated_since_without_an_offset_is_400(
    client: TestClient, seeded: dict[str, Any], value: str
) -> None:
    response = client.get("/v1/nris", params={"updated_since": value})
    assert response.status_code == 400
    assert [e["name"] for e in response.json()["errors"]] == ["updated_since"]


def test_openapi_declares_every_format_of_the_milestone_list(client: TestClient) -> None:
    document = client.get("/openapi.json").json()
    paths = document["paths"]
    negotiated = paths["/v1/milestones"]["get"]["responses"]
    assert set(negotiated["200"]["content"]) == {
        "application/json",
        "text/csv",
        "application/atom+xml",
        "application/rss+xml",
        "application/feed+json",
        "text/calendar",
        "text/html",
    }
    assert "406" in negotiated
    suffixes = {".csv": "text/csv", ".ics": "text/calendar", ".feed.json": "application/feed+json"}
    for suffix, media_type in suffixes.items():
        operation = paths[f"/v1/milestones{suffix}"]["get"]
        assert list(operation["responses"]["200"]["content"]) == [media_type]
        names = [p.get("name", p.get("$ref")) for p in operation["parameters"]]
        json_names = [
            p.get("name", p.get("$ref")) for p in paths["/v1/milestones"]["get"]["parameters"]
        ]
        assert sorted(names) == sorted(json_names)
    assert paths["/v1/milestones.ics"]["get"]["operationId"] == "list_milestones_ics"
    assert set(paths["/v1/nris"]["get"]["responses"]["200"]["content"]) == {
        "application/json",
        "text/csv",
        "text/html",
    }


@pytest.mark.parametrize("url", ["/v1/nris?sort=-established_year", "/v1/changes?sort=-id"])
def test_csv_reads_every_row_in_keyset_chunks_without_gaps_or_repeats(
    app: FastAPI,
    client: TestClient,
    seeded: dict[str, Any],
    monkeypatch: pytest.MonkeyPatch,
    url: str,
) -> None:
    """Small chunks, so that the walk crosses many chunk boundaries (some inside runs of
    equal sort values and of nulls)."""
    whole = client.get(with_suffix(url, ".csv")).content
    app.state.response_store.clear()
    monkeypatch.setattr(listing, "CHUNK", 7)
    monkeypatch.setattr(csvtable, "ROWS_PER_CHUNK", 5)
    chunked = client.get(with_suffix(url, ".csv")).content
    assert chunked == whole
    assert csv_rows(chunked.decode()) == [flattened(r) for r in walk(client, url)]


def test_a_limited_read_stops_at_its_limit_across_chunks(
    client: TestClient, seeded: dict[str, Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(listing, "CHUNK", 7)
    items = client.get("/v1/feeds/changes.feed.json").json()["items"]
    latest = client.get("/v1/changes?sort=-id&limit=50").json()["data"]
    assert [i["id"].rsplit("/", 1)[1] for i in items] == [str(c["id"]) for c in latest]
