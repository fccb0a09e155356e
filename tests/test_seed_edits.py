"""A seed run over records editors changed through the API (app.record_history): each record
is merged three ways, the seed file's version (S), the database's (D) and the last seed
file's (B, table seed_baseline, their common ancestor).

* D == B (nobody edited it) or D == S (the file agrees with the edit): the file's version.
* S == B (only an editor changed it): the edit stays, silently; counted in `edits_kept`.
* both changed it, differently: a conflict; the edit stays unless overwrite_edits.

So a reseed with the file an edit was made against keeps the edit and says nothing of a
conflict; a file that changes the edited record too is a conflict once, and not again on the
next run with the same file (it is then the ancestor). The rest of the file applies as usual,
a merged document that breaks the rules changes nothing, and a database seeded from an
export of the edited one serves the same answers. Edits go through HTTP; the seed runs are
app.seed.sync_seed, as `factsheet seed` calls it (tests/test_export_cli.py runs the
command)."""

import copy
import json
from collections.abc import Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient
from pydantic import SecretStr
from sqlalchemy import Engine, delete, select

from app.db import make_engine
from app.export import DATASET, export_to
from app.migrate import upgrade
from app.record_history import BASELINE, SeedConflict, read_baseline
from app.seed import SeedInvalid, SeedReport, sync_seed
from app.seed_check import check_seed
from tests.conftest import LOOPBACK_CLIENT, FakeClock, MakeApp
from tests.editing import bearer, make_token, patch_headers
from tests.test_migrations import create_pg_database, drop_pg_database

EDITOR = "ann"
EDITED = "ms-001"  # the milestone the tests edit
OTHER = "ms-002"  # one no editor touches
URL = f"/v1/milestones/{EDITED}"
OTHER_URL = f"/v1/milestones/{OTHER}"
EDIT = {"location": "Geneva, Palexpo"}
FILE_NOTE = "A note the seed file's maintainer added."
CREATED = "ms-900"
CREATED_URL = f"/v1/milestones/{CREATED}"
UNLINKED_ORGANISATION = "org-001"  # no milestone of seed.json names it
EDITED_ORG = "org-011"
CURSOR_SECRET = SecretStr("seed-edits-round-trip-cursor-secret-0123")


@pytest.fixture
def token(engine: Engine, clock: FakeClock, seeded: dict[str, Any]) -> str:
    return make_token(engine, EDITOR, clock.now)


def patch(client: TestClient, token: str, url: str, changes: dict[str, Any]) -> bytes:
    """Merge-patch the record at `url`; returns the body GET then serves."""
    etag = client.get(url).headers["ETag"]
    response = client.patch(url, content=json.dumps(changes), headers=patch_headers(token, etag))
    assert response.status_code == 200, response.text
    return client.get(url).content


def create(client: TestClient, token: str, record: dict[str, Any]) -> None:
    response = client.post("/v1/milestones", json=record, headers=bearer(token))
    assert response.status_code == 201, response.text


def remove(client: TestClient, token: str, url: str) -> None:
    etag = client.get(url).headers["ETag"]
    response = client.delete(url, headers={**bearer(token), "If-Match": etag})
    assert response.status_code == 204, response.text


def milestone(data: dict[str, Any], record_id: str) -> dict[str, Any]:
    (record,) = [r for r in data["milestones"] if r["id"] == record_id]
    return dict(record)


def with_milestone(data: dict[str, Any], record_id: str, **fields: Any) -> dict[str, Any]:
    """A copy of `data` whose milestone `record_id` has `fields` changed."""
    changed = copy.deepcopy(data)
    for record in changed["milestones"]:
        if record["id"] == record_id:
            record.update(fields)
    return changed


def without_milestone(data: dict[str, Any], record_id: str) -> dict[str, Any]:
    return {**data, "milestones": [r for r in data["milestones"] if r["id"] != record_id]}


def with_new_milestone(data: dict[str, Any], record: dict[str, Any]) -> dict[str, Any]:
    return {**data, "milestones": [*data["milestones"], record]}


def without_organisation(data: dict[str, Any], organisation_id: str) -> dict[str, Any]:
    kept = [o for o in data["organisations"] if o["id"] != organisation_id]
    return {**data, "organisations": kept}


def new_milestone(data: dict[str, Any], title: str = "An editor's own milestone") -> dict[str, Any]:
    return {**milestone(data, OTHER), "id": CREATED, "title": title}


def revisions(client: TestClient, url: str) -> list[tuple[int, str, str]]:
    body = client.get(f"{url}/revisions").json()
    return [(r["number"], r["actor"], r["action"]) for r in body["data"]]


def change_log(client: TestClient) -> dict[str, Any]:
    """The newest entries of the change log, and how many it holds."""
    body: dict[str, Any] = client.get("/v1/changes?limit=20&sort=-id").json()
    return {"total": body["meta"]["total"], "newest": body["data"]}


def data_revision(engine: Engine) -> int:
    with engine.connect() as conn:
        return int(conn.execute(select(DATASET.c.revision)).scalar_one())


def baseline(engine: Engine) -> dict[tuple[str, str], dict[str, Any]]:
    with engine.connect() as conn:
        return read_baseline(conn)


def conflict(
    record_id: str, kept: str = "edit", edited: str = "changed", seeded: str = "changes it"
) -> SeedConflict:
    return SeedConflict("milestones", record_id, EDITOR, kept, edited, seeded)


def reseed(
    engine: Engine, data: dict[str, Any], clock: FakeClock, overwrite_edits: bool = False
) -> SeedReport:
    return sync_seed(engine, data, now=clock.now, overwrite_edits=overwrite_edits)


def outcome(report: SeedReport) -> tuple[list[SeedConflict], int, bool]:
    return report.conflicts, report.edits_kept, report.changed


# --------------------------------------------------------------------------- no edits


def test_a_reseed_without_edits_keeps_nothing_and_reports_nothing(
    engine: Engine, clock: FakeClock, seeded: dict[str, Any]
) -> None:
    # The database read back as a document and the file's records must compare equal, on
    # every backend, or every record would count as edited.
    revision = data_revision(engine)

    report = reseed(engine, seeded, clock)

    assert outcome(report) == ([], 0, False)
    assert report.summary() == f"no changes (data revision {revision})"


def test_every_seed_run_makes_the_files_records_the_baseline(
    engine: Engine, clock: FakeClock, seeded: dict[str, Any]
) -> None:
    assert baseline(engine)[("milestones", EDITED)] == milestone(seeded, EDITED)
    revised = with_milestone(seeded, EDITED, notes=FILE_NOTE)

    reseed(engine, revised, clock)

    held = baseline(engine)
    assert held[("milestones", EDITED)] == milestone(revised, EDITED)
    assert len([key for key in held if key[0] == "milestones"]) == len(seeded["milestones"])


# --------------------------------------------------------------------------- only an editor


def test_reseed_with_the_unchanged_file_keeps_an_edit_silently_and_writes_nothing(
    client: TestClient, engine: Engine, clock: FakeClock, seeded: dict[str, Any], token: str
) -> None:
    edited = patch(client, token, URL, EDIT)
    history, log, revision = revisions(client, URL), change_log(client), data_revision(engine)

    report = reseed(engine, seeded, clock)

    assert outcome(report) == ([], 1, False)
    assert report.summary() == f"no changes (data revision {revision}); kept 1 edited record(s)"
    assert client.get(URL).content == edited
    assert json.loads(edited)["location"] == EDIT["location"]
    assert revisions(client, URL) == history == [(1, "seed", "created"), (2, EDITOR, "updated")]
    assert (change_log(client), data_revision(engine)) == (log, revision)
    # The baseline stays the file's version, not the edit: the edit is still an edit.
    assert baseline(engine)[("milestones", EDITED)] == milestone(seeded, EDITED)
    again = reseed(engine, seeded, clock)
    assert outcome(again) == ([], 1, False)


def test_reseed_applies_the_file_to_records_no_editor_touched_and_keeps_the_edit(
    client: TestClient, engine: Engine, clock: FakeClock, seeded: dict[str, Any], token: str
) -> None:
    edited = patch(client, token, URL, EDIT)
    revision = data_revision(engine)
    title = "Geneva Declaration of Principles and Plan of Action (retitled)"

    report = reseed(engine, with_milestone(seeded, OTHER, title=title), clock)

    assert outcome(report) == ([], 1, True)
    assert report.summary() == (
        f"milestones: +0 ~1 -0 (data revision {revision + 1}); kept 1 edited record(s)"
    )
    assert client.get(OTHER_URL).json()["title"] == title
    assert revisions(client, OTHER_URL)[-1] == (2, "seed", "updated")
    assert client.get(URL).content == edited
    assert revisions(client, URL)[-1] == (2, EDITOR, "updated")


def test_reseed_whose_file_agrees_with_the_edit_is_no_conflict_and_no_edit(
    client: TestClient, engine: Engine, clock: FakeClock, seeded: dict[str, Any], token: str
) -> None:
    edited = patch(client, token, URL, EDIT)

    report = reseed(engine, with_milestone(seeded, EDITED, **EDIT), clock)

    assert outcome(report) == ([], 0, False)
    assert client.get(URL).content == edited


def test_a_record_an_editor_created_survives_a_reseed_whose_file_never_had_it(
    client: TestClient, engine: Engine, clock: FakeClock, seeded: dict[str, Any], token: str
) -> None:
    create(client, token, new_milestone(seeded))
    served = client.get(CREATED_URL).content

    report = reseed(engine, seeded, clock)

    assert outcome(report) == ([], 1, False)
    assert client.get(CREATED_URL).content == served
    total = client.get("/v1/milestones").json()["meta"]["total"]
    assert total == len(seeded["milestones"]) + 1
    assert revisions(client, CREATED_URL) == [(1, EDITOR, "created")]


def test_a_record_an_editor_deleted_stays_deleted_after_a_reseed_whose_file_kept_it(
    client: TestClient, engine: Engine, clock: FakeClock, seeded: dict[str, Any], token: str
) -> None:
    remove(client, token, URL)
    log = change_log(client)

    report = reseed(engine, seeded, clock)

    assert outcome(report) == ([], 1, False)
    assert client.get(URL).status_code == 404
    assert revisions(client, URL) == [(1, "seed", "created"), (2, EDITOR, "deleted")]
    assert change_log(client) == log


# --------------------------------------------------------------------------- both: conflicts


def test_a_file_that_changes_the_edited_record_too_is_a_conflict_once(
    client: TestClient, engine: Engine, clock: FakeClock, seeded: dict[str, Any], token: str
) -> None:
    edited = patch(client, token, URL, EDIT)
    history, revision = revisions(client, URL), data_revision(engine)
    revised = with_milestone(seeded, EDITED, notes=FILE_NOTE)

    report = reseed(engine, revised, clock)

    assert outcome(report) == ([conflict(EDITED)], 0, False)
    assert str(report.conflicts[0]) == (
        f"milestones/{EDITED}: changed by 'ann' through the API, and the seed file changes "
        "it; kept the editor's version"
    )
    assert report.summary() == f"no changes (data revision {revision})"
    # Records merge whole: the editor's version, without the file's other field.
    assert client.get(URL).content == edited
    assert json.loads(edited)["notes"] == milestone(seeded, EDITED)["notes"]
    assert revisions(client, URL) == history
    # The same file again: it is the ancestor now, so only the editor changed the record.
    again = reseed(engine, revised, clock)
    assert outcome(again) == ([], 1, False)
    assert client.get(URL).content == edited
    assert data_revision(engine) == revision


def test_the_conflict_names_the_editor_of_the_latest_version(
    client: TestClient, engine: Engine, clock: FakeClock, seeded: dict[str, Any], token: str
) -> None:
    patch(client, token, URL, EDIT)
    patch(client, make_token(engine, "bob", clock.now), URL, {"location": "Geneva, CICG"})

    report = reseed(engine, with_milestone(seeded, EDITED, notes=FILE_NOTE), clock)

    assert [c.editor for c in report.conflicts] == ["bob"]


def test_a_file_that_changes_a_record_an_editor_deleted_is_a_conflict(
    client: TestClient, engine: Engine, clock: FakeClock, seeded: dict[str, Any], token: str
) -> None:
    remove(client, token, URL)

    report = reseed(engine, with_milestone(seeded, EDITED, notes=FILE_NOTE), clock)

    assert outcome(report) == ([conflict(EDITED, edited="deleted")], 0, False)
    assert str(report.conflicts[0]) == (
        f"milestones/{EDITED}: deleted by 'ann' through the API, and the seed file changes "
        "it; kept the editor's version"
    )
    assert client.get(URL).status_code == 404


def test_a_file_that_removes_a_record_an_editor_changed_is_a_conflict(
    client: TestClient, engine: Engine, clock: FakeClock, seeded: dict[str, Any], token: str
) -> None:
    edited = patch(client, token, URL, EDIT)

    report = reseed(engine, without_milestone(seeded, EDITED), clock)

    assert outcome(report) == ([conflict(EDITED, seeded="removes it")], 0, False)
    assert str(report.conflicts[0]).endswith(
        "changed by 'ann' through the API, and the seed file removes it; kept the editor's version"
    )
    assert client.get(URL).content == edited


def test_a_file_that_adds_a_record_an_editor_created_differently_is_a_conflict(
    client: TestClient, engine: Engine, clock: FakeClock, seeded: dict[str, Any], token: str
) -> None:
    create(client, token, new_milestone(seeded))
    served = client.get(CREATED_URL).content
    theirs = new_milestone(seeded, title="The release's own milestone")

    report = reseed(engine, with_new_milestone(seeded, theirs), clock)

    assert outcome(report) == ([conflict(CREATED, edited="created", seeded="adds it")], 0, False)
    assert str(report.conflicts[0]) == (
        f"milestones/{CREATED}: created by 'ann' through the API, and the seed file adds it; "
        "kept the editor's version"
    )
    assert client.get(CREATED_URL).content == served


def test_a_file_that_adds_the_record_an_editor_created_the_same_is_no_conflict(
    client: TestClient, engine: Engine, clock: FakeClock, seeded: dict[str, Any], token: str
) -> None:
    create(client, token, new_milestone(seeded))

    report = reseed(engine, with_new_milestone(seeded, new_milestone(seeded)), clock)

    assert outcome(report) == ([], 0, False)
    assert baseline(engine)[("milestones", CREATED)] == new_milestone(seeded)


# --------------------------------------------------------------------------- overwrite


def test_overwrite_edits_settles_a_conflict_with_the_files_version_as_the_seeds_own(
    client: TestClient, engine: Engine, clock: FakeClock, seeded: dict[str, Any], token: str
) -> None:
    patch(client, token, URL, EDIT)
    revised = with_milestone(seeded, EDITED, notes=FILE_NOTE)

    report = reseed(engine, revised, clock, overwrite_edits=True)

    assert outcome(report) == ([conflict(EDITED, kept="seed")], 0, True)
    assert str(report.conflicts[0]) == (
        f"milestones/{EDITED}: changed by 'ann' through the API, and the seed file changes "
        "it; replaced it with the seed file's version"
    )
    assert report.updated["milestones"] == 1
    served = client.get(URL).json()
    assert (served["location"], served["notes"]) == (
        milestone(seeded, EDITED)["location"],
        FILE_NOTE,
    )
    assert revisions(client, URL) == [
        (1, "seed", "created"),
        (2, EDITOR, "updated"),
        (3, "seed", "updated"),
    ]
    later = reseed(engine, revised, clock)
    assert outcome(later) == ([], 0, False)


def test_overwrite_edits_replaces_an_edit_the_file_did_not_change(
    client: TestClient, engine: Engine, clock: FakeClock, seeded: dict[str, Any], token: str
) -> None:
    # Overwriting makes the database the file: an edit of a record the file left alone is
    # replaced too, counted, and no conflict (the file did not change the record).
    original = client.get(URL).content
    patch(client, token, URL, EDIT)

    report = reseed(engine, seeded, clock, overwrite_edits=True)

    assert outcome(report) == ([], 0, True)
    assert report.edits_replaced == 1
    assert report.summary().endswith("; replaced 1 edited record(s) with the file's")
    assert client.get(URL).content == original


def test_overwrite_edits_restores_a_deleted_record_and_drops_a_created_one(
    client: TestClient, engine: Engine, clock: FakeClock, seeded: dict[str, Any], token: str
) -> None:
    create(client, token, new_milestone(seeded))
    remove(client, token, URL)
    revised = with_new_milestone(
        with_milestone(seeded, EDITED, notes=FILE_NOTE),
        new_milestone(seeded, title="The release's own milestone"),
    )

    report = reseed(engine, revised, clock, overwrite_edits=True)

    assert report.conflicts == [
        conflict(EDITED, kept="seed", edited="deleted"),
        conflict(CREATED, kept="seed", edited="created", seeded="adds it"),
    ]
    assert (report.created["milestones"], report.updated["milestones"]) == (1, 1)
    assert client.get(URL).json()["notes"] == FILE_NOTE
    assert client.get(CREATED_URL).json()["title"] == "The release's own milestone"
    assert revisions(client, URL)[-1] == (3, "seed", "created")
    assert revisions(client, CREATED_URL)[-1] == (2, "seed", "updated")
    later = reseed(engine, revised, clock)
    assert outcome(later) == ([], 0, False)


# --------------------------------------------------------------------------- invalid merge


def test_a_kept_edit_the_file_no_longer_holds_together_with_is_refused_and_changes_nothing(
    client: TestClient, engine: Engine, clock: FakeClock, seeded: dict[str, Any], token: str
) -> None:
    # The edit links an organisation that the next seed file drops, and the file changes
    # the edited milestone too (a conflict): the file alone is valid, with the edit kept in
    # it, it is not.
    linked = [*milestone(seeded, EDITED)["organisations"], UNLINKED_ORGANISATION]
    edited = patch(client, token, URL, {"organisations": linked})
    revised = without_organisation(
        with_milestone(seeded, EDITED, notes=FILE_NOTE), UNLINKED_ORGANISATION
    )
    assert check_seed(revised) == []
    before, revision, log = export_to(engine, None), data_revision(engine), change_log(client)
    ancestor = baseline(engine)

    with pytest.raises(SeedInvalid) as refused:
        reseed(engine, revised, clock)

    assert refused.value.in_the_file is False
    assert [(p.collection, p.record_id, p.field) for p in refused.value.problems] == [
        ("milestones", EDITED, f"organisations[{len(linked) - 1}]")
    ]
    assert export_to(engine, None) == before
    assert (data_revision(engine), change_log(client)) == (revision, log)
    assert baseline(engine) == ancestor
    assert client.get(URL).content == edited
    # Told to overwrite, the same file applies: the edit goes, then the organisation.
    report = reseed(engine, revised, clock, overwrite_edits=True)
    assert report.conflicts == [conflict(EDITED, kept="seed")]
    assert report.deleted["organisations"] == 1
    assert client.get(f"/v1/organisations/{UNLINKED_ORGANISATION}").status_code == 404
    assert client.get(URL).json()["notes"] == FILE_NOTE


def test_a_file_that_breaks_the_rules_itself_is_refused_as_the_files_fault(
    engine: Engine, clock: FakeClock, seeded: dict[str, Any]
) -> None:
    broken = with_milestone(seeded, EDITED, kind="party")
    with pytest.raises(SeedInvalid) as refused:
        reseed(engine, broken, clock)
    assert refused.value.in_the_file is True


def test_an_edit_the_file_left_alone_but_broke_is_refused_unless_overwritten(
    client: TestClient, engine: Engine, clock: FakeClock, seeded: dict[str, Any], token: str
) -> None:
    # The edit links an organisation the next file drops: kept, it breaks the file.
    original = client.get(URL).content
    linked = [*milestone(seeded, EDITED)["organisations"], UNLINKED_ORGANISATION]
    edited = patch(client, token, URL, {"organisations": linked})
    revised = without_organisation(seeded, UNLINKED_ORGANISATION)
    before = export_to(engine, None)

    with pytest.raises(SeedInvalid) as refused:
        reseed(engine, revised, clock)
    assert refused.value.in_the_file is False
    assert export_to(engine, None) == before
    assert client.get(URL).content == edited

    report = reseed(engine, revised, clock, overwrite_edits=True)
    assert (report.edits_replaced, report.deleted["organisations"]) == (1, 1)
    assert client.get(URL).content == original


def test_an_edit_made_before_the_first_seed_after_the_upgrade_is_kept(
    client: TestClient, engine: Engine, clock: FakeClock, seeded: dict[str, Any], token: str
) -> None:
    # The upgrade that added seed_baseline leaves it empty; the first edit fills it with
    # what the last seed run left, so the next seed run knows the edit for one.
    with engine.begin() as conn:
        conn.execute(delete(BASELINE))
    edited = patch(client, token, URL, EDIT)

    report = reseed(engine, seeded, clock)

    assert outcome(report) == ([], 1, False)
    assert client.get(URL).content == edited


# --------------------------------------------------------------------------- no baseline


def test_without_a_baseline_the_file_wins_and_nothing_counts_as_edited(
    client: TestClient, engine: Engine, clock: FakeClock, seeded: dict[str, Any], token: str
) -> None:
    # As on the first seed run after the upgrade that added the table.
    patch(client, token, URL, EDIT)
    with engine.begin() as conn:
        conn.execute(delete(BASELINE))

    report = reseed(engine, seeded, clock)

    assert outcome(report) == ([], 0, True)
    assert client.get(URL).json()["location"] == milestone(seeded, EDITED)["location"]
    assert revisions(client, URL)[-1] == (3, "seed", "updated")
    assert baseline(engine)[("milestones", EDITED)] == milestone(seeded, EDITED)


# --------------------------------------------------------------------------- export


@pytest.fixture
def second_database_url(database_url: str) -> Iterator[str]:
    """A second, empty database of the backend under test: on PostgreSQL one created beside
    the test database (the test database itself holds the first app's data)."""
    if database_url == "sqlite://":
        yield database_url  # every in-memory engine is a database of its own
        return
    url = create_pg_database(database_url)
    try:
        engine = make_engine(url)
        upgrade(engine)
        engine.dispose()
        yield url
    finally:
        drop_pg_database(database_url, url)


def answer(client: TestClient, url: str) -> tuple[int, str | None, bytes]:
    response = client.get(url)
    return response.status_code, response.headers.get("etag"), response.content


def lists(data: dict[str, Any]) -> list[str]:
    """The lists of the collections the edits touched (whole and a short first page, JSON
    and CSV), every milestone seed.json and the editor made, the fact sheet and a search."""
    urls = [f"/v1/milestones/{r['id']}" for r in data["milestones"]]
    urls += [CREATED_URL, "/v1/fact-sheet", "/v1/search?q=geneva"]
    for collection in ("milestones", "organisations", "nris"):
        urls += [f"/v1/{collection}", f"/v1/{collection}.csv", f"/v1/{collection}?limit=5"]
    urls += ["/v1/milestones?sort=-start_date&limit=10", f"/v1/organisations/{EDITED_ORG}"]
    return urls


def test_a_database_seeded_from_an_export_serves_the_edited_data_the_same(
    second_database_url: str, make_app: MakeApp, clock: FakeClock, seed_data: dict[str, Any]
) -> None:
    # The clock stands still throughout: records carry their times, which an export does not.
    first_app = make_app(cursor_secret=CURSOR_SECRET)
    second_app = make_app(database_url=second_database_url, cursor_secret=CURSOR_SECRET)
    sync_seed(first_app.state.engine, seed_data, now=clock.now)
    token = make_token(
        first_app.state.engine, EDITOR, clock.now, collections=("milestones", "organisations")
    )
    with TestClient(first_app, client=LOOPBACK_CLIENT) as first:
        patch(first, token, URL, EDIT)
        patch(first, token, f"/v1/organisations/{EDITED_ORG}", {"website": "https://itu.int"})
        create(first, token, new_milestone(seed_data))
        remove(first, token, OTHER_URL)
        exported = export_to(first_app.state.engine, None)
        report = sync_seed(second_app.state.engine, json.loads(exported), now=clock.now)
        assert (report.conflicts, report.edits_kept) == ([], 0)
        assert export_to(second_app.state.engine, None) == exported
        with TestClient(second_app, client=LOOPBACK_CLIENT) as second:
            urls = lists(seed_data)
            answers = {url: (answer(first, url), answer(second, url)) for url in urls}
    assert [url for url, (a, b) in answers.items() if a != b] == []
    assert {a[0] for a, _ in answers.values()} == {200, 404}  # OTHER was deleted
    assert answers[OTHER_URL][0][0] == 404


def test_reseeding_from_its_own_export_settles_the_edits_and_later_files_apply(
    client: TestClient, engine: Engine, clock: FakeClock, seeded: dict[str, Any], token: str
) -> None:
    edited = patch(client, token, URL, EDIT)
    create(client, token, new_milestone(seeded))
    remove(client, token, OTHER_URL)
    exported = json.loads(export_to(engine, None))
    revision, log = data_revision(engine), change_log(client)

    report = reseed(engine, exported, clock)

    assert outcome(report) == ([], 0, False)
    assert (data_revision(engine), change_log(client)) == (revision, log)
    assert client.get(URL).content == edited
    # The export is the ancestor now: a file that changes the edited record from there is
    # the file's change alone, and applies on top of the edit it holds.
    later = reseed(engine, with_milestone(exported, EDITED, notes=FILE_NOTE), clock)
    assert outcome(later) == ([], 0, True)
    assert later.updated["milestones"] == 1
    served = client.get(URL).json()
    assert (served["location"], served["notes"]) == (EDIT["location"], FILE_NOTE)
    assert revisions(client, URL)[-1] == (3, "seed", "updated")


def test_the_original_file_after_the_export_was_seeded_takes_the_records_back(
    client: TestClient, engine: Engine, clock: FakeClock, seeded: dict[str, Any], token: str
) -> None:
    # Against the export as ancestor, the original file changes those records: the release
    # moved back, and that is the file's change alone (no editor changed them since).
    patch(client, token, URL, EDIT)
    create(client, token, new_milestone(seeded))
    remove(client, token, OTHER_URL)
    reseed(engine, json.loads(export_to(engine, None)), clock)

    report = reseed(engine, seeded, clock)

    assert outcome(report) == ([], 0, True)
    assert (report.created["milestones"], report.updated["milestones"]) == (1, 1)
    assert report.deleted["milestones"] == 1
    assert client.get(URL).json()["location"] == milestone(seeded, EDITED)["location"]
    assert client.get(OTHER_URL).status_code == 200
    assert client.get(CREATED_URL).status_code == 404
    assert revisions(client, URL) == [
        (1, "seed", "created"),
        (2, EDITOR, "updated"),
        (3, "seed", "updated"),
    ]
    assert revisions(client, CREATED_URL) == [(1, EDITOR, "created"), (2, "seed", "deleted")]
