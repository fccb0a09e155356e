"""GET /v1/milestones and /v1/milestones/{id}: order, filters, embedded organisations and a
status computed against the injected clock."""

import calendar
import datetime as dt
from collections.abc import Callable
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlmodel import Session

from tests import search_oracle
from tests.conftest import FakeClock
from tests.factories import make_milestone, make_organisation

STAMPS = ("created_at", "updated_at")
Record = dict[str, Any]


def without_stamps(record: Record) -> Record:
    return {k: v for k, v in record.items() if k not in STAMPS}


def first_day(value: str) -> dt.date:
    """The first day an ISO date of any precision (YYYY, YYYY-MM, YYYY-MM-DD) can mean."""
    return dt.date.fromisoformat((value + "-01-01")[:10])


def last_day(value: str) -> dt.date:
    parts = [int(p) for p in value.split("-")]
    if len(parts) == 3:
        return dt.date(*parts)
    month = parts[1] if len(parts) == 2 else 12
    return dt.date(parts[0], month, calendar.monthrange(parts[0], month)[1])


def period(record: Record) -> tuple[dt.date, dt.date]:
    return first_day(record["start_date"]), last_day(record["end_date"] or record["start_date"])


def by_start(records: list[Record]) -> list[str]:
    return [r["id"] for r in sorted(records, key=lambda r: (first_day(r["start_date"]), r["id"]))]


def ids_of(client: TestClient, params: dict[str, Any]) -> list[str]:
    response = client.get("/v1/milestones", params={"limit": 200, **params})
    assert response.status_code == 200, response.text
    return [r["id"] for r in response.json()["data"]]


def public(record: Record, seeded: dict[str, Any], status: str) -> Record:
    """The seed record as the API shows it, stamps aside."""
    names = {o["id"]: o["short_name"] for o in seeded["organisations"]}
    organisations = [{"id": i, "short_name": names[i]} for i in record["organisations"]]
    return {**record, "organisations": organisations, "status": status}


def test_list_defaults_to_start_date_order(client: TestClient, seeded: dict[str, Any]) -> None:
    response = client.get("/v1/milestones", params={"limit": 200})
    body = response.json()
    assert response.status_code == 200
    assert response.headers["content-type"] == "application/json"
    assert [r["id"] for r in body["data"]] == by_start(seeded["milestones"])
    assert body["meta"] == {"total": len(seeded["milestones"]), "limit": 200, "sort": "start_date"}


def test_sort_minus_start_date_is_the_exact_reverse(
    client: TestClient, seeded: dict[str, Any]
) -> None:
    assert ids_of(client, {"sort": "-start_date"}) == by_start(seeded["milestones"])[::-1]


def test_sort_by_title_and_minus_title(client: TestClient, seeded: dict[str, Any]) -> None:
    ordered = sorted(seeded["milestones"], key=lambda r: (r["title"], r["id"]))
    expected = [r["id"] for r in ordered]
    assert ids_of(client, {"sort": "title"}) == expected
    assert ids_of(client, {"sort": "-title"}) == expected[::-1]


def test_month_precision_milestone_sorts_by_the_first_day_of_its_month(
    client: TestClient, seeded: dict[str, Any]
) -> None:
    ids = ids_of(client, {"from": "2006-07-01", "to": "2006-07-31"})
    month = next(r["id"] for r in seeded["milestones"] if r["start_date"] == "2006-07")
    day = next(r["id"] for r in seeded["milestones"] if r["start_date"] == "2006-07-28")
    assert ids == [month, day]


def test_every_milestone_embeds_its_organisations_in_source_order(
    client: TestClient, seeded: dict[str, Any]
) -> None:
    data = client.get("/v1/milestones", params={"limit": 200}).json()["data"]
    names = {o["id"]: o["short_name"] for o in seeded["organisations"]}
    held = {r["id"]: r for r in seeded["milestones"]}
    assert {r["id"]: r["organisations"] for r in data} == {
        i: [{"id": o, "short_name": names[o]} for o in r["organisations"]] for i, r in held.items()
    }
    assert {r["id"]: r["unlinked_organisations"] for r in data} == {
        i: r["unlinked_organisations"] for i, r in held.items()
    }


def test_a_milestone_without_organisations_embeds_an_empty_list(
    client: TestClient, session: Session
) -> None:
    make_milestone(session)
    body = client.get("/v1/milestones/ms-901").json()
    assert (body["organisations"], body["unlinked_organisations"]) == ([], [])


def test_embedded_organisations_keep_their_position_not_their_id_order(
    client: TestClient, session: Session
) -> None:
    make_organisation(session, id="org-901", short_name="B-ORG")
    make_organisation(session, id="org-902", short_name="A-ORG")
    make_milestone(session, organisations=["org-902", "org-901"])
    assert client.get("/v1/milestones/ms-901").json()["organisations"] == [
        {"id": "org-902", "short_name": "A-ORG"},
        {"id": "org-901", "short_name": "B-ORG"},
    ]


FILTERS: list[tuple[dict[str, Any], Callable[[Record], bool]]] = [
    ({"kind": "resolution"}, lambda r: r["kind"] == "resolution"),
    ({"kind": ["forum", "summit"]}, lambda r: r["kind"] in ("forum", "summit")),
    ({"organisation": "org-014"}, lambda r: "org-014" in r["organisations"]),
    (
        {"organisation": ["org-016", "org-019"]},
        lambda r: bool({"org-016", "org-019"} & set(r["organisations"])),
    ),
    ({"in_fact_sheet": "true"}, lambda r: r["in_fact_sheet"] is True),
    ({"in_fact_sheet": "false"}, lambda r: r["in_fact_sheet"] is False),
    ({"q": "IGF"}, lambda r: search_oracle.matches("IGF", "milestones", r)),
    ({"q": "a/res/80/173"}, lambda r: search_oracle.matches("a/res/80/173", "milestones", r)),
    ({"q": "lillestrøm"}, lambda r: "Lillestrøm" in (r["location"] or "")),
    ({"q": "Tunis summit"}, lambda r: search_oracle.matches("Tunis summit", "milestones", r)),
    ({"from": "2025-07-01"}, lambda r: period(r)[1] >= dt.date(2025, 7, 1)),
    ({"to": "2005-11-17"}, lambda r: period(r)[0] <= dt.date(2005, 11, 17)),
    (
        {"from": "2024-01-01", "to": "2024-12-31", "kind": "resolution"},
        lambda r: r["kind"] == "resolution" and r["start_date"].startswith("2024"),
    ),
]


@pytest.mark.parametrize(("params", "matches"), FILTERS, ids=[str(p) for p, _ in FILTERS])
def test_filter_returns_exactly_the_matching_milestones(
    client: TestClient,
    seeded: dict[str, Any],
    params: dict[str, Any],
    matches: Callable[[Record], bool],
) -> None:
    expected = by_start([r for r in seeded["milestones"] if matches(r)])
    assert expected
    assert ids_of(client, params) == expected


def test_date_window_includes_a_multi_day_milestone_that_overlaps_it(
    client: TestClient, seeded: dict[str, Any]
) -> None:
    # ms-025 runs 2025-07-07 to 2025-07-11; the window sits inside it.
    event = next(r for r in seeded["milestones"] if r["start_date"] == "2025-07-07")
    assert event["end_date"] == "2025-07-11"
    assert ids_of(client, {"from": "2025-07-09", "to": "2025-07-10"}) == [event["id"]]


@pytest.mark.parametrize(
    ("window", "included"),
    [
        ({"from": "2025-07-11", "to": "2025-07-20"}, True),  # starts on its last day
        ({"from": "2025-07-12", "to": "2025-07-20"}, False),  # starts the day after
        ({"from": "2025-07-01", "to": "2025-07-07"}, True),  # ends on its first day
        ({"from": "2025-07-01", "to": "2025-07-06"}, False),  # ends the day before
    ],
)
def test_date_window_edges_are_inclusive(
    client: TestClient, session: Session, window: dict[str, str], included: bool
) -> None:
    make_milestone(session, start_date="2025-07-07", end_date="2025-07-11")
    assert ids_of(client, window) == (["ms-901"] if included else [])


def test_date_window_includes_a_month_precision_milestone_inside_its_month(
    client: TestClient, seeded: dict[str, Any]
) -> None:
    month = next(r["id"] for r in seeded["milestones"] if r["start_date"] == "2025-08")
    assert ids_of(client, {"from": "2025-08-20", "to": "2025-08-31"}) == [month]


def test_from_after_to_is_400_naming_to(client: TestClient) -> None:
    response = client.get("/v1/milestones", params={"from": "2025-08-01", "to": "2025-07-01"})
    assert response.status_code == 400
    assert response.headers["content-type"] == "application/problem+json"
    assert [(e["name"], e["in"]) for e in response.json()["errors"]] == [("to", "query")]


def test_organisation_filter_with_an_unknown_id_matches_nothing(
    client: TestClient, seeded: dict[str, Any]
) -> None:
    assert ids_of(client, {"organisation": "org-999"}) == []


def test_detail_returns_the_whole_record_with_status(
    client: TestClient, seeded: dict[str, Any], clock: FakeClock
) -> None:
    clock.today = dt.date(2025, 7, 9)
    record = next(r for r in seeded["milestones"] if r["id"] == "ms-025")
    response = client.get("/v1/milestones/ms-025")
    assert response.status_code == 200
    assert response.headers["content-type"] == "application/json"
    assert without_stamps(response.json()) == public(record, seeded, "ongoing")


def test_list_records_equal_their_detail(client: TestClient, seeded: dict[str, Any]) -> None:
    data = client.get("/v1/milestones", params={"limit": 200}).json()["data"]
    assert data == [client.get(f"/v1/milestones/{r['id']}").json() for r in data]


def test_detail_of_unknown_id_is_404_problem(client: TestClient, seeded: dict[str, Any]) -> None:
    response = client.get("/v1/milestones/ms-999")
    assert response.status_code == 404
    assert response.headers["content-type"] == "application/problem+json"
    assert response.json() == {
        "type": "/problems/not-found",
        "title": "Not found",
        "status": 404,
        "detail": "No milestone has the id 'ms-999'.",
        "instance": "/v1/milestones/ms-999",
    }


# (start_date, end_date, precision, today, status): the days either side of each edge.
BOUNDARIES = [
    ("2025-07-07", "2025-07-11", "day", "2025-07-06", "upcoming"),
    ("2025-07-07", "2025-07-11", "day", "2025-07-07", "ongoing"),
    ("2025-07-07", "2025-07-11", "day", "2025-07-11", "ongoing"),
    ("2025-07-07", "2025-07-11", "day", "2025-07-12", "past"),
    ("2025-07-07", None, "day", "2025-07-06", "upcoming"),
    ("2025-07-07", None, "day", "2025-07-07", "ongoing"),
    ("2025-07-07", None, "day", "2025-07-08", "past"),
    ("2025-08", None, "month", "2025-07-31", "upcoming"),
    ("2025-08", None, "month", "2025-08-01", "ongoing"),
    ("2025-08", None, "month", "2025-08-31", "ongoing"),
    ("2025-08", None, "month", "2025-09-01", "past"),
    ("2024-02", None, "month", "2024-02-29", "ongoing"),
    ("2024-02", None, "month", "2024-03-01", "past"),
    ("2010", None, "year", "2009-12-31", "upcoming"),
    ("2010", None, "year", "2010-01-01", "ongoing"),
    ("2010", None, "year", "2010-12-31", "ongoing"),
    ("2010", None, "year", "2011-01-01", "past"),
]


@pytest.mark.parametrize(("start", "end", "precision", "today", "status"), BOUNDARIES)
def test_status_is_computed_against_today_on_the_boundary_days(
    client: TestClient,
    session: Session,
    clock: FakeClock,
    start: str,
    end: str | None,
    precision: str,
    today: str,
    status: str,
) -> None:
    make_milestone(session, start_date=start, end_date=end, date_precision=precision)
    clock.today = dt.date.fromisoformat(today)
    assert client.get("/v1/milestones/ms-901").json()["status"] == status
    assert [r["status"] for r in client.get("/v1/milestones").json()["data"]] == [status]


@pytest.mark.parametrize(("start", "end", "precision", "today", "status"), BOUNDARIES)
def test_status_filter_agrees_with_the_status_shown_on_the_boundary_days(
    client: TestClient,
    session: Session,
    clock: FakeClock,
    start: str,
    end: str | None,
    precision: str,
    today: str,
    status: str,
) -> None:
    make_milestone(session, start_date=start, end_date=end, date_precision=precision)
    clock.today = dt.date.fromisoformat(today)
    found = {s: ids_of(client, {"status": s}) for s in ("past", "ongoing", "upcoming")}
    assert found == {s: (["ms-901"] if s == status else []) for s in found}


def test_status_moves_with_the_clock_between_requests(
    client: TestClient, session: Session, clock: FakeClock
) -> None:
    make_milestone(session, start_date="2025-12-16", end_date="2025-12-17")
    seen = []
    for today in (dt.date(2025, 12, 15), dt.date(2025, 12, 16), dt.date(2025, 12, 18)):
        clock.today = today
        seen.append(client.get("/v1/milestones/ms-901").json()["status"])
    assert seen == ["upcoming", "ongoing", "past"]


def test_status_filter_on_the_seed_with_repeated_values_ors_them(
    client: TestClient, seeded: dict[str, Any], clock: FakeClock
) -> None:
    clock.today = dt.date(2025, 7, 9)
    today = clock.today
    upcoming = by_start([r for r in seeded["milestones"] if period(r)[0] > today])
    ongoing = by_start([r for r in seeded["milestones"] if period(r)[0] <= today <= period(r)[1]])
    past = by_start([r for r in seeded["milestones"] if period(r)[1] < today])
    assert upcoming and ongoing and past
    assert ids_of(client, {"status": "upcoming"}) == upcoming
    assert ids_of(client, {"status": "ongoing"}) == ongoing
    assert ids_of(client, {"status": ["past", "upcoming"]}) == by_start(
        [r for r in seeded["milestones"] if r["id"] not in ongoing]
    )


def test_unknown_status_is_400(client: TestClient) -> None:
    response = client.get("/v1/milestones", params={"status": "cancelled"})
    assert response.status_code == 400
    assert response.headers["content-type"] == "application/problem+json"
