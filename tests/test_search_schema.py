"""The full-text index beside search_document: create_all and the migrations build the same
objects, migration 0003 fills it from the records already held, and downgrading removes it."""

import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine, func, inspect, select, text
from sqlmodel import SQLModel

from app.db import make_engine
from app.migrate import downgrade, upgrade
from app.models import SearchDocument
from app.paging import PageRequest
from app.seed import sync_seed
from app.services.search import SearchFilters, search
from tests.test_migrations import create_pg_database, drop_pg_database

PG_URL = os.environ.get("FACTSHEET_TEST_DATABASE_URL")
DOCUMENTS = SearchDocument.__table__  # type: ignore[attr-defined]
SQLITE_OBJECTS = (
    "SELECT type, name, sql FROM sqlite_master WHERE name LIKE 'search_fts%' ORDER BY name"
)


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def migrated(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Engine]:
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path / 'search.db'}"
    elif PG_URL:
        url = create_pg_database(PG_URL)
    else:
        pytest.skip("FACTSHEET_TEST_DATABASE_URL is not set")
    engine = make_engine(url)
    upgrade(engine)
    yield engine
    engine.dispose()
    if request.param == "postgresql" and PG_URL:
        drop_pg_database(PG_URL, url)


def count(engine: Engine) -> int:
    with engine.connect() as conn:
        return int(conn.execute(select(func.count()).select_from(DOCUMENTS)).scalar_one())


def hit_ids(engine: Engine, q: str) -> list[str]:
    from sqlmodel import Session

    with Session(engine) as session:
        page = PageRequest(limit=200, sort="relevance", cursor=None)
        return [h["id"] for h in search(session, SearchFilters(q=q), page).rows]


def test_create_all_and_the_migrations_make_the_same_fts5_objects(
    tmp_path: Path,
) -> None:
    created = make_engine(f"sqlite:///{tmp_path / 'created.db'}")
    migrated = make_engine(f"sqlite:///{tmp_path / 'migrated.db'}")
    try:
        SQLModel.metadata.create_all(created)
        upgrade(migrated)
        with created.connect() as a, migrated.connect() as b:
            made = [tuple(r) for r in a.execute(text(SQLITE_OBJECTS))]
            assert made == [tuple(r) for r in b.execute(text(SQLITE_OBJECTS))]
        names = {name for _, name, _ in made}
        assert {
            "search_fts",
            "search_fts_insert",
            "search_fts_update",
            "search_fts_delete",
        } <= names
    finally:
        created.dispose()
        migrated.dispose()


def test_migration_fills_the_index_from_records_already_held(
    migrated: Engine, seed_data: dict[str, Any]
) -> None:
    sync_seed(migrated, seed_data)
    held = count(migrated)
    downgrade(migrated, "0002_changes")
    assert "search_document" not in inspect(migrated).get_table_names()
    upgrade(migrated)
    assert count(migrated) == held > 0
    assert "ms-004" in hit_ids(migrated, "Tunis")
    # What the migration wrote is what the seed would write: nothing left to change.
    assert sync_seed(migrated, seed_data).search_documents == 0


def test_downgrade_removes_the_index(migrated: Engine) -> None:
    downgrade(migrated, "0002_changes")
    tables = inspect(migrated).get_table_names()
    assert not [t for t in tables if t.startswith("search")]
    if migrated.dialect.name == "postgresql":
        with migrated.connect() as conn:
            found = conn.execute(
                text("SELECT count(*) FROM pg_indexes WHERE indexname LIKE 'ix_search%'")
            ).scalar_one()
        assert found == 0
