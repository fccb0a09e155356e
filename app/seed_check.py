"""Validation of seed.json: JSON Schema shape first, then cross-record rules.

Pure functions only (no database, no web framework). ``check_seed`` returns every problem it
finds, sorted, so one run reports them all. The schema is ``app/seed_schema.json``, loaded as
package data so that it also works from an installed wheel.
"""

from __future__ import annotations

import json
import os
import re
import stat
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from functools import cache
from importlib.resources import files
from pathlib import Path
from typing import Any

from jsonschema import Draft202012Validator, ValidationError, validators

from app.characters import FORBIDDEN_CHARACTERS
from app.collections import seed_order
from app.countries import ISO_3166_1_ALPHA_2

SCHEMA_RESOURCE = "seed_schema.json"

# Collections that are lists of records, with the key that identifies a record.
RECORD_ID_KEYS: dict[str, str] = {c.seed_key: c.id.column for c in seed_order()}
SECTIONS = "fact_sheet.sections"
ROOT = "(root)"
FILE = "(file)"
MAX_MESSAGE = 300  # schema messages quote the offending value; keep them readable
# Bounds on what a seed file may be, so that a wrong path (/dev/zero, a dump) fails at once.
# The real file is about 200 KB and nests 6 deep; the crash test's synthetic seed is ~10 MB.
MAX_SEED_BYTES = 64 * 2**20
MAX_SEED_DEPTH = 32

DATE_SHAPES: dict[str, re.Pattern[str]] = {
    "day": re.compile(r"^([0-9]{4})-([0-9]{2})-([0-9]{2})$"),
    "month": re.compile(r"^([0-9]{4})-([0-9]{2})$"),
    "year": re.compile(r"^([0-9]{4})$"),
}
DATE_SHAPE_TEXT = {"day": "YYYY-MM-DD", "month": "YYYY-MM", "year": "YYYY"}


@dataclass(frozen=True)
class SeedProblem:
    """One problem in the seed data.

    ``collection`` is a top-level key ("milestones", "dataset", ...), "fact_sheet.sections"
    for a fact sheet section, "(root)" for the document itself or "(file)" when the file
    cannot be read or parsed. ``record_id`` is the record's id (code for action lines,
    number for calls to action); "#N" (0-based position) when the record has no usable id;
    None outside record collections. ``field`` is the path inside the record, e.g.
    "end_date", "organisations[1]" or "conflicts[0].values"; "" for the record as a whole.
    """

    collection: str
    record_id: str | None
    field: str
    message: str

    def __str__(self) -> str:
        where = self.collection
        if self.record_id is not None:
            where += f"[{self.record_id}]"
        if self.field:
            where += f".{self.field}"
        return f"{where}: {self.message}"


def _sort_key(problem: SeedProblem) -> tuple[str, str, str, str]:
    return (problem.collection, problem.record_id or "", problem.field, problem.message)


def _sorted(problems: Sequence[SeedProblem]) -> list[SeedProblem]:
    return sorted(set(problems), key=_sort_key)


# --------------------------------------------------------------------------- schema


@cache
def load_schema() -> dict[str, Any]:
    """The seed JSON Schema (draft 2020-12), read from the ``app`` package data."""
    text = (files("app") / SCHEMA_RESOURCE).read_text(encoding="utf-8")
    schema = json.loads(text)
    if not isinstance(schema, dict):
        raise ValueError(f"{SCHEMA_RESOURCE} is not a JSON object")
    # A collection declared with its own record schema is a list of those records in the file.
    for c in seed_order():
        if c.seed_schema is not None and c.seed_key not in schema["properties"]:
            schema["properties"][c.seed_key] = {"type": "array", "items": c.seed_schema}
    Draft202012Validator.check_schema(schema)
    return schema


# JSON Schema counts 2.0 as an integer. Here an integer is a JSON number without a fraction
# or exponent: 2.0 would be stored as 2 while its revision kept 2.0, and the JSON parser of
# write bodies reads an integer beyond 64 bits as a float, which would be stored rounded.
_INTEGERS_ONLY = Draft202012Validator.TYPE_CHECKER.redefine(
    "integer", lambda _checker, value: isinstance(value, int) and not isinstance(value, bool)
)
Validator: type[Draft202012Validator] = validators.extend(  # type: ignore[no-untyped-call]
    Draft202012Validator, type_checker=_INTEGERS_ONLY
)


@cache
def _validator() -> Draft202012Validator:
    return Validator(load_schema())


def _record_id(record: object, key: str, index: int) -> str:
    if isinstance(record, dict):
        value = record.get(key)
        if isinstance(value, str) and value:
            return value
        if isinstance(value, int) and not isinstance(value, bool):
            return str(value)
    return f"#{index}"


def _field_path(parts: Sequence[object]) -> str:
    out = ""
    for part in parts:
        if isinstance(part, int):
            out += f"[{part}]"
        else:
            out += f".{part}" if out else str(part)
    return out


def _locate(data: object, path: Sequence[object]) -> tuple[str, str | None, list[object]]:
    """Split an instance path into (collection, record id, path inside the record)."""
    if not path or not isinstance(path[0], str):
        return ROOT, None, list(path)
    top = path[0]
    container = data.get(top) if isinstance(data, dict) else None
    if top in RECORD_ID_KEYS and len(path) >= 2 and isinstance(path[1], int):
        index = path[1]
        record = container[index] if isinstance(container, list) else None
        return top, _record_id(record, RECORD_ID_KEYS[top], index), list(path[2:])
    if (
        top == "fact_sheet"
        and len(path) >= 3
        and path[1] == "sections"
        and isinstance(path[2], int)
    ):
        sections = container.get("sections") if isinstance(container, dict) else None
        index = path[2]
        record = sections[index] if isinstance(sections, list) else None
        return SECTIONS, _record_id(record, "id", index), list(path[3:])
    return top, None, list(path[1:])


def _schema_problem(
    data: object, error: ValidationError, within: Sequence[object] = ()
) -> SeedProblem:
    path = [*within, *error.absolute_path]
    collection, record_id, inner = _locate(data, path)
    message = error.message
    required = error.validator_value
    if error.validator == "required" and isinstance(error.instance, dict):
        # One error per missing property; name it in the field.
        names = required if isinstance(required, list) else []
        missing = [
            name for name in names if name not in error.instance and message.startswith(repr(name))
        ]
        if missing:
            inner.append(missing[0])
            message = "required field is missing"
    elif error.validator == "additionalProperties" and isinstance(error.instance, dict):
        allowed = error.schema.get("properties", {}) if isinstance(error.schema, dict) else {}
        extra = sorted(name for name in error.instance if name not in allowed)
        if len(extra) == 1:
            inner.append(extra[0])
            message = "unexpected field"
        elif extra:
            message = f"unexpected fields: {', '.join(extra)}"
    if len(message) > MAX_MESSAGE:
        message = message[: MAX_MESSAGE - 1] + "…"
    return SeedProblem(collection, record_id, _field_path(inner), message)


def schema_problems(data: object) -> list[SeedProblem]:
    """Every JSON Schema violation, mapped to collection / record id / field, sorted."""
    return _sorted([_schema_problem(data, error) for error in _validator().iter_errors(data)])


# --------------------------------------------------------------------------- cross-record


def _records(data: Mapping[str, object], collection: str) -> Iterator[tuple[int, dict[str, Any]]]:
    records = data.get(collection)
    if isinstance(records, list):
        for index, record in enumerate(records):
            if isinstance(record, dict):
                yield index, record


def _sections(data: Mapping[str, object]) -> Iterator[tuple[int, dict[str, Any]]]:
    fact_sheet = data.get("fact_sheet")
    if isinstance(fact_sheet, dict):
        yield from _records(fact_sheet, "sections")


def _id_value(record: Mapping[str, Any], key: str) -> str | None:
    value = record.get(key)
    if isinstance(value, str):
        return value
    if isinstance(value, int) and not isinstance(value, bool):
        return str(value)
    return None


def _check_unique(
    collection: str, records: Sequence[tuple[int, dict[str, Any]]], key: str
) -> list[SeedProblem]:
    problems: list[SeedProblem] = []
    first_seen: dict[str, int] = {}
    for index, record in records:
        value = _id_value(record, key)
        if value is None:
            continue
        if value in first_seen:
            problems.append(
                SeedProblem(
                    collection,
                    value,
                    key,
                    f"duplicate {key} {value} (records #{first_seen[value]} and #{index})",
                )
            )
        else:
            first_seen[value] = index
    return problems


def _ids(records: Sequence[tuple[int, dict[str, Any]]], key: str) -> set[str]:
    return {value for _, record in records if (value := _id_value(record, key)) is not None}


def parse_period_start(text: str, precision: str) -> date | None:
    """The first day of the period written as ``text`` at ``precision``; None if invalid."""
    shape = DATE_SHAPES.get(precision)
    match = shape.match(text) if shape is not None else None
    if match is None:
        return None
    parts = [int(group) for group in match.groups()]
    year, month, day = (parts + [1, 1])[:3]
    try:
        return date(year, month, day)
    except ValueError:
        return None


def _check_milestone_dates(record_id: str, record: Mapping[str, Any]) -> list[SeedProblem]:
    problems: list[SeedProblem] = []
    precision = record.get("date_precision")
    if precision not in DATE_SHAPES:
        return problems  # reported by the schema
    assert isinstance(precision, str)
    starts: dict[str, date] = {}
    for field in ("start_date", "end_date"):
        value = record.get(field)
        if not isinstance(value, str) or not any(p.match(value) for p in DATE_SHAPES.values()):
            continue  # not a date string at all: reported by the schema
        if DATE_SHAPES[precision].match(value) is None:
            problems.append(
                SeedProblem(
                    "milestones",
                    record_id,
                    field,
                    f"{field} {value} does not match date_precision {precision} "
                    f"({DATE_SHAPE_TEXT[precision]})",
                )
            )
            continue
        start = parse_period_start(value, precision)
        if start is None:
            problems.append(
                SeedProblem("milestones", record_id, field, f"{value} is not a calendar date")
            )
            continue
        starts[field] = start
    if (
        "start_date" in starts
        and "end_date" in starts
        and starts["end_date"] < starts["start_date"]
    ):
        problems.append(
            SeedProblem(
                "milestones",
                record_id,
                "end_date",
                f"end_date {record['end_date']} is before start_date {record['start_date']}",
            )
        )
    return problems


def _check_conflict_fields(
    collection: str, record_id: str, record: Mapping[str, Any]
) -> list[SeedProblem]:
    problems: list[SeedProblem] = []
    conflicts = record.get("conflicts")
    if not isinstance(conflicts, list):
        return problems
    for index, conflict in enumerate(conflicts):
        if not isinstance(conflict, dict):
            continue
        field = conflict.get("field")
        if isinstance(field, str) and field not in record:
            problems.append(
                SeedProblem(
                    collection,
                    record_id,
                    f"conflicts[{index}].field",
                    f"conflict names {field!r}, which is not a field of this record",
                )
            )
    return problems


def cross_record_problems(data: object) -> list[SeedProblem]:
    """Rules that JSON Schema cannot express; tolerant of a partly invalid shape."""
    if not isinstance(data, dict):
        return []
    problems: list[SeedProblem] = []
    records = {name: list(_records(data, name)) for name in RECORD_ID_KEYS}
    sections = list(_sections(data))

    for name, key in RECORD_ID_KEYS.items():
        problems += _check_unique(name, records[name], key)
    problems += _check_unique(SECTIONS, sections, "id")

    def rid(name: str, index: int, record: Mapping[str, Any]) -> str:
        return _record_id(record, RECORD_ID_KEYS[name], index)

    # Milestones: organisation references and dates.
    organisation_ids = _ids(records["organisations"], "id")
    for index, record in records["milestones"]:
        record_id = rid("milestones", index, record)
        orgs = record.get("organisations")
        if isinstance(orgs, list):
            for position, org_id in enumerate(orgs):
                if isinstance(org_id, str) and org_id not in organisation_ids:
                    problems.append(
                        SeedProblem(
                            "milestones",
                            record_id,
                            f"organisations[{position}]",
                            f"unknown organisation id {org_id}",
                        )
                    )
        problems += _check_milestone_dates(record_id, record)

    # Action lines: parent_code names an existing main line (one level deep: no cycles).
    codes = _ids(records["action_lines"], "code")
    main_lines = {r.get("code") for _, r in records["action_lines"] if r.get("parent_code") is None}
    for index, record in records["action_lines"]:
        record_id = rid("action_lines", index, record)
        parent = record.get("parent_code")
        if not isinstance(parent, str):
            continue
        if parent == record.get("code"):
            problems.append(
                SeedProblem(
                    "action_lines", record_id, "parent_code", "a line cannot be its own parent"
                )
            )
        elif parent not in codes:
            problems.append(
                SeedProblem(
                    "action_lines", record_id, "parent_code", f"unknown parent_code {parent}"
                )
            )
        elif parent not in main_lines:
            problems.append(
                SeedProblem(
                    "action_lines",
                    record_id,
                    "parent_code",
                    f"parent_code {parent} is itself a sub-line; sub-lines nest one level deep",
                )
            )

    # Fact sheet sections: parent exists and is a level-1 section; positions run 1..N.
    levels = {
        value: record.get("level")
        for _, record in sections
        if (value := _id_value(record, "id")) is not None
    }
    for index, record in sections:
        record_id = _record_id(record, "id", index)
        parent = record.get("parent_id")
        if not isinstance(parent, str):
            continue
        if parent not in levels:
            problems.append(
                SeedProblem(SECTIONS, record_id, "parent_id", f"unknown parent_id {parent}")
            )
        elif levels[parent] != 1:
            problems.append(
                SeedProblem(
                    SECTIONS, record_id, "parent_id", f"parent_id {parent} is not a level-1 section"
                )
            )
    positions = [record.get("position") for _, record in sections]
    if sections and positions != list(range(1, len(sections) + 1)):
        problems.append(
            SeedProblem(
                SECTIONS,
                None,
                "position",
                f"positions must be exactly 1..{len(sections)} in order; found {positions}",
            )
        )

    # NRIs: assigned ISO 3166-1 alpha-2 codes.
    for index, record in records["nris"]:
        country = record.get("country")
        if isinstance(country, str) and country not in ISO_3166_1_ALPHA_2:
            problems.append(
                SeedProblem(
                    "nris",
                    rid("nris", index, record),
                    "country",
                    f"{country!r} is not an officially assigned ISO 3166-1 alpha-2 code",
                )
            )

    # Calls to action: numbers are exactly 1..N, in order.
    numbers = [record.get("number") for _, record in records["calls_to_action"]]
    if numbers != list(range(1, len(numbers) + 1)):
        problems.append(
            SeedProblem(
                "calls_to_action",
                None,
                "number",
                f"numbers must be exactly 1..{len(numbers)} in order without gaps; found {numbers}",
            )
        )

    # Conflicts name a field of their own record.
    for name in ("organisations", "milestones", "nris", "facts"):
        for index, record in records[name]:
            problems += _check_conflict_fields(name, rid(name, index, record), record)

    return problems


# --------------------------------------------------------------------------- entry points


# --------------------------------------------------------------------------- characters


def _strings(value: object, path: list[object]) -> Iterator[tuple[list[object], str]]:
    """Every string in ``value`` (object keys too, at their object's path) with its path."""
    if isinstance(value, str):
        yield path, value
    elif isinstance(value, dict):
        for key, item in value.items():
            yield path, str(key)
            yield from _strings(item, [*path, key])
    elif isinstance(value, list):
        for index, item in enumerate(value):
            yield from _strings(item, [*path, index])


def character_problems(data: object, within: Sequence[object] = ()) -> list[SeedProblem]:
    """Every text that holds a character the backends or the formats cannot carry (in the
    part of `data` at the path `within`, by default all of it)."""
    problems = []
    part: Any = data
    for step in within:
        part = part[step]
    for path, text in _strings(part, list(within)):
        found = FORBIDDEN_CHARACTERS.search(text)
        if found:
            collection, record_id, inner = _locate(data, path)
            problems.append(
                SeedProblem(
                    collection,
                    record_id,
                    _field_path(inner),
                    f"contains the control character or surrogate U+{ord(found.group()):04X}",
                )
            )
    return problems


def check_seed(data: object) -> list[SeedProblem]:
    """All problems in ``data`` (a parsed seed.json): schema violations, cross-record rules
    and characters no backend or format can carry.

    Cross-record rules run whenever the document is an object; records or fields of the wrong
    shape are skipped by them (the schema reports those), so one run reports everything.
    """
    return _sorted(schema_problems(data) + cross_record_problems(data) + character_problems(data))


@cache
def _record_validator(key: str) -> Draft202012Validator:
    schema = load_schema()
    return Validator({"$defs": schema.get("$defs", {}), **schema["properties"][key]["items"]})


def check_record(data: Mapping[str, Any], key: str, index: int) -> list[SeedProblem]:
    """What ``check_seed`` finds in a document that held together before one record of
    ``data[key]`` (at ``index``) was added or replaced, as an editor's write does: that
    record's schema and characters, and every cross-record rule. The other records' own
    shape is not checked again; the schema of the whole document is most of check_seed's
    time."""
    record = data[key][index]
    within = [key, index]
    found = [_schema_problem(data, e, within) for e in _record_validator(key).iter_errors(record)]
    found += cross_record_problems(data) + character_problems(data, within)
    return _sorted(found)


class SeedFileError(ValueError):
    """The seed file cannot be used as JSON at all: the message starts with its path."""


def _depth(data: object) -> int:
    """How deeply arrays and objects nest in ``data`` (0 for a scalar); no recursion."""
    deepest = 0
    stack: list[tuple[object, int]] = [(data, 0)]
    while stack:
        value, depth = stack.pop()
        if isinstance(value, dict):
            children: Iterable[object] = value.values()
        elif isinstance(value, list):
            children = value
        else:
            continue
        deepest = max(deepest, depth + 1)
        if deepest > MAX_SEED_DEPTH:
            break
        stack.extend((child, depth + 1) for child in children)
    return deepest


def _read_capped(path: Path) -> bytes:
    # stat before open: opening a FIFO blocks until a writer comes, and /dev/zero never ends.
    if not stat.S_ISREG(path.stat().st_mode):
        raise SeedFileError(f"{path}: not a regular file")
    too_large = SeedFileError(f"{path}: larger than {MAX_SEED_BYTES // 2**20} MiB")
    with path.open("rb") as file:
        if os.fstat(file.fileno()).st_size > MAX_SEED_BYTES:
            raise too_large
        raw = file.read(MAX_SEED_BYTES + 1)  # the file may have grown since
    if len(raw) > MAX_SEED_BYTES:
        raise too_large
    return raw


def load_seed_file(path: Path) -> object:
    """Parse a seed file; SeedFileError (a ValueError whose message starts with the path) if it
    cannot be read, is not a regular file, is larger than MAX_SEED_BYTES, is not valid UTF-8
    JSON (with line and column), or nests deeper than MAX_SEED_DEPTH."""
    try:
        raw = _read_capped(path)
    except OSError as exc:
        raise SeedFileError(f"{path}: cannot read: {exc.strerror or exc}") from exc
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise SeedFileError(f"{path}: not UTF-8 text (byte {exc.start}): {exc.reason}") from exc
    too_deep = SeedFileError(f"{path}: nested more than {MAX_SEED_DEPTH} levels deep")
    try:
        data: object = json.loads(text)
    except json.JSONDecodeError as exc:
        raise SeedFileError(
            f"{path}: invalid JSON at line {exc.lineno}, column {exc.colno}: {exc.msg}"
        ) from exc
    except RecursionError:
        raise too_deep from None
    if _depth(data) > MAX_SEED_DEPTH:
        raise too_deep
    return data


def check_seed_file(path: Path) -> list[SeedProblem]:
    """``check_seed`` on a file; an unreadable or unparsable file is a single "(file)" problem."""
    try:
        data = load_seed_file(path)
    except SeedFileError as exc:
        return [SeedProblem(FILE, None, "", str(exc))]
    return check_seed(data)
