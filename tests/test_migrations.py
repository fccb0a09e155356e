"""The migrations build exactly the schema the models describe, on SQLite and PostgreSQL.

Each test gets a database of its own: an empty SQLite file, or (when
FACTSHEET_TEST_DATABASE_URL names PostgreSQL) a freshly created database next to the test
database, dropped afterwards, so the session-wide `pg_engine` schema is never touched.
"""

import ast
import os
import secrets
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import psycopg
import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from psycopg import sql
from sqlalchemy import Engine, MetaData, String, inspect, text
from sqlalchemy.engine import make_url
from sqlmodel import SQLModel

import app.models  # noqa: F401  (registers every table on SQLModel.metadata)
from app.db import make_engine
from app.dialect import WRITE_LOCK_ID
from app.migrate import current_revision, downgrade, head_revision, upgrade
from app.search.schema import include_name

ROOT = Path(__file__).resolve().parents[1]
VERSIONS = ROOT / "migrations" / "versions"
PG_URL = os.environ.get("FACTSHEET_TEST_DATABASE_URL")
BACKENDS = [
    pytest.param("sqlite", id="sqlite"),
    pytest.param("postgresql", id="postgresql", marks=pytest.mark.postgres),
]
SUBPROCESS_TIMEOUT = 120  # seconds; a migration of an empty database takes about one


def _libpq(url: str) -> str:
    """A SQLAlchemy URL as a plain libpq URL that psycopg accepts."""
    return make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)


def create_pg_database(base_url: str) -> str:
    """Create an empty database beside the test database; returns its SQLAlchemy URL."""
    base = make_url(base_url)
    name = f"{base.database}_mig_{secrets.token_hex(4)}"
    with psycopg.connect(_libpq(base_url), autocommit=True) as conn:
        conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    return base.set(database=name).render_as_string(hide_password=False)


def drop_pg_database(base_url: str, url: str) -> None:
    name = make_url(url).database
    assert name, url
    with psycopg.connect(_libpq(base_url), autocommit=True) as conn:
        conn.execute(
            sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name))
        )


@pytest.fixture(params=BACKENDS)
def empty_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """The URL of an empty database of the backend under test."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'migrations.db'}"
        return
    if not PG_URL:
        pytest.skip("FACTSHEET_TEST_DATABASE_URL is not set; PostgreSQL migrations not tested")
    url = create_pg_database(PG_URL)
    try:
        yield url
    finally:
        drop_pg_database(PG_URL, url)


@pytest.fixture
def empty_engine(empty_url: str) -> Iterator[Engine]:
    engine = make_engine(empty_url)
    yield engine
    engine.dispose()


def differences(engine: Engine, metadata: MetaData = SQLModel.metadata) -> list[Any]:
    """What autogenerate would write to bring the database in line with `metadata`."""
    with engine.connect() as conn:
        # include_name as in migrations/env.py: the full-text index is not in the models.
        context = MigrationContext.configure(
            conn,
            opts={
                "compare_type": True,
                "compare_server_default": True,
                "include_name": include_name,
            },
        )
        diff: list[Any] = compare_metadata(context, metadata)
    return diff


def table_names(engine: Engine) -> list[str]:
    """Tables, without the full-text index's own (FTS5 makes several on SQLite)."""
    names = inspect(engine).get_table_names()
    return sorted(name for name in names if include_name(name, "table", {}))


def model_table_names() -> list[str]:
    return sorted(SQLModel.metadata.tables)


# --------------------------------------------------------------------------- upgrade


def test_empty_database_has_no_revision(empty_engine: Engine) -> None:
    assert current_revision(empty_engine) is None
    assert table_names(empty_engine) == []


def test_upgrade_to_head_gives_exactly_the_model_schema(empty_engine: Engine) -> None:
    upgrade(empty_engine)
    assert table_names(empty_engine) == sorted([*model_table_names(), "alembic_version"])
    assert differences(empty_engine) == []


def test_upgrade_records_the_head_revision(empty_engine: Engine) -> None:
    upgrade(empty_engine)
    assert head_revision() is not None
    assert current_revision(empty_engine) == head_revision()


def test_upgrade_at_head_is_a_no_op(empty_engine: Engine) -> None:
    upgrade(empty_engine)
    upgrade(empty_engine)
    assert current_revision(empty_engine) == head_revision()
    assert differences(empty_engine) == []


# --------------------------------------------------------------------------- downgrade


def test_downgrade_to_base_leaves_only_alembic_version(empty_engine: Engine) -> None:
    upgrade(empty_engine)
    downgrade(empty_engine, "base")
    assert table_names(empty_engine) == ["alembic_version"]
    assert current_revision(empty_engine) is None


def test_downgrade_to_base_leaves_no_indexes_behind(empty_engine: Engine) -> None:
    upgrade(empty_engine)
    downgrade(empty_engine, "base")
    if empty_engine.dialect.name == "sqlite":
        query = "SELECT name FROM sqlite_master WHERE type = 'index' AND sql IS NOT NULL"
    else:
        query = "SELECT indexname FROM pg_indexes WHERE schemaname = 'public'"
    with empty_engine.connect() as conn:
        left = [name for name in conn.execute(text(query)).scalars() if "alembic" not in name]
    assert left == []


def test_upgrade_after_downgrade_gives_the_model_schema_again(empty_engine: Engine) -> None:
    upgrade(empty_engine)
    downgrade(empty_engine, "base")
    upgrade(empty_engine)
    assert current_revision(empty_engine) == head_revision()
    assert differences(empty_engine) == []


def test_downgrade_works_with_the_seed_loaded(
    empty_engine: Engine, seed_data: dict[str, Any]
) -> None:
    from app.seed import sync_seed

    upgrade(empty_engine)
    sync_seed(empty_engine, seed_data)
    downgrade(empty_engine, "base")
    assert table_names(empty_engine) == ["alembic_version"]


# --------------------------------------------------------------------------- the check bites


def test_comparison_reports_an_index_missing_from_the_database(empty_engine: Engine) -> None:
    upgrade(empty_engine)
    with empty_engine.begin() as conn:
        conn.execute(text("DROP INDEX ix_nri_name"))
    diff = differences(empty_engine)
    assert [(d[0], d[1].name) for d in diff] == [("add_index", "ix_nri_name")]


def test_comparison_reports_a_column_type_that_differs_from_the_models(
    empty_engine: Engine,
) -> None:
    upgrade(empty_engine)
    altered = MetaData(naming_convention=SQLModel.metadata.naming_convention)
    for table in SQLModel.metadata.tables.values():
        table.to_metadata(altered)
    altered.tables["nri"].c["name"].type = String(length=250)
    diff = differences(empty_engine, altered)
    assert len(diff) == 1
    change = diff[0][0]
    assert (change[0], change[2], change[3]) == ("modify_type", "nri", "name")


# --------------------------------------------------------------------------- concurrency


def test_concurrent_migrations_of_an_empty_database_all_succeed(
    empty_url: str, tmp_path: Path
) -> None:
    """Several replicas starting at once against one database must queue, not collide."""
    env = {**os.environ, "FACTSHEET_DATABASE_URL": empty_url}
    processes = [
        subprocess.Popen(
            [sys.executable, "-m", "app", "migrate"],
            cwd=tmp_path,
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for _ in range(4)
    ]
    results = []
    for process in processes:
        try:
            out, err = process.communicate(timeout=SUBPROCESS_TIMEOUT)
        except subprocess.TimeoutExpired:
            process.kill()
            out, err = process.communicate()
        errors = [line for line in err.splitlines() if "Error" in line]
        results.append((process.returncode, errors[-1:]))
    assert results == [(0, [])] * 4
    engine = make_engine(empty_url)
    try:
        assert current_revision(engine) == head_revision()
    finally:
        engine.dispose()


@pytest.mark.postgres
def test_migration_waits_for_the_write_lock_on_postgresql(tmp_path: Path) -> None:
    if not PG_URL:
        pytest.skip("FACTSHEET_TEST_DATABASE_URL is not set; PostgreSQL migrations not tested")
    url = create_pg_database(PG_URL)
    holder = make_engine(url)
    try:
        env = {**os.environ, "FACTSHEET_DATABASE_URL": url}
        with holder.connect() as conn:
            transaction = conn.begin()
            conn.execute(text("SELECT pg_advisory_xact_lock(:id)"), {"id": WRITE_LOCK_ID})
            with subprocess.Popen(
                [sys.executable, "-m", "app", "migrate"],
                cwd=tmp_path,
                env=env,
                stdout=subprocess.PIPE,
                stderr=subprocess.PIPE,
                text=True,
            ) as process:
                try:
                    with pytest.raises(subprocess.TimeoutExpired):
                        process.wait(timeout=3)
                    transaction.commit()
                    _, err = process.communicate(timeout=SUBPROCESS_TIMEOUT)
                finally:
                    if process.poll() is None:
                        process.kill()
        assert process.returncode == 0, err
        assert current_revision(holder) == head_revision()
    finally:
        holder.dispose()
        drop_pg_database(PG_URL, url)


# --------------------------------------------------------------------------- tooling


def test_alembic_command_line_finds_no_drift(tmp_path: Path) -> None:
    """`alembic upgrade head` then `alembic check`, configured by pyproject.toml alone."""
    env = {**os.environ, "FACTSHEET_DATABASE_URL": f"sqlite:///{tmp_path / 'cli.db'}"}
    for args in (["upgrade", "head"], ["check"]):
        result = subprocess.run(
            [sys.executable, "-m", "alembic", *args],
            cwd=ROOT,
            env=env,
            capture_output=True,
            text=True,
            timeout=SUBPROCESS_TIMEOUT,
        )
        assert result.returncode == 0, result.stderr
    assert "No new upgrade operations detected" in result.stdout + result.stderr


def _revision_files() -> list[Path]:
    files = sorted(VERSIONS.glob("*.py"))
    assert files, f"no revision files in {VERSIONS}"
    return files


@pytest.mark.parametrize("path", _revision_files(), ids=lambda p: p.name)
def test_revision_file_does_not_import_the_models(path: Path) -> None:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    imported = [
        alias.name
        for node in ast.walk(tree)
        if isinstance(node, ast.Import)
        for alias in node.names
    ] + [node.module or "" for node in ast.walk(tree) if isinstance(node, ast.ImportFrom)]
    assert [name for name in imported if name == "app" or name.startswith("app.")] == []


@pytest.mark.parametrize("path", _revision_files(), ids=lambda p: p.name)
def test_revision_file_has_a_docstring_and_a_real_downgrade(path: Path) -> None:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    assert ast.get_docstring(tree)
    functions = {n.name: n for n in tree.body if isinstance(n, ast.FunctionDef)}
    assert set(functions) >= {"upgrade", "downgrade"}
    body = functions["downgrade"].body
    # A lone `pass`, docstring or `...` is no downgrade; a lone call (op.drop_table) is.
    empty = isinstance(body[0], ast.Pass) or (
        isinstance(body[0], ast.Expr) and isinstance(body[0].value, ast.Constant)
    )
    assert not (len(body) == 1 and empty)
