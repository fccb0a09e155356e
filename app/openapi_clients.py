"""The document as code generators and validators read it.

FastAPI writes what pydantic gives it, which serves a reader of /docs but not a generator:

* an optional query parameter comes out as `anyOf: [X, {type: null}]`, although a query
  string cannot carry a null (a parameter is sent or not). Validators then cannot tell that
  a repeatable filter is an array and reject `?kind=youth`, and generated clients get types
  like `list[X] | None | Unset`. Each such parameter is declared as plain `X`, not required
  (and a free-text one with the pattern that refuses NUL, as the API does);
* a `Literal` is inlined wherever it is used, so a generator writes one enum class per use
  (fifteen of the milestone kind). Each enum becomes one named component under
  components/schemas, referenced wherever it is used;
* the request headers that make a 304 (If-None-Match, If-Modified-Since) are declared
  wherever a 304 is;
* what the document says about itself: where it is served, who answers for it, its
  licence, and that no operation needs credentials (`security: []`).
"""

from collections.abc import Callable, Iterator
from typing import Any

from app.api.search import Collection as SearchCollection
from app.models import vocabulary as vocab
from app.schemas.change import ChangeAction, ChangeCollection

# Each vocabulary a client will want to name, with what it means. The names are the Python
# names of the Literals, so code and document speak of the same thing.
VOCABULARIES: dict[str, tuple[object, str]] = {
    "MilestoneKind": (vocab.MilestoneKind, "What kind of event a milestone is."),
    "MilestoneStatus": (
        vocab.MilestoneStatus,
        "Where a milestone stands against today's UTC date: past, ongoing or upcoming.",
    ),
    "DatePrecision": (
        vocab.DatePrecision,
        "How precise a milestone's dates are: to the day (YYYY-MM-DD), month (YYYY-MM) or "
        "year (YYYY).",
    ),
    "NriKind": (vocab.NriKind, "What an NRI covers: a country, a region, a sub-region, or youth."),
    "NriRegion": (
        vocab.NriRegion,
        "The UN regional group of a national initiative, or the region a regional one names.",
    ),
    "NriEvidence": (
        vocab.NriEvidence,
        "How strongly the sources show an NRI: igf_secretariat_page (seen on an intgovforum.org "
        "page), recognition_stated_elsewhere (another page says the IGF recognises it), "
        "existence_reported (exists or met; IGF recognition not confirmed).",
    ),
    "FactCategory": (
        vocab.FactCategory,
        "fact_sheet: a figure the fact sheet states; itu_headline: one of ITU's estimates.",
    ),
    "ChangeCollection": (ChangeCollection, "The collection a changed record belongs to."),
    "ChangeAction": (ChangeAction, "What happened to the record."),
    "SearchCollection": (
        SearchCollection,
        "A collection search looks in; `fact-sheet` holds the fact sheet's sections.",
    ),
}

SERVERS = [
    {
        "url": "/",
        "description": "The server that serves this document: every path is relative to it.",
    }
]
CONTACT = {"name": "The operators of this server (quote a response's X-Request-ID)"}
LICENSE = {"name": "MIT", "identifier": "MIT"}


# The request headers that can turn an answer into a 304 (app.response_cache), declared once
# under components/parameters and referenced by every operation that declares a 304.
CONDITIONAL_PARAMETERS = {
    "If-None-Match": {
        "name": "If-None-Match",
        "in": "header",
        "required": False,
        "description": "ETags of representations the client holds (or `*`); if one matches, "
        "the answer is 304 without a body. Weak comparison: a `W/` prefix is ignored. Wins "
        "over If-Modified-Since.",
        "schema": {"type": "string"},
        "example": '"55cfde5d6f8ed0cd35c70109f405d6ce"',
    },
    "If-Modified-Since": {
        "name": "If-Modified-Since",
        "in": "header",
        "required": False,
        "description": "An HTTP date, such as a Last-Modified the client holds; if the data "
        "has not changed since, the answer is 304 without a body. Ignored when If-None-Match "
        "is sent.",
        "schema": {"type": "string"},
        "example": "Sat, 29 Nov 2026 21:41:05 GMT",
    },
}


def conditional_parameters(document: dict[str, Any]) -> None:
    document["components"]["parameters"] = dict(CONDITIONAL_PARAMETERS)
    for item in document.get("paths", {}).values():
        for operation in item.values():
            if "304" in operation.get("responses", {}):
                operation.setdefault("parameters", []).extend(
                    {"$ref": f"#/components/parameters/{name}"} for name in CONDITIONAL_PARAMETERS
                )


def _camel(text: str) -> str:
    return "".join(part[:1].upper() + part[1:] for part in text.replace("-", "_").split("_"))


def _parameters(document: dict[str, Any]) -> Iterator[tuple[str, dict[str, Any]]]:
    """(operationId, parameter) for every operation's parameters, in document order."""
    for item in document.get("paths", {}).values():
        for operation in item.values():
            for parameter in operation.get("parameters", []):
                if "$ref" not in parameter:
                    yield operation.get("operationId", ""), parameter


def _not_nullable(schema: dict[str, Any]) -> dict[str, Any]:
    """`anyOf: [X, null]` as X, keeping the outer keywords (description, examples, ...)."""
    branches = schema.get("anyOf", [])
    others = [b for b in branches if b.get("type") != "null"]
    if len(others) != 1 or len(others) == len(branches):
        return schema
    outer = {k: v for k, v in schema.items() if k != "anyOf"}
    return {**others[0], **outer}


# app.api.params refuses a NUL character in any query parameter (PostgreSQL cannot store
# one); free-text values say so, so that a client (or a fuzzer) that follows the document
# never sends one.
NO_NUL = "^[^\\u0000]*$"


def _refuse_nul(schema: dict[str, Any]) -> None:
    target = schema.get("items", {}) if schema.get("type") == "array" else schema
    free_text = not {"pattern", "format", "enum", "$ref"} & set(target)
    if target.get("type") == "string" and free_text:
        target["pattern"] = NO_NUL


def plain_parameters(document: dict[str, Any]) -> None:
    for _, parameter in _parameters(document):
        parameter["schema"] = _not_nullable(parameter["schema"])
        if parameter["in"] == "query":
            _refuse_nul(parameter["schema"])


def _enum_name(values: tuple[Any, ...], owner: str) -> str:
    for name, (literal, _) in VOCABULARIES.items():
        if vocab.values(literal) == values:
            return name
    return owner


NameFor = Callable[[tuple[Any, ...], str], str]


def _replace_enums(schema: Any, name_for: NameFor, owner: str) -> Any:
    """A copy of `schema` with every inline enum replaced by a $ref to its component;
    `owner` names what holds it (a parameter, or a property), for an enum of its own."""
    if isinstance(schema, list):
        return [_replace_enums(s, name_for, owner) for s in schema]
    if not isinstance(schema, dict):
        return schema
    if "enum" in schema and "$ref" not in schema:
        name = name_for(tuple(schema["enum"]), owner)
        kept = {k: v for k, v in schema.items() if k in ("description", "default", "examples")}
        return {"$ref": f"#/components/schemas/{name}", **kept}
    if "properties" in schema:
        properties = {
            key: _replace_enums(value, name_for, owner + _camel(key))
            for key, value in schema["properties"].items()
        }
        return {
            **_replace_enums(
                {k: v for k, v in schema.items() if k != "properties"}, name_for, owner
            ),
            "properties": properties,
        }
    return {key: _replace_enums(value, name_for, owner) for key, value in schema.items()}


def named_enums(document: dict[str, Any]) -> None:
    schemas = document.setdefault("components", {}).setdefault("schemas", {})
    found: dict[tuple[Any, ...], str] = {}

    def name_for(values: tuple[Any, ...], owner: str) -> str:
        if values not in found:
            found[values] = _enum_name(values, owner)
        return found[values]

    for operation_id, parameter in _parameters(document):
        # A list's own enums (its sort keys) are named after it: MilestonesSort.
        owner = _camel(operation_id.removeprefix("list_").removeprefix("get_"))
        parameter["schema"] = _replace_enums(
            parameter["schema"], name_for, owner + _camel(parameter["name"])
        )
    for schema_name in list(schemas):
        schemas[schema_name] = _replace_enums(schemas[schema_name], name_for, schema_name)
    descriptions = {name: text for name, (_, text) in VOCABULARIES.items()}
    for values, name in found.items():
        if name in schemas:
            raise ValueError(f"enum component {name} would replace a schema of that name")
        kinds = {type(v).__name__ for v in values}
        schemas[name] = {
            "title": name,
            "type": "string" if kinds == {"str"} else "integer",
            "enum": list(values),
            "description": descriptions.get(
                name,
                "The sort keys of this list; a leading `-` "
                "sorts descending, and the record id breaks ties.",
            ),
        }


def document_clients(document: dict[str, Any]) -> None:
    """Run last: it rewrites the parameters the other passes have finished."""
    plain_parameters(document)
    named_enums(document)
    conditional_parameters(document)
    document.setdefault("servers", SERVERS)
    document["info"].setdefault("contact", CONTACT)
    document["info"].setdefault("license", LICENSE)
    document.setdefault("security", [])
