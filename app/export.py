"""The database as a seed document: what `sync_seed` would load to make the database it came
from. Exporting a database seeded from seed.json gives seed.json back, with one difference:
the facts come in id order, as the database keeps no order of its own for them.

Keys come in the order of app/seed_schema.json (its top-level `properties`, and each record's
`$defs` schema), which is seed.json's own order. Records come in id order, or in `position`
order where their table has one (action lines, fact sheet sections): those tables keep the
file's order because ids do not sort that way. Columns the seed computes (period bounds,
positions the file does not hold, the fact sheet a section belongs to, timestamps) are left
out: only the fields of the record's schema are read.
"""

import json
import os
import secrets
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from sqlalchemy import Column, Connection, Engine, Table, select

from app.collection import Collection
from app.collections import seed_order
from app.collections.milestones import MILESTONES
from app.models import Dataset, FactSheet, FactSheetSection, MilestoneOrganisation

Record = dict[str, Any]

# The tables app.seed fills outside the declared collections. Named from app.models, not
# app.seed: app.seed reads the database through this module.
DATASET: Table = Dataset.__table__  # type: ignore[attr-defined]
LINKS: Table = MilestoneOrganisation.__table__  # type: ignore[attr-defined]
FACT_SHEET: Table = FactSheet.__table__  # type: ignore[attr-defined]
SECTIONS: Table = FactSheetSection.__table__  # type: ignore[attr-defined]
DATASET_KEY, FACT_SHEET_KEY, SECTIONS_KEY = "dataset", "fact_sheet", "sections"
ORDER_COLUMN = "position"
DATASET_ID = 1  # app.seed keeps the one dataset row under this id

# Record fields that are not columns of their collection's table: app.seed fills them into a
# link table of its own (a milestone's organisations, in their order), outside the
# declarations. Field -> (link table, column naming the record, column of the value).
LINKED_LISTS: dict[str, dict[str, tuple[Table, Column[Any], Column[Any]]]] = {
    MILESTONES.seed_key: {"organisations": (LINKS, LINKS.c.milestone_id, LINKS.c.organisation_id)},
}


class NothingToExport(LookupError):
    """The database holds no seeded data (no dataset row or no single fact sheet)."""


def export_document(connection: Connection) -> dict[str, Any]:
    """The data of the database as a seed document, read on `connection` inside whatever
    transaction it has open: one SELECT per table."""
    # Imported here, as app.seed does: jsonschema is only needed when seeding or exporting.
    from app.seed_check import load_schema

    schema = load_schema()
    collections = {c.seed_key: c for c in seed_order()}
    document: dict[str, Any] = {}
    for key, node in schema["properties"].items():
        if key == DATASET_KEY:
            document[key] = _dataset(connection, _fields(schema, node))
        elif key == FACT_SHEET_KEY:
            section_fields = _fields(schema, node["properties"][SECTIONS_KEY]["items"])
            document[key] = _fact_sheet(connection, _fields(schema, node), section_fields)
        else:
            fields = _fields(schema, node["items"])
            document[key] = _records(connection, collections[key], fields)
    return document


def dumps_document(document: dict[str, Any]) -> bytes:
    """The document as seed.json is written: two-space indents, UTF-8 text rather than
    \\u escapes, and a final newline."""
    return (json.dumps(document, indent=2, ensure_ascii=False) + "\n").encode("utf-8")


def export_to(engine: Engine, path: Path | None) -> bytes:
    """The database as seed.json bytes, read in one transaction (one snapshot on PostgreSQL,
    whose engines read at REPEATABLE READ); written to `path` atomically when one is given."""
    with engine.connect() as connection, connection.begin():
        document = export_document(connection)
    body = dumps_document(document)
    if path is not None:
        write_atomically(path, body)
    return body


def _fields(schema: dict[str, Any], node: dict[str, Any]) -> list[str]:
    """The property names of a (possibly `$ref`erenced) object schema, in order."""
    ref = node.get("$ref")
    if isinstance(ref, str):
        target: Any = schema
        for part in ref.removeprefix("#/").split("/"):
            target = target[part]
        node = target
    return list(node["properties"])


def _columns(table: Table, fields: Iterable[str]) -> list[Column[Any]]:
    return [table.c[name] for name in fields if name in table.c]


def _pick(row: Any, fields: Iterable[str], **extra: Any) -> Record:
    values = {**row._mapping, **extra}
    return {name: values[name] for name in fields}


def _dataset(connection: Connection, fields: list[str]) -> Record:
    query = select(*_columns(DATASET, fields)).where(DATASET.c.id == DATASET_ID)
    row = connection.execute(query).first()
    if row is None:
        raise NothingToExport("The database holds no dataset: seed it first.")
    return _pick(row, fields)


def _fact_sheet(connection: Connection, fields: list[str], section_fields: list[str]) -> Record:
    rows = connection.execute(select(*_columns(FACT_SHEET, fields))).all()
    if len(rows) != 1:
        raise NothingToExport(f"The database holds {len(rows)} fact sheets; a seed has one.")
    sheet = rows[0]
    query = (
        select(*_columns(SECTIONS, section_fields))
        .where(SECTIONS.c.fact_sheet_id == sheet._mapping["id"])
        .order_by(SECTIONS.c[ORDER_COLUMN])
    )
    sections = [_pick(row, section_fields) for row in connection.execute(query)]
    return _pick(sheet, fields, **{SECTIONS_KEY: sections})


def _records(connection: Connection, collection: Collection, fields: list[str]) -> list[Record]:
    table, key = collection.table, collection.id.column
    linked = LINKED_LISTS.get(collection.seed_key, {})
    unknown = [f for f in fields if f not in table.c and f not in linked]
    if unknown:
        raise ValueError(f"{collection.seed_key}: no column or link holds {unknown}")
    ordered = ORDER_COLUMN in table.c
    extra = [table.c[c] for c in (ORDER_COLUMN, key) if c in table.c and c not in fields]
    # Sorted here, not by ORDER BY: text ids would follow the database's collation, which
    # PostgreSQL takes from the server's locale; Python compares code points everywhere.
    rows = sorted(
        connection.execute(select(*_columns(table, fields), *extra)),
        key=lambda row: (row._mapping[ORDER_COLUMN] if ordered else 0, row._mapping[key]),
    )
    lists = {field: _linked(connection, *link) for field, link in linked.items()}
    return [
        _pick(row, fields, **{f: lists[f].get(row._mapping[key], []) for f in lists})
        for row in rows
    ]


def _linked(
    connection: Connection, table: Table, owner: Column[Any], value: Column[Any]
) -> dict[Any, list[Any]]:
    """Each owner's values in the link table, in `position` order."""
    query = select(owner, value).order_by(table.c[ORDER_COLUMN])
    found: dict[Any, list[Any]] = {}
    for owner_id, item in connection.execute(query):
        found.setdefault(owner_id, []).append(item)
    return found


def write_atomically(path: Path, body: bytes) -> None:
    """Write beside `path`, then rename over it: a reader sees the old file or the new one,
    never part of either. The file gets the mode a plain open() would give it."""
    temporary = path.with_name(f".{path.name}.{secrets.token_hex(6)}.tmp")
    descriptor = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666)
    try:
        with os.fdopen(descriptor, "wb") as file:
            file.write(body)
            file.flush()
            os.fsync(file.fileno())
        os.replace(temporary, path)
    except BaseException:
        temporary.unlink(missing_ok=True)
        raise
