"""app.export: the database as a seed document. Exporting the database seeded from seed.json
gives seed.json back (the facts in id order: the database keeps no order for them), and a
database seeded from an export serves every URL byte for byte as the original does. Runs on
in-memory SQLite, and on PostgreSQL when FACTSHEET_TEST_DATABASE_URL is set (the second
database of the round trip is then created, migrated and dropped here)."""

import json
import os
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from pydantic import SecretStr
from sqlalchemy import Engine, update

from app.api.params import MAX_LIMIT
from app.collection import Collection
from app.collections import COLLECTIONS
from app.db import make_engine
from app.dialect import lock_for_writes, write_options
from app.export import NothingToExport, dumps_document, export_document, export_to
from app.migrate import upgrade
from app.models import Dataset
from app.seed import sync_seed
from app.seed_check import check_seed
from tests.conftest import LOOPBACK_CLIENT, SEED_PATH, FakeClock, MakeApp
from tests.test_migrations import create_pg_database, drop_pg_database

DATASET = Dataset.__table__  # type: ignore[attr-defined]
PATH_PARAMETER = re.compile(r"\{(\w+)\}")
# Answers about the process, not the data.
NOT_DATA = ("/healthz", "/readyz")
CURSOR_SECRET = SecretStr("export-round-trip-cursor-secret-0123456789")


def seed_json_with_facts_by_id(seed_data: dict[str, Any]) -> dict[str, Any]:
    """seed.json as the database gives it back: nothing keeps the file's order of facts."""
    return {**seed_data, "facts": sorted(seed_data["facts"], key=lambda fact: fact["id"])}


def test_dumps_document_writes_seed_json_byte_for_byte() -> None:
    raw = SEED_PATH.read_bytes()
    assert dumps_document(json.loads(raw)) == raw


def test_export_of_seeded_database_is_seed_json_with_facts_by_id(
    engine: Engine, seeded: dict[str, Any]
) -> None:
    expected = seed_json_with_facts_by_id(seeded)
    body = export_to(engine, None)
    assert json.loads(body) == expected
    # Bytes, not only equal dicts: the keys come in seed.json's order too.
    assert body == dumps_document(expected)


def test_export_passes_the_seed_check(engine: Engine, seeded: dict[str, Any]) -> None:
    assert check_seed(json.loads(export_to(engine, None))) == []


def test_export_reads_inside_the_callers_write_transaction(
    engine: Engine, seeded: dict[str, Any]
) -> None:
    options = write_options(engine.dialect.name)
    with engine.connect().execution_options(**options) as conn, conn.begin():
        lock_for_writes(conn)
        conn.execute(update(DATASET).values(title="Not yet committed"))
        document = export_document(conn)
        conn.rollback()
    assert document["dataset"]["title"] == "Not yet committed"
    assert json.loads(export_to(engine, None))["dataset"] == seeded["dataset"]


def test_export_of_empty_database_is_refused(engine: Engine) -> None:
    with pytest.raises(NothingToExport):
        export_to(engine, None)


def test_export_to_replaces_the_file_atomically(
    engine: Engine, seeded: dict[str, Any], tmp_path: Path
) -> None:
    path = tmp_path / "seed.json"
    path.write_bytes(b"old")
    body = export_to(engine, path)
    assert path.read_bytes() == body
    assert list(tmp_path.iterdir()) == [path]


def test_failed_export_to_leaves_the_old_file_and_no_temporary_file(
    engine: Engine, seeded: dict[str, Any], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "seed.json"
    path.write_bytes(b"old")

    def refuse(source: Any, target: Any) -> None:
        raise OSError("disk gone")

    monkeypatch.setattr(os, "replace", refuse)
    with pytest.raises(OSError, match="disk gone"):
        export_to(engine, path)
    assert path.read_bytes() == b"old"
    assert list(tmp_path.iterdir()) == [path]


# --------------------------------------------------------------------------- round trip


@pytest.fixture
def second_database_url(database_url: str) -> Iterator[str]:
    """A second, empty database of the backend under test."""
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


def pages(client: TestClient, url: str) -> Iterator[tuple[str, dict[str, Any]]]:
    """A JSON list and each page after it, with its URL."""
    next_url: str | None = url
    while next_url is not None:
        body = client.get(next_url).json()
        yield next_url, body
        next_url = body["links"]["next"]


def record_ids(client: TestClient, collection: Collection) -> list[str]:
    url = f"{collection.href}?limit={MAX_LIMIT}"
    return [
        str(record[collection.id.column])
        for _, body in pages(client, url)
        for record in body["data"]
    ]


def served_urls(app: FastAPI, client: TestClient) -> list[str]:
    """Every GET path of the API without parameters (every list in every format, the fact
    sheet, summaries, feeds, the change log); every record at its own URL; the other paths of
    a record (its formats, its sub-lists) for the first record; every page of each list; a
    search."""
    records = {c.id_param: c for c in COLLECTIONS}
    ids = {c.id_param: record_ids(client, c) for c in COLLECTIONS}
    urls = ["/v1/search?q=internet", "/v1/changes?limit=5"]
    for c in COLLECTIONS:
        urls += [url for url, _ in pages(client, f"{c.href}?limit=20")]
    for path, operations in app.openapi()["paths"].items():
        if "get" not in operations or path in NOT_DATA:
            continue
        names = PATH_PARAMETER.findall(path)
        if not names:
            urls.append(path)
            continue
        owner = records.get(names[0])
        if len(names) != 1 or owner is None or not path.startswith(owner.href):
            continue  # not a record's path (/problems/{code})
        param = f"{{{owner.id_param}}}"
        values = ids[owner.id_param]
        if path != f"{owner.href}/{param}":
            values = values[:1]
        urls += [path.replace(param, value) for value in values]
    return urls


def answer(client: TestClient, url: str) -> tuple[int, str | None, str | None, bytes]:
    response = client.get(url)
    return (
        response.status_code,
        response.headers.get("content-type"),
        response.headers.get("etag"),
        response.content,
    )


def test_database_seeded_from_export_serves_every_url_the_same(
    second_database_url: str, make_app: MakeApp, seed_data: dict[str, Any], clock: FakeClock
) -> None:
    # One cursor secret: page links are signed with it.
    first_app = make_app(cursor_secret=CURSOR_SECRET)
    second_app = make_app(database_url=second_database_url, cursor_secret=CURSOR_SECRET)
    sync_seed(first_app.state.engine, seed_data, now=clock.now)
    body = export_to(first_app.state.engine, None)
    # The same instant as the first seed: the change log and feeds carry it.
    sync_seed(second_app.state.engine, json.loads(body), now=clock.now)
    assert export_to(second_app.state.engine, None) == body

    with (
        TestClient(first_app, client=LOOPBACK_CLIENT) as first,
        TestClient(second_app, client=LOOPBACK_CLIENT) as second,
    ):
        urls = served_urls(first_app, first)
        answers = {url: (answer(first, url), answer(second, url)) for url in urls}
    own_urls = {f"{c.href}/{r[c.id.column]}" for c in COLLECTIONS for r in seed_data[c.seed_key]}
    assert own_urls <= set(urls)  # every record is in there
    assert [url for url, (a, b) in answers.items() if a != b] == []
    assert {a[0] for a, _ in answers.values()} == {200}
