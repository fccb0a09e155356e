"""Editors' writes: create, replace, merge-patch, delete and restore one record.

A write is a change to the data as a seed document. In one transaction, holding the write
lock that seed runs take too: the database is read as a document (app.export), the record
is changed in it, the whole document is checked by the rules of `factsheet check-seed`
(so a write can never leave data that a seed file could not hold), and app.seed
applies it: the record, its links, its search document, its revision, its change log entry
(with the editor as actor) and the dataset revision move together, or not at all.

If-Match is compared inside that transaction, so of two editors who read the same version
only the first one's write succeeds; the second gets a 412 and the version to start from.
"""

import datetime as dt
import hashlib
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import orjson
from sqlalchemy import Connection, Engine, delete, insert, select
from sqlmodel import Session

from app.auth import Editor
from app.collection import Collection
from app.collections import seed_order
from app.dialect import lock_for_writes, write_options
from app.errors import Conflict, IdempotencyKeyReused, InvalidRecord, PreconditionFailed
from app.export import export_document
from app.filters import Scope
from app.http_cache import dumps, make_etag
from app.json_patch import merge_patch
from app.models import IdempotencyKey
from app.preconditions import if_match_holds
from app.record_history import has_baseline, record_key, write_baseline
from app.seed import apply_document
from app.seed_check import SeedProblem, check_record, cross_record_problems

KEYS = IdempotencyKey.__table__  # type: ignore[attr-defined]
# How long the first answer to a POST with an Idempotency-Key is kept for its retries.
IDEMPOTENCY_TTL = dt.timedelta(hours=24)

Change = Callable[[dict[str, Any] | None], dict[str, Any] | None]


@dataclass(frozen=True)
class Written:
    """What a write answers: the record as GET shows it, with its new ETag."""

    status: int
    body: bytes = b""
    etag: str | None = None
    location: str | None = None
    replayed: bool = False
    headers: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class Idempotency:
    key: str
    fingerprint: str  # of the method, path and body

    @classmethod
    def of(cls, key: str, method: str, path: str, body: bytes) -> "Idempotency":
        digest = hashlib.sha256(f"{method} {path}\n".encode() + body).hexdigest()
        return cls(key, digest)


@dataclass(frozen=True)
class Write:
    """One write to one record of `collection`; `record_id` None for a POST."""

    collection: Collection
    editor: Editor
    now: dt.datetime
    today: dt.date
    record_id: str | None = None
    if_match: str | None = None
    idempotency: Idempotency | None = None


def create_record(engine: Engine, write: Write, record: dict[str, Any]) -> Written:
    c = write.collection
    key = record_key(c, record) if record.get(c.id.column) is not None else None

    def change(current: dict[str, Any] | None) -> dict[str, Any]:
        return record

    return _write(engine, write, change, new_id=key)


def replace_record(engine: Engine, write: Write, record: dict[str, Any]) -> Written:
    c = write.collection
    record = {**record}
    record.setdefault(c.id.column, _typed_id(c, write.record_id))

    def change(current: dict[str, Any] | None) -> dict[str, Any]:
        _same_id(c, write.record_id, record)
        return record

    return _write(engine, write, change)


def patch_record(engine: Engine, write: Write, patch: dict[str, Any]) -> Written:
    c = write.collection

    def change(current: dict[str, Any] | None) -> dict[str, Any]:
        patched: dict[str, Any] = _merged(current or {}, patch)
        _same_id(c, write.record_id, patched)
        return patched

    return _write(engine, write, change)


def _merged(current: dict[str, Any], patch: dict[str, Any]) -> Any:
    """RFC 7396, with one reading made explicit: every field of a record is always present
    (null when unknown), so a member set to null in the patch makes the field null rather
    than taking it away. Fields keep their order."""
    patched = merge_patch(current, patch)
    if not isinstance(patched, dict):
        return patched
    emptied = {key for key, value in patch.items() if value is None and key in current}
    merged = {
        key: None if key in emptied else patched[key]
        for key in current
        if key in patched or key in emptied
    }
    return {**merged, **{key: value for key, value in patched.items() if key not in merged}}


def delete_record(engine: Engine, write: Write) -> Written:
    return _write(engine, write, lambda current: None)


def restore_record(engine: Engine, write: Write, version: dict[str, Any]) -> Written:
    """The record as a revision held it, as a new revision."""
    return _write(engine, write, lambda current: version)


def _check_current(c: Collection, session: Session, write: Write) -> None:
    """The 404 for a record that is not there, the 412 for an If-Match that is not its
    current ETag."""
    assert write.record_id is not None
    etag = _etag(c, session, write.today, write.record_id)
    if write.if_match is not None and not if_match_holds(write.if_match, etag):
        raise PreconditionFailed(
            f"The {c.texts.noun} changed since it was read: its ETag is now {etag}. "
            "GET it again and apply your change to what it holds now.",
            headers={"ETag": etag},
        )


def _typed_id(c: Collection, record_id: str | None) -> Any:
    return c.id.type(record_id) if record_id is not None else None


def _same_id(c: Collection, record_id: str | None, record: Any) -> None:
    if not isinstance(record, dict):
        raise InvalidRecord(
            "The record must be a JSON object.",
            [{"name": "(body)", "in": "body", "reason": "must be a JSON object"}],
        )
    if str(record.get(c.id.column)) != record_id:
        column = c.id.column
        raise InvalidRecord(
            f"The {column} of a record cannot change: it is the record's address.",
            [{"name": column, "in": "body", "reason": f"must be {record_id!r}, as in the path"}],
        )


def _write(engine: Engine, write: Write, change: Change, new_id: str | None = None) -> Written:
    c = write.collection
    if write.record_id is not None:
        # Before queueing for the write lock: a stale write (most of them, when many
        # editors race for one record) is refused at the cost of one record's read.
        with Session(engine) as session:
            _check_current(c, session, write)
    with engine.connect().execution_options(**write_options(engine.dialect.name)) as conn:
        with conn.begin():
            lock_for_writes(conn)
            if write.idempotency is not None:
                replay = _replay(conn, write)
                if replay is not None:
                    return replay
            session = Session(bind=conn)
            if write.record_id is not None:
                # Again, now that no one else can write: this one is the check that counts.
                _check_current(c, session, write)
            document = export_document(conn)
            records: list[dict[str, Any]] = document[c.seed_key]
            target = write.record_id if write.record_id is not None else new_id
            index = next((i for i, r in enumerate(records) if record_key(c, r) == target), None)
            current = records[index] if index is not None else None
            if write.record_id is None and current is not None:
                raise Conflict(
                    f"A {c.texts.noun} with the {c.id.label} {target!r} exists already: "
                    f"change it at {c.href}/{target} instead."
                )
            new = change(current)
            changed = _replaced(records, index, new)
            if changed == records:
                # Nothing to write (the same record again): no revision, no new ETag.
                return _answer(c, session, write, target, created=False)
            after = {**document, c.seed_key: changed}
            position = index if index is not None else len(records)
            # The rest of the document held together before: the record and the rules
            # across records are what a write can break.
            if new is None:
                problems = cross_record_problems(after)
            else:
                problems = check_record(after, c.seed_key, position)
            if problems:
                raise _invalid(c, problems, target, position)
            if not has_baseline(conn):
                # The first edit of a database seeded before seed_baseline existed: what it
                # holds now is what the last seed run left, the ancestor the next seed run
                # must compare with, or that run would take this edit for the seed's.
                write_baseline(conn, seed_order(), document)
            apply_document(conn, after, document, write.now, write.editor.name)
            if new is None:
                written = Written(204)
            else:
                key = record_key(c, new)
                written = _answer(c, session, write, key, created=current is None)
            if write.idempotency is not None:
                _keep(conn, write, written)
            return written


def _replaced(
    records: list[dict[str, Any]], index: int | None, new: dict[str, Any] | None
) -> list[dict[str, Any]]:
    if index is None:
        return [*records, new] if new is not None else list(records)
    if new is None:
        return records[:index] + records[index + 1 :]
    return [*records[:index], new, *records[index + 1 :]]


def representation(c: Collection, session: Session, today: dt.date, record_id: str) -> bytes:
    """The record's JSON exactly as GET answers it (so its ETag is GET's)."""
    # Imported here: the routes import this module.
    from app.api.collection_routes import find_record

    return dumps(find_record(c, Scope(session, today), _typed_id(c, record_id)))


def _etag(c: Collection, session: Session, today: dt.date, record_id: str) -> str:
    return make_etag(representation(c, session, today, record_id))


def _answer(
    c: Collection, session: Session, write: Write, record_id: str | None, created: bool
) -> Written:
    assert record_id is not None
    body = representation(c, session, write.today, record_id)
    location = f"{c.href}/{record_id}"
    return Written(201 if created else 200, body, make_etag(body), location if created else None)


def _invalid(c: Collection, problems: list[SeedProblem], target: str | None, index: int) -> Any:
    """The 422 naming every field at fault: the record's own by their path in it, any other
    record's (a milestone that names a deleted organisation) by collection, id and field."""
    errors = []
    own = {target, f"#{index}"}
    for p in problems:
        if p.collection == c.seed_key and p.record_id in own:
            name = p.field or "(record)"
        else:
            where = p.collection + (f"[{p.record_id}]" if p.record_id is not None else "")
            name = where + (f".{p.field}" if p.field else "")
        errors.append({"name": name, "in": "body", "reason": p.message})
    names = ", ".join(dict.fromkeys(e["name"] for e in errors))
    return InvalidRecord(f"The {c.texts.noun} breaks the data's rules at: {names}.", errors)


def _replay(conn: Connection, write: Write) -> Written | None:
    assert write.idempotency is not None
    conn.execute(delete(KEYS).where(KEYS.c.created_at < write.now - IDEMPOTENCY_TTL))
    row = conn.execute(
        select(KEYS).where(
            KEYS.c.token_id == write.editor.token_id, KEYS.c.key == write.idempotency.key
        )
    ).first()
    if row is None:
        return None
    if row.fingerprint != write.idempotency.fingerprint:
        raise IdempotencyKeyReused(
            f"The Idempotency-Key {write.idempotency.key!r} was used with another request; "
            "use a new key for a new request."
        )
    headers = dict(orjson.loads(orjson.dumps(row.headers)))
    return Written(
        row.status,
        bytes(row.body),
        headers.pop("ETag", None),
        headers.pop("Location", None),
        replayed=True,
    )


def _keep(conn: Connection, write: Write, written: Written) -> None:
    assert write.idempotency is not None
    headers = [[k, v] for k, v in (("ETag", written.etag), ("Location", written.location)) if v]
    conn.execute(
        insert(KEYS).values(
            token_id=write.editor.token_id,
            key=write.idempotency.key,
            fingerprint=write.idempotency.fingerprint,
            status=written.status,
            headers=headers,
            body=written.body,
            created_at=write.now,
        )
    )
