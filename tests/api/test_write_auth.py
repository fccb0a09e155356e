"""Who may write (OWASP API1 and API5: object- and function-level authorisation). Every write
operation of every editable collection, as the app's routes list them, is called with each
kind of credential. Without a valid bearer token it is a 401 and with a token for other
collections a 403, and either answer is the same whether the record exists or not. A token
for the collection, or an admin token, makes the write, and the change log names the token
as its actor. No answer ever carries the token.

The refusals change nothing, so they share one seeded app (as the golden tests do) and run
before the writes, which each get a freshly seeded database from tests/conftest.py."""

import base64
import datetime as dt
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.routing import APIRoute, iter_route_contexts
from fastapi.testclient import TestClient
from httpx2 import Response
from sqlalchemy import Engine, func, select, text
from sqlmodel import SQLModel
from starlette.routing import BaseRoute

from app.api.router import served_routes
from app.collection import Collection
from app.main import create_app
from app.models import ApiToken, Change
from app.seed import sync_seed
from app.settings import Settings
from app.tokens import TOKEN_PATTERN, well_formed
from tests.conftest import CHECK_CONTRACT, LOOPBACK_CLIENT, PG_URL, TEST_HOSTS, TEST_NOW, FakeClock
from tests.contract_check import contract_hook
from tests.editing import EDITABLE, EDITABLE_NAMES, MERGE_PATCH, make_token, revoke

Json = dict[str, Any]

# --------------------------------------------------------------------------- the operations

VERBS = ("create", "replace", "update", "delete", "restore")
WRITE_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})


@dataclass(frozen=True)
class Operation:
    name: str  # the route's name, which is its OpenAPI operation id: update_milestone
    method: str
    path: str  # /v1/milestones/{milestone_id}
    collection: Collection

    @property
    def verb(self) -> str:
        return self.name.partition("_")[0]

    def url(self, record_id: str) -> str:
        return self.path.format_map({self.collection.id_param: record_id, "revision": 1})


def _collection_of(path: str) -> Collection:
    (collection,) = [c for c in EDITABLE if path == c.href or path.startswith(f"{c.href}/")]
    return collection


def write_operations(routes: Sequence[BaseRoute]) -> list[Operation]:
    """Every route under /v1 that writes, in the order the app matches them."""
    found = []
    for route in iter_route_contexts(routes):
        methods = (route.methods or set()) & WRITE_METHODS
        path = route.path_format or ""  # without the id convertor: `{nri_id}`
        if isinstance(route.original_route, APIRoute) and methods and path.startswith("/v1/"):
            (method,) = methods
            found.append(Operation(str(route.name), method, path, _collection_of(path)))
    return found


# The app's own routes: what create_app serves (checked against app.routes below). Read
# here, as parametrize needs the list before any app, and so any engine, is made.
OPERATIONS = write_operations(served_routes())


def _ids(operations: Sequence[Operation], kinds: Sequence[str]) -> list[Any]:
    return [pytest.param(op, kind, id=f"{op.name}-{kind}") for op in operations for kind in kinds]


# --------------------------------------------------------------------------- the records


@dataclass(frozen=True)
class Sample:
    """The records a collection's writes are tried on."""

    existing: str  # stays in every test: PUT, PATCH and restore change it
    missing: str  # well-formed, and never a record
    new: str  # what POST gives a copy of `existing`
    unlinked: str  # nothing links to it: DELETE takes it
    field: str  # free text, changed by PUT and PATCH


SAMPLES = {
    "milestones": Sample("ms-001", "ms-999", "ms-039", "ms-038", "notes"),
    # No milestone names org-015 (milestones link organisations; org-011 would be a 422).
    "organisations": Sample("org-001", "org-999", "org-020", "org-015", "notes"),
    "nris": Sample("nri-001", "nri-999", "nri-176", "nri-175", "notes"),
    # Numbers run 1..N without gaps: 8 follows the seed's 7, and without 7 it is 1..6.
    "calls-to-action": Sample("1", "99", "8", "7", "summary"),
    # C11 is a main line without sub-lines (only C7 has them).
    "action-lines": Sample("C1", "C99", "C12", "C11", "notes"),
    "facts": Sample("fs-users-2003", "fs-nope", "fs-new-fact", "itu-2025-offline", "notes"),
}
STATUS = {"create": 201, "replace": 200, "update": 200, "delete": 204, "restore": 200}
ACTION = {
    "create": "created",
    "replace": "updated",
    "update": "updated",
    "delete": "deleted",
    "restore": "updated",
}


@dataclass(frozen=True)
class Call:
    """One write request, valid but for its credential."""

    method: str
    url: str
    headers: dict[str, str]
    body: Json | None = None


def read(client: TestClient, url: str, **params: Any) -> Response:
    response = client.get(url, params=params)
    assert response.status_code == 200, response.text
    return response


def latest_record(client: TestClient, c: Collection, record_id: str) -> Json:
    """The record in the seed-file form that writes take, as its latest revision holds it."""
    url = f"{c.href}/{record_id}/revisions"
    record: Json = read(client, url, sort="-number", limit=1).json()["data"][0]["record"]
    return record


def prepare(client: TestClient, op: Operation, target: str, source: str) -> Call:
    """The request that makes `op` on the record `target`, from what `source` (an existing
    record; `target` itself when it exists) holds: its ETag, its fields."""
    c, sample = op.collection, SAMPLES[op.collection.name]
    url = op.url(target)
    if op.verb == "create":
        body = {**latest_record(client, c, source), c.id.column: c.id.type(target)}
        return Call("POST", url, {}, body)
    headers = {"If-Match": read(client, f"{c.href}/{source}").headers["ETag"]}
    if op.verb == "update":
        headers["Content-Type"] = MERGE_PATCH
        return Call(op.method, url, headers, {sample.field: "Changed through the API."})
    if op.verb == "replace":
        record = latest_record(client, c, source)
        body = {**record, c.id.column: c.id.type(target), sample.field: "Replaced in full."}
        return Call(op.method, url, headers, body)
    return Call(op.method, url, headers)


def send(client: TestClient, call: Call, authorization: str | None) -> Response:
    headers = dict(call.headers)
    if authorization is not None:
        headers["Authorization"] = authorization
    return client.request(call.method, call.url, headers=headers, json=call.body)


def assert_not_leaked(response: Response, *secrets: str) -> None:
    for secret in secrets:
        assert secret not in response.text
        assert not [k for k, v in response.headers.items() if secret in v], response.headers


def rows(engine: Engine, table: type[SQLModel]) -> int:
    with engine.connect() as conn:
        return int(conn.execute(select(func.count()).select_from(table)).scalar_one())


# --------------------------------------------------------------------------- one shared app

# What each credential that must not write gets: 401, or 403 for a token that is valid but
# names only other collections.
REFUSED = {
    "missing": 401,
    "malformed": 401,
    "bad-checksum": 401,
    "expired": 401,
    "revoked": 401,
    "other-collections": 403,
}
ADMINS = ("admin", "revoked")
EXPIRED_LIFETIME = dt.timedelta(hours=1)


@dataclass
class World:
    """An app seeded with seed.json, and tokens of every kind that must be refused."""

    client: TestClient
    engine: Engine
    tokens: dict[str, str]

    def authorization(self, kind: str, c: Collection) -> str | None:
        if kind == "missing":
            return None
        if kind == "malformed":
            return "Bearer nonsense"
        if kind == "bad-checksum":
            return f"Bearer {bad_checksum(self.tokens['admin'])}"
        if kind == "other-collections":
            return f"Bearer {self.tokens[f'not-{c.name}']}"
        return f"Bearer {self.tokens[kind]}"


def bad_checksum(token: str) -> str:
    """`token` with the last character of its checksum changed: the right shape, not ours."""
    last = "A" if token[-1] != "A" else "B"
    wrong = token[:-1] + last
    assert TOKEN_PATTERN.fullmatch(wrong) and not well_formed(wrong)
    return wrong


def _emptied(engine: Engine) -> None:
    names = ", ".join(t.name for t in SQLModel.metadata.sorted_tables)
    with engine.begin() as conn:
        conn.execute(text(f"TRUNCATE {names} RESTART IDENTITY CASCADE"))


@pytest.fixture(scope="module")
def shared_world(pg_engine: Engine | None, seed_data: Json) -> Iterator[World]:
    """One app seeded with seed.json, for the tests whose requests must change nothing."""
    clock = FakeClock(TEST_NOW)
    settings = Settings(
        database_url=PG_URL if pg_engine is not None and PG_URL else "sqlite://",
        cache_revision_interval=0.0,
        rate_limit_enabled=False,
        allowed_hosts=TEST_HOSTS,
        _env_file=None,
    )
    app = create_app(settings, clock=clock)
    engine: Engine = app.state.engine
    try:
        if pg_engine is None:
            SQLModel.metadata.create_all(engine)
        else:
            _emptied(engine)
        sync_seed(engine, seed_data, now=clock.now)
        tokens = _refused_tokens(engine, clock)
        with TestClient(app, client=LOOPBACK_CLIENT) as client:
            if CHECK_CONTRACT:
                client.event_hooks["response"].append(contract_hook(app))
            yield World(client, engine, tokens)
    finally:
        engine.dispose()


def _refused_tokens(engine: Engine, clock: FakeClock) -> dict[str, str]:
    # Expired and revoked tokens are admin tokens: nothing but their state keeps them out.
    tokens = {name: make_token(engine, name, clock.now, scope="admin") for name in ADMINS}
    tokens["expired"] = make_token(
        engine, "expired", clock.now, scope="admin", lifetime=EXPIRED_LIFETIME
    )
    for c in EDITABLE:
        others = [name for name in EDITABLE_NAMES if name != c.name]
        tokens[f"not-{c.name}"] = make_token(engine, f"not-{c.name}", clock.now, collections=others)
    revoke(engine, "revoked", clock.now)
    clock.now += EXPIRED_LIFETIME + dt.timedelta(seconds=1)  # past the expired one's expires_at
    return tokens


@pytest.fixture
def world(shared_world: World) -> World:
    # On PostgreSQL every test that takes the `app` fixture empties the tables; those tests
    # come after these in this module, so nothing may have emptied them yet.
    held = rows(shared_world.engine, ApiToken)
    assert held == len(shared_world.tokens), "the shared database lost its tokens"
    return shared_world


# --------------------------------------------------------------------------- refused


def refused_pair(world: World, op: Operation, authorization: str | None) -> list[Response]:
    """The same request on a record that exists and on one that does not, refused alike."""
    sample = SAMPLES[op.collection.name]
    before = rows(world.engine, Change)
    responses = [
        send(world.client, prepare(world.client, op, target, sample.existing), authorization)
        for target in (sample.existing, sample.missing)
    ]
    assert rows(world.engine, Change) == before
    return responses


def comparable_headers(response: Response) -> dict[str, str]:
    # The body differs only in `instance`, so its length may too.
    varying = {"x-request-id", "date", "content-length"}
    return {k.lower(): v for k, v in response.headers.items() if k.lower() not in varying}


@pytest.mark.parametrize(("op", "kind"), _ids(OPERATIONS, list(REFUSED)))
def test_a_write_without_the_right_token_is_refused_alike_for_any_record(
    world: World, op: Operation, kind: str
) -> None:
    authorization = world.authorization(kind, op.collection)
    responses = refused_pair(world, op, authorization)
    status = REFUSED[kind]
    code = "unauthorized" if status == 401 else "forbidden"
    bodies = []
    for response in responses:
        assert response.status_code == status, response.text
        assert response.headers["Content-Type"] == "application/problem+json"
        body = response.json()
        assert body["type"] == f"/problems/{code}" and body["status"] == status
        assert body["instance"] == response.request.url.path
        bodies.append({k: v for k, v in body.items() if k != "instance"})
        if status == 401:
            challenge = response.headers["WWW-Authenticate"]
            assert challenge.startswith("Bearer ")
            # RFC 6750 3.1: an error code once a credential was offered, none before.
            assert ('error="invalid_token"' in challenge) == (authorization is not None)
        if authorization is not None:
            assert_not_leaked(response, authorization.removeprefix("Bearer "))
    existing, missing = responses
    assert bodies[0] == bodies[1]
    assert comparable_headers(existing) == comparable_headers(missing)


@pytest.mark.parametrize("op", OPERATIONS, ids=[op.name for op in OPERATIONS])
def test_an_admin_token_sent_as_basic_credentials_is_401(world: World, op: Operation) -> None:
    token = world.tokens["admin"]
    basic = base64.b64encode(f"editor:{token}".encode()).decode()
    for response in refused_pair(world, op, f"Basic {basic}"):
        assert response.status_code == 401, response.text
        assert response.json()["type"] == "/problems/unauthorized"
        assert response.headers["WWW-Authenticate"].startswith("Bearer ")
        assert_not_leaked(response, token, basic)


@pytest.mark.parametrize("op", OPERATIONS, ids=[op.name for op in OPERATIONS])
def test_an_admin_token_in_the_query_string_is_400_as_an_unknown_parameter(
    world: World, op: Operation
) -> None:
    sample = SAMPLES[op.collection.name]
    call = prepare(world.client, op, sample.existing, sample.existing)
    before = rows(world.engine, Change)
    url = f"{call.url}?access_token={world.tokens['admin']}"
    response = send(world.client, Call(call.method, url, call.headers, call.body), None)
    assert response.status_code == 400, response.text
    body = response.json()
    assert body["type"] == "/problems/invalid-parameter"
    reason = "is not a parameter of this operation"
    assert body["errors"] == [{"name": "access_token", "in": "query", "reason": reason}]
    assert rows(world.engine, Change) == before


def test_a_token_sent_in_the_query_string_is_not_echoed_back(world: World) -> None:
    token = world.tokens["admin"]
    response = world.client.patch(f"/v1/milestones/ms-001?access_token={token}", json={})
    assert response.status_code == 400
    assert_not_leaked(response, token)


def test_a_basic_header_gets_the_challenge_without_an_error_code(world: World) -> None:
    response = world.client.patch("/v1/milestones/ms-001", headers={"Authorization": "Basic eDp5"})
    assert response.status_code == 401
    assert response.headers["WWW-Authenticate"] == 'Bearer realm="factsheet"'


# --------------------------------------------------------------------------- allowed
# From here on every test has a seeded database of its own (which, on PostgreSQL, empties
# the shared one above: keep these last).

ALLOWED = ("own-collection", "admin")


def test_the_matrix_holds_every_write_operation_of_the_app(app: FastAPI) -> None:
    listed = write_operations(app.routes)
    assert [(op.name, op.method, op.path) for op in listed] == [
        (op.name, op.method, op.path) for op in OPERATIONS
    ]
    expected = {
        f"{verb}_{c.record_name}" + ("_revision" if verb == "restore" else "")
        for c in EDITABLE
        for verb in VERBS
    }
    assert {op.name for op in OPERATIONS} == expected
    assert len(OPERATIONS) == len(EDITABLE) * len(VERBS) == 30
    assert sorted(SAMPLES) == sorted(EDITABLE_NAMES)


def test_no_milestone_links_the_organisation_deletes_take(seed_data: Json) -> None:
    unlinked = SAMPLES["organisations"].unlinked
    assert not [m["id"] for m in seed_data["milestones"] if unlinked in m["organisations"]]


def latest_change(client: TestClient) -> tuple[int, Json]:
    body = read(client, "/v1/changes", sort="-id", limit=1).json()
    change: Json = body["data"][0]
    return body["meta"]["total"], change


@pytest.mark.parametrize(("op", "kind"), _ids(OPERATIONS, ALLOWED))
def test_a_token_for_the_collection_or_an_admin_token_writes_as_its_actor(
    client: TestClient, engine: Engine, clock: FakeClock, seeded: Json, op: Operation, kind: str
) -> None:
    c, sample = op.collection, SAMPLES[op.collection.name]
    name = f"{c.name} editor" if kind == "own-collection" else "admin"
    scope = "write" if kind == "own-collection" else "admin"
    token = make_token(engine, name, clock.now, scope=scope, collections=[c.name])
    target = {"create": sample.new, "delete": sample.unlinked}.get(op.verb, sample.existing)
    if op.verb == "restore":
        # Revision 1 is the seed's version: change the record first, so restoring it writes.
        other = make_token(engine, "setup", clock.now, scope="admin")
        setup = prepare(client, write_operation(c, "update"), target, target)
        assert send(client, setup, f"Bearer {other}").status_code == 200
    call = prepare(client, op, target, sample.existing if op.verb == "create" else target)
    total, _ = latest_change(client)
    response = send(client, call, f"Bearer {token}")
    assert response.status_code == STATUS[op.verb], response.text
    assert_not_leaked(response, token)
    after, change = latest_change(client)
    assert after == total + 1
    logged = {k: change[k] for k in ("collection", "record_id", "action", "actor")}
    assert logged == {
        "collection": c.name,
        "record_id": target,
        "action": ACTION[op.verb],
        "actor": name,
    }


def write_operation(c: Collection, verb: str) -> Operation:
    (op,) = [op for op in OPERATIONS if op.collection is c and op.verb == verb]
    return op
