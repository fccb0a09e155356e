"""The milestone calendar, read with the icalendar package as calendar apps would, and each
event checked against its milestone in the JSON list."""

import datetime as dt
from typing import Any

import icalendar
import pytest
from fastapi.testclient import TestClient
from sqlmodel import Session

from app.feeds.ical import escape_text, fold
from app.seed_rows import period_bounds
from tests.api.test_formats import walk
from tests.factories import make_milestone

NOTES = {"month": " (date known to the month)", "year": " (date known to the year)"}


def calendar(client: TestClient, url: str) -> icalendar.Calendar:
    response = client.get(url)
    assert response.status_code == 200
    assert response.headers["content-type"] == "text/calendar; charset=utf-8"
    return icalendar.Calendar.from_ical(response.content)


def events(cal: icalendar.Calendar) -> list[icalendar.Event]:
    return [c for c in cal.walk() if isinstance(c, icalendar.Event)]


def utc(value: str) -> dt.datetime:
    return dt.datetime.fromisoformat(value.replace("Z", "+00:00"))


@pytest.mark.parametrize(
    ("url", "listing"),
    [
        ("/v1/milestones.ics", "/v1/milestones"),
        (
            "/v1/milestones.ics?kind=summit&sort=-start_date",
            "/v1/milestones?kind=summit&sort=-start_date",
        ),
        ("/v1/milestones.ics?status=upcoming", "/v1/milestones?status=upcoming"),
        ("/v1/organisations/org-014/milestones.ics", "/v1/organisations/org-014/milestones"),
    ],
)
def test_every_event_matches_its_milestone(
    client: TestClient, seeded: dict[str, Any], url: str, listing: str
) -> None:
    milestones = walk(client, listing)
    found = events(calendar(client, url))
    assert milestones
    assert [str(e["UID"]) for e in found] == [f"{m['id']}@wsis-factsheet" for m in milestones]
    for event, milestone in zip(found, milestones, strict=True):
        first, last = period_bounds(milestone["start_date"], milestone["end_date"])
        assert event.decoded("DTSTART") == first
        assert event.decoded("DTEND") == last + dt.timedelta(days=1)  # exclusive
        assert isinstance(event.decoded("DTSTART"), dt.date)
        assert not isinstance(event.decoded("DTSTART"), dt.datetime)  # all-day
        note = NOTES.get(milestone["date_precision"], "")
        assert str(event["SUMMARY"]) == milestone["title"] + note
        assert event.decoded("DTSTAMP") == utc(milestone["updated_at"])
        assert event.decoded("LAST-MODIFIED") == utc(milestone["updated_at"])
        assert str(event.get("LOCATION", "")) == (milestone["location"] or "")
        assert str(event["URL"]) == f"http://testserver/v1/milestones/{milestone['id']}"
        description = str(event["DESCRIPTION"])
        assert f"Source: {milestone['source_url']}" in description
        if milestone["notes"]:
            assert milestone["notes"] in description


def test_calendar_has_a_name_and_a_refresh_interval(
    client: TestClient, seeded: dict[str, Any]
) -> None:
    cal = calendar(client, "/v1/milestones.ics")
    assert str(cal["X-WR-CALNAME"]) == "WSIS+20 milestones"
    assert cal.decoded("REFRESH-INTERVAL") == dt.timedelta(days=1)
    assert str(cal["X-PUBLISHED-TTL"]) == "P1D"
    assert str(cal["VERSION"]) == "2.0" and str(cal["PRODID"])
    org = calendar(client, "/v1/organisations/org-014/milestones.ics")
    assert str(org["X-WR-CALNAME"]).startswith("WSIS+20 milestones: ")


def test_month_and_year_dates_span_the_whole_month_or_year_and_say_so(
    client: TestClient, seeded: dict[str, Any]
) -> None:
    by_uid = {str(e["UID"]): e for e in events(calendar(client, "/v1/milestones.ics"))}
    month = by_uid["ms-006@wsis-factsheet"]  # 2006-07
    assert (month.decoded("DTSTART"), month.decoded("DTEND")) == (
        dt.date(2006, 7, 1),
        dt.date(2006, 8, 1),
    )
    assert str(month["SUMMARY"]).endswith("(date known to the month)")
    known_to_the_year = next(m for m in seeded["milestones"] if m["date_precision"] == "year")
    when = int(known_to_the_year["start_date"])
    year = by_uid[f"{known_to_the_year['id']}@wsis-factsheet"]
    assert (year.decoded("DTSTART"), year.decoded("DTEND")) == (
        dt.date(when, 1, 1),
        dt.date(when + 1, 1, 1),
    )
    assert f"When: {when} (date known to the year)" in str(year["DESCRIPTION"])


def test_lines_end_in_crlf_and_are_folded_at_75_octets(
    client: TestClient, session: Session
) -> None:
    make_milestone(
        session,
        title="Ünïcödé " * 20,
        notes="Line one; with, punctuation\\and a backslash.\nLine two — ends here.",
        location="Genève, Suisse",
    )
    body = client.get("/v1/milestones.ics").content
    assert body.endswith(b"\r\n")
    lines = body.split(b"\r\n")[:-1]
    assert all(b"\n" not in line and b"\r" not in line for line in lines)
    assert all(len(line) <= 75 for line in lines)
    assert any(line.startswith(b" ") for line in lines)  # the long title was folded
    for line in lines:
        line.decode("utf-8")  # no line splits a character
    (event,) = events(icalendar.Calendar.from_ical(body))
    assert str(event["SUMMARY"]) == "Ünïcödé " * 20
    assert str(event["LOCATION"]) == "Genève, Suisse"
    assert "Line one; with, punctuation\\and a backslash.\nLine two — ends here." in str(
        event["DESCRIPTION"]
    )


def test_fold_never_splits_a_multibyte_character() -> None:
    line = "SUMMARY:" + "€" * 60
    folded = fold(line)
    parts = folded.split(b"\r\n")[:-1]
    assert all(len(p) <= 75 for p in parts)
    assert b"".join(p[1:] if i else p for i, p in enumerate(parts)).decode() == line


def test_text_values_escape_backslash_semicolon_comma_and_newline() -> None:
    assert escape_text("a\\b;c,d\ne") == "a\\\\b\\;c\\,d\\ne"


def test_event_uids_never_change_with_the_data(client: TestClient, session: Session) -> None:
    milestone = make_milestone(session, title="Before")
    before = events(calendar(client, "/v1/milestones.ics"))
    milestone.title = "After"
    session.add(milestone)
    session.commit()
    after = events(calendar(client, "/v1/milestones.ics?kind=meeting"))
    assert [str(e["SUMMARY"]) for e in before + after] == ["Before", "After"]
    uids = [str(e["UID"]) for e in before + after]
    assert uids == ["ms-901@wsis-factsheet", "ms-901@wsis-factsheet"]


def test_calendar_answers_304_to_its_etag(client: TestClient, seeded: dict[str, Any]) -> None:
    first = client.get("/v1/milestones.ics")
    assert first.headers["content-disposition"] == 'inline; filename="milestones.ics"'
    again = client.get("/v1/milestones.ics", headers={"If-None-Match": first.headers["ETag"]})
    assert again.status_code == 304
