"""Add full-text search (search_document and the dialect's index over it, filled from the
records already held) and an index per list sort ending in the id, for deep pages."""

from collections.abc import Sequence
from typing import Any

import sqlalchemy as sa
from alembic import op

revision: str = "0003_search"
down_revision: str | None = "0002_changes"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# A copy of app.search.sqlite.CREATE / DROP as they were when this revision was written
# (revision files never import the app). On SQLite, a later batch_alter_table of
# search_document rebuilds the table and so drops these triggers: re-create them after.
SQLITE_CREATE = [
    "CREATE VIRTUAL TABLE search_fts USING fts5(title, body, content='search_document', "
    "content_rowid='id', tokenize='unicode61 remove_diacritics 0', prefix='2 3')",
    "CREATE TRIGGER search_fts_insert AFTER INSERT ON search_document BEGIN "
    "INSERT INTO search_fts(rowid, title, body) VALUES (new.id, new.title, new.body); END",
    "CREATE TRIGGER search_fts_delete AFTER DELETE ON search_document BEGIN "
    "INSERT INTO search_fts(search_fts, rowid, title, body) "
    "VALUES ('delete', old.id, old.title, old.body); END",
    "CREATE TRIGGER search_fts_update AFTER UPDATE ON search_document BEGIN "
    "INSERT INTO search_fts(search_fts, rowid, title, body) "
    "VALUES ('delete', old.id, old.title, old.body); "
    "INSERT INTO search_fts(rowid, title, body) VALUES (new.id, new.title, new.body); END",
]
SQLITE_DROP = [
    "DROP TRIGGER IF EXISTS search_fts_update",
    "DROP TRIGGER IF EXISTS search_fts_delete",
    "DROP TRIGGER IF EXISTS search_fts_insert",
    "DROP TABLE IF EXISTS search_fts",
]
# A copy of app.search.postgres.CREATE / DROP.
_PUNCTUATION = "!\"#$%&'()*+,-./:;<=>?@[\\]^_`{|}~‘’“”–—…·«»‐−"
_FROM, _TO = _PUNCTUATION.replace("'", "''"), " " * len(_PUNCTUATION)
_VECTOR = (
    f"setweight(to_tsvector('simple', translate(title, '{_FROM}', '{_TO}')), 'A') || "
    f"setweight(to_tsvector('simple', translate(body, '{_FROM}', '{_TO}')), 'B')"
)
POSTGRES_CREATE = [
    "ALTER TABLE search_document ADD COLUMN search_vector tsvector "
    f"GENERATED ALWAYS AS ({_VECTOR}) STORED",
    "CREATE INDEX ix_search_document_search_vector ON search_document USING gin (search_vector)",
]
POSTGRES_DROP = [
    "DROP INDEX IF EXISTS ix_search_document_search_vector",
    "ALTER TABLE search_document DROP COLUMN IF EXISTS search_vector",
]
# (table, index name, columns before, columns after): one index per list sort ending in the
# id, and kind with region, the two NRI filters most often combined.
SORT_INDEXES = [
    ("nri", "ix_nri_kind", ["kind"], ["kind", "region"]),
    ("nri", "ix_nri_name", ["name"], ["name", "id"]),
    ("nri", "ix_nri_established_year", ["established_year"], ["established_year", "id"]),
    ("nri", "ix_nri_country", ["country"], ["country", "id"]),
    ("milestone", "ix_milestone_title", ["title"], ["title", "id"]),
    ("milestone", "ix_milestone_period_start", ["period_start"], ["period_start", "id"]),
]


def _is_postgresql() -> bool:
    return op.get_bind().dialect.name == "postgresql"


def _join(*parts: Any) -> str:
    texts: list[str] = []
    for part in parts:
        if isinstance(part, list):
            texts.extend(str(p) for p in part if p)
        elif part not in (None, ""):
            texts.append(str(part))
    return " · ".join(texts).replace("\ue000", "").replace("\ue001", "")


def _documents() -> list[dict[str, str]]:
    """The search documents of the records held, as app.search.documents built them when
    this revision was written; the next seed run brings them up to date in any case."""

    def rows(name: str, *columns: str, json: Sequence[str] = ()) -> list[Any]:
        cols = [sa.column(c, sa.JSON() if c in json else sa.Text()) for c in columns]
        return list(op.get_bind().execute(sa.select(*cols).select_from(sa.table(name))))

    docs: list[tuple[str, Any, str, str]] = []
    for r in rows(
        "milestone", "id", "title", "kind", "start_date", "end_date", "location", "resolution",
        "notes",
    ):  # fmt: skip
        dates = r.start_date + (f" to {r.end_date}" if r.end_date else "")
        body = _join(r.kind, dates, r.location, r.resolution, r.notes)
        docs.append(("milestones", r.id, r.title, body))
    for r in rows(
        "organisation", "id", "short_name", "full_name", "kind", "headquarters",
        "service_region", "role_in_fact_sheet", "notes",
    ):  # fmt: skip
        body = _join(
            r.full_name, r.kind, r.headquarters, r.service_region, r.role_in_fact_sheet, r.notes
        )
        docs.append(("organisations", r.id, r.short_name, body))
    for r in rows("nri", "id", "name", "kind", "region", "notes"):
        body = _join(f"{r.kind.capitalize()} initiative", r.region, r.notes)
        docs.append(("nris", r.id, r.name, body))
    for r in rows("call_to_action", "number", "title", "short_title", "summary", "body"):
        docs.append(("calls-to-action", r.number, r.title, _join(r.short_title, r.summary, r.body)))
    for r in rows(
        "action_line", "code", "title", "title_variant", "facilitators", "co_facilitators",
        "notes", json=("facilitators", "co_facilitators"),
    ):  # fmt: skip
        body = _join(_join(r.code, r.title_variant, r.facilitators, r.co_facilitators), r.notes)
        docs.append(("action-lines", r.code, r.title, body))
    for r in rows("fact_sheet_section", "id", "heading", "body", "footnotes", json=("footnotes",)):
        docs.append(("fact-sheet", r.id, r.heading, _join(r.body, r.footnotes)))
    for r in rows("fact", "id", "label", "context", "notes"):
        docs.append(("facts", r.id, r.label, _join(r.context, r.notes)))
    return [
        {"collection": c, "record_id": str(key), "title": title, "body": body}
        for c, key, title, body in docs
    ]


def upgrade() -> None:
    op.create_table(
        "search_document",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("collection", sa.String(length=40), nullable=False),
        sa.Column("record_id", sa.String(length=120), nullable=False),
        sa.Column("title", sa.Text(), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_search_document")),
        sa.UniqueConstraint("record_id", "collection", name=op.f("uq_search_document_record_id")),
    )
    for statement in POSTGRES_CREATE if _is_postgresql() else SQLITE_CREATE:
        op.execute(statement)
    documents = _documents()
    if documents:
        op.bulk_insert(sa.table("search_document", *map(sa.column, documents[0])), documents)

    for table, name, _before, after in SORT_INDEXES:
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.drop_index(name)
            batch_op.create_index(name, after, unique=False)


def downgrade() -> None:
    for table, name, before, _after in reversed(SORT_INDEXES):
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.drop_index(name)
            batch_op.create_index(name, before, unique=False)

    for statement in POSTGRES_DROP if _is_postgresql() else SQLITE_DROP:
        op.execute(statement)
    op.drop_table("search_document")
