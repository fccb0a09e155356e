"""Alembic environment: the engine comes from config.attributes (the app, the tests) or from
Settings (the alembic command line)."""

from alembic import context
from sqlalchemy import Engine
from sqlmodel import SQLModel

import app.models  # noqa: F401  (registers every table on the metadata)
from app.db import make_engine
from app.dialect import lock_for_writes, write_options
from app.search.schema import include_name
from app.settings import get_settings

config = context.config


def run_migrations_online() -> None:
    engine: Engine | None = config.attributes.get("engine")
    owned = engine is None
    if engine is None:
        engine = make_engine(get_settings().resolved_database_url)
    try:
        # Take the writers' lock first, as the seed does, so replicas starting at once
        # queue instead of racing to create the same tables.
        options = write_options(engine.dialect.name)
        with engine.connect().execution_options(**options) as connection, connection.begin():
            lock_for_writes(connection)
            context.configure(
                connection=connection,
                target_metadata=SQLModel.metadata,
                render_as_batch=True,  # SQLite must rebuild a table to ALTER it
                compare_type=True,
                # The full-text index (FTS5 tables on SQLite, the tsvector column and its
                # GIN index on PostgreSQL) has no model: neither database can express the
                # other's, and migrations create it. Leave it out of the comparison.
                include_name=include_name,
            )
            context.run_migrations()
    finally:
        if owned:
            engine.dispose()


if context.is_offline_mode():
    raise SystemExit("Offline (--sql) migrations are not supported; run them against a database.")
run_migrations_online()
