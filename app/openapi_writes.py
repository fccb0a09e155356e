"""What the document says of the write operations that FastAPI cannot know: the bearer
scheme each requires, the record a body holds (the seed file's own schema of it, the one
check-seed applies), a merge patch of it, examples, and the headers of their answers.

Write routes read their bodies themselves (app.api.write_routes) so that a wrong media type
is a 415 and a wrong record a 422 naming every field, instead of FastAPI's validation error;
their request bodies are declared here."""

import copy
import functools
import json
from collections.abc import Iterable
from typing import Any

from app.collection import Collection
from app.collections import editable
from app.resources import seed_path

SCHEME = "editorToken"
SECURITY_SCHEME = {
    "type": "http",
    "scheme": "bearer",
    "description": "An editor's token, made with `factsheet tokens create` (it starts with "
    "`wsis20_`). A `write` token may change the collections it names; an `admin` token, "
    "every collection. Reads need no token.",
}
# Fields of the seed file's records that the API shows in another form.
SEED_FIELDS = {
    "organisations": "The ids of the organisations that took part (`org-NNN`), in order; "
    "the API shows each with its name.",
}
DEFS_REF = "#/$defs/"
COMPONENTS_REF = "#/components/schemas/"


def _header(description: str) -> dict[str, Any]:
    return {"description": description, "schema": {"type": "string"}}


ETAG = _header(
    "The record's new ETag: send it in If-Match with your next change, without reading the "
    "record again."
)
LOCATION = _header("The new record's URL.")
NO_STORE = {"description": "Answers to writes are never stored.", "schema": {"const": "no-store"}}
REPLAYED = _header(
    "`true` when this is the answer kept for an earlier request with the same Idempotency-Key."
)
CURRENT_ETAG = _header("The record's current ETag: read the record again, then retry with it.")
CHALLENGE = _header('`Bearer realm="factsheet"`, with `error="invalid_token"` when one was sent.')
ACCEPT_PATCH = _header("The media types PATCH takes (RFC 5789).")


def _seed_schema() -> dict[str, Any]:
    # Imported here: jsonschema, which it loads, is not needed to serve reads.
    from app.seed_check import load_schema

    return load_schema()


@functools.cache
def _seed_examples() -> dict[str, Any]:
    """The first record of each collection in the bundled seed file: a real example."""
    data = json.loads(seed_path().read_text(encoding="utf-8"))
    return {key: value[0] for key, value in data.items() if isinstance(value, list) and value}


def _component(definition: str) -> str:
    return definition[:1].upper() + definition[1:]


def _renamed(node: Any, names: dict[str, str]) -> Any:
    """The schema with `#/$defs/x` references pointing at the document's components."""
    if isinstance(node, dict):
        ref = node.get("$ref", "")
        if ref.startswith(DEFS_REF):
            return {**node, "$ref": COMPONENTS_REF + names[ref.removeprefix(DEFS_REF)]}
        return {key: _renamed(value, names) for key, value in node.items()}
    if isinstance(node, list):
        return [_renamed(value, names) for value in node]
    return node


def _without_conditions(schema: dict[str, Any]) -> dict[str, Any]:
    """The schema without its if/then rules (one field's value decides another's type),
    which linters and code generators read wrongly next to `additionalProperties`; the
    description says that the server applies them."""
    rules = schema.get("allOf", [])
    if rules and all("if" in rule for rule in rules):
        del schema["allOf"]
        described = schema.get("description", "").rstrip(".")
        schema["description"] = (
            f"{described}. The server also applies the rules where one field's value decides "
            "another's (`factsheet check-seed`'s): a `422` names any field they refuse."
        )
    return schema


def _record_definition(c: Collection) -> str:
    """The name of the record's schema among the seed schema's definitions; a collection
    declared with a schema of its own (app.collection.Collection.seed_schema) is named for
    its noun."""
    items: dict[str, Any] = _seed_schema()["properties"][c.seed_key]["items"]
    ref: str = items.get("$ref", "")
    return ref.removeprefix(DEFS_REF) if ref else _own_definition(c)


def _own_definition(c: Collection) -> str:
    words = c.texts.noun.split()
    return words[0].lower() + "".join(w.capitalize() for w in words[1:])


def _schemas() -> dict[str, Any]:
    """Every definition of the seed schema as a component: records as <Name>Record, the
    shapes they share (url, date, ...) as Seed<Name>; and a <Name>Patch per record."""
    seed = _seed_schema()
    records = {_record_definition(c): c for c in editable()}
    definitions = dict(seed["$defs"])
    for definition, c in records.items():
        definitions.setdefault(definition, seed["properties"][c.seed_key]["items"])
    names = {
        d: f"{_component(d)}Record" if d in records else f"Seed{_component(d)}" for d in definitions
    }
    used = _reachable(definitions, records)
    schemas = {
        names[d]: _without_conditions(_renamed(copy.deepcopy(definitions[d]), names)) for d in used
    }
    for definition, c in records.items():
        record = schemas[names[definition]]
        record["title"] = names[definition]
        # PUT takes the record with its id, or without it: the path names the record.
        schemas[_replacement_name(definition)] = {
            **record,
            "title": _replacement_name(definition),
            "description": f"{record.get('description', names[definition])}; the "
            f"`{c.id.column}` may be left out (the path gives it).",
            "required": [name for name in record["required"] if name != c.id.column],
        }
        schemas[_patch_name(definition)] = {
            "title": _patch_name(definition),
            "type": "object",
            "description": f"An RFC 7396 JSON Merge Patch of a {names[definition]}: the fields "
            "to change, each with its new value (a list replaces the whole list); `null` makes "
            "a field null where the rules allow. Fields left out stay as they are; the id "
            "cannot change.",
            "additionalProperties": False,
            "properties": record["properties"],
        }
    return schemas


def _replacement_name(definition: str) -> str:
    return f"{_component(definition)}Replacement"


def _reachable(definitions: dict[str, Any], roots: Iterable[str]) -> list[str]:
    """The definitions the records use, directly or through others, in definition order."""
    found: set[str] = set()
    todo = list(roots)
    while todo:
        name = todo.pop()
        if name not in found:
            found.add(name)
            todo += [ref.removeprefix(DEFS_REF) for ref in _refs(definitions[name])]
    return [name for name in definitions if name in found]


def _refs(node: Any) -> list[str]:
    if isinstance(node, dict):
        own = [node["$ref"]] if isinstance(node.get("$ref"), str) else []
        return own + [ref for value in node.values() for ref in _refs(value)]
    if isinstance(node, list):
        return [ref for value in node for ref in _refs(value)]
    return []


def _describe(schemas: dict[str, Any], record: dict[str, Any], public: str) -> None:
    """Each field of a record as the API's own schema of it describes it (a field only
    the seed file has, such as a milestone's organisation ids, from SEED_FIELDS)."""
    shown = schemas.get(public, {}).get("properties", {})
    for name, field in record.get("properties", {}).items():
        if "description" in field:
            continue
        described = SEED_FIELDS.get(name) or shown.get(name, {}).get("description")
        if described:
            field["description"] = described


def _patch_name(definition: str) -> str:
    return f"{_component(definition)}Patch"


def _body(ref: str, media_types: tuple[str, ...], example: Any) -> dict[str, Any]:
    entry = {"schema": {"$ref": COMPONENTS_REF + ref}, "example": example}
    return {"required": True, "content": {media_type: entry for media_type in media_types}}


def _patch_example(record: dict[str, Any]) -> dict[str, Any]:
    """A patch of one field the record has: its notes, else its title or name."""
    for name in ("notes", "title", "name", "label"):
        if name in record:
            return {name: "Corrected after the source was checked again."}
    return {}


def document_writes(document: dict[str, Any]) -> None:
    components = document.setdefault("components", {})
    components.setdefault("securitySchemes", {})[SCHEME] = SECURITY_SCHEME
    schemas = components.setdefault("schemas", {})
    written = _schemas()
    for c in editable():
        definition = _record_definition(c)
        _describe(schemas, written[f"{_component(definition)}Record"], c.public.__name__)
    _describe(schemas, written.get("SeedConflict", {}), "Conflict")
    schemas.update(written)
    examples = _seed_examples()
    for c in editable():
        definition = _record_definition(c)
        record_ref = f"{_component(definition)}Record"
        example = examples.get(c.seed_key, {})
        record_path = f"{c.href}/{{{c.id_param}}}"
        paths = document["paths"]
        operations = {
            "post": paths[c.href].get("post"),
            "put": paths[record_path].get("put"),
            "patch": paths[record_path].get("patch"),
            "delete": paths[record_path].get("delete"),
            "restore": paths[f"{record_path}/revisions/{{revision}}/restore"].get("post"),
        }
        for name, operation in operations.items():
            if operation is None:
                continue
            operation["security"] = [{SCHEME: []}]
            responses = operation["responses"]
            for status, response in responses.items():
                if "$ref" in response:
                    continue
                headers = response.setdefault("headers", {})
                if status in ("200", "201", "204"):
                    headers["Cache-Control"] = NO_STORE
                if status in ("200", "201"):
                    headers["ETag"] = ETAG
                if status == "201":
                    headers["Location"] = LOCATION
                    headers["Idempotent-Replayed"] = REPLAYED
                if status == "412":
                    headers["ETag"] = CURRENT_ETAG
                if status == "401":
                    headers["WWW-Authenticate"] = CHALLENGE
                if status == "415" and name == "patch":
                    headers["Accept-Patch"] = ACCEPT_PATCH
        if operations["post"] is not None:
            operations["post"]["requestBody"] = _body(record_ref, ("application/json",), example)
        if operations["put"] is not None:
            operations["put"]["requestBody"] = _body(
                _replacement_name(definition), ("application/json",), example
            )
        if operations["patch"] is not None:
            operations["patch"]["requestBody"] = _body(
                _patch_name(definition),
                ("application/merge-patch+json", "application/json"),
                _patch_example(example),
            )


def document_write_examples(document: dict[str, Any]) -> None:
    """A write answers with the record as GET shows it: its example is GET's (run after
    app.openapi_examples has placed those)."""
    examples = document.get("components", {}).get("examples", {})
    for c in editable():
        name = f"get_{c.record_name}.json"
        if name not in examples:
            continue
        record_path = f"{c.href}/{{{c.id_param}}}"
        paths = document["paths"]
        for path, method, status in (
            (c.href, "post", "201"),
            (record_path, "put", "200"),
            (record_path, "patch", "200"),
            (f"{record_path}/revisions/{{revision}}/restore", "post", "200"),
        ):
            response = paths.get(path, {}).get(method, {}).get("responses", {}).get(status)
            if response is None:
                continue
            for entry in response.get("content", {}).values():
                entry["examples"] = {"seed": {"$ref": f"#/components/examples/{name}"}}
