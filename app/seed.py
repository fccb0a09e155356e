"""Bring the database in line with seed.json: insert, update and delete, in one transaction.

A second run with the same file changes nothing. Any change bumps the dataset revision in
the same transaction, so caches and ETags move exactly when the data does. An invalid file
is refused before anything is written. Records that editors changed through the API are
kept as they are unless the run is told to overwrite them (app.record_history).

An editor's write goes the same way (app.services.edits): the database as a seed document,
with one record changed, checked by the same rules and applied by `apply_document`.
"""

import datetime as dt
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sqlalchemy import Connection, Engine, Table, delete, insert, select, update

from app.collection import Collection as ListCollection
from app.collections import seed_order
from app.dialect import lock_for_writes, write_options
from app.models import Change, Dataset, FactSheet, FactSheetSection, MilestoneOrganisation
from app.models.base import utc_now
from app.record_history import (
    SEED_ACTOR,
    SeedConflict,
    editors,
    read_baseline,
    reconcile,
    touched_records,
    write_baseline,
    write_revisions,
)
from app.search.documents import sync_documents
from app.seed_rows import STAMPS, pick

if TYPE_CHECKING:
    from app.seed_check import SeedProblem


class SeedInvalid(Exception):
    def __init__(self, problems: "list[SeedProblem]", in_the_file: bool = True) -> None:
        super().__init__(f"{len(problems)} problem(s) in the seed file")
        self.problems = problems
        # False: the file is valid, but not with the records editors changed kept in it.
        self.in_the_file = in_the_file


@dataclass
class SeedReport:
    created: dict[str, int] = field(default_factory=dict)
    updated: dict[str, int] = field(default_factory=dict)
    deleted: dict[str, int] = field(default_factory=dict)
    revision: int = 0
    search_documents: int = 0  # search documents added, changed or removed
    # Records both the seed file and an editor changed (the edit kept unless overwritten).
    conflicts: list[SeedConflict] = field(default_factory=list)
    edits_kept: int = 0  # records only an editor changed, kept as they are
    edits_replaced: int = 0  # edited records the file replaced (overwrite_edits)

    @property
    def changed(self) -> bool:
        return (
            any(self.created.values()) or any(self.updated.values()) or any(self.deleted.values())
        )

    def summary(self) -> str:
        parts = []
        for name in self.created:
            c, u, d = self.created[name], self.updated[name], self.deleted[name]
            if c or u or d:
                parts.append(f"{name}: +{c} ~{u} -{d}")
        status = "; ".join(parts) if parts else "no changes"
        kept = f"; kept {self.edits_kept} edited record(s)" if self.edits_kept else ""
        if self.edits_replaced:
            kept += f"; replaced {self.edits_replaced} edited record(s) with the file's"
        return f"{status} (data revision {self.revision}){kept}"


@dataclass(frozen=True)
class Collection:
    name: str
    table: Table
    key: str
    rows: Callable[[dict[str, Any]], Iterable[dict[str, Any]]]
    # For the change log: the collection's URL name and the column a tombstone shows.
    url_name: str
    title: str


def _table(model: Any) -> Table:
    table: Table = model.__table__
    return table


def _link_rows(data: dict[str, Any]) -> Iterable[dict[str, Any]]:
    for record in data["milestones"]:
        for position, organisation_id in enumerate(record["organisations"]):
            yield {
                "milestone_id": record["id"],
                "organisation_id": organisation_id,
                "position": position,
            }


def _declared(c: ListCollection) -> Collection:
    return Collection(c.seed_key, c.table, c.id.column, c.rows_of, c.name, c.title_column)


# Parents before children: inserts run in this order, deletes in reverse. The fact sheet and
# its sections come first; then every declared collection (app.collections.seed_order).
COLLECTIONS = [
    Collection(
        "fact_sheet",
        _table(FactSheet),
        "id",
        lambda d: [pick(_table(FactSheet), d["fact_sheet"])],
        "fact-sheet",
        "title",
    ),
    # Sections have no URL of their own: their changes are changes to the fact sheet.
    Collection(
        "fact_sheet_sections",
        _table(FactSheetSection),
        "id",
        lambda d: (
            pick(_table(FactSheetSection), s, fact_sheet_id=d["fact_sheet"]["id"])
            for s in d["fact_sheet"]["sections"]
        ),
        "fact-sheet",
        "heading",
    ),
    *(_declared(c) for c in seed_order()),
]
LINKS = _table(MilestoneOrganisation)
DATASET = _table(Dataset)
CHANGES = _table(Change)


def _existing(conn: Connection, collection: Collection) -> dict[Any, dict[str, Any]]:
    compared = [c for c in collection.table.columns if c.key not in STAMPS]
    return {
        row._mapping[collection.key]: dict(row._mapping) for row in conn.execute(select(*compared))
    }


def _upsert(
    conn: Connection,
    collection: Collection,
    existing: dict[Any, dict[str, Any]],
    desired: dict[Any, dict[str, Any]],
    now: dt.datetime,
    touched: set[Any],
) -> tuple[list[Any], list[Any]]:
    """Insert and update; returns the keys created and the keys updated."""
    table, key_column = collection.table, collection.table.c[collection.key]
    created = [row for key, row in desired.items() if key not in existing]
    changed = [
        row
        for key, row in desired.items()
        if key in existing and (existing[key] != row or key in touched)
    ]
    if created:
        rows = [{**row, "created_at": now, "updated_at": now} for row in created]
        conn.execute(insert(table), rows)
    for row in changed:
        statement = update(table).where(key_column == row[collection.key])
        conn.execute(statement.values(**row, updated_at=now))
    key = collection.key
    return [row[key] for row in created], [row[key] for row in changed]


def _change_rows(
    collection: Collection, action: str, keys: list[Any], rows: dict[Any, dict[str, Any]]
) -> list[dict[str, Any]]:
    """Change-log rows (without revision and time) for some records of one collection."""
    return [
        {
            "collection": collection.url_name,
            "record_id": str(key),
            "action": action,
            "title": str(rows[key][collection.title]),
        }
        for key in sorted(keys)
    ]


def _link_sets(rows: Iterable[tuple[str, str, int]]) -> dict[str, set[tuple[str, int]]]:
    links: dict[str, set[tuple[str, int]]] = {}
    for milestone_id, organisation_id, position in rows:
        links.setdefault(milestone_id, set()).add((organisation_id, position))
    return links


def _sync_dataset(conn: Connection, data: dict[str, Any], changed: bool, now: dt.datetime) -> int:
    wanted = {
        key: data["dataset"][key]
        for key in (
            "title",
            "version",
            "description",
            "nri_fact_sheet_count",
            "nri_coverage_note",
            "notes",
        )
    }
    row = conn.execute(select(*DATASET.columns).where(DATASET.c.id == 1)).first()
    if row is None:
        conn.execute(insert(DATASET).values(id=1, revision=1, changed_at=now, **wanted))
        return 1
    current = dict(row._mapping)
    if not changed and all(current[k] == v for k, v in wanted.items()):
        return int(current["revision"])
    revision = int(current["revision"]) + 1
    conn.execute(
        update(DATASET).where(DATASET.c.id == 1).values(revision=revision, changed_at=now, **wanted)
    )
    return revision


def sync_seed(
    engine: Engine, data: Any, now: dt.datetime | None = None, overwrite_edits: bool = False
) -> SeedReport:
    # Imported here: jsonschema is only needed when seeding, not on every start.
    from app.seed_check import check_seed

    problems = check_seed(data)
    if problems:
        raise SeedInvalid(problems)
    now = now or utc_now()
    options = write_options(engine.dialect.name)
    with engine.connect().execution_options(**options) as conn, conn.begin():
        lock_for_writes(conn)
        before = current_document(conn)
        merge = reconcile(
            seed_order(), data, before, read_baseline(conn), editors(conn), overwrite_edits
        )
        if merge.document is not data:
            # The seed file with the editors' records in it must hold together too (an
            # edited milestone may name an organisation the file no longer has).
            problems = check_seed(merge.document)
            if problems:
                raise SeedInvalid(problems, in_the_file=False)
        report = apply_document(conn, merge.document, before, now, SEED_ACTOR)
        write_baseline(conn, seed_order(), data)
        report.conflicts = merge.conflicts
        report.edits_kept, report.edits_replaced = merge.edits_kept, merge.edits_replaced
    return report


def current_document(conn: Connection) -> dict[str, Any] | None:
    """The database as a seed document; None while it holds no data yet."""
    # Imported here: app.export reads this module's table list.
    from app.export import export_document

    if conn.execute(select(DATASET.c.id)).first() is None:
        return None
    return export_document(conn)


def apply_document(
    conn: Connection,
    data: dict[str, Any],
    before: dict[str, Any] | None,
    now: dt.datetime,
    actor: str,
) -> SeedReport:
    """Bring the tables in line with `data` (a valid seed document) inside the caller's
    transaction, which holds the write lock; `before` is the database as a document (None
    when empty). Records, links, search documents, the change log, the revisions and the
    dataset revision all move here, together."""
    report = SeedReport()
    # Links of milestones whose organisations changed are replaced: dropped first so
    # organisations may go, re-added last once every milestone and organisation exists.
    current_links = _link_sets(
        conn.execute(select(LINKS.c.milestone_id, LINKS.c.organisation_id, LINKS.c.position))
    )
    wanted_links = _link_sets(
        (r["milestone_id"], r["organisation_id"], r["position"]) for r in _link_rows(data)
    )
    relinked = {
        m
        for m in set(current_links) | set(wanted_links)
        if current_links.get(m, set()) != wanted_links.get(m, set())
    }
    if relinked:
        conn.execute(delete(LINKS).where(LINKS.c.milestone_id.in_(relinked)))

    states = []
    changes: list[dict[str, Any]] = []
    for collection in COLLECTIONS:
        existing = _existing(conn, collection)
        desired = {row[collection.key]: row for row in collection.rows(data)}
        touched = relinked & set(existing) if collection.name == "milestones" else set()
        created, updated = _upsert(conn, collection, existing, desired, now, touched)
        report.created[collection.name] = len(created)
        report.updated[collection.name] = len(updated)
        changes += _change_rows(collection, "created", created, desired)
        changes += _change_rows(collection, "updated", updated, desired)
        states.append((collection, existing, [key for key in existing if key not in desired]))
    # Children before parents.
    for collection, existing, gone in reversed(states):
        if gone:
            conn.execute(
                delete(collection.table).where(collection.table.c[collection.key].in_(gone))
            )
        report.deleted[collection.name] = len(gone)
        # The title as it was: the tombstone is all that is left of the record.
        changes += _change_rows(collection, "deleted", gone, existing)

    new_links = [r for r in _link_rows(data) if r["milestone_id"] in relinked]
    if new_links:
        conn.execute(insert(LINKS), new_links)
    # Search documents follow the records in the same transaction. One that changed on
    # its own (its builder changed) still moves the revision: search results moved.
    report.search_documents = sync_documents(conn)
    changed = report.changed or report.search_documents > 0
    report.revision = _sync_dataset(conn, data, changed, now)
    if changes:
        rows = [{**c, "revision": report.revision, "at": now, "actor": actor} for c in changes]
        conn.execute(insert(CHANGES), rows)
    revised = touched_records(seed_order(), before, data)
    write_revisions(conn, revised, report.revision, actor, now)
    return report


def seed_if_empty(engine: Engine, path: Path) -> SeedReport | None:
    with engine.connect() as conn:
        if conn.execute(select(DATASET.c.id)).first() is not None:
            return None
    from app.seed_check import load_seed_file

    return sync_seed(engine, load_seed_file(path))
