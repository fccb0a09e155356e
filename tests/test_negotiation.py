"""Content negotiation as RFC 9110 12.5.1 has it: an Accept header read into media ranges
with their q-values, the most specific range that matches a media type decides its quality,
and a resource answers in the offered format the client prefers (the first on a tie or
without a usable header), or in none when every one is refused."""

import asyncio
import dataclasses

import pytest
from starlette.requests import Request

from app.api.formats import (
    ATOM,
    CSV,
    HTML,
    ICS,
    JSON,
    JSON_FEED,
    MILESTONE_FORMATS,
    RSS,
    Format,
    MediaRange,
    accepting,
    negotiate,
    parse_accept,
    quality,
)
from app.errors import NotAcceptable


def test_a_header_is_read_into_its_media_ranges_in_order() -> None:
    assert parse_accept("text/csv;q=0.9, */*;q=0.1") == [("text", "csv", 0.9), ("*", "*", 0.1)]


def test_a_range_without_q_has_q_one() -> None:
    assert parse_accept("application/json, text/*") == [
        ("application", "json", 1.0),
        ("text", "*", 1.0),
    ]


def test_types_and_the_q_parameter_are_case_insensitive() -> None:
    assert parse_accept("Text/CSV; Q=0.5") == [("text", "csv", 0.5)]


def test_parameters_other_than_q_leave_the_quality_alone() -> None:
    assert parse_accept("text/csv;charset=utf-8;header=present") == [("text", "csv", 1.0)]
    assert parse_accept("text/csv;charset=utf-8;q=0.3") == [("text", "csv", 0.3)]


@pytest.mark.parametrize(
    ("header", "q"),
    [("q=0.25", 0.25), ("q=0", 0.0), ("q=7", 1.0), ("q=-1", 0.0), ("q=high", 0.0), ("q=", 0.0)],
)
def test_q_is_clamped_to_zero_to_one_and_an_unreadable_q_refuses(header: str, q: float) -> None:
    assert parse_accept(f"text/csv;{header}") == [("text", "csv", q)]


@pytest.mark.parametrize("malformed", ["text", "text/", "/csv", "", ";q=1", " , "])
def test_a_malformed_range_is_skipped_and_the_others_kept(malformed: str) -> None:
    assert parse_accept(malformed) == []
    assert parse_accept(f"{malformed}, text/csv;q=0.5") == [("text", "csv", 0.5)]


def test_an_unreadable_q_does_not_carry_over_from_the_range_before() -> None:
    assert parse_accept("text/csv, application/json;q=x") == [
        ("text", "csv", 1.0),
        ("application", "json", 0.0),
    ]


# Every order of the same three ranges: which one decides cannot depend on where it stands.
EXACT, TYPE_WILDCARD, ANY = ("text", "csv", 0.9), ("text", "*", 0.5), ("*", "*", 0.1)
ORDERS = [
    [EXACT, TYPE_WILDCARD, ANY],
    [ANY, TYPE_WILDCARD, EXACT],
    [TYPE_WILDCARD, EXACT, ANY],
    [ANY, EXACT, TYPE_WILDCARD],
]


@pytest.mark.parametrize("ranges", ORDERS)
def test_the_most_specific_matching_range_decides_whatever_its_place(
    ranges: list[MediaRange],
) -> None:
    assert quality(ranges, "text/csv") == 0.9
    assert quality(ranges, "text/calendar") == 0.5
    assert quality(ranges, "application/json") == 0.1


def test_a_media_type_no_range_matches_has_quality_zero() -> None:
    assert quality([("text", "*", 1.0), ("application", "json", 1.0)], "image/png") == 0.0
    assert quality([], "application/json") == 0.0
    # The subtype must match too, and a type wildcard covers its own type only.
    assert quality([("application", "xml", 1.0)], "application/json") == 0.0
    assert quality([("image", "*", 1.0)], "text/csv") == 0.0


def test_a_specific_refusal_beats_a_wildcard_that_allows() -> None:
    refused_csv = parse_accept("text/csv;q=0, text/*, */*")
    assert quality(refused_csv, "text/csv") == 0.0
    assert quality(refused_csv, "text/calendar") == 1.0
    refused_text = parse_accept("*/*;q=0.8, text/*;q=0")
    assert quality(refused_text, "text/csv") == 0.0
    assert quality(refused_text, "application/json") == 0.8


def test_a_wildcard_refusal_gives_way_to_a_specific_range() -> None:
    ranges = parse_accept("text/*;q=0, text/calendar;q=0.4")
    assert quality(ranges, "text/calendar") == 0.4
    assert quality(ranges, "text/csv") == 0.0


@pytest.mark.parametrize("header", [None, "", "   ", "text", "garbage, ;q=1"])
def test_without_a_usable_accept_the_first_offered_format_is_chosen(header: str | None) -> None:
    assert negotiate(header, (CSV, JSON)) is CSV
    assert negotiate(header, MILESTONE_FORMATS) is JSON


@pytest.mark.parametrize(
    ("header", "chosen"),
    [
        ("*/*", JSON),
        ("text/*", CSV),
        ("text/csv;q=0.5, application/json", JSON),
        ("application/json;q=0.2, text/csv", CSV),
        ("application/rss+xml, application/atom+xml;q=0.9", RSS),
        ("application/atom+xml;q=0.9, application/rss+xml", RSS),
        ("text/calendar, */*;q=0.1", ICS),
        ("text/html, application/xhtml+xml, */*;q=0.8", HTML),
        ("application/json;q=0, */*", CSV),
    ],
)
def test_the_format_the_client_prefers_is_chosen(header: str, chosen: Format) -> None:
    assert negotiate(header, MILESTONE_FORMATS) is chosen


def test_a_browser_gets_json_where_no_page_is_offered() -> None:
    """A browser's Accept ranks */* last: where there is no page (a summary), JSON."""
    browser = "text/html, application/xhtml+xml, */*;q=0.8"
    assert negotiate(browser, (JSON, CSV)) is JSON
    assert negotiate(browser, (JSON, CSV, HTML)) is HTML


def test_on_a_tie_the_format_offered_first_wins() -> None:
    header = "text/csv, application/json, application/atom+xml"
    assert negotiate(header, (JSON, CSV, ATOM)) is JSON
    assert negotiate(header, (ATOM, CSV, JSON)) is ATOM
    assert negotiate("text/*", (ICS, CSV)) is ICS


def test_an_alias_asks_for_the_format_it_stands_for() -> None:
    assert negotiate("application/json", (ATOM, RSS, JSON_FEED)) is JSON_FEED
    # Where the plain JSON list is on offer, it is what application/json means.
    assert negotiate("application/json", (JSON, JSON_FEED)) is JSON


@pytest.mark.parametrize(
    "header", ["image/png", "text/*", "application/json;q=0, text/csv;q=0", "*/*;q=0"]
)
def test_a_header_that_refuses_every_offered_format_chooses_none(header: str) -> None:
    offered = (JSON, ATOM) if header != "text/*" else (JSON, ATOM, RSS, JSON_FEED)
    assert negotiate(header, offered) is None


def request_accepting(accept: str | None) -> Request:
    headers = [(b"accept", accept.encode())] if accept is not None else []
    return Request({"type": "http", "method": "GET", "path": "/", "headers": headers})


def test_the_accepting_dependency_gives_the_preferred_format() -> None:
    dependency = accepting(JSON, CSV)
    assert asyncio.run(dependency(request_accepting("text/csv"))) is CSV
    assert asyncio.run(dependency(request_accepting(None))) is JSON


def test_the_accepting_dependency_refuses_with_406_naming_what_is_on_offer() -> None:
    dependency = accepting(JSON, CSV)
    with pytest.raises(NotAcceptable) as refused:
        asyncio.run(dependency(request_accepting("image/png")))
    assert refused.value.status_code == 406
    assert "application/json, text/csv" in refused.value.detail


def test_the_formats_are_constants_no_code_can_change() -> None:
    with pytest.raises(dataclasses.FrozenInstanceError):
        CSV.media_type = "text/plain"  # type: ignore[misc]
    assert {CSV, CSV, JSON} == {JSON, CSV}


def test_a_formats_content_type_carries_its_parameters() -> None:
    assert JSON.content_type == "application/json"
    assert CSV.content_type == "text/csv; charset=utf-8; header=present"
    assert JSON_FEED.media_types == ("application/feed+json", "application/json")
    assert ICS.media_types == ("text/calendar",)
