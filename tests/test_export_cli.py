"""`factsheet export`, and `factsheet seed` over records editors changed, run in-process
(app.cli.main) against a temporary SQLite file, as tests/test_tokens_cli.py runs `tokens`.
The edits go through HTTP, to an app on the same file."""

import json
import os
import sqlite3
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import Engine

from app.cli import EXIT_FAILED, EXIT_OK, main
from app.db import make_engine
from app.export import dumps_document, export_to
from app.migrate import upgrade
from app.seed import sync_seed
from app.settings import get_settings
from tests.conftest import LOOPBACK_CLIENT, SEED_PATH, FakeClock, MakeApp
from tests.editing import make_token, patch_headers

URL = "/v1/milestones/ms-001"
EDIT = {"location": "Geneva, Palexpo"}
FILE_NOTE = "A note the seed file's maintainer added."
CONFLICT = "  milestones/ms-001: changed by 'ann' through the API, and the seed file changes it"
KEPT = f"{CONFLICT}; kept the editor's version"
REPLACED = f"{CONFLICT}; replaced it with the seed file's version"
HINT = (
    "kept the editors' version of 1 record(s) the seed file also changed; run with "
    "--overwrite-edits to replace them with the seed file's, or `factsheet export` to write "
    "the edits into a seed file"
)
BLAMES_THE_EDITS = (
    "1 problem(s) once the records editors changed are kept in it; the database was not "
    "changed; fix those records through the API, or run with --overwrite-edits to replace "
    "them with the seed file's"
)


@pytest.fixture
def database_file(tmp_path: Path) -> Path:
    return tmp_path / "db" / "factsheet.db"


@pytest.fixture
def database_url(
    database_file: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> Iterator[str]:
    """The commands' database, named by FACTSHEET_DATABASE_URL; the `app` fixture's too."""
    for name in list(os.environ):
        if name.startswith("FACTSHEET_"):
            monkeypatch.delenv(name)
    url = f"sqlite:///{database_file}"
    monkeypatch.setenv("FACTSHEET_DATABASE_URL", url)
    monkeypatch.chdir(tmp_path)  # away from any .env of the checkout
    get_settings.cache_clear()
    yield url
    get_settings.cache_clear()


@pytest.fixture
def seeded_file(database_url: str, seed_data: dict[str, Any]) -> str:
    """The file migrated and seeded from seed.json, as `factsheet seed` does (but silently)."""
    engine = make_engine(database_url)
    try:
        upgrade(engine)
        sync_seed(engine, seed_data)
    finally:
        engine.dispose()
    return database_url


@pytest.fixture
def file_engine(seeded_file: str) -> Iterator[Engine]:
    engine = make_engine(seeded_file)
    yield engine
    engine.dispose()


@pytest.fixture
def file_app(seeded_file: str, make_app: MakeApp) -> FastAPI:
    # Without its access log, which would share stdout with the commands'.
    return make_app(access_log=False)


@pytest.fixture
def editor(file_app: FastAPI, clock: FakeClock) -> Iterator[TestClient]:
    """A client of an app on the seeded file that has made one edit, as 'ann'."""
    with TestClient(file_app, client=LOOPBACK_CLIENT) as client:
        edit(client, file_app, clock, EDIT)
        yield client


def edit(client: TestClient, app: FastAPI, clock: FakeClock, changes: dict[str, Any]) -> None:
    token = make_token(app.state.engine, "ann", clock.now)
    etag = client.get(URL).headers["ETag"]
    response = client.patch(URL, content=json.dumps(changes), headers=patch_headers(token, etag))
    assert response.status_code == 200, response.text


def seed_json_with_facts_by_id() -> dict[str, Any]:
    """seed.json as an export gives it back: nothing keeps the file's order of facts."""
    data = json.loads(SEED_PATH.read_bytes())
    return {**data, "facts": sorted(data["facts"], key=lambda fact: fact["id"])}


def lines(text: str) -> list[str]:
    return text.splitlines()


# --------------------------------------------------------------------------- export


@pytest.mark.parametrize("args", [["export"], ["export", "-"]])
def test_export_to_stdout_is_export_to_and_says_nothing_else(
    args: list[str], file_engine: Engine, capsysbinary: pytest.CaptureFixture[bytes]
) -> None:
    assert main(args) == EXIT_OK
    out, err = capsysbinary.readouterr()
    assert (out, err) == (export_to(file_engine, None), b"")


def test_export_of_the_database_seeded_from_seed_json_is_seed_json_with_facts_by_id(
    seeded_file: str, capsysbinary: pytest.CaptureFixture[bytes]
) -> None:
    assert main(["export"]) == EXIT_OK
    out = capsysbinary.readouterr().out
    # Byte for byte but for the facts' order, which the database does not keep.
    assert out == dumps_document(seed_json_with_facts_by_id())
    raw = json.loads(SEED_PATH.read_bytes())
    assert {**json.loads(out), "facts": raw["facts"]} == raw


def test_export_to_a_file_writes_it_whole_and_names_it_on_stderr(
    file_engine: Engine, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    folder = tmp_path / "out"
    folder.mkdir()
    path = folder / "seed.json"
    path.write_bytes(b"an older export")

    assert main(["export", str(path)]) == EXIT_OK

    out, err = capsys.readouterr()
    assert (out, err) == ("", f"exported data revision 1 to {path}\n")
    assert path.read_bytes() == export_to(file_engine, None)
    assert list(folder.iterdir()) == [path]  # no temporary file left behind


def test_export_to_a_missing_folder_exits_1_naming_the_file(
    seeded_file: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "missing" / "seed.json"
    assert main(["export", str(path)]) == EXIT_FAILED
    out, err = capsys.readouterr()
    assert (out, err) == ("", f"error: cannot write {path}: No such file or directory\n")


def test_export_without_a_database_exits_1_and_creates_none(
    database_url: str, database_file: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["export"]) == EXIT_FAILED
    out, err = capsys.readouterr()
    assert (out, err) == ("", f"error: no database at {database_file}: nothing to export\n")
    assert not database_file.exists()


def test_export_of_an_unmigrated_database_asks_for_migrate_and_does_not_migrate(
    database_url: str, database_file: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    database_file.parent.mkdir()
    sqlite3.connect(database_file).close()  # an empty file: SQLite's empty database

    assert main(["export"]) == EXIT_FAILED

    out, err = capsys.readouterr()
    assert out == ""
    assert err.startswith(f"error: the database {database_url} is at schema revision (none), ")
    assert err.endswith(": run `factsheet migrate` first\n")
    with sqlite3.connect(database_file) as conn:
        assert conn.execute("SELECT name FROM sqlite_master").fetchall() == []


def test_export_of_a_migrated_database_without_data_exits_1(
    database_url: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["migrate"]) == EXIT_OK
    capsys.readouterr()

    assert main(["export"]) == EXIT_FAILED

    assert capsys.readouterr() == ("", "error: The database holds no dataset: seed it first.\n")


def test_export_after_an_edit_holds_the_edit(
    editor: TestClient, capsysbinary: pytest.CaptureFixture[bytes]
) -> None:
    assert main(["export"]) == EXIT_OK
    exported = json.loads(capsysbinary.readouterr().out)
    (record,) = [m for m in exported["milestones"] if m["id"] == "ms-001"]
    assert record["location"] == EDIT["location"]


# --------------------------------------------------------------------------- seed over edits
# The seed run merges each record three ways (app.record_history): tests/test_seed_edits.py
# goes through the cases, these check what the command says about them. The file seeded
# once, then edited once: data revision 2.


def seed_file(folder: Path, name: str, data: dict[str, Any]) -> Path:
    path = folder / name
    path.write_bytes(dumps_document(data))
    return path


def seed_json_with(**fields: Any) -> dict[str, Any]:
    """seed.json with milestone ms-001's `fields` changed."""
    data: dict[str, Any] = json.loads(SEED_PATH.read_bytes())
    for record in data["milestones"]:
        if record["id"] == "ms-001":
            record.update(fields)
    return data


def without_org_001(data: dict[str, Any]) -> dict[str, Any]:
    return {**data, "organisations": [o for o in data["organisations"] if o["id"] != "org-001"]}


def test_seed_with_the_unchanged_file_keeps_an_edit_and_counts_it_without_a_hint(
    editor: TestClient, capsys: pytest.CaptureFixture[str]
) -> None:
    # Only the editor changed the record: no conflict, and the edit stays.
    edited = editor.get(URL).content

    assert main(["seed"]) == EXIT_OK

    out, err = capsys.readouterr()
    assert lines(out) == [
        f"seeded from {SEED_PATH}: no changes (data revision 2); kept 1 edited record(s)"
    ]
    assert err == ""
    assert editor.get(URL).content == edited


def test_seed_overwrite_edits_with_the_unchanged_file_replaces_the_edit_and_counts_it(
    editor: TestClient, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["seed", "--overwrite-edits"]) == EXIT_OK

    out, err = capsys.readouterr()
    assert lines(out) == [
        f"seeded from {SEED_PATH}: milestones: +0 ~1 -0 (data revision 3); replaced 1 "
        "edited record(s) with the file's"
    ]
    assert err == ""
    assert editor.get(URL).json()["location"] == "Geneva, Switzerland"


def test_seed_whose_file_changes_the_edited_record_lists_the_conflict_once_with_a_hint(
    editor: TestClient, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    edited = editor.get(URL).content
    path = seed_file(tmp_path, "noted.json", seed_json_with(notes=FILE_NOTE))

    assert main(["seed", str(path)]) == EXIT_OK

    out, err = capsys.readouterr()
    assert lines(out) == [f"seeded from {path}: no changes (data revision 2)", KEPT, HINT]
    assert err == ""
    assert editor.get(URL).content == edited
    # The same file again is the ancestor now: the edit is all that differs from it.
    assert main(["seed", str(path)]) == EXIT_OK
    assert lines(capsys.readouterr().out) == [
        f"seeded from {path}: no changes (data revision 2); kept 1 edited record(s)"
    ]


def test_seed_overwrite_edits_lists_what_it_replaced_and_gives_no_hint(
    editor: TestClient, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = seed_file(tmp_path, "noted.json", seed_json_with(notes=FILE_NOTE))

    assert main(["seed", "--overwrite-edits", str(path)]) == EXIT_OK

    out, err = capsys.readouterr()
    assert lines(out) == [
        f"seeded from {path}: milestones: +0 ~1 -0 (data revision 3); replaced 1 edited "
        "record(s) with the file's",
        REPLACED,
    ]
    assert err == ""
    served = editor.get(URL).json()
    assert (served["location"], served["notes"]) == ("Geneva, Switzerland", FILE_NOTE)
    # The record is the file's again: the next run has nothing to say about it.
    assert main(["seed", str(path)]) == EXIT_OK
    assert lines(capsys.readouterr().out) == [f"seeded from {path}: no changes (data revision 3)"]


def test_seed_from_the_export_of_the_edits_reports_no_conflict_and_keeps_nothing(
    editor: TestClient, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "edited.json"
    assert main(["export", str(path)]) == EXIT_OK
    capsys.readouterr()
    assert main(["seed", str(path)]) == EXIT_OK
    assert lines(capsys.readouterr().out) == [f"seeded from {path}: no changes (data revision 2)"]
    # The export is the ancestor now; seed.json changes the record back from it.
    assert main(["seed"]) == EXIT_OK
    assert lines(capsys.readouterr().out) == [
        f"seeded from {SEED_PATH}: milestones: +0 ~1 -0 (data revision 3)"
    ]
    assert editor.get(URL).json()["location"] == "Geneva, Switzerland"


def test_seed_whose_file_breaks_with_the_kept_edits_blames_the_edits(
    file_app: FastAPI, clock: FakeClock, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # The edit links org-001; the file drops org-001 and changes ms-001 too (a conflict).
    with TestClient(file_app, client=LOOPBACK_CLIENT) as client:
        edit(client, file_app, clock, {"organisations": ["org-011", "org-001"]})
        edited = client.get(URL).content
    path = seed_file(tmp_path, "without-org-001.json", without_org_001(seed_json_with(notes="x")))
    assert main(["check-seed", str(path)]) == EXIT_OK
    capsys.readouterr()

    assert main(["seed", str(path)]) == EXIT_FAILED

    out, err = capsys.readouterr()
    assert out == ""
    assert lines(err) == [
        "error: milestones[ms-001].organisations[1]: unknown organisation id org-001",
        f"{path}: {BLAMES_THE_EDITS}",
    ]
    with TestClient(file_app, client=LOOPBACK_CLIENT) as client:
        assert client.get(URL).content == edited
        # The advice holds: overwriting the conflict takes the link to org-001 away.
        assert main(["seed", "--overwrite-edits", str(path)]) == EXIT_OK
        assert lines(capsys.readouterr().out) == [
            f"seeded from {path}: organisations: +0 ~0 -1; milestones: +0 ~1 -0 (data revision 3)"
            "; replaced 1 edited record(s) with the file's",
            REPLACED,
        ]
        assert client.get("/v1/organisations/org-001").status_code == 404


def test_the_advice_of_a_refusal_over_an_edit_the_file_left_alone_works(
    file_app: FastAPI, clock: FakeClock, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # The edit links org-001; the file drops org-001 and leaves ms-001 as it was.
    with TestClient(file_app, client=LOOPBACK_CLIENT) as client:
        edit(client, file_app, clock, {"organisations": ["org-011", "org-001"]})
    data = without_org_001(json.loads(SEED_PATH.read_bytes()))
    path = seed_file(tmp_path, "without-org-001.json", data)

    assert main(["seed", str(path)]) == EXIT_FAILED

    if "--overwrite-edits" in capsys.readouterr().err:
        assert main(["seed", "--overwrite-edits", str(path)]) == EXIT_OK
