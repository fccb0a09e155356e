"""sync_seed against the real seed.json: idempotent, exact about what it changes, and all or
nothing. Runs on the per-test database of conftest (in-memory SQLite, or PostgreSQL)."""

import copy
import datetime as dt
from collections.abc import Callable
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine, select
from sqlmodel import SQLModel

import app.seed as seed_module
from app.models import MilestoneOrganisation
from app.seed import SeedInvalid, SeedReport, seed_if_empty, sync_seed
from app.seed_check import check_seed, load_seed_file
from tests.conftest import SEED_PATH

T1 = dt.datetime(2025, 1, 1, 12, 0, tzinfo=dt.UTC)
T2 = dt.datetime(2025, 2, 1, 12, 0, tzinfo=dt.UTC)
COLLECTIONS = [c.name for c in seed_module.COLLECTIONS]

Dump = dict[str, list[dict[str, Any]]]


def dump(engine: Engine) -> Dump:
    """Every row of every table, in primary key order."""
    out: Dump = {}
    with engine.connect() as conn:
        for table in SQLModel.metadata.sorted_tables:
            query = select(table).order_by(*table.primary_key.columns)
            out[table.name] = [dict(row._mapping) for row in conn.execute(query)]
    return out


def rows_by_key(tables: Dump, table: str, key: str) -> dict[Any, dict[str, Any]]:
    return {row[key]: row for row in tables[table]}


def changed_rows(before: Dump, after: Dump) -> dict[str, list[Any]]:
    """For each table, the primary keys of rows added, removed or altered. The change log is
    left out: it grows with every change by design (tests/api/test_changes.py checks it); so
    are search documents, which follow their records (tests/api/test_search.py checks them),
    and revisions, one per record changed (test_a_reseed_records_each_change_as_a_revision),
    and the seed file's records kept for the next run (tests/test_seed_edits.py)."""
    changes: dict[str, list[Any]] = {}
    for table in SQLModel.metadata.sorted_tables:
        if table.name in ("change", "search_document", "record_revision", "seed_baseline"):
            continue
        keys = [c.name for c in table.primary_key.columns]

        def index(rows: list[dict[str, Any]], keys: list[str] = keys) -> dict[Any, Any]:
            return {tuple(row[k] for k in keys): row for row in rows}

        old, new = index(before[table.name]), index(after[table.name])
        differing = sorted(k for k in old.keys() | new.keys() if old.get(k) != new.get(k))
        if differing:
            changes[table.name] = differing
    return changes


def link_rows(engine: Engine, milestone_id: str) -> list[tuple[str, int]]:
    links = MilestoneOrganisation.__table__  # type: ignore[attr-defined]
    query = (
        select(links.c.organisation_id, links.c.position)
        .where(links.c.milestone_id == milestone_id)
        .order_by(links.c.position)
    )
    with engine.connect() as conn:
        return [(row[0], row[1]) for row in conn.execute(query)]


def find(data: dict[str, Any], collection: str, record_id: str) -> dict[str, Any]:
    for item in data[collection]:
        if item["id"] == record_id:
            return item  # type: ignore[no-any-return]
    raise KeyError(record_id)


def counts(report: SeedReport) -> tuple[dict[str, int], dict[str, int], dict[str, int]]:
    return report.created, report.updated, report.deleted


def only(**nonzero: int) -> dict[str, int]:
    """A per-collection count that is zero everywhere except where given."""
    return {name: nonzero.get(name, 0) for name in COLLECTIONS}


@pytest.fixture
def data(seed_data: dict[str, Any]) -> dict[str, Any]:
    """A deep copy of the real seed, free to modify."""
    return copy.deepcopy(seed_data)


@pytest.fixture
def loaded(engine: Engine, seed_data: dict[str, Any]) -> SeedReport:
    """The real seed, loaded at T1."""
    return sync_seed(engine, seed_data, now=T1)


# --------------------------------------------------------------------------- first load


def test_first_load_creates_every_record_at_revision_one(
    loaded: SeedReport, seed_data: dict[str, Any]
) -> None:
    assert loaded.created == {
        "fact_sheet": 1,
        "fact_sheet_sections": len(seed_data["fact_sheet"]["sections"]),
        "calls_to_action": len(seed_data["calls_to_action"]),
        "organisations": len(seed_data["organisations"]),
        "milestones": len(seed_data["milestones"]),
        "nris": len(seed_data["nris"]),
        "action_lines": len(seed_data["action_lines"]),
        "facts": len(seed_data["facts"]),
    }
    assert (loaded.updated, loaded.deleted) == (only(), only())
    assert loaded.revision == 1


def test_first_load_stamps_every_record_with_now(engine: Engine, loaded: SeedReport) -> None:
    tables = dump(engine)
    stamped = [t for t in SQLModel.metadata.sorted_tables if "updated_at" in t.c]
    assert stamped
    for table in stamped:
        assert {(r["created_at"], r["updated_at"]) for r in tables[table.name]} == {(T1, T1)}
    assert tables["dataset"][0]["changed_at"] == T1


def test_first_load_links_milestones_to_their_organisations_in_order(
    engine: Engine, loaded: SeedReport, seed_data: dict[str, Any]
) -> None:
    for milestone in seed_data["milestones"]:
        expected = [(org, i) for i, org in enumerate(milestone["organisations"])]
        assert link_rows(engine, milestone["id"]) == expected, milestone["id"]


# --------------------------------------------------------------------------- idempotence


def test_second_load_of_the_same_seed_changes_nothing(
    engine: Engine, loaded: SeedReport, seed_data: dict[str, Any]
) -> None:
    before = dump(engine)
    again = sync_seed(engine, seed_data, now=T2)
    assert not again.changed
    assert counts(again) == (only(), only(), only())
    assert again.revision == loaded.revision == 1
    assert again.summary() == "no changes (data revision 1)"
    assert dump(engine) == before  # every updated_at, and the dataset row, untouched


def test_second_load_from_a_reparsed_file_changes_nothing(
    engine: Engine, loaded: SeedReport
) -> None:
    before = dump(engine)
    report = sync_seed(engine, load_seed_file(SEED_PATH), now=T2)
    assert not report.changed
    assert dump(engine) == before


# --------------------------------------------------------------------------- updates


def test_edited_nri_name_updates_exactly_that_record(
    engine: Engine, loaded: SeedReport, data: dict[str, Any]
) -> None:
    before = dump(engine)
    find(data, "nris", "nri-017")["name"] = "Renamed IGF"
    report = sync_seed(engine, data, now=T2)
    assert counts(report) == (only(), only(nris=1), only())
    assert report.revision == loaded.revision + 1
    after = dump(engine)
    assert changed_rows(before, after) == {"dataset": [(1,)], "nri": [("nri-017",)]}
    old = rows_by_key(before, "nri", "id")["nri-017"]
    new = rows_by_key(after, "nri", "id")["nri-017"]
    assert new == {**old, "name": "Renamed IGF", "updated_at": T2}
    assert new["created_at"] == T1
    dataset = after["dataset"][0]
    assert (dataset["revision"], dataset["changed_at"]) == (2, T2)


def test_a_reseed_records_each_change_as_a_revision_by_the_seed(
    engine: Engine, loaded: SeedReport, data: dict[str, Any]
) -> None:
    find(data, "nris", "nri-017")["name"] = "Renamed IGF"
    data["nris"] = [n for n in data["nris"] if n["id"] != "nri-018"]
    sync_seed(engine, data, now=T2)
    revisions = [r for r in dump(engine)["record_revision"] if r["at"] == T2]
    shown = [
        (r["collection"], r["record_id"], r["number"], r["action"], r["actor"], r["patch"])
        for r in sorted(revisions, key=lambda r: r["record_id"])
    ]
    assert shown == [
        (
            "nris",
            "nri-017",
            2,
            "updated",
            "seed",
            [{"op": "replace", "path": "/name", "value": "Renamed IGF"}],
        ),
        ("nris", "nri-018", 2, "deleted", "seed", [{"op": "replace", "path": "", "value": None}]),
    ]
    assert {r["data_revision"] for r in revisions} == {2}
    assert [r["record"] for r in revisions] == [find(data, "nris", "nri-017"), None]


def test_edited_dataset_description_bumps_the_revision_without_touching_records(
    engine: Engine, loaded: SeedReport, data: dict[str, Any]
) -> None:
    before = dump(engine)
    data["dataset"]["description"] = "Edited."
    report = sync_seed(engine, data, now=T2)
    assert not report.changed
    assert report.revision == 2
    assert changed_rows(before, dump(engine)) == {"dataset": [(1,)]}


def test_new_record_is_created_with_both_stamps_at_now(
    engine: Engine, loaded: SeedReport, data: dict[str, Any]
) -> None:
    added = {**copy.deepcopy(find(data, "nris", "nri-017")), "id": "nri-999", "name": "New IGF"}
    data["nris"].append(added)
    report = sync_seed(engine, data, now=T2)
    assert counts(report) == (only(nris=1), only(), only())
    row = rows_by_key(dump(engine), "nri", "id")["nri-999"]
    assert (row["name"], row["created_at"], row["updated_at"]) == ("New IGF", T2, T2)


# --------------------------------------------------------------------------- deletes


def test_record_removed_from_the_file_is_deleted(
    engine: Engine, loaded: SeedReport, data: dict[str, Any]
) -> None:
    before = dump(engine)
    data["nris"] = [n for n in data["nris"] if n["id"] != "nri-017"]
    report = sync_seed(engine, data, now=T2)
    assert counts(report) == (only(), only(), only(nris=1))
    assert report.revision == 2
    after = dump(engine)
    assert "nri-017" not in rows_by_key(after, "nri", "id")
    assert changed_rows(before, after) == {"dataset": [(1,)], "nri": [("nri-017",)]}


def test_removed_organisation_that_milestones_link_to_is_deleted_with_its_links(
    engine: Engine, loaded: SeedReport, data: dict[str, Any]
) -> None:
    gone = "org-011"
    linking = sorted(m["id"] for m in data["milestones"] if gone in m["organisations"])
    assert len(linking) >= 2  # the case worth testing: several milestones lose a link
    data["organisations"] = [o for o in data["organisations"] if o["id"] != gone]
    for milestone in data["milestones"]:
        milestone["organisations"] = [o for o in milestone["organisations"] if o != gone]
    before = dump(engine)

    report = sync_seed(engine, data, now=T2)

    assert counts(report) == (only(), only(milestones=len(linking)), only(organisations=1))
    after = dump(engine)
    assert gone not in rows_by_key(after, "organisation", "id")
    assert [r for r in after["milestone_organisation"] if r["organisation_id"] == gone] == []
    milestones = rows_by_key(after, "milestone", "id")
    assert sorted(k for k, r in milestones.items() if r["updated_at"] == T2) == linking
    assert {milestones[k]["created_at"] for k in linking} == {T1}
    for milestone_id in linking:
        wanted = find(data, "milestones", milestone_id)["organisations"]
        assert link_rows(engine, milestone_id) == [(o, i) for i, o in enumerate(wanted)]
    changed = changed_rows(before, after)
    assert changed["organisation"] == [(gone,)]
    assert [k[0] for k in changed["milestone"]] == linking


def test_removed_milestone_is_deleted_with_its_links(
    engine: Engine, loaded: SeedReport, data: dict[str, Any]
) -> None:
    data["milestones"] = [m for m in data["milestones"] if m["id"] != "ms-018"]
    report = sync_seed(engine, data, now=T2)
    assert counts(report) == (only(), only(), only(milestones=1))
    assert link_rows(engine, "ms-018") == []
    assert "ms-018" not in rows_by_key(dump(engine), "milestone", "id")


# --------------------------------------------------------------------------- links


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        (lambda orgs: [*orgs, "org-001"], ["org-011", "org-019", "org-001"]),
        (lambda orgs: orgs[:1], ["org-011"]),
        (lambda orgs: list(reversed(orgs)), ["org-019", "org-011"]),
        (lambda orgs: [], []),
    ],
    ids=["added", "removed", "reordered", "emptied"],
)
def test_changed_milestone_organisations_relink_and_move_its_updated_at(
    engine: Engine,
    loaded: SeedReport,
    data: dict[str, Any],
    change: Callable[[list[str]], list[str]],
    expected: list[str],
) -> None:
    milestone = find(data, "milestones", "ms-018")
    assert milestone["organisations"] == ["org-011", "org-019"]
    milestone["organisations"] = change(milestone["organisations"])
    before = dump(engine)

    report = sync_seed(engine, data, now=T2)

    assert counts(report) == (only(), only(milestones=1), only())
    assert report.revision == 2
    assert link_rows(engine, "ms-018") == [(org, i) for i, org in enumerate(expected)]
    after = dump(engine)
    row = rows_by_key(after, "milestone", "id")["ms-018"]
    assert (row["created_at"], row["updated_at"]) == (T1, T2)
    changed = changed_rows(before, after)
    assert changed.pop("milestone") == [("ms-018",)]
    assert changed.pop("dataset") == [(1,)]
    assert set(changed) <= {"milestone_organisation"}
    assert {k[0] for k in changed.get("milestone_organisation", [])} <= {"ms-018"}


# --------------------------------------------------------------------------- refusals


def _end_before_start(data: dict[str, Any]) -> None:
    find(data, "milestones", "ms-019")["end_date"] = "2025-03-01"


def _unknown_organisation(data: dict[str, Any]) -> None:
    find(data, "milestones", "ms-030")["organisations"].append("org-999")


def _bad_change_among_good_ones(data: dict[str, Any]) -> None:
    find(data, "nris", "nri-017")["name"] = "Renamed IGF"
    data["organisations"] = [o for o in data["organisations"] if o["id"] != "org-019"]


@pytest.mark.parametrize(
    ("breakage", "located"),
    [
        (_end_before_start, ("milestones", "ms-019", "end_date")),
        (_unknown_organisation, ("milestones", "ms-030", "organisations[3]")),
        (_bad_change_among_good_ones, ("milestones", "ms-018", "organisations[1]")),
    ],
    ids=["end-before-start", "unknown-organisation", "dangling-link-among-good-edits"],
)
def test_invalid_seed_raises_and_leaves_the_database_exactly_as_it_was(
    engine: Engine,
    loaded: SeedReport,
    data: dict[str, Any],
    breakage: Callable[[dict[str, Any]], None],
    located: tuple[str, str, str],
) -> None:
    breakage(data)
    before = dump(engine)
    with pytest.raises(SeedInvalid) as raised:
        sync_seed(engine, data, now=T2)
    assert [(p.collection, p.record_id, p.field) for p in raised.value.problems] == [located]
    assert dump(engine) == before


def test_invalid_seed_on_an_empty_database_writes_nothing(
    engine: Engine, data: dict[str, Any]
) -> None:
    _end_before_start(data)
    with pytest.raises(SeedInvalid):
        sync_seed(engine, data, now=T1)
    assert all(rows == [] for rows in dump(engine).values())


# --------------------------------------------------------------------------- atomicity


def _messy_edit(data: dict[str, Any]) -> None:
    """Updates, a delete that cascades to links, and a relink: writes in every phase."""
    find(data, "nris", "nri-017")["name"] = "Renamed IGF"
    data["nris"] = [n for n in data["nris"] if n["id"] != "nri-018"]
    data["organisations"] = [o for o in data["organisations"] if o["id"] != "org-019"]
    find(data, "milestones", "ms-018")["organisations"] = ["org-011"]


class Boom(Exception):
    pass


@pytest.mark.parametrize("fail_at", ["after-nris-upsert", "before-dataset-revision"])
def test_failure_mid_way_through_a_sync_changes_nothing(
    engine: Engine,
    loaded: SeedReport,
    data: dict[str, Any],
    monkeypatch: pytest.MonkeyPatch,
    fail_at: str,
) -> None:
    _messy_edit(data)
    before = dump(engine)
    written: list[tuple[str, int, int]] = []
    real_upsert, real_sync_dataset = seed_module._upsert, seed_module._sync_dataset

    def upsert(conn: Any, collection: Any, *args: Any) -> tuple[list[Any], list[Any]]:
        created, updated = real_upsert(conn, collection, *args)
        written.append((collection.name, len(created), len(updated)))
        if fail_at == "after-nris-upsert" and collection.name == "nris":
            raise Boom
        return created, updated

    def sync_dataset(conn: Any, *args: Any) -> int:
        if fail_at == "before-dataset-revision":
            raise Boom
        return real_sync_dataset(conn, *args)

    monkeypatch.setattr(seed_module, "_upsert", upsert)
    monkeypatch.setattr(seed_module, "_sync_dataset", sync_dataset)

    with pytest.raises(Boom):
        sync_seed(engine, data, now=T2)

    # Writes really happened inside the transaction before it failed...
    assert ("milestones", 0, 1) in written
    assert ("nris", 0, 1) in written
    # ...and none of them survived.
    assert dump(engine) == before


def test_sync_after_a_failed_one_applies_cleanly(
    engine: Engine,
    loaded: SeedReport,
    data: dict[str, Any],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    _messy_edit(data)

    def explode(*_: Any) -> int:
        raise Boom

    with monkeypatch.context() as patch:
        patch.setattr(seed_module, "_sync_dataset", explode)
        with pytest.raises(Boom):
            sync_seed(engine, data, now=T2)
    report = sync_seed(engine, data, now=T2)
    assert counts(report) == (
        only(),
        only(nris=1, milestones=1),
        only(nris=1, organisations=1),
    )
    assert report.revision == 2
    assert link_rows(engine, "ms-018") == [("org-011", 0)]


# --------------------------------------------------------------------------- seed_if_empty


def test_seed_if_empty_loads_an_empty_database_and_then_leaves_it_alone(
    engine: Engine, seed_data: dict[str, Any]
) -> None:
    first = seed_if_empty(engine, SEED_PATH)
    assert first is not None and first.revision == 1
    assert first.created["nris"] == len(seed_data["nris"])
    before = dump(engine)
    assert seed_if_empty(engine, SEED_PATH) is None
    assert dump(engine) == before


# --------------------------------------------------------------------------- over HTTP


def test_api_serves_the_new_value_after_a_reseed(
    client: TestClient, engine: Engine, loaded: SeedReport, data: dict[str, Any]
) -> None:
    first = client.get("/v1/nris/nri-017")
    assert first.status_code == 200
    old_name = first.json()["name"]
    assert old_name != "Renamed IGF"
    listing = client.get("/v1/nris", params={"limit": 200})
    assert old_name in [n["name"] for n in listing.json()["data"]]

    find(data, "nris", "nri-017")["name"] = "Renamed IGF"
    sync_seed(engine, data, now=T2)

    again = client.get("/v1/nris/nri-017", headers={"If-None-Match": first.headers["ETag"]})
    assert again.status_code == 200
    assert again.json()["name"] == "Renamed IGF"
    assert again.headers["ETag"] != first.headers["ETag"]
    names = [n["name"] for n in client.get("/v1/nris", params={"limit": 200}).json()["data"]]
    assert "Renamed IGF" in names
    assert old_name not in names


def test_api_stops_serving_a_record_removed_by_a_reseed(
    client: TestClient, engine: Engine, loaded: SeedReport, data: dict[str, Any]
) -> None:
    assert client.get("/v1/organisations/org-019").status_code == 200
    data["organisations"] = [o for o in data["organisations"] if o["id"] != "org-019"]
    find(data, "milestones", "ms-018")["organisations"] = ["org-011"]
    sync_seed(engine, data, now=T2)
    assert client.get("/v1/organisations/org-019").status_code == 404
    milestone = client.get("/v1/milestones/ms-018").json()
    assert "org-019" not in str(milestone)


# --------------------------------------------------------------------------- nesting


def _c7_after_its_sub_lines(data: dict[str, Any]) -> list[str]:
    """Moves C7 behind its sub-lines, which the checker accepts; returns the new order."""
    lines = data["action_lines"]
    c7 = next(line for line in lines if line["code"] == "C7")
    lines.remove(c7)
    last_sub_line = max(i for i, line in enumerate(lines) if line["parent_code"] == "C7")
    lines.insert(last_sub_line + 1, c7)
    return [line["code"] for line in lines]


def test_action_line_listed_after_its_sub_lines_loads_into_an_empty_database(
    engine: Engine, data: dict[str, Any]
) -> None:
    order = _c7_after_its_sub_lines(data)
    assert check_seed(data) == []
    report = sync_seed(engine, data, now=T1)
    assert report.created["action_lines"] == len(data["action_lines"])
    lines = rows_by_key(dump(engine), "action_line", "code")
    assert sorted(lines, key=lambda code: lines[code]["position"]) == order


def test_moving_an_action_line_behind_its_sub_lines_only_renumbers_positions(
    engine: Engine, loaded: SeedReport, data: dict[str, Any]
) -> None:
    order = _c7_after_its_sub_lines(data)
    report = sync_seed(engine, data, now=T2)
    moved = sum(1 for line in data["action_lines"] if line["code"].startswith("C7"))
    assert counts(report) == (only(), only(action_lines=moved), only())
    lines = rows_by_key(dump(engine), "action_line", "code")
    assert sorted(lines, key=lambda code: lines[code]["position"]) == order
