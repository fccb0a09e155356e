"""Facet counts for dashboards: per value, under the list's own filters, adding up to its
total; and the summary endpoints behind the first charts."""

import datetime as dt
from collections import Counter
from typing import Any

import pytest
from fastapi.testclient import TestClient

from tests.api.test_formats import walk
from tests.conftest import FakeClock

CASES = [
    ("/v1/nris?region=Africa", ["kind", "region", "country", "evidence", "established_year"]),
    ("/v1/nris?kind=youth&established_from=2015", ["country", "established_year"]),
    ("/v1/milestones?in_fact_sheet=true", ["kind", "status", "year", "in_fact_sheet"]),
    ("/v1/milestones?from=2020-01-01", ["status", "year"]),
    ("/v1/organisations/org-011/milestones", ["kind", "status"]),
    ("/v1/organisations", ["kind"]),
    ("/v1/facts?category=itu_headline", ["category", "as_of"]),
    ("/v1/facts", ["as_of"]),
    ("/v1/action-lines", ["parent_code"]),
    ("/v1/changes?collection=nris", ["collection", "action"]),
]


def key(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return str(value).lower()
    return str(value)


def value_of(record: dict[str, Any], facet: str) -> Any:
    return record["start_date"][:4] if facet == "year" else record[facet]


@pytest.mark.parametrize(("url", "facets"), CASES)
def test_facet_counts_sum_to_the_filtered_total_and_count_the_records(
    client: TestClient, seeded: dict[str, Any], url: str, facets: list[str]
) -> None:
    joiner = "&" if "?" in url else "?"
    body = client.get(f"{url}{joiner}facets={','.join(facets)}&limit=5").json()
    total = body["meta"]["total"]
    counts = body["meta"]["facets"]
    assert list(counts) == facets
    records = walk(client, f"{url}{joiner}limit=200")
    assert len(records) == total > 0
    for facet in facets:
        assert sum(counts[facet].values()) == total, facet
        assert counts[facet] == dict(Counter(key(value_of(r, facet)) for r in records)), facet


def test_facet_values_come_in_order_with_null_last(
    client: TestClient, seeded: dict[str, Any]
) -> None:
    counts = client.get("/v1/nris?facets=established_year").json()["meta"]["facets"]
    years = list(counts["established_year"])
    assert years[-1] == "null"
    assert years[:-1] == sorted(years[:-1])


def test_without_facets_meta_has_none(client: TestClient, seeded: dict[str, Any]) -> None:
    assert "facets" not in client.get("/v1/nris?limit=1").json()["meta"]


@pytest.mark.parametrize(
    "url",
    [
        "/v1/nris?facets=colour",
        "/v1/nris?facets=kind,colour",
        "/v1/milestones?facets=region",
        "/v1/organisations?facets=",
        "/v1/calls-to-action?facets=number",
    ],
)
def test_an_unknown_facet_is_400(client: TestClient, seeded: dict[str, Any], url: str) -> None:
    response = client.get(url)
    assert response.status_code == 400
    assert response.headers["content-type"] == "application/problem+json"
    assert [e["name"] for e in response.json()["errors"]] == ["facets"]


def test_the_nri_summary_counts_by_kind_region_country_and_evidence(
    client: TestClient, seeded: dict[str, Any]
) -> None:
    summary = client.get("/v1/nris/summary").json()
    assert summary["total"] == len(seeded["nris"])
    assert list(summary["facets"]) == ["kind", "region", "country", "evidence"]
    for counts in summary["facets"].values():
        assert sum(counts.values()) == len(seeded["nris"])
    assert (
        summary["facets"]["kind"]
        == client.get("/v1/nris?facets=kind&limit=1").json()["meta"]["facets"]["kind"]
    )
    youth = client.get("/v1/nris/summary?kind=youth").json()
    assert youth["facets"]["kind"] == {"youth": youth["total"]}


def test_the_milestone_summary_counts_by_year_kind_and_status_against_today(
    client: TestClient, seeded: dict[str, Any], clock: FakeClock
) -> None:
    summary = client.get("/v1/milestones/summary").json()
    assert list(summary["facets"]) == ["year", "kind", "status"]
    statuses = Counter(m["status"] for m in walk(client, "/v1/milestones?limit=200"))
    assert summary["facets"]["status"] == dict(sorted(statuses.items()))
    milestones = seeded["milestones"]
    assert sum(summary["facets"]["year"].values()) == summary["total"] == len(milestones)
    last_year = max(int((m["end_date"] or m["start_date"])[:4]) for m in milestones)
    clock.today = dt.date(last_year + 1, 1, 1)
    later = client.get("/v1/milestones/summary").json()
    assert later["facets"]["status"] == {"past": len(milestones)}
    assert client.get("/v1/milestones/summary?status=upcoming").json()["total"] == 0


def test_summary_paths_are_not_taken_for_record_ids(
    client: TestClient, seeded: dict[str, Any]
) -> None:
    for path in ("/v1/nris/summary", "/v1/milestones/summary"):
        response = client.get(path)
        assert response.status_code == 200
        assert set(response.json()) == {"total", "facets"}
