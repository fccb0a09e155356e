"""The README keeps its word. Every request it shows (each `curl` line and calendar address in
its fenced blocks) is sent to a migrated, seeded app, as `factsheet serve` runs it, and must
answer what the text says: the status (200 unless the line says otherwise), the media type of
the README's format table, and for a list at least one record. The README's caching table is
checked the same way, by requesting a response of every row."""

import csv
import datetime as dt
import io
import json
import re
import shlex
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import feedparser
import icalendar
import pytest
from fastapi.testclient import TestClient

from app.main import create_app
from app.migrate import upgrade
from app.seed import sync_seed
from app.seed_rows import period_bounds
from app.settings import Settings
from tests.api.test_formats import walk
from tests.conftest import LOOPBACK_CLIENT, ROOT, FakeClock

README = (ROOT / "README.md").read_text(encoding="utf-8")
ORIGIN = "localhost:8000"
# "Upcoming" is relative to the day of the request, so ?status=upcoming holds only on some
# days. The examples are checked on the day the data was last curated (the dataset's version,
# which GET /v1 states as data.curated_on): the day its curator saw them hold. It moves on
# when the data is curated again, never with the wall clock.
CURATED_KEY = "version"

FENCED_BLOCK = re.compile(r"^[ \t]*```[^\n]*\n(.*?)^[ \t]*```", re.MULTILINE | re.DOTALL)
# "... # is a 404" or "# answers 406" after an example states another status than 200.
STATED_STATUS = re.compile(r"\b(?:answers|is an?)\s+`?([1-5]\d\d)\b")
FORMAT_ROW = re.compile(r"^\| [^|]+ \| (none|`[^`]+`) \| `([^`]+)` \|$", re.MULTILINE)


@dataclass(frozen=True)
class Example:
    line: str  # as the README writes it
    target: str  # path and query
    method: str = "GET"
    headers: dict[str, str] = field(default_factory=dict)
    status: int = 200


def _target(url: str, line: str) -> str:
    rest = re.sub(r"^(?:https?|webcal)://", "", url)
    assert rest.startswith(ORIGIN), f"README example not on {ORIGIN}: {line!r}"
    return rest.removeprefix(ORIGIN) or "/"


def parse_curl(line: str) -> Example:
    """The request a `curl` line sends. An option this does not know fails the test instead
    of being skipped, because it might change what the example asks for."""
    tokens = shlex.split(line, comments=True)
    assert tokens[0] == "curl"
    method, headers, urls = "GET", {}, []
    words = iter(tokens[1:])
    for word in words:
        if word in ("-i", "--include", "-s", "--silent"):  # output only
            continue
        if word in ("-I", "--head"):
            method = "HEAD"
        elif word in ("-X", "--request"):
            method = next(words)
        elif word in ("-H", "--header"):
            name, _, value = next(words).partition(":")
            headers[name.strip()] = value.strip()
        elif word.startswith("-"):
            raise AssertionError(f"curl option {word} in {line!r}: teach parse_curl about it")
        else:
            urls.append(word)
    assert len(urls) == 1, f"one URL per example: {line!r}"
    _, _, comment = line.partition(" # ")
    stated = STATED_STATUS.search(comment)
    status = int(stated.group(1)) if stated else 200
    return Example(line, _target(urls[0], line), method, headers, status)


def readme_examples() -> list[Example]:
    examples = []
    for block in FENCED_BLOCK.findall(README):
        for raw in block.splitlines():
            line = raw.strip()
            if line.startswith("curl "):
                examples.append(parse_curl(line))
            elif line.startswith("webcal://"):  # a calendar app sends a plain GET
                examples.append(Example(line, _target(line, line)))
    return examples


EXAMPLES = readme_examples()


def formats() -> list[tuple[str, str]]:
    """(suffix, media type) from the README's table of formats; "" for the default."""
    rows = [(suffix.strip("`"), media) for suffix, media in FORMAT_ROW.findall(README)]
    return [("" if suffix == "none" else suffix, media) for suffix, media in rows]


def expected_media_type(example: Example) -> str:
    if example.status >= 400:
        return "application/problem+json"
    path = urlsplit(example.target).path
    table = formats()
    for suffix, media_type in table:
        if suffix and path.endswith(suffix):
            return media_type
    accept = example.headers.get("Accept")
    if accept:
        (media_type,) = [m for _, m in table if m == accept]
        return media_type
    if path.startswith("/v1/feeds/"):
        return "application/atom+xml"  # "without a suffix answer Atom"
    if path == "/metrics":
        return "text/plain"
    return "application/json"


def records(media_type: str, body: bytes) -> int | None:
    """How many records a list holds; None for a body that is not a list."""
    if media_type == "text/csv":
        return len(list(csv.reader(io.StringIO(body.decode("utf-8"))))) - 1  # the header row
    if media_type in ("application/atom+xml", "application/rss+xml"):
        return len(feedparser.parse(body).entries)
    if media_type == "application/feed+json":
        return len(json.loads(body)["items"])
    if media_type == "text/calendar":
        calendar = icalendar.Calendar.from_ical(body)
        return len([c for c in calendar.walk() if isinstance(c, icalendar.Event)])
    if media_type != "application/json":
        return None
    payload: Any = json.loads(body)
    if isinstance(payload.get("data"), list):
        return len(payload["data"])
    if "total" in payload:  # a summary: counts of the matching records
        return int(payload["total"])
    return None


def data_curated(seed: dict[str, Any]) -> dt.date:
    return dt.date.fromisoformat(seed["dataset"][CURATED_KEY])


@pytest.fixture
def served(
    clock: FakeClock, settings: Settings, tmp_path: Path, seed_data: dict[str, Any]
) -> Iterator[TestClient]:
    """The app as `factsheet serve` runs it on a fresh clone: a migrated database (which
    /readyz checks) holding seed.json, loaded and asked on the day the data was curated."""
    clock.today = data_curated(seed_data)
    if settings.database_url == "sqlite://":
        settings = settings.model_copy(
            update={"database_url": f"sqlite:///{tmp_path / 'factsheet.db'}"}
        )
        app = create_app(settings, clock=clock)
        upgrade(app.state.engine)
    else:  # PostgreSQL: the session's database is migrated and emptied for each test
        app = create_app(settings, clock=clock)
    try:
        sync_seed(app.state.engine, seed_data, now=clock.now)
        # From the same machine, as the README's curl examples are: /metrics answers it.
        with TestClient(app, base_url=f"http://{ORIGIN}", client=LOOPBACK_CLIENT) as client:
            yield client
    finally:
        app.state.engine.dispose()


def test_the_readme_has_examples_to_check() -> None:
    # Guards the extraction itself: a change to how the README fences its examples must not
    # leave this module checking nothing.
    assert len(EXAMPLES) >= 30
    assert {suffix for suffix, _ in formats()} >= {"", ".csv", ".atom", ".rss", ".ics"}


@pytest.mark.parametrize("example", EXAMPLES, ids=[e.line for e in EXAMPLES])
def test_readme_example_answers_what_the_text_says(served: TestClient, example: Example) -> None:
    response = served.request(example.method, example.target, headers=example.headers)
    assert response.status_code == example.status, response.text
    media_type = expected_media_type(example)
    assert response.headers["content-type"].split(";")[0] == media_type
    found = records(media_type, response.content)
    # An example that lists nothing shows a reader nothing, whatever it was meant to show.
    assert found is None or found > 0, f"{example.line} answers an empty list"


CACHE_ROW = re.compile(r"^\| ([^|]+?) \| `([^`]+)` \|$", re.MULTILINE)
DOCS_ASSETS = "Swagger UI's files under `/docs-assets/<version>/`"
# Requests (and the status each must get) for every row of the README's caching table, by its
# first cell: the README's wording and this table change together.
CACHE_SAMPLES: dict[str, list[tuple[str, int]]] = {
    "GETs under `/v1` and of `/problems/{code}` (`200`, and `304` to a revalidation)": [
        ("/v1", 200),
        ("/v1/nris?kind=youth", 200),
        ("/v1/milestones.ics", 200),
        ("/v1/feeds/changes.rss", 200),
        ("/problems/not-found", 200),
    ],
    "`/openapi.json`, `/docs`": [("/openapi.json", 200), ("/docs", 200)],
    DOCS_ASSETS: [],  # the files the /docs page links to, found when the test runs
    "`/healthz`, `/readyz`, `/metrics`": [("/healthz", 200), ("/readyz", 200), ("/metrics", 200)],
    "`404` errors": [("/v1/nris/nri-999", 404), ("/no-such-page", 404)],
    "every other error": [("/v1/nris?limit=500", 400), ("/v1/nris?colour=red", 400)],
}


def caching_table() -> dict[str, str]:
    """First cell -> Cache-Control, from the table under "### Caching"."""
    _, _, section = README.partition("### Caching\n")
    rows = CACHE_ROW.findall(section.partition("\n### ")[0])
    return {cell: value for cell, value in rows if cell != "responses"}  # not the header


def test_every_response_carries_the_cache_control_the_readme_states(served: TestClient) -> None:
    table = caching_table()
    assert set(table) == set(CACHE_SAMPLES), "the README's caching table and this test differ"
    assets = re.findall(r'(?:src|href)="(/docs-assets/[^"]+)"', served.get("/docs").text)
    assert assets
    samples = {**CACHE_SAMPLES, DOCS_ASSETS: [(asset, 200) for asset in assets]}
    for row, requests in samples.items():
        for path, status in requests:
            response = served.get(path)
            assert response.status_code == status, path
            assert response.headers["cache-control"] == table[row], path
            if "ETag" in response.headers:  # the revalidation gets the same freshness
                again = served.get(path, headers={"If-None-Match": response.headers["ETag"]})
                assert again.status_code == 304, path
                assert again.headers["cache-control"] == table[row], path


def test_get_v1_states_the_curation_day_the_readme_points_to(
    served: TestClient, seed_data: dict[str, Any]
) -> None:
    index = served.get("/v1").json()
    assert index["data"]["curated_on"] == data_curated(seed_data).isoformat()


def answer(client: TestClient, target: str) -> tuple[str, bytes]:
    response = client.get(target)
    assert response.status_code == 200
    return response.headers["content-type"].split(";")[0], response.content


def test_upcoming_empties_once_the_last_milestone_has_passed(
    served: TestClient, clock: FakeClock
) -> None:
    """What the README warns of: without a new curation, "upcoming" runs out."""
    ahead = ("/v1/milestones?status=upcoming&status=ongoing", "/v1/feeds/upcoming.feed.json")
    assert all(records(*answer(served, target)) for target in ahead)
    milestones = walk(served, "/v1/milestones?limit=200")
    clock.today = max(period_bounds(m["start_date"], m["end_date"])[1] for m in milestones)
    clock.today += dt.timedelta(days=1)
    assert [records(*answer(served, target)) for target in ahead] == [0, 0]


def test_every_calendar_event_is_free_time_whatever_its_precision(served: TestClient) -> None:
    calendar = icalendar.Calendar.from_ical(served.get("/v1/milestones.ics").content)
    events = [c for c in calendar.walk() if isinstance(c, icalendar.Event)]
    precise = [e for e in events if "(date known to" not in str(e["SUMMARY"])]
    assert precise and len(precise) < len(events)  # both kinds are there to check
    assert {str(e["TRANSP"]) for e in events} == {"TRANSPARENT"}
