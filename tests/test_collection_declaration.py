"""What a collection's declaration (app.collection) gives the API: every record of seed.json
in its list, in its public shape; a record's URL named after it, with an id checked against
its pattern; the words of its operations and its 404s; its list page in the OpenAPI
document; and, for a list that does not depend on today, a Last-Modified that is when the
data changed."""

import dataclasses
import datetime as dt
from collections.abc import Iterator
from email.utils import format_datetime
from typing import Any

import pytest
from fastapi.testclient import TestClient

from app.api.format_routes import Docs
from app.collection import doc
from app.collections import COLLECTIONS, SUB_LISTS
from app.collections.nris import NRIS
from tests.conftest import FakeClock
from tests.golden.record import golden_client, openapi_document


@pytest.fixture(scope="module")
def api() -> Iterator[TestClient]:
    """One app seeded with seed.json at TEST_NOW, shared by these read-only tests."""
    with golden_client() as client:
        yield client


@pytest.fixture(scope="module")
def document(api: TestClient) -> dict[str, Any]:
    return openapi_document(api)


def resolve(document: dict[str, Any], node: dict[str, Any]) -> dict[str, Any]:
    """`node`, or what its $ref points at in the document."""
    if "$ref" not in node:
        return node
    found: dict[str, Any] = document
    for part in node["$ref"].removeprefix("#/").split("/"):
        found = found[part]
    return found


def problem(api: TestClient, path: str, status: int) -> dict[str, Any]:
    response = api.get(path)
    assert response.status_code == status, response.text
    assert response.headers["content-type"] == "application/problem+json"
    body: dict[str, Any] = response.json()
    return body


def test_every_seeded_record_is_in_its_list(api: TestClient, seed_data: dict[str, Any]) -> None:
    # The seed file holds each collection's records under its name with underscores.
    seeded = {"nris": "nris", "calls-to-action": "calls_to_action", "milestones": "milestones"}
    for name, key in seeded.items():
        body = api.get(f"/v1/{name}", params={"limit": 1}).json()
        assert body["meta"]["total"] == len(seed_data[key]), name


def test_every_list_shows_its_records_in_their_public_shape(api: TestClient) -> None:
    for c in COLLECTIONS:
        response = api.get(c.href, params={"limit": 1})
        assert response.status_code == 200, (c.name, response.text)
        [record] = response.json()["data"]
        assert tuple(record) == c.fields, c.name


def test_a_milestones_status_is_computed_against_today(api: TestClient) -> None:
    ms = api.get("/v1/milestones/ms-001").json()  # December 2003; the clock is in 2025
    assert ms["status"] == "past"
    assert [o["id"] for o in ms["organisations"]] == ["org-011"]
    listed = api.get("/v1/milestones", params={"limit": 1, "sort": "start_date"}).json()
    assert listed["data"] == [ms]


def test_a_change_is_shown_in_the_change_logs_own_shape(api: TestClient) -> None:
    [change] = api.get("/v1/changes", params={"limit": 1}).json()["data"]
    assert change["href"] == "/v1/fact-sheet" and change["action"] == "created"


def test_a_list_is_in_its_first_sort_order_unless_asked(api: TestClient) -> None:
    unsorted = api.get("/v1/nris", params={"limit": 50}).json()["data"]
    by_name = api.get("/v1/nris", params={"limit": 50, "sort": "name"}).json()["data"]
    by_year = api.get("/v1/nris", params={"limit": 50, "sort": "established_year"}).json()
    assert unsorted == by_name != by_year["data"]


def test_a_record_url_is_named_after_the_record(document: dict[str, Any]) -> None:
    paths = document["paths"]
    for path, operation_id in [
        ("/v1/nris/{nri_id}", "get_nri"),
        ("/v1/calls-to-action/{number}", "get_call_to_action"),
        ("/v1/action-lines/{code}", "get_action_line"),
        ("/v1/milestones/{milestone_id}", "get_milestone"),
        ("/v1/organisations/{organisation_id}/milestones", "list_organisation_milestones"),
    ]:
        assert paths[path]["get"]["operationId"] == operation_id


def test_a_slug_id_has_at_most_forty_characters(api: TestClient) -> None:
    missing = problem(api, "/v1/nris/" + "a" * 40, 404)
    assert missing["detail"] == f"No NRI has the id {'a' * 40!r}."
    for bad in ["a" * 41, "-starts-with-a-hyphen", "Upper"]:
        errors = problem(api, f"/v1/nris/{bad}", 400)["errors"]
        assert [(e["name"], e["in"]) for e in errors] == [("nri_id", "path")], bad


def test_a_missing_record_is_named_in_its_collections_words(api: TestClient) -> None:
    detail = {
        "/v1/nris/nri-999": "No NRI has the id 'nri-999'.",
        "/v1/calls-to-action/99": "There is no call to action number 99.",
        "/v1/action-lines/C99": "No action line has the code 'C99'.",
        "/v1/organisations/org-999/milestones": "No organisation has the id 'org-999'.",
    }
    for path, text in detail.items():
        assert problem(api, path, 404)["detail"] == text


def test_a_sub_list_takes_the_childs_other_filters(
    api: TestClient, document: dict[str, Any], seed_data: dict[str, Any]
) -> None:
    [sub] = SUB_LISTS
    path = "/v1/organisations/{organisation_id}/milestones"
    names = {resolve(document, p)["name"] for p in document["paths"][path]["get"]["parameters"]}
    assert {"kind", "status", "from", "to", "q"} <= names and sub.link not in names
    org = "org-011"
    expected = {
        m["id"]
        for m in seed_data["milestones"]
        if org in m["organisations"] and m["kind"] == "summit"
    }
    body = api.get(f"/v1/organisations/{org}/milestones", params={"kind": "summit"}).json()
    assert expected and {m["id"] for m in body["data"]} == expected


def test_format_routes_read_in_the_collections_words(document: dict[str, Any]) -> None:
    def words(path: str) -> tuple[str, str]:
        operation = document["paths"][path]["get"]
        return operation["summary"], operation["description"]

    assert words("/v1/nris.csv") == (
        "List NRIs as CSV",
        "Every NRI that matches the filters, as CSV, in the list's sort order.",
    )
    assert words("/v1/calls-to-action.csv") == (
        "List the calls to action as CSV",
        "Every call to action that matches the filters, as CSV, in number order.",
    )
    assert words("/v1/milestones.atom")[0] == "Milestones as an Atom feed"
    # Its own words in app/collections/texts.toml, not the format's.
    summary, description = words("/v1/milestones.ics")
    assert summary == "Milestones as a calendar"
    assert description.startswith("Every milestone that matches the filters as an iCalendar")
    assert "(webcal)" in description


def test_a_list_page_is_named_after_its_records(document: dict[str, Any]) -> None:
    schemas = document["components"]["schemas"]
    meta = schemas["NriPage"]["properties"]["meta"]
    assert meta["$ref"] == "#/components/schemas/NriPageMeta"
    assert "meta" in schemas["MilestonePage"]["properties"]
    # Calls to action declare no facets: their page's meta is the plain PageMeta.
    plain = schemas["CallToActionPage"]["properties"]["meta"]
    assert plain["$ref"] == "#/components/schemas/PageMeta"
    content = document["paths"]["/v1/nris"]["get"]["responses"]["200"]["content"]
    assert content["application/json"]["schema"]["$ref"].endswith("/NriPage")


def test_a_list_that_does_not_depend_on_today_was_modified_when_its_data_was(
    client: TestClient, seeded: dict[str, Any], clock: FakeClock
) -> None:
    seeded_at = clock.now
    clock.today = seeded_at.date() + dt.timedelta(days=10)
    midnight = dt.datetime.combine(clock.today, dt.time(), tzinfo=dt.UTC)
    nri = client.get("/v1/nris/nri-001")
    assert nri.status_code == 200
    assert nri.headers["last-modified"] == format_datetime(seeded_at, usegmt=True)
    # A milestone's status is computed against today: it may change at midnight.
    milestone = client.get("/v1/milestones/ms-001")
    assert milestone.headers["last-modified"] == format_datetime(midnight, usegmt=True)


def test_texts_written_as_a_docstring_are_dedented() -> None:
    assert doc("Get a toy", "\n    One toy,\n    by its id.\n") == Docs(
        "Get a toy", "One toy,\nby its id."
    )


def test_a_declaration_cannot_be_changed() -> None:
    # Declarations are module-level values shared by every app the process makes.
    for declared, name in [
        (NRIS, "name"),
        (NRIS.texts, "noun"),
        (NRIS.id, "label"),
        (SUB_LISTS[0], "link"),
    ]:
        with pytest.raises(dataclasses.FrozenInstanceError):
            setattr(declared, name, "other")
