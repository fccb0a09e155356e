"""Validators and freshness (app.http_cache): which If-None-Match values match a tag, the
Last-Modified of data-backed and day-dependent answers, and the headers every cacheable
answer carries; as functions, then through the app with its clock after the data's change."""

import datetime as dt
import hashlib
from types import SimpleNamespace
from typing import Any

import pytest
from fastapi.testclient import TestClient
from starlette.requests import Request

from app.http_cache import cached_json, conditional, dumps, etag_matches, last_modified, make_etag
from app.settings import Settings
from tests.conftest import FakeClock

CHANGED_AT = dt.datetime(2025, 7, 8, 9, 30, tzinfo=dt.UTC)
TAG = '"0123456789abcdef0123456789abcdef"'


def request_at(now: dt.datetime, changed_at: dt.datetime | None = CHANGED_AT) -> Request:
    """A request as a route sees it: the app's clock and settings, and the data state the
    response cache put into the scope."""
    settings = Settings(
        database_url="sqlite://",
        cache_max_age=120,
        stale_while_revalidate=30,
        stale_if_error=600,
        _env_file=None,
    )
    application = SimpleNamespace(state=SimpleNamespace(clock=FakeClock(now), settings=settings))
    state: dict[str, Any] = {} if changed_at is None else {"data_changed_at": changed_at}
    return Request(
        {
            "type": "http",
            "method": "GET",
            "path": "/",
            "headers": [],
            "app": application,
            "state": state,
        }
    )


def test_the_etag_is_the_quoted_first_128_bits_of_the_body_sha256() -> None:
    # Tags must not change across versions: clients revalidate with tags they were sent
    # long ago (tests/golden holds recorded ones).
    body = b'{"data":[]}'
    assert make_etag(body) == '"' + hashlib.sha256(body).hexdigest()[:32] + '"'
    assert make_etag(b"") == '"e3b0c44298fc1c149afbf4c8996fb924"'


@pytest.mark.parametrize(
    "header",
    [
        TAG,
        f"W/{TAG}",
        f"  {TAG}  ",
        f'"other", {TAG}',
        f'{TAG[:-1]}-gzip"',
        f'W/{TAG[:-1]}-br"',
        "*",
        " * ",
    ],
)
def test_if_none_match_values_that_match(header: str) -> None:
    assert etag_matches(header, TAG) is True


@pytest.mark.parametrize(
    "header",
    [None, "", '"other"', '"other", "another"', TAG[:-2] + '"', f'{TAG[:-1]}-deflate"', "**"],
)
def test_if_none_match_values_that_do_not(header: str | None) -> None:
    assert etag_matches(header, TAG) is False


def test_a_coded_tag_matches_its_identity_tag_and_the_other_codings() -> None:
    gzip_tag = f'{TAG[:-1]}-gzip"'
    assert etag_matches(TAG, gzip_tag) is True
    assert etag_matches(f'{TAG[:-1]}-br"', gzip_tag) is True
    assert etag_matches('"other-gzip"', gzip_tag) is False


def test_last_modified_is_when_the_data_changed() -> None:
    request = request_at(dt.datetime(2025, 7, 20, 12, tzinfo=dt.UTC))
    assert last_modified(request) == CHANGED_AT
    assert last_modified(request, depends_on_today=False) == CHANGED_AT
    assert last_modified(request_at(CHANGED_AT, changed_at=None)) is None


def test_a_day_dependent_answer_is_modified_no_earlier_than_todays_midnight() -> None:
    later_day = request_at(dt.datetime(2025, 7, 20, 12, tzinfo=dt.UTC))
    same_day = request_at(dt.datetime(2025, 7, 8, 23, 59, tzinfo=dt.UTC))
    no_data = request_at(dt.datetime(2025, 7, 20, 12, tzinfo=dt.UTC), changed_at=None)
    midnight = dt.datetime(2025, 7, 20, tzinfo=dt.UTC)
    assert last_modified(later_day, depends_on_today=True) == midnight
    assert last_modified(same_day, depends_on_today=True) == CHANGED_AT
    assert last_modified(no_data, depends_on_today=True) == midnight


def test_an_answer_carries_its_validators_and_freshness() -> None:
    request = request_at(dt.datetime(2025, 7, 20, 12, tzinfo=dt.UTC))
    response = conditional(request, b"a,b\r\n", "text/csv", {"Content-Disposition": "inline"})
    assert response.body == b"a,b\r\n"
    assert response.headers["content-type"].startswith("text/csv")
    assert response.headers["etag"] == make_etag(b"a,b\r\n")
    assert response.headers["last-modified"] == "Tue, 08 Jul 2025 09:30:00 GMT"
    assert response.headers["content-disposition"] == "inline"
    assert response.headers["cache-control"] == (
        "public, max-age=120, stale-while-revalidate=30, stale-if-error=600"
    )
    assert response.headers["vary"] == "Accept, Accept-Encoding"
    dated = conditional(request, b"x", "text/csv", depends_on_today=True)
    assert dated.headers["last-modified"] == "Sun, 20 Jul 2025 00:00:00 GMT"


def test_an_answer_without_data_behind_it_has_no_last_modified() -> None:
    response = conditional(request_at(CHANGED_AT, changed_at=None), b"{}", "application/json")
    assert "last-modified" not in response.headers
    assert response.headers["etag"] == make_etag(b"{}")


def test_json_answers_are_compact_with_utc_as_z() -> None:
    request = request_at(dt.datetime(2025, 7, 20, 12, tzinfo=dt.UTC))
    payload = {"at": CHANGED_AT, "n": [1, 2]}
    assert dumps(payload) == b'{"at":"2025-07-08T09:30:00Z","n":[1,2]}'
    response = cached_json(request, payload, {"Link": '</v1>; rel="self"'})
    assert response.body == dumps(payload)
    assert response.headers["content-type"] == "application/json"
    assert response.headers["link"] == '</v1>; rel="self"'
    assert response.headers["last-modified"] == "Tue, 08 Jul 2025 09:30:00 GMT"
    assert cached_json(request, payload, depends_on_today=True).headers["last-modified"] == (
        "Sun, 20 Jul 2025 00:00:00 GMT"
    )


def test_days_after_a_seed_only_day_dependent_answers_move_their_last_modified(
    client: TestClient, seeded: dict[str, Any], clock: FakeClock
) -> None:
    seeded_at = "Wed, 09 Jul 2025 12:00:00 GMT"  # the clock when `seeded` ran
    clock.today = dt.date(2025, 7, 12)
    for path in ("/v1", "/v1/fact-sheet", "/v1/nris", "/v1/nris.csv"):
        assert client.get(path).headers["last-modified"] == seeded_at, path
    for path in ("/v1/milestones", "/v1/milestones.csv"):
        assert client.get(path).headers["last-modified"] == "Sat, 12 Jul 2025 00:00:00 GMT"
