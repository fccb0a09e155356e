"""Contract fuzzing: Schemathesis generates requests from the app's own OpenAPI document,
valid and invalid ones, sends them in-process (ASGI, no server) to an app holding the real
seed, and checks every answer with every check it has: no 5xx, only declared status codes,
declared media types and headers, bodies that validate, invalid input refused and valid input
accepted.

It runs on whatever database the `app` fixture gives: in-memory SQLite, or PostgreSQL when
FACTSHEET_TEST_DATABASE_URL is set (where NUL bytes and length limits bite). A failure prints
the request as a curl command; turn it into a plain test in tests/api/test_regressions.py.

Two narrow allowances, each checked against the actual request and response rather than
granted per operation:

* Valid-looking input may be refused only for a rule that JSON Schema cannot state: with 400
  when the problem names nothing but such rules (`RULES_THE_DOCUMENT_CANNOT_STATE`), or with
  414 when the query string sent is longer than the configured bound.
* "Invalid" input may be accepted only when the query string actually sent is valid: the
  generator sometimes mutates a value into one whose text form is a valid query value (a float
  sent as the only value of an array of strings), which Schemathesis 4 does not see through.
"""

import re
from collections.abc import Mapping
from typing import Any
from urllib.parse import parse_qs, urlsplit

import orjson
import pytest
import schemathesis
from alembic import command
from fastapi import FastAPI
from hypothesis import HealthCheck, settings
from jsonschema import Draft202012Validator, FormatChecker
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT202012
from schemathesis.checks import negative_data_rejection, positive_data_acceptance
from schemathesis.core.transport import Response
from schemathesis.generation.case import Case
from schemathesis.schemas import BaseSchema

from app.errors import PROBLEM_MEDIA_TYPE
from app.migrate import alembic_config

EXAMPLES_PER_OPERATION = 100
DOCUMENT_URI = "urn:factsheet:openapi"

# (parameter, pattern its `reason` must match): 400s the document cannot promise away.
RULES_THE_DOCUMENT_CANNOT_STATE = [
    # Opaque: the document bounds its length; only the API knows which strings it issued.
    ("cursor", re.compile("")),
    # Rules across two parameters.
    ("to", re.compile("^must not be before 'from'$")),
    ("established_to", re.compile("^must not be below established_from$")),
    # "Some letter or digit, in any script": JSON Schema patterns are ECMA-262 regular
    # expressions, which have no portable Unicode letter class.
    ("q", re.compile("^the query has no letters or digits to search for$")),
]


# What a schemathesis.toml would say.
CONFIG = schemathesis.Config.from_dict(
    {
        "generation": {
            # Valid and invalid data: `--mode all` in the CLI.
            "mode": "all",
            "max-examples": EXAMPLES_PER_OPERATION,
            # Reproducible in CI: the same cases on every run, and no example database that
            # would replay an earlier run's failures into this one.
            "deterministic": True,
            "database": "none",
        },
        "checks": {
            # Every check is on by default; this one also counts 413 and 414 (the limits on
            # body and query string size) as refusing invalid input.
            "negative_data_rejection": {
                "expected-statuses": [
                    "400",
                    "401",
                    "403",
                    "404",
                    "405",
                    "406",
                    "409",
                    "413",
                    "414",
                    "415",
                    "422",
                    "428",
                    "429",
                    "5xx",
                ]
            }
        },
    }
)


@pytest.fixture
def api_schema(app: FastAPI, seeded: dict[str, Any]) -> BaseSchema:
    """The document as the app serves it, bound to the app for in-process calls."""
    if app.state.settings.database_url == "sqlite://":
        # The fixture builds the in-memory schema with create_all (the same tables as the
        # migrations, see test_migrations); record the revision so /readyz answers 200.
        command.stamp(alembic_config(app.state.engine), "head")
    return schemathesis.openapi.from_asgi("/openapi.json", app, config=CONFIG)


def refused_for_a_rule_the_document_cannot_state(
    case: Case[Any], response: Response, max_query_bytes: int
) -> bool:
    if case.meta is None or not case.meta.generation.mode.is_positive:
        return False
    media_type = (response.headers.get("content-type") or [""])[0]
    if not media_type.startswith(PROBLEM_MEDIA_TYPE):
        return False
    if response.status_code == 414:
        # A bound on the whole query string, across parameters.
        return len(sent_query(response).encode()) > max_query_bytes
    if response.status_code != 400:
        return False
    errors = orjson.loads(response.content).get("errors") or []
    return bool(errors) and all(
        any(
            error.get("name") == name and pattern.search(str(error.get("reason", "")))
            for name, pattern in RULES_THE_DOCUMENT_CANNOT_STATE
        )
        for error in errors
    )


def _wire_value(text: str, schema: Mapping[str, Any]) -> Any:
    """A query value as a typed reader (FastAPI, pydantic) reads it, for the declared type."""
    kind = schema.get("type")
    if kind == "integer" and re.fullmatch(r"[-+]?\d+", text):
        return int(text)
    if kind == "number" and re.fullmatch(r"[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?", text):
        return float(text)
    if kind == "boolean" and text in ("true", "false"):
        return text == "true"
    return text


def sent_query(response: Response) -> str:
    """The query string as it went over the wire (percent-encoded)."""
    return urlsplit(str(response.request.url or "")).query


def _pointer(*parts: str) -> str:
    return "/".join(part.replace("~", "~0").replace("/", "~1") for part in parts)


def query_as_sent_is_valid(document: dict[str, Any], case: Case[Any], response: Response) -> bool:
    """Whether the query string that was sent satisfies the document, read the way the server
    reads it: repeated keys form an array, a scalar takes the (last) value as text."""
    if case.meta is None or not case.meta.generation.mode.is_negative:
        return False
    negative = {loc for loc, comp in case.meta.components.items() if comp.mode.is_negative}
    if {str(loc.value) for loc in negative} != {"query"}:
        return False
    # On `.html` URLs the server drops empty values before reading the query (app.form_query).
    page = case.operation.path.endswith(".html")
    sent = parse_qs(sent_query(response), keep_blank_values=not page)
    method = case.method.lower()
    parameters = document["paths"][case.operation.path][method].get("parameters", [])
    declared = {p["name"]: (i, p) for i, p in enumerate(parameters) if p.get("in") == "query"}
    if set(sent) - set(declared):
        return False
    registry: Registry[Any] = Registry().with_resource(
        DOCUMENT_URI, Resource.from_contents(document, default_specification=DRAFT202012)
    )
    for name, texts in sent.items():
        index, parameter = declared[name]
        schema = parameter["schema"]
        # `X | None` is `anyOf: [X, {type: null}]`; in a query string None is just absence.
        branches = [b for b in schema.get("anyOf", [schema]) if b.get("type") != "null"]
        if branches and branches[0].get("type") == "array":
            value: Any = [_wire_value(t, branches[0].get("items", {})) for t in texts]
        else:
            value = _wire_value(texts[-1], branches[0] if branches else {})
        where = _pointer("paths", case.operation.path, method, "parameters", str(index), "schema")
        validator = Draft202012Validator(
            {"$ref": f"{DOCUMENT_URI}#/{where}"}, registry=registry, format_checker=FormatChecker()
        )
        if not validator.is_valid(value):
            return False
    return True


contract = schemathesis.pytest.from_fixture("api_schema")
READS = contract.include(method=["GET"])
WRITES = contract.include(method=["POST", "PUT", "PATCH", "DELETE"])
# A write without an editor's token stops at the token check (401), before its body is read:
# a few examples show that every write, valid body or not, gets that declared answer and no
# 5xx. The writes' bodies, statuses and headers are held to the document in every exchange
# of tests/api/test_writes.py and tests/api/test_write_auth.py (tests/contract_check.py).
EXAMPLES_PER_WRITE = 10


@pytest.mark.slow
@WRITES.parametrize()
@settings(
    max_examples=EXAMPLES_PER_WRITE,
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
def test_every_write_without_a_token_keeps_its_contract(case: Case[Any], app: FastAPI) -> None:
    response = case.call()
    # 400: a malformed path or query; 405: a method the path does not take (generated too).
    assert response.status_code in (400, 401, 405, 413, 415), response.text
    case.validate_response(response)


@pytest.mark.slow
@READS.parametrize()
@settings(
    max_examples=EXAMPLES_PER_OPERATION,
    deadline=None,
    derandomize=True,
    database=None,
    # The app and its seeded database come from function-scoped fixtures on purpose (they
    # follow FACTSHEET_TEST_DATABASE_URL); every operation and example only reads them, so
    # sharing one across all of them is safe.
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
def test_every_operation_keeps_its_contract(case: Case[Any], app: FastAPI) -> None:
    # A page's errors are pages too, unless the client ranks problem+json higher: asked so,
    # a refusal can be read (refused_for_a_rule_the_document_cannot_state).
    problems_first = {"Accept": f"{PROBLEM_MEDIA_TYPE}, text/html;q=0.5"}
    response = case.call(headers=problems_first if case.operation.path.endswith(".html") else None)
    excluded = []
    max_query_bytes = app.state.settings.max_query_bytes
    if refused_for_a_rule_the_document_cannot_state(case, response, max_query_bytes):
        excluded.append(positive_data_acceptance)
    if query_as_sent_is_valid(app.openapi(), case, response):
        excluded.append(negative_data_rejection)
    case.validate_response(response, excluded_checks=excluded)
