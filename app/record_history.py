"""Every version of every record (table record_revision), and what a seed run does with the
records editors changed through the API.

Both a seed run and an editor's write end in app.seed.apply_document, which writes the
revisions of the records it changed in its own transaction: the record, its revision, its
change log entry and the dataset revision are committed together or not at all.

A seed run merges each record three ways (`reconcile`): the seed file's version, the
database's, and the last seed file's (table seed_baseline), their common ancestor. What
only the file changed is applied; what only an editor changed is kept; where both changed
it differently, that is a conflict: reported, and the edit is kept unless the run is told
to overwrite it. The seed file is the release's view, the database holds the editors' later
corrections, and `factsheet export` writes those back into a seed file: seeding from that
export is then no conflict at all.
"""

import datetime as dt
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection, Table, delete, func, insert, select

from app.collection import Collection
from app.json_patch import diff
from app.models import RecordRevision, SeedBaseline

REVISIONS: Table = RecordRevision.__table__  # type: ignore[attr-defined]
BASELINE: Table = SeedBaseline.__table__  # type: ignore[attr-defined]
SEED_ACTOR = "seed"

Document = Mapping[str, Any]


def record_key(c: Collection, record: Mapping[str, Any]) -> str:
    """A record's id as its URL and the change log spell it (calls to action: "3")."""
    return str(record[c.id.column])


def records_by_id(c: Collection, document: Document | None) -> dict[str, dict[str, Any]]:
    if document is None:
        return {}
    return {record_key(c, r): r for r in document.get(c.seed_key, [])}


@dataclass(frozen=True)
class Touched:
    """One record a write created, updated or deleted: its versions before and after."""

    collection: Collection
    record_id: str
    action: str  # created | updated | deleted
    before: dict[str, Any] | None
    after: dict[str, Any] | None


def touched_records(
    collections: Iterable[Collection], before: Document | None, after: Document
) -> list[Touched]:
    """The records whose seed-file form differs between two documents."""
    found = []
    for c in collections:
        old, new = records_by_id(c, before), records_by_id(c, after)
        for key in sorted(old.keys() | new.keys()):
            was, now = old.get(key), new.get(key)
            if was == now:
                continue
            action = "created" if was is None else "deleted" if now is None else "updated"
            found.append(Touched(c, key, action, was, now))
    return found


def write_revisions(
    conn: Connection, touched: Sequence[Touched], data_revision: int, actor: str, at: dt.datetime
) -> None:
    if not touched:
        return
    latest = _latest_numbers(conn, touched)
    rows = [
        {
            "collection": t.collection.name,
            "record_id": t.record_id,
            "number": latest.get((t.collection.name, t.record_id), 0) + 1,
            "data_revision": data_revision,
            "at": at,
            "actor": actor,
            "action": t.action,
            "record": t.after,
            "patch": diff(t.before, t.after) if t.before is not None else _created(t.after),
        }
        for t in touched
    ]
    conn.execute(insert(REVISIONS), rows)


def _created(record: dict[str, Any] | None) -> list[dict[str, Any]]:
    return [{"op": "add", "path": "", "value": record}]


def _latest_numbers(conn: Connection, touched: Sequence[Touched]) -> dict[tuple[str, str], int]:
    names = {t.collection.name for t in touched}
    ids = {t.record_id for t in touched}
    rows = conn.execute(
        select(REVISIONS.c.collection, REVISIONS.c.record_id, func.max(REVISIONS.c.number))
        .where(REVISIONS.c.collection.in_(names), REVISIONS.c.record_id.in_(ids))
        .group_by(REVISIONS.c.collection, REVISIONS.c.record_id)
    )
    return {(row[0], row[1]): int(row[2]) for row in rows}


def editors(conn: Connection) -> dict[tuple[str, str], str]:
    """(collection, record id) -> editor, for each record whose latest revision an editor
    made: who to name in a conflict."""
    latest = (
        select(
            REVISIONS.c.collection,
            REVISIONS.c.record_id,
            func.max(REVISIONS.c.number).label("number"),
        )
        .group_by(REVISIONS.c.collection, REVISIONS.c.record_id)
        .subquery()
    )
    rows = conn.execute(
        select(REVISIONS.c.collection, REVISIONS.c.record_id, REVISIONS.c.actor)
        .join(
            latest,
            (REVISIONS.c.collection == latest.c.collection)
            & (REVISIONS.c.record_id == latest.c.record_id)
            & (REVISIONS.c.number == latest.c.number),
        )
        .where(REVISIONS.c.actor != SEED_ACTOR)
    )
    return {(row[0], row[1]): row[2] for row in rows}


@dataclass(frozen=True)
class SeedConflict:
    """A record both the seed file and an editor changed since the last seed run."""

    collection: str
    record_id: str
    editor: str
    kept: str  # "edit": the database's version stays; "seed": the seed file's replaced it
    edited: str  # what the editor did: changed | deleted | created
    seeded: str  # what the seed file does: changes it | removes it | adds it

    def __str__(self) -> str:
        both = (
            f"{self.collection}/{self.record_id}: {self.edited} by {self.editor!r} through "
            f"the API, and the seed file {self.seeded}"
        )
        if self.kept == "edit":
            return f"{both}; kept the editor's version"
        return f"{both}; replaced it with the seed file's version"


def read_baseline(conn: Connection) -> dict[tuple[str, str], dict[str, Any]]:
    rows = conn.execute(select(BASELINE.c.collection, BASELINE.c.record_id, BASELINE.c.record))
    return {(row[0], row[1]): row[2] for row in rows}


def has_baseline(conn: Connection) -> bool:
    return conn.execute(select(BASELINE.c.record_id).limit(1)).first() is not None


def write_baseline(conn: Connection, collections: Iterable[Collection], seed: Document) -> None:
    """The seed file's records become the ancestor of the next run's comparison."""
    conn.execute(delete(BASELINE))
    rows = [
        {"collection": c.name, "record_id": key, "record": record}
        for c in collections
        for key, record in records_by_id(c, seed).items()
    ]
    if rows:
        conn.execute(insert(BASELINE), rows)


@dataclass
class Reconciled:
    document: dict[str, Any]  # what the seed run applies
    conflicts: list[SeedConflict]
    edits_kept: int  # edited records the seed file left alone, kept as they are
    edits_replaced: int = 0  # edited records the file replaced (when told to overwrite)


def reconcile(
    collections: Iterable[Collection],
    seed: dict[str, Any],
    database: Document | None,
    baseline: Mapping[tuple[str, str], dict[str, Any]],
    editors: Mapping[tuple[str, str], str],
    overwrite: bool,
) -> Reconciled:
    """A three-way merge of each record: the seed file's version, the database's and the
    last seed file's (`baseline`, their common ancestor).

    * Only the seed file changed it (or nobody): the seed file's version.
    * Only an editor changed it: the editor's version, silently (an edit of a record the
      seed file did not touch is no conflict).
    * Both, differently: a conflict. The editor's version stays.
    With `overwrite` the file wins everywhere: every edited record becomes the file's
    (conflicts are still reported).
    With no baseline yet (the first run after the upgrade), the database counts as the
    ancestor: nothing was edited."""
    merged = seed  # copied before the first change: the caller can tell nothing was kept
    result = Reconciled(seed, [], 0)
    if not baseline:
        return result
    for c in collections:
        held, wanted = records_by_id(c, database), records_by_id(c, seed)
        ancestor = {key: r for (name, key), r in baseline.items() if name == c.name}
        keep: dict[str, dict[str, Any] | None] = {}
        for key in sorted(held.keys() | wanted.keys() | ancestor.keys()):
            mine, theirs, base = held.get(key), wanted.get(key), ancestor.get(key)
            if mine == base or mine == theirs:
                continue  # not edited, or the file agrees with the edit
            if overwrite:
                # The file wins everywhere: the database becomes the file.
                result.edits_replaced += 1
            elif theirs == base:
                keep[key] = mine
                result.edits_kept += 1
                continue
            else:
                keep[key] = mine
            if theirs != base:
                editor = editors.get((c.name, key), "an editor")
                kept = "seed" if overwrite else "edit"
                seeded = _seeded(base, theirs)
                conflict = SeedConflict(c.name, key, editor, kept, _edited(base, mine), seeded)
                result.conflicts.append(conflict)
        if not keep:
            continue
        # In the file's order where the file has the record (an action line's position is
        # its place in the list); a record only the database has goes at the end.
        order = {record_key(c, r): i for i, r in enumerate(seed[c.seed_key])}
        records = [r for r in seed[c.seed_key] if record_key(c, r) not in keep]
        records += [r for r in keep.values() if r is not None]
        records.sort(key=lambda r: order.get(record_key(c, r), len(order)))
        merged = {**merged, c.seed_key: records}
    result.document = merged
    return result


def _edited(base: Any, mine: Any) -> str:
    return "created" if base is None else "deleted" if mine is None else "changed"


def _seeded(base: Any, theirs: Any) -> str:
    return "adds it" if base is None else "removes it" if theirs is None else "changes it"
