"""sync_seed on a small seed document cut from seed.json: what its report and summary say,
what clients see afterwards (records, the fact sheet's sections, the change log, search,
the data revision), and seed_if_empty. Small documents keep these fast; tests/test_seed.py
runs the same sync against the whole real file."""

import copy
import datetime as dt
import json
import threading
import time
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine, select, text, update

import app.seed as seed_module
from app.dialect import WRITE_LOCK_ID
from app.models import SearchDocument
from app.seed import SeedInvalid, SeedReport, seed_if_empty, sync_seed
from app.seed_check import check_seed
from tests.conftest import FakeClock

T1 = dt.datetime(2025, 1, 1, 12, 0, tzinfo=dt.UTC)
T2 = dt.datetime(2025, 2, 1, 12, 0, tzinfo=dt.UTC)
T2_TEXT = "2025-02-01T12:00:00Z"
SEARCH_DOCUMENTS = SearchDocument.__table__  # type: ignore[attr-defined]

# What the small document holds, by collection (the report's names, in sync order).
SMALL = {
    "fact_sheet": 1,
    "fact_sheet_sections": 3,
    "calls_to_action": 2,
    "organisations": 2,
    "milestones": 2,
    "nris": 2,
    "action_lines": 1,
    "facts": 1,
}
FIRST_LOAD_SUMMARY = (
    "fact_sheet: +1 ~0 -0; fact_sheet_sections: +3 ~0 -0; calls_to_action: +2 ~0 -0; "
    "organisations: +2 ~0 -0; milestones: +2 ~0 -0; nris: +2 ~0 -0; action_lines: +1 ~0 -0; "
    "facts: +1 ~0 -0 (data revision 1)"
)


def find(data: dict[str, Any], collection: str, record_id: str) -> dict[str, Any]:
    found: list[dict[str, Any]] = [r for r in data[collection] if r["id"] == record_id]
    (record,) = found
    return record


def only(**nonzero: int) -> dict[str, int]:
    """A per-collection count that is zero everywhere except where given."""
    return {name: nonzero.get(name, 0) for name in SMALL}


@pytest.fixture
def small(seed_data: dict[str, Any]) -> dict[str, Any]:
    """A valid seed document with a few records of each kind, free to modify: the first three
    sections, two calls to action, two NRIs, one action line, one fact, and milestones ms-001
    (linked to org-011) and ms-018 (linked to org-011 and org-019)."""
    data = copy.deepcopy(seed_data)
    data["fact_sheet"]["sections"] = data["fact_sheet"]["sections"][:3]
    data["calls_to_action"] = data["calls_to_action"][:2]
    data["organisations"] = [o for o in data["organisations"] if o["id"] in ("org-011", "org-019")]
    data["milestones"] = [m for m in data["milestones"] if m["id"] in ("ms-001", "ms-018")]
    data["nris"] = data["nris"][:2]
    data["action_lines"] = data["action_lines"][:1]
    data["facts"] = data["facts"][:1]
    assert check_seed(data) == []
    assert find(data, "milestones", "ms-018")["organisations"] == ["org-011", "org-019"]
    return data


@pytest.fixture
def loaded(engine: Engine, small: dict[str, Any]) -> SeedReport:
    """The small document, loaded at T1."""
    return sync_seed(engine, small, now=T1)


def revision_served(client: TestClient) -> tuple[int, str]:
    data = client.get("/v1").json()["data"]
    return data["revision"], data["changed_at"]


def changes_at_t2(client: TestClient) -> list[tuple[str, str, str, str, int]]:
    response = client.get("/v1/changes", params={"since": T2_TEXT, "limit": 200})
    assert response.status_code == 200, response.text
    return [
        (c["action"], c["collection"], c["record_id"], c["title"], c["revision"])
        for c in response.json()["data"]
    ]


# --------------------------------------------------------------------------- first load


def test_first_load_reports_every_record_created_at_revision_one(loaded: SeedReport) -> None:
    assert loaded.created == SMALL
    assert (loaded.updated, loaded.deleted) == (only(), only())
    assert loaded.changed
    assert loaded.revision == 1
    assert loaded.summary() == FIRST_LOAD_SUMMARY


def test_first_load_is_served_with_the_given_time_and_revision_one(
    client: TestClient, loaded: SeedReport, small: dict[str, Any]
) -> None:
    nri = small["nris"][0]
    body = client.get(f"/v1/nris/{nri['id']}").json()
    assert (body["name"], body["created_at"], body["updated_at"]) == (
        nri["name"],
        "2025-01-01T12:00:00Z",
        "2025-01-01T12:00:00Z",
    )
    assert revision_served(client) == (1, "2025-01-01T12:00:00Z")


def test_a_sync_without_a_time_stamps_records_with_the_current_time(
    client: TestClient,
    engine: Engine,
    small: dict[str, Any],
    clock: FakeClock,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(seed_module, "utc_now", clock)
    sync_seed(engine, small)
    expected = clock.now.strftime("%Y-%m-%dT%H:%M:%SZ")
    body = client.get(f"/v1/nris/{small['nris'][0]['id']}").json()
    assert (body["created_at"], body["updated_at"]) == (expected, expected)
    assert revision_served(client) == (1, expected)


def test_fact_sheet_sections_are_served_in_their_order_with_their_positions(
    client: TestClient, loaded: SeedReport, small: dict[str, Any]
) -> None:
    sections = client.get("/v1/fact-sheet").json()["sections"]
    assert [(s["position"], s["id"]) for s in sections] == [
        (1, small["fact_sheet"]["sections"][0]["id"]),
        (2, small["fact_sheet"]["sections"][1]["id"]),
        (3, small["fact_sheet"]["sections"][2]["id"]),
    ]


def test_sections_moved_in_the_file_are_served_in_their_new_order(
    client: TestClient, engine: Engine, loaded: SeedReport, small: dict[str, Any]
) -> None:
    sections = small["fact_sheet"]["sections"]
    first, second, third = (s["id"] for s in sections)
    sections.reverse()
    for position, section in enumerate(sections, start=1):
        section["position"] = position
    report = sync_seed(engine, small, now=T2)
    # The middle section keeps position 2: only the outer two changed.
    assert (report.created, report.updated) == (only(), only(fact_sheet_sections=2))
    served = client.get("/v1/fact-sheet").json()["sections"]
    assert [(s["position"], s["id"]) for s in served] == [(1, third), (2, second), (3, first)]


def test_first_load_links_milestones_to_their_organisations_in_order(
    client: TestClient, loaded: SeedReport
) -> None:
    body = client.get("/v1/milestones/ms-018").json()
    assert [o["id"] for o in body["organisations"]] == ["org-011", "org-019"]


def test_first_load_makes_every_record_findable(
    client: TestClient, loaded: SeedReport, small: dict[str, Any]
) -> None:
    assert loaded.search_documents == sum(SMALL.values()) - 1  # the sheet itself is its sections
    nri = small["nris"][1]
    hits = client.get("/v1/search", params={"q": nri["name"]}).json()["data"]
    assert ("nris", nri["id"]) in [(h["collection"], h["id"]) for h in hits]


# --------------------------------------------------------------------------- idempotence


def test_second_load_of_the_same_document_changes_nothing_and_says_so(
    client: TestClient, engine: Engine, loaded: SeedReport, small: dict[str, Any]
) -> None:
    again = sync_seed(engine, small, now=T2)
    assert not again.changed
    assert (again.created, again.updated, again.deleted) == (only(), only(), only())
    assert again.search_documents == 0
    assert again.revision == 1
    assert again.summary() == "no changes (data revision 1)"
    assert changes_at_t2(client) == []
    assert revision_served(client) == (1, "2025-01-01T12:00:00Z")
    assert client.get("/v1/nris").json()["data"][0]["updated_at"] == "2025-01-01T12:00:00Z"


# --------------------------------------------------------------------------- edits


def test_an_added_an_edited_and_a_removed_record_show_in_report_summary_and_change_log(
    client: TestClient, engine: Engine, loaded: SeedReport, small: dict[str, Any]
) -> None:
    kept, removed = small["nris"]
    kept["name"] = "Renamed IGF"
    added = {**copy.deepcopy(kept), "id": "nri-999", "name": "New IGF"}
    small["nris"] = [kept, added]

    report = sync_seed(engine, small, now=T2)

    assert report.changed
    assert (report.created, report.updated, report.deleted) == (
        only(nris=1),
        only(nris=1),
        only(nris=1),
    )
    assert report.revision == 2
    assert report.summary() == "nris: +1 ~1 -1 (data revision 2)"
    assert changes_at_t2(client) == [
        ("created", "nris", "nri-999", "New IGF", 2),
        ("updated", "nris", kept["id"], "Renamed IGF", 2),
        ("deleted", "nris", removed["id"], removed["name"], 2),
    ]
    assert client.get(f"/v1/nris/{kept['id']}").json()["name"] == "Renamed IGF"
    assert client.get(f"/v1/nris/{removed['id']}").status_code == 404
    names = sorted(n["name"] for n in client.get("/v1/nris").json()["data"])
    assert names == ["New IGF", "Renamed IGF"]
    assert revision_served(client) == (2, T2_TEXT)


def test_an_edit_only_is_a_change_and_stays_at_its_revision_on_the_next_load(
    engine: Engine, loaded: SeedReport, small: dict[str, Any]
) -> None:
    find(small, "milestones", "ms-001")["title"] = "Geneva summit, renamed"
    report = sync_seed(engine, small, now=T2)
    assert report.changed
    assert report.summary() == "milestones: +0 ~1 -0 (data revision 2)"
    assert sync_seed(engine, small, now=T2).revision == 2


def test_a_removal_only_is_a_change(
    client: TestClient, engine: Engine, loaded: SeedReport, small: dict[str, Any]
) -> None:
    small["facts"] = []
    report = sync_seed(engine, small, now=T2)
    assert report.changed
    assert report.summary() == "facts: +0 ~0 -1 (data revision 2)"
    assert client.get("/v1/facts").json()["data"] == []


def test_removing_an_organisation_and_its_links_reports_both_collections(
    client: TestClient, engine: Engine, loaded: SeedReport, small: dict[str, Any]
) -> None:
    small["organisations"] = [o for o in small["organisations"] if o["id"] != "org-019"]
    find(small, "milestones", "ms-018")["organisations"] = ["org-011"]
    report = sync_seed(engine, small, now=T2)
    assert report.summary() == ("organisations: +0 ~0 -1; milestones: +0 ~1 -0 (data revision 2)")
    assert client.get("/v1/organisations/org-019").status_code == 404
    body = client.get("/v1/milestones/ms-018").json()
    assert [o["id"] for o in body["organisations"]] == ["org-011"]
    milestone = find(small, "milestones", "ms-018")
    assert changes_at_t2(client) == [
        ("updated", "milestones", "ms-018", milestone["title"], 2),
        ("deleted", "organisations", "org-019", loaded_name(client, "org-019"), 2),
    ]


def loaded_name(client: TestClient, organisation_id: str) -> str:
    """The name a removed organisation had, from its first entry in the change log."""
    history = client.get(
        "/v1/changes", params={"collection": "organisations", "record_id": organisation_id}
    ).json()["data"]
    title: str = history[0]["title"]
    assert history[0]["action"] == "created"
    return title


def test_reordering_a_milestones_organisations_updates_it_and_serves_the_new_order(
    client: TestClient, engine: Engine, loaded: SeedReport, small: dict[str, Any]
) -> None:
    milestone = find(small, "milestones", "ms-018")
    milestone["organisations"] = ["org-019", "org-011"]
    report = sync_seed(engine, small, now=T2)
    assert (report.created, report.updated, report.deleted) == (
        only(),
        only(milestones=1),
        only(),
    )
    body = client.get("/v1/milestones/ms-018").json()
    assert [o["id"] for o in body["organisations"]] == ["org-019", "org-011"]
    assert body["updated_at"] == T2_TEXT
    assert changes_at_t2(client) == [("updated", "milestones", "ms-018", milestone["title"], 2)]
    # The other milestone's links did not change: it is neither updated nor relinked.
    other = client.get("/v1/milestones/ms-001").json()
    assert [o["id"] for o in other["organisations"]] == ["org-011"]
    assert other["updated_at"] == "2025-01-01T12:00:00Z"


def test_a_milestone_linked_to_a_new_organisation_lists_it_last(
    client: TestClient, engine: Engine, loaded: SeedReport, small: dict[str, Any]
) -> None:
    find(small, "milestones", "ms-001")["organisations"] = ["org-011", "org-019"]
    report = sync_seed(engine, small, now=T2)
    assert report.summary() == "milestones: +0 ~1 -0 (data revision 2)"
    for milestone_id in ("ms-001", "ms-018"):
        body = client.get(f"/v1/milestones/{milestone_id}").json()
        assert [o["id"] for o in body["organisations"]] == ["org-011", "org-019"]


def test_an_edited_dataset_description_moves_the_revision_without_touching_records(
    client: TestClient, engine: Engine, loaded: SeedReport, small: dict[str, Any]
) -> None:
    small["dataset"]["description"] = "Edited."
    report = sync_seed(engine, small, now=T2)
    assert not report.changed
    assert report.summary() == "no changes (data revision 2)"
    assert revision_served(client) == (2, T2_TEXT)
    assert client.get("/v1").json()["data"]["description"] == "Edited."
    assert changes_at_t2(client) == []


def test_a_search_document_out_of_step_with_its_record_is_rebuilt_and_moves_the_revision(
    client: TestClient, engine: Engine, loaded: SeedReport, small: dict[str, Any]
) -> None:
    """As after a release that changes how a document is built: the records are as in the
    file, but what search holds for one of them is not what the builder now makes."""
    nri = small["nris"][0]
    with engine.begin() as conn:
        stale = (
            update(SEARCH_DOCUMENTS)
            .where(SEARCH_DOCUMENTS.c.record_id == nri["id"])
            .values(title="Quokka", body="Quokka")
        )
        assert conn.execute(stale).rowcount == 1
    assert client.get("/v1/search", params={"q": "quokka"}).json()["data"] != []

    report = sync_seed(engine, small, now=T2)

    assert not report.changed
    assert (report.search_documents, report.revision) == (1, 2)
    assert revision_served(client) == (2, T2_TEXT)
    assert client.get("/v1/search", params={"q": "quokka"}).json()["data"] == []
    with engine.connect() as conn:
        titles = conn.execute(
            select(SEARCH_DOCUMENTS.c.title).where(SEARCH_DOCUMENTS.c.record_id == nri["id"])
        ).scalars()
        assert list(titles) == [nri["name"]]


# --------------------------------------------------------------------------- refusals


def test_an_invalid_document_is_refused_with_its_problems_and_nothing_written(
    client: TestClient, engine: Engine, loaded: SeedReport, small: dict[str, Any]
) -> None:
    small["nris"][0]["name"] = "Renamed IGF"
    find(small, "milestones", "ms-001")["organisations"] = ["org-999"]
    with pytest.raises(SeedInvalid) as raised:
        sync_seed(engine, small, now=T2)
    assert str(raised.value) == "1 problem(s) in the seed file"
    problems = [(p.collection, p.record_id, p.field) for p in raised.value.problems]
    assert problems == [("milestones", "ms-001", "organisations[0]")]
    assert client.get(f"/v1/nris/{small['nris'][0]['id']}").json()["name"] != "Renamed IGF"
    assert revision_served(client) == (1, "2025-01-01T12:00:00Z")


# --------------------------------------------------------------------------- seed_if_empty


def test_seed_if_empty_loads_an_empty_database_once(
    client: TestClient,
    engine: Engine,
    small: dict[str, Any],
    tmp_path: Path,
    clock: FakeClock,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(seed_module, "utc_now", clock)
    path = tmp_path / "seed.json"
    path.write_text(json.dumps(small), encoding="utf-8")

    first = seed_if_empty(engine, path)

    assert first is not None
    assert (first.created, first.revision) == (SMALL, 1)
    small["nris"][0]["name"] = "Renamed IGF"
    path.write_text(json.dumps(small), encoding="utf-8")
    clock.now += dt.timedelta(days=1)
    assert seed_if_empty(engine, path) is None
    assert client.get(f"/v1/nris/{small['nris'][0]['id']}").json()["name"] != "Renamed IGF"
    assert revision_served(client)[0] == 1


def test_a_seed_on_postgresql_waits_for_the_write_lock(
    engine: Engine, small: dict[str, Any]
) -> None:
    """Two seeds (or a seed and a migration) started together on PostgreSQL queue on one
    advisory lock instead of racing; SQLite needs no lock (its writers BEGIN IMMEDIATE)."""
    if engine.dialect.name != "postgresql":
        pytest.skip("the write lock is PostgreSQL's; SQLite serialises writers by itself")
    outcome: dict[str, SeedReport] = {}
    with engine.connect() as holder:
        transaction = holder.begin()
        holder.execute(text("SELECT pg_advisory_xact_lock(:id)"), {"id": WRITE_LOCK_ID})
        seeding = threading.Thread(target=lambda: outcome.update(report=sync_seed(engine, small)))
        seeding.start()
        try:
            waiting = 0
            for _ in range(300):  # the seed's request for the lock shows in pg_locks
                waiting = holder.execute(text(UNGRANTED_ADVISORY_LOCKS)).scalar_one()
                if waiting:
                    break
                time.sleep(0.1)
            assert waiting == 1, "the seed did not ask for the write lock"
            assert not outcome, "the seed wrote while another writer held the lock"
        finally:
            transaction.commit()
            seeding.join(timeout=60)
    assert outcome["report"].revision == 1


UNGRANTED_ADVISORY_LOCKS = (
    "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND NOT granted"
)
