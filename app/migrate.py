"""Alembic, driven from code so it works the same from a checkout and an installed wheel.

Alembic is imported only to migrate. Every start of `factsheet serve` and every /readyz asks
which revision the database is at, and on a database already at head that is all they need:
the head comes from the revision files' text and the database's from its alembic_version
row, with one query. Importing alembic for that would cost the server about 70 ms of start-up
and 11 MB it keeps for good (alembic loads every dialect's DDL support, mako and pygments).
"""

import ast
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING

from sqlalchemy import Connection, Engine, column, inspect, select, table

from app.resources import migrations_path

if TYPE_CHECKING:
    from alembic.config import Config

VERSION_TABLE = "alembic_version"  # alembic's default, which migrations/env.py keeps
# What a revision file declares about its place in the history.
PLAIN = ("revision", "down_revision", "branch_labels", "depends_on")


def alembic_config(engine: Engine | None = None) -> "Config":
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", str(migrations_path()))
    if engine is not None:
        # env.py picks the engine up from here instead of building its own.
        config.attributes["engine"] = engine
    return config


def _declared_revision(source: str) -> tuple[str, object] | None:
    """A revision file's `revision` and `down_revision`, when both are plain literals and it
    declares no branch label or dependency (which only alembic's rules resolve)."""
    values: dict[str, object] = {}
    for node in ast.parse(source).body:
        target: ast.expr
        if isinstance(node, ast.AnnAssign) and node.value is not None:
            target, value = node.target, node.value
        elif isinstance(node, ast.Assign) and len(node.targets) == 1:
            target, value = node.targets[0], node.value
        else:
            continue
        if isinstance(target, ast.Name) and target.id in PLAIN:
            try:
                values[target.id] = ast.literal_eval(value)
            except ValueError:
                return None
    revision = values.get("revision")
    if not isinstance(revision, str) or "down_revision" not in values:
        return None
    if values.get("branch_labels") is not None or values.get("depends_on") is not None:
        return None
    return revision, values["down_revision"]


def declared_head(versions: Path | None = None) -> str | None:
    """The head revision read from the revision files without alembic; None when they do
    not settle it plainly (no files, a name that is not a literal, branches or merges), and
    then alembic must decide."""
    revisions: set[str] = set()
    parents: set[object] = set()
    for path in sorted((versions or migrations_path() / "versions").glob("*.py")):
        declared = _declared_revision(path.read_text(encoding="utf-8"))
        if declared is None:
            return None
        revision, parent = declared
        if parent is not None and not isinstance(parent, str):
            return None  # a merge (a tuple of parents): alembic's rules apply
        revisions.add(revision)
        parents.add(parent)
    heads = revisions - parents
    return heads.pop() if len(heads) == 1 else None


@lru_cache
def head_revision() -> str | None:
    head = declared_head()
    if head is not None:
        return head
    from alembic.script import ScriptDirectory

    return ScriptDirectory.from_config(alembic_config()).get_current_head()


def _stored_revision(connection: Connection) -> str | None:
    if not inspect(connection).has_table(VERSION_TABLE):
        return None
    version = table(VERSION_TABLE, column("version_num"))
    rows = connection.execute(select(version.c.version_num)).all()
    if len(rows) > 1:
        # Several heads: alembic's own check says so (it raises) as it always did.
        from alembic.runtime.migration import MigrationContext

        return MigrationContext.configure(connection).get_current_revision()
    return str(rows[0][0]) if rows else None


def current_revision(engine: Engine) -> str | None:
    with engine.connect() as connection:
        return _stored_revision(connection)


def upgrade(engine: Engine, revision: str = "head") -> None:
    # At head already (the usual start of a server) there is nothing for alembic to do. A
    # revision this code does not know, or none, still goes to alembic: it migrates, or
    # refuses a database ahead of the code, as before.
    if revision == "head" and (head := head_revision()) is not None:
        if current_revision(engine) == head:
            return
    from alembic import command

    command.upgrade(alembic_config(engine), revision)


def downgrade(engine: Engine, revision: str) -> None:
    from alembic import command

    command.downgrade(alembic_config(engine), revision)
