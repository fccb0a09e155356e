"""Editors' writes over HTTP, on the real seed data: POST, PUT, PATCH (JSON Merge Patch) and
DELETE, their preconditions and errors, the change log entry and the revision each write
leaves, and restoring a revision. Tokens and scopes: tests/api/test_write_auth.py."""

import datetime as dt
import json
from typing import Any
from urllib.parse import parse_qs, urlencode, urlsplit

import pytest
from fastapi.testclient import TestClient
from httpx2 import Response
from sqlalchemy import Engine

from app.seed import sync_seed
from tests.conftest import CHECK_CONTRACT, LOOPBACK_CLIENT, FakeClock, MakeApp
from tests.contract_check import contract_hook
from tests.editing import EDITABLE_NAMES, MERGE_PATCH, bearer, make_token, patch_headers

Json = dict[str, Any]
MS = "/v1/milestones/ms-001"
ORG = "/v1/organisations/org-001"  # no milestone links to it
SEED_AT = "2025-07-09T12:00:00Z"  # TEST_NOW, when `seeded` loads the seed
HOUR = dt.timedelta(hours=1)
PROBLEMS = {
    "invalid-body": (400, "Invalid body"),
    "not-found": (404, "Not found"),
    "conflict": (409, "Conflict"),
    "precondition-failed": (412, "Precondition failed"),
    "payload-too-large": (413, "Content too large"),
    "invalid-record": (422, "Invalid record"),
    "idempotency-key-reused": (422, "Idempotency key reused"),
    "precondition-required": (428, "Precondition required"),
}


@pytest.fixture
def alice(engine: Engine, clock: FakeClock, seeded: Json) -> str:
    return make_token(engine, "alice", clock.now, collections=EDITABLE_NAMES)


@pytest.fixture
def bob(engine: Engine, clock: FakeClock, seeded: Json) -> str:
    return make_token(engine, "bob", clock.now, collections=EDITABLE_NAMES)


def read(client: TestClient, url: str, **params: Any) -> Response:
    # No params= without params: an empty one would drop the query string `url` carries.
    response = client.get(url, params=params) if params else client.get(url)
    assert response.status_code == 200, response.text
    return response


def patch(client: TestClient, token: str, url: str, changes: Json, etag: str = "") -> Response:
    """A merge patch sent with If-Match: `etag`, or else the ETag a GET gives now."""
    etag = etag or read(client, url).headers["ETag"]
    return client.patch(url, json=changes, headers=patch_headers(token, etag))


def guarded(token: str, if_match: str = "*") -> dict[str, str]:
    return {**bearer(token), "If-Match": if_match}


def revisions(client: TestClient, url: str, **params: Any) -> list[Json]:
    data: list[Json] = read(client, f"{url}/revisions", **params).json()["data"]
    return data


def data_revision(client: TestClient) -> int:
    revision: int = read(client, "/v1").json()["data"]["revision"]
    return revision


def latest_changes(client: TestClient) -> tuple[int, list[Json]]:
    """How many changes the log holds, and the latest one (without its log id)."""
    body = read(client, "/v1/changes", sort="-id", limit=1).json()
    return body["meta"]["total"], [{k: v for k, v in c.items() if k != "id"} for c in body["data"]]


def seed_record(seeded: Json, key: str, record_id: str) -> Json:
    (record,) = [r for r in seeded[key] if r["id"] == record_id]
    return dict(record)


def new_nri(seeded: Json, record_id: str = "nri-999") -> Json:
    return {**seed_record(seeded, "nris", "nri-029"), "id": record_id, "name": "Atlantis IGF"}


def problem(kind: str, detail: str, instance: str = MS, **extra: Any) -> Json:
    """The whole application/problem+json body of an error."""
    status, title = PROBLEMS[kind]
    body = {"type": f"/problems/{kind}", "title": title, "status": status, "detail": detail}
    return {**body, "instance": instance, **extra}


def error(name: str, reason: str, where: str = "body") -> Json:
    return {"name": name, "in": where, "reason": reason}


# --------------------------------------------------------------------------- PATCH, PUT


def test_patch_answers_what_get_then_shows_and_the_list_shows_it_too(
    client: TestClient, clock: FakeClock, alice: str
) -> None:
    read(client, "/v1/milestones", limit=100)  # the list is in the response cache now
    before = read(client, MS)
    clock.now += HOUR
    dates = {"start_date": "2003-12-11", "end_date": "2003-12-13"}
    response = patch(client, alice, MS, dates, before.headers["ETag"])
    after = read(client, MS)
    assert response.status_code == 200
    assert response.headers["Cache-Control"] == "no-store"
    expected = {**before.json(), **dates, "updated_at": "2025-07-09T13:00:00Z"}
    assert response.json() == after.json() == expected
    assert response.headers["ETag"] == after.headers["ETag"] != before.headers["ETag"]
    listed = read(client, "/v1/milestones", limit=100).json()["data"]
    assert [r for r in listed if r["id"] == "ms-001"] == [expected]


@pytest.mark.parametrize("with_id", [True, False], ids=["id-in-body", "id-from-path"])
def test_put_replaces_the_record_with_the_one_sent(
    client: TestClient, alice: str, with_id: bool
) -> None:
    (latest,) = revisions(client, MS, sort="-number", limit=1)
    record = {**latest["record"], "location": "Genève, Suisse"}
    sent = record if with_id else {k: v for k, v in record.items() if k != "id"}
    before = read(client, MS)
    response = client.put(MS, json=sent, headers=guarded(alice, before.headers["ETag"]))
    assert response.status_code == 200, response.text
    expected = {**before.json(), "location": "Genève, Suisse"}
    assert response.json() == read(client, MS).json() == expected
    assert revisions(client, MS, sort="-number", limit=1)[0]["record"] == record


def test_put_with_another_id_in_the_body_is_422_naming_id(client: TestClient, alice: str) -> None:
    before = read(client, MS)
    record = {**revisions(client, MS)[0]["record"], "id": "ms-002"}
    response = client.put(MS, json=record, headers=guarded(alice))
    assert response.status_code == 422
    assert response.json() == problem(
        "invalid-record",
        "The id of a record cannot change: it is the record's address.",
        errors=[error("id", "must be 'ms-001', as in the path")],
    )
    assert read(client, MS).headers["ETag"] == before.headers["ETag"]


def test_a_merge_patch_null_empties_a_field_the_rules_let_be_null(
    client: TestClient, alice: str
) -> None:
    # The PATCH operation's description: "`null` empties it where the rules allow"; seed.json
    # lets notes be null (and many records have null notes).
    response = patch(client, alice, MS, {"notes": None})
    assert response.status_code == 200, response.text
    assert response.json()["notes"] is None


# --------------------------------------------------------------------------- POST


def test_post_creates_the_record_at_its_location_once(
    client: TestClient, alice: str, seeded: Json
) -> None:
    record = new_nri(seeded)
    response = client.post("/v1/nris", json=record, headers=bearer(alice))
    assert response.status_code == 201, response.text
    assert response.headers["Location"] == "/v1/nris/nri-999"
    assert response.headers["Cache-Control"] == "no-store"
    created = read(client, response.headers["Location"])
    stamps = {"created_at": SEED_AT, "updated_at": SEED_AT}
    assert response.json() == created.json() == {**record, **stamps}
    assert response.headers["ETag"] == created.headers["ETag"]
    # The count the fact sheet gives is its own claim: no rule ties it to the records held.
    meta = read(client, "/v1/nris", limit=1).json()["meta"]
    assert (meta["total"], meta["held"], meta["fact_sheet_count"]) == (176, 176, 176)
    again = client.post("/v1/nris", json=record, headers=bearer(alice))
    assert again.status_code == 409
    detail = "A NRI with the id 'nri-999' exists already: change it at /v1/nris/nri-999 instead."
    assert again.json() == problem("conflict", detail, "/v1/nris")


EVIDENCE = "'recognition_stated_elsewhere', 'existence_reported'"
INVALID = [
    (
        {"country": "XX", "evidence": "rumour"},
        [
            error("country", "'XX' is not an officially assigned ISO 3166-1 alpha-2 code"),
            error("evidence", f"'rumour' is not one of ['igf_secretariat_page', {EVIDENCE}]"),
        ],
    ),
    ({"kind": "regional"}, [error("country", "'BJ' is not of type 'null'")]),
    (
        {"end_date": "2003-12-01", "organisations": ["org-404"]},
        [
            error("end_date", "end_date 2003-12-01 is before start_date 2003-12-10"),
            error("organisations[0]", "unknown organisation id org-404"),
        ],
    ),
]


@pytest.mark.parametrize(("changes", "errors"), INVALID, ids=["nri", "regional-nri", "milestone"])
def test_post_of_an_invalid_record_is_422_naming_every_wrong_field(
    client: TestClient, alice: str, seeded: Json, changes: Json, errors: list[Json]
) -> None:
    milestone = "organisations" in changes
    collection, noun = ("milestones", "milestone") if milestone else ("nris", "NRI")
    base = seed_record(seeded, "milestones", "ms-001") if milestone else new_nri(seeded)
    record = {**base, "id": "ms-999" if milestone else "nri-999", **changes}
    response = client.post(f"/v1/{collection}", json=record, headers=bearer(alice))
    assert response.status_code == 422
    names = ", ".join(e["name"] for e in errors)
    detail = f"The {noun} breaks the data's rules at: {names}."
    assert response.json() == problem("invalid-record", detail, f"/v1/{collection}", errors=errors)
    assert client.get(f"/v1/{collection}/{record['id']}").status_code == 404
    assert data_revision(client) == 1


# --------------------------------------------------------------------------- DELETE


def test_delete_of_a_record_nothing_links_to_is_204_and_logged(
    client: TestClient, alice: str
) -> None:
    response = client.delete(ORG, headers=guarded(alice, read(client, ORG).headers["ETag"]))
    assert (response.status_code, response.content) == (204, b"")
    assert response.headers["Cache-Control"] == "no-store"
    assert client.get(ORG).status_code == 404
    tombstone = {"collection": "organisations", "record_id": "org-001", "action": "deleted"}
    assert latest_changes(client)[1] == [
        {"revision": 2, "at": SEED_AT, **tombstone, "title": "IETF", "actor": "alice", "href": None}
    ]


# What a database column holds: a fact's value is 64-bit, a call to action's number a
# PostgreSQL integer (its rule, 1 to n without gaps, refuses such a number too). Each number
# goes into the body as the text a client's serialiser wrote.
OUT_OF_RANGE = [
    ("facts", "value", str(2**63), "is greater than the maximum"),
    ("facts", "value", str(-(2**63)), None),
    ("facts", "value", str(2**63 - 1), None),
    ("facts", "value", str(-(2**63) - 1), "is not of type 'integer'"),
    ("facts", "value", str(2**64), "is not of type 'integer'"),
    ("facts", "value", "5.0", "is not of type 'integer'"),
    ("facts", "value", "5e0", "is not of type 'integer'"),
    ("calls-to-action", "number", str(2**31), "is greater than the maximum"),
]


@pytest.mark.parametrize(
    ("collection", "field", "number", "refused"),
    OUT_OF_RANGE,
    ids=[f"{c}-{n}" for c, _, n, _ in OUT_OF_RANGE],
)
def test_a_number_its_column_cannot_hold_exactly_is_422_and_one_it_can_is_kept_exactly(
    client: TestClient,
    alice: str,
    seeded: Json,
    collection: str,
    field: str,
    number: str,
    refused: str | None,
) -> None:
    """Before, a value of 2**63 reached the driver (a 500), and one below -(2**63), which the
    body's JSON parser reads as a float, was stored as one: it came back as
    -9.223372036854776e+18."""
    key = collection.replace("-", "_")
    record = {**seeded[key][0], "id": "fs-range"} if key == "facts" else {**seeded[key][1]}
    body = json.dumps({**record, field: "N"}).replace('"N"', number)
    headers = {**bearer(alice), "Content-Type": "application/json"}
    response = client.post(f"/v1/{collection}", content=body, headers=headers)
    if refused is None:
        assert response.status_code == 201, response.text
        assert f'"{field}":{number},' in read(client, response.headers["Location"]).text
        return
    assert response.status_code == 422, response.text
    errors = response.json()["errors"]
    assert {(e["name"].rsplit(".")[-1], e["in"]) for e in errors} == {(field, "body")}
    assert any(refused in e["reason"] for e in errors if e["name"] == field)
    assert read(client, f"/v1/{collection}").json()["meta"]["total"] == len(seeded[key])


def test_delete_of_an_organisation_milestones_link_to_is_422_and_changes_nothing(
    client: TestClient, alice: str
) -> None:
    org = "/v1/organisations/org-016"
    before = read(client, org)
    response = client.delete(org, headers=guarded(alice, before.headers["ETag"]))
    names = [f"milestones[{ms}].organisations[0]" for ms in ("ms-007", "ms-020", "ms-026")]
    names += ["milestones[ms-034].organisations[0]", "milestones[ms-038].organisations[1]"]
    assert response.status_code == 422
    assert response.json() == problem(
        "invalid-record",
        f"The organisation breaks the data's rules at: {', '.join(names)}.",
        org,
        errors=[error(name, "unknown organisation id org-016") for name in names],
    )
    assert read(client, org).headers["ETag"] == before.headers["ETag"]
    assert data_revision(client) == 1


# --------------------------------------------------------------------------- If-Match


@pytest.mark.parametrize(
    ("method", "url"),
    [("PATCH", MS), ("PUT", MS), ("DELETE", MS), ("POST", f"{MS}/revisions/1/restore")],
)
def test_a_write_without_if_match_is_428(
    client: TestClient, alice: str, method: str, url: str
) -> None:
    body: Json | None = {} if method in ("PATCH", "PUT") else None
    response = client.request(method, url, json=body, headers=bearer(alice))
    assert response.status_code == 428
    assert response.json() == problem(
        "precondition-required",
        "Send If-Match with the ETag you read the milestone with: GET it first. This way no "
        "one's change is lost.",
        url,
    )
    assert len(revisions(client, MS)) == 1


def test_a_stale_if_match_is_412_with_the_current_etag_and_a_retry_with_it_succeeds(
    client: TestClient, alice: str, bob: str
) -> None:
    read_by_both = read(client, MS).headers["ETag"]
    assert patch(client, alice, MS, {"location": "Genf"}, read_by_both).status_code == 200
    current = read(client, MS).headers["ETag"]
    stale = patch(client, bob, MS, {"notes": "Bob's note."}, read_by_both)
    assert stale.status_code == 412
    assert stale.headers["ETag"] == current
    assert stale.json() == problem(
        "precondition-failed",
        f"The milestone changed since it was read: its ETag is now {current}. GET it again and "
        "apply your change to what it holds now.",
    )
    retry = patch(client, bob, MS, {"notes": "Bob's note."}, stale.headers["ETag"])
    assert retry.status_code == 200
    assert (retry.json()["location"], retry.json()["notes"]) == ("Genf", "Bob's note.")


HOLDS = ["*", '"stale", "{tag}"', '"{tag}-gzip"', '"{tag}-br"']
FAILS = ['W/"{tag}"', '"{tag}-deflate"', '"stale"']


@pytest.mark.parametrize(
    ("if_match", "status"), [(h, 200) for h in HOLDS] + [(h, 412) for h in FAILS]
)
def test_if_match_holds_for_the_current_tag_in_any_coding_or_star_and_never_when_weak(
    client: TestClient, alice: str, if_match: str, status: int
) -> None:
    tag = read(client, MS).headers["ETag"].strip('"')
    response = patch(client, alice, MS, {"location": "Genf"}, if_match.format(tag=tag))
    assert response.status_code == status


def test_the_etag_of_a_gzip_answer_names_the_version_it_carries(
    client: TestClient, alice: str
) -> None:
    url = "/v1/milestones/ms-009"  # large enough to be compressed
    gzipped = client.get(url, headers={"Accept-Encoding": "gzip"})
    assert gzipped.headers["Content-Encoding"] == "gzip"
    assert gzipped.headers["ETag"].endswith('-gzip"')
    response = patch(client, alice, url, {"location": "New York"}, gzipped.headers["ETag"])
    assert response.status_code == 200


# --------------------------------------------------------------------------- bodies

ACCEPTED = {"PATCH": ("Accept-Patch", f"{MERGE_PATCH}, application/json")}
ACCEPTED["POST"] = ("Accept-Post", "application/json")


@pytest.mark.parametrize(
    ("method", "url", "content_type"),
    [("PATCH", MS, "text/plain"), ("PATCH", MS, None), ("POST", "/v1/nris", "text/plain")],
)
def test_a_body_of_another_media_type_is_415_naming_those_accepted(
    client: TestClient, alice: str, method: str, url: str, content_type: str | None
) -> None:
    headers = guarded(alice) | ({"Content-Type": content_type} if content_type else {})
    response = client.request(method, url, content=b"{}", headers=headers)
    header, accepted = ACCEPTED[method]
    assert response.status_code == 415
    assert response.headers[header] == accepted
    assert response.json()["detail"] == (
        f"The body must be sent as {accepted.replace(', ', ' or ')}, not "
        f"{content_type or 'without a Content-Type'}."
    )


@pytest.mark.parametrize(
    ("body", "detail"),
    [
        (b"{", "The body is not a JSON document (UTF-8): "),  # then the parser's message
        (b"[1]", "The body must be a JSON object: one record, or a patch to one."),
    ],
)
def test_a_body_that_is_not_a_json_object_is_400(
    client: TestClient, alice: str, body: bytes, detail: str
) -> None:
    response = client.patch(MS, content=body, headers=patch_headers(alice, "*"))
    assert response.status_code == 400
    answer = response.json()
    assert answer["detail"].startswith(detail)
    assert answer == problem("invalid-body", answer["detail"])


def test_a_body_above_max_body_bytes_is_413(
    make_app: MakeApp, clock: FakeClock, seed_data: Json
) -> None:
    app = make_app(max_body_bytes=1000)
    sync_seed(app.state.engine, seed_data, now=clock.now)
    token = make_token(app.state.engine, "alice", clock.now)

    def notes(size: int) -> bytes:
        return b'{"notes": "' + b"x" * (size - 13) + b'"}'

    with TestClient(app, client=LOOPBACK_CLIENT) as client:
        if CHECK_CONTRACT:
            client.event_hooks["response"].append(contract_hook(app))
        at_limit = client.patch(MS, content=notes(1000), headers=patch_headers(token, "*"))
        above = client.patch(MS, content=notes(1001), headers=patch_headers(token, "*"))
    assert (at_limit.status_code, above.status_code) == (200, 413)
    detail = "The request body is larger than the 1000 bytes accepted."
    assert above.json() == problem("payload-too-large", detail)


# --------------------------------------------------------------------------- Idempotency-Key


def post_nri(client: TestClient, token: str, record: Json) -> Response:
    return client.post("/v1/nris", json=record, headers={**bearer(token), "Idempotency-Key": "k1"})


def test_a_retry_with_the_same_key_gets_the_first_answer_and_another_body_is_422(
    client: TestClient, alice: str, seeded: Json
) -> None:
    total = latest_changes(client)[0]
    first = post_nri(client, alice, new_nri(seeded))
    again = post_nri(client, alice, new_nri(seeded))
    assert (first.status_code, "Idempotent-Replayed" in first.headers) == (201, False)
    assert again.headers["Idempotent-Replayed"] == "true"
    answers = [
        (r.status_code, r.content, r.headers["ETag"], r.headers["Location"]) for r in (first, again)
    ]
    assert answers[0] == answers[1]
    assert latest_changes(client)[0] == total + 1
    assert [r["action"] for r in revisions(client, "/v1/nris/nri-999")] == ["created"]
    other = post_nri(client, alice, new_nri(seeded, "nri-998"))
    detail = "The Idempotency-Key 'k1' was used with another request; use a new key for a new "
    assert other.json() == problem("idempotency-key-reused", f"{detail}request.", "/v1/nris")
    assert client.get("/v1/nris/nri-998").status_code == 404


def test_an_idempotency_key_is_the_tokens_own(
    client: TestClient, alice: str, bob: str, seeded: Json
) -> None:
    assert post_nri(client, alice, new_nri(seeded)).status_code == 201
    # Bob's request with Alice's key and body is run as his own, not given her answer: the
    # id is taken by then, so it is a 409.
    same = post_nri(client, bob, new_nri(seeded))
    assert same.status_code == 409
    assert "Idempotent-Replayed" not in same.headers
    # With another body it is no reuse of Alice's key (that would be a 422): Bob's own record.
    other = post_nri(client, bob, new_nri(seeded, "nri-998"))
    assert (other.status_code, other.headers["Location"]) == (201, "/v1/nris/nri-998")
    assert [r["actor"] for r in revisions(client, "/v1/nris/nri-998")] == ["bob"]


# --------------------------------------------------------------------------- the change log


def test_a_write_is_one_change_by_its_editor_one_data_revision_and_searchable(
    client: TestClient, alice: str, seeded: Json
) -> None:
    total, revision = latest_changes(client)[0], data_revision(client)
    notes = "Adopted at the Palexpo; zanzibarquux marks this edit."
    assert patch(client, alice, "/v1/milestones/ms-002", {"notes": notes}).status_code == 200
    assert data_revision(client) == revision + 1
    change = {"revision": revision + 1, "at": SEED_AT, "collection": "milestones"}
    change |= {"record_id": "ms-002", "action": "updated", "actor": "alice"}
    change |= {"title": seed_record(seeded, "milestones", "ms-002")["title"]}
    assert latest_changes(client) == (total + 1, [{**change, "href": "/v1/milestones/ms-002"}])
    found = read(client, "/v1/search", q="zanzibarquux").json()["data"]
    assert [(r["collection"], r["id"]) for r in found] == [("milestones", "ms-002")]


# --------------------------------------------------------------------------- revisions


@pytest.fixture
def edited(client: TestClient, clock: FakeClock, alice: str, bob: str, seeded: Json) -> list[Json]:
    """ms-001 edited by alice an hour after the seed, then by bob; its three versions."""
    seed = seed_record(seeded, "milestones", "ms-001")
    second = {**seed, "location": "Genf"}
    third = {**second, "location": "Genève", "unlinked_organisations": ["UN", "UNESCO"]}
    for token, version in ((alice, second), (bob, third)):
        clock.now += HOUR
        changes = {k: v for k, v in version.items() if v != seed[k]}
        assert patch(client, token, MS, changes).status_code == 200
    return [seed, second, third]


def test_revisions_list_the_seed_version_and_each_edit(
    client: TestClient, edited: list[Json]
) -> None:
    seed, second, third = edited
    bobs = [
        {"op": "replace", "path": "/location", "value": "Genève"},
        {"op": "add", "path": "/unlinked_organisations/1", "value": "UNESCO"},
    ]
    assert revisions(client, MS) == [
        {"number": 1, "data_revision": 1, "at": SEED_AT, "actor": "seed", "action": "created",
         "patch": [{"op": "add", "path": "", "value": seed}], "record": seed},
        {"number": 2, "data_revision": 2, "at": "2025-07-09T13:00:00Z", "actor": "alice",
         "action": "updated", "patch": [{"op": "replace", "path": "/location", "value": "Genf"}],
         "record": second},
        {"number": 3, "data_revision": 3, "at": "2025-07-09T14:00:00Z", "actor": "bob",
         "action": "updated", "patch": bobs, "record": third},
    ]  # fmt: skip


@pytest.mark.parametrize(
    ("sort", "limit", "pages"), [("number", 1, [[1], [2], [3]]), ("-number", 2, [[3, 2], [1]])]
)
def test_revisions_page_by_the_next_and_prev_links(
    client: TestClient, edited: list[Json], sort: str, limit: int, pages: list[list[int]]
) -> None:
    def link(after: int | None) -> str:
        # Parameters in sorted order, as in every list link.
        query = {"limit": limit, "sort": sort, **({"after": after} if after else {})}
        return f"{MS}/revisions?{urlencode(sorted(query.items()))}"

    url: str | None = link(None)
    seen, links = [], []
    while url is not None:
        body = read(client, url).json()
        seen.append([r["number"] for r in body["data"]])
        links.append(body["links"])
        assert body["meta"] == {"total": 3, "limit": limit, "sort": sort}
        url = body["links"]["next"]
    afters: list[int | None] = [None] + [page[-1] for page in pages[:-1]]
    assert seen == pages
    assert links == [
        {
            "self": link(after),
            "next": link(afters[i + 1]) if i + 1 < len(afters) else None,
            "prev": link(afters[i - 1]) if i > 0 else None,
        }
        for i, after in enumerate(afters)
    ]
    # The prev link of the last page leads back to the page before it.
    if len(pages) > 1:
        back = read(client, links[-1]["prev"]).json()
        assert [r["number"] for r in back["data"]] == pages[-2]


@pytest.mark.parametrize(("actor", "numbers"), [("bob", [3]), ("seed", [1]), ("carol", [])])
def test_revisions_filter_by_actor(
    client: TestClient, edited: list[Json], actor: str, numbers: list[int]
) -> None:
    assert [r["number"] for r in revisions(client, MS, actor=actor)] == numbers


def test_a_next_link_carries_an_actor_name_with_a_space_as_a_valid_url(
    client: TestClient, engine: Engine, clock: FakeClock, seeded: Json
) -> None:
    token = make_token(engine, "Alice Smith", clock.now)  # token names may hold spaces
    assert patch(client, token, MS, {"location": "Genf"}).status_code == 200
    assert patch(client, token, MS, {"location": "Genève"}).status_code == 200
    link = read(client, f"{MS}/revisions", actor="Alice Smith", limit=1).json()["links"]["next"]
    assert " " not in link
    assert parse_qs(urlsplit(link).query)["actor"] == ["Alice Smith"]


@pytest.mark.parametrize(
    ("method", "url", "detail"),
    [
        ("GET", "/v1/milestones/ms-777/revisions", "No milestone has ever had the id 'ms-777'."),
        ("POST", f"{MS}/revisions/2/restore", "The milestone 'ms-001' has no revision 2."),
    ],
    ids=["revisions-of-an-id-never-used", "restore-of-a-revision-not-made"],
)
def test_a_revision_that_does_not_exist_is_404(
    client: TestClient, alice: str, method: str, url: str, detail: str
) -> None:
    response = client.request(method, url, headers=guarded(alice))
    assert response.status_code == 404
    assert response.json() == problem("not-found", detail, url)


# record_revision.number is an INTEGER column: 32 bits on PostgreSQL.
PAST = 2**31


@pytest.mark.parametrize(
    ("method", "url", "name", "where"),
    [
        ("GET", f"{MS}/revisions?after={PAST}", "after", "query"),
        ("POST", f"{MS}/revisions/{PAST}/restore", "revision", "path"),
        ("GET", f"{MS}/revisions?after={2**63}", "after", "query"),
    ],
    ids=["after", "restore", "after-past-64-bits"],
)
def test_a_revision_number_its_column_cannot_hold_is_a_400_not_a_database_error(
    client: TestClient, alice: str, method: str, url: str, name: str, where: str
) -> None:
    """The contract fuzzer sent `after=2**63`: SQLite's driver raised OverflowError, a 500;
    PostgreSQL fails from 2**31 on. The largest number the column holds is valid."""
    response = client.request(method, url, headers=guarded(alice))
    assert response.status_code == 400, response.text
    assert response.headers["Content-Type"] == "application/problem+json"
    assert [(e["name"], e["in"]) for e in response.json()["errors"]] == [(name, where)]
    largest_url = url.replace(str(PAST), str(PAST - 1))
    if largest_url == url:
        return
    largest = client.request(method, largest_url, headers=guarded(alice))
    assert largest.status_code == (200 if method == "GET" else 404), largest.text
    if method == "GET":
        assert largest.json()["data"] == []


def test_a_deleted_records_revisions_stay_listed_and_its_deletion_cannot_be_restored(
    client: TestClient, alice: str
) -> None:
    assert client.delete(ORG, headers=guarded(alice)).status_code == 204
    history = revisions(client, ORG)
    assert [r["action"] for r in history] == ["created", "deleted"]
    deletion = {"number": 2, "data_revision": 2, "at": SEED_AT, "actor": "alice"}
    deletion |= {"action": "deleted", "patch": [{"op": "replace", "path": "", "value": None}]}
    assert history[-1] == {**deletion, "record": None}
    response = client.post(f"{ORG}/revisions/2/restore", headers=guarded(alice))
    assert response.status_code == 422
    assert response.json() == problem(
        "invalid-record",
        "Revision 2 deleted the organisation: there is nothing in it to restore.",
        f"{ORG}/revisions/2/restore",
        errors=[error("revision", "is a deletion", "path")],
    )


# --------------------------------------------------------------------------- restore


def test_restore_makes_the_record_what_the_revision_held_as_a_new_revision(
    client: TestClient, clock: FakeClock, alice: str, edited: list[Json]
) -> None:
    clock.now += HOUR
    stale = client.post(f"{MS}/revisions/1/restore", headers=guarded(alice, '"stale"'))
    assert (stale.status_code, len(revisions(client, MS))) == (412, 3)
    etag = read(client, MS).headers["ETag"]
    response = client.post(f"{MS}/revisions/1/restore", headers=guarded(alice, etag))
    assert response.status_code == 200, response.text
    after = read(client, MS)
    assert response.json() == after.json()
    assert response.headers["ETag"] == after.headers["ETag"]
    assert after.json()["location"] == "Geneva, Switzerland"
    ops = [
        {"op": "replace", "path": "/location", "value": "Geneva, Switzerland"},
        {"op": "remove", "path": "/unlinked_organisations/1"},
    ]
    restored = {"number": 4, "data_revision": 4, "at": "2025-07-09T15:00:00Z", "actor": "alice"}
    restored |= {"action": "updated", "patch": ops, "record": edited[0]}
    assert revisions(client, MS, sort="-number", limit=1) == [restored]


# --------------------------------------------------------------------------- no-ops, other ids


@pytest.mark.parametrize(
    "changes", [{}, {"location": "Geneva, Switzerland"}], ids=["empty", "same"]
)
def test_a_patch_that_changes_nothing_keeps_the_etag_and_writes_nothing(
    client: TestClient, alice: str, changes: Json
) -> None:
    before = read(client, MS)
    total = latest_changes(client)[0]
    response = patch(client, alice, MS, changes, before.headers["ETag"])
    assert response.status_code == 200
    assert response.json() == before.json()
    assert response.headers["ETag"] == before.headers["ETag"]
    after = (len(revisions(client, MS)), latest_changes(client)[0], data_revision(client))
    assert after == (1, total, 1)


@pytest.mark.parametrize(
    ("url", "changes", "op"),
    [
        ("/v1/calls-to-action/3", {"short_title": "Work"}, ("replace", "/short_title", "Work")),
        ("/v1/action-lines/C5", {"co_facilitators": ["UN"]}, ("add", "/co_facilitators/0", "UN")),
    ],
)
def test_calls_to_action_and_action_lines_take_writes_at_their_own_ids(
    client: TestClient, alice: str, url: str, changes: Json, op: tuple[str, str, str]
) -> None:
    before = read(client, url)
    response = patch(client, alice, url, changes, before.headers["ETag"])
    assert response.status_code == 200, response.text
    assert response.json() == read(client, url).json() == {**before.json(), **changes}
    ops = [{"op": op[0], "path": op[1], "value": op[2]}]
    assert [r["patch"] for r in revisions(client, url)][1:] == [ops]
