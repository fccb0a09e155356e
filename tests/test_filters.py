"""A list's declared filters (app.filters): each is a query parameter whose value is checked,
then turned into a condition. A record is listed when it meets every filter given; a filter
not given narrows nothing; a bad value is a 400 that names the parameter the client sent."""

import dataclasses
import datetime as dt
from collections.abc import Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient

from app.collections.nris import FILTERS
from app.filters import Scope
from tests.conftest import TEST_NOW
from tests.golden.record import golden_client


@pytest.fixture(scope="module")
def api() -> Iterator[TestClient]:
    """One app seeded with seed.json at TEST_NOW, shared by these read-only tests."""
    with golden_client() as client:
        yield client


@pytest.fixture(scope="module")
def seed_nris(seed_data: dict[str, Any]) -> list[dict[str, Any]]:
    nris: list[dict[str, Any]] = seed_data["nris"]
    return nris


def listed(api: TestClient, path: str, **params: Any) -> list[dict[str, Any]]:
    response = api.get(path, params={"limit": 200, **params})
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["links"]["next"] is None, "every record on one page"
    records: list[dict[str, Any]] = body["data"]
    return records


def ids(records: list[dict[str, Any]]) -> set[str]:
    return {r["id"] for r in records}


def refused(api: TestClient, path: str, **params: Any) -> list[str]:
    """The parameters a 400 names."""
    response = api.get(path, params=params)
    assert response.status_code == 400, response.text
    assert response.headers["content-type"] == "application/problem+json"
    return [e["name"] for e in response.json()["errors"]]


def test_a_list_without_filters_holds_every_record(
    api: TestClient, seed_nris: list[dict[str, Any]]
) -> None:
    assert ids(listed(api, "/v1/nris")) == {n["id"] for n in seed_nris}


def test_a_repeated_filter_matches_any_of_its_values(
    api: TestClient, seed_nris: list[dict[str, Any]]
) -> None:
    found = listed(api, "/v1/nris", kind=["national", "youth"])
    expected = {n["id"] for n in seed_nris if n["kind"] in ("national", "youth")}
    assert expected and ids(found) == expected


def test_filters_given_together_must_all_hold(
    api: TestClient, seed_nris: list[dict[str, Any]]
) -> None:
    found = listed(api, "/v1/nris", kind="national", established_from=2015)
    expected = {
        n["id"]
        for n in seed_nris
        if n["kind"] == "national" and (n["established_year"] or 0) >= 2015
    }
    assert expected and ids(found) == expected


def test_a_filter_without_a_check_takes_its_value_as_given(
    api: TestClient, seed_nris: list[dict[str, Any]]
) -> None:
    found = listed(api, "/v1/nris", established_to=2008)
    expected = {n["id"] for n in seed_nris if (n["established_year"] or 9999) <= 2008}
    assert expected and ids(found) == expected


def test_country_codes_are_read_in_either_case(
    api: TestClient, seed_nris: list[dict[str, Any]]
) -> None:
    expected = {n["id"] for n in seed_nris if n["country"] in ("DE", "NL")}
    assert expected
    assert ids(listed(api, "/v1/nris", country=["de", "NL"])) == expected
    assert refused(api, "/v1/nris", country=["de", "zz"]) == ["country"]


def test_more_values_than_a_filter_takes_is_a_400_naming_it(api: TestClient) -> None:
    assert refused(api, "/v1/nris", kind=["national"] * 21) == ["kind"]
    assert len(listed(api, "/v1/nris", kind=["national"] * 20)) > 0


def test_updated_since_includes_the_moment_itself(
    api: TestClient, seed_nris: list[dict[str, Any]]
) -> None:
    # Every record was seeded at TEST_NOW.
    at_seed = listed(api, "/v1/nris", updated_since=TEST_NOW.isoformat())
    assert ids(at_seed) == {n["id"] for n in seed_nris}
    later = TEST_NOW + dt.timedelta(seconds=1)
    assert listed(api, "/v1/nris", updated_since=later.isoformat()) == []


def test_a_bad_value_is_a_400_naming_the_parameter(api: TestClient) -> None:
    assert refused(api, "/v1/nris", updated_since="2025-07-09T12:00:00") == ["updated_since"]
    assert refused(api, "/v1/milestones", updated_since="2025-07-09T12:00:00") == ["updated_since"]


def test_q_lists_the_records_search_finds(api: TestClient) -> None:
    found = listed(api, "/v1/nris", q="youth")
    hits = api.get("/v1/search", params={"q": "youth", "collection": "nris", "limit": 100})
    assert hits.status_code == 200, hits.text
    searched = {h["id"] for h in hits.json()["data"]}
    assert found and ids(found) == searched
    assert len(found) < len(listed(api, "/v1/nris"))


def test_a_range_upside_down_is_a_400_on_its_upper_bound(api: TestClient) -> None:
    assert refused(api, "/v1/nris", established_from=2015, established_to=2010) == [
        "established_to"
    ]
    assert refused(api, "/v1/milestones", **{"from": "2020-01-01", "to": "2019-12-31"}) == ["to"]


def test_a_range_of_one_year_or_of_one_bound_is_fine(
    api: TestClient, seed_nris: list[dict[str, Any]]
) -> None:
    same = listed(api, "/v1/nris", established_from=2015, established_to=2015)
    assert ids(same) == {n["id"] for n in seed_nris if n["established_year"] == 2015}
    assert listed(api, "/v1/nris", established_from=2025)
    assert listed(api, "/v1/nris", established_to=2006)
    assert listed(api, "/v1/milestones", **{"from": "2025-01-01"})
    assert listed(api, "/v1/milestones", **{"to": "2005-01-01"})


def test_an_aliased_filter_reads_the_name_clients_send(api: TestClient) -> None:
    everything = ids(listed(api, "/v1/milestones"))
    since = ids(listed(api, "/v1/milestones", **{"from": "2025-01-01"}))
    until = ids(listed(api, "/v1/milestones", **{"to": "2025-12-31"}))
    assert since and since != everything and until != everything
    both = listed(api, "/v1/milestones", **{"from": "2025-01-01", "to": "2025-12-31"})
    assert ids(both) == since & until


def test_a_declared_filter_and_its_scope_cannot_be_changed() -> None:
    # The declarations are module-level values shared by every app and every request.
    with pytest.raises(dataclasses.FrozenInstanceError):
        FILTERS[0].name = "other"  # type: ignore[misc]
    scope = Scope(session=None, today=dt.date(2025, 7, 9))  # type: ignore[arg-type]
    with pytest.raises(dataclasses.FrozenInstanceError):
        scope.today = dt.date(2025, 7, 10)  # type: ignore[misc]
