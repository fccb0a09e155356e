"""A client generated from the served document works, as a third-party app would use it:
openapi-python-client generates it with no warning, and it walks every list of a real server
(seeded SQLite on 127.0.0.1) page by page, fetches every record, and calls every operation.

openapi-python-client pins its own dependencies, so it lives in a venv of its own: the one
FACTSHEET_OPENAPI_CLIENT names (the generator's executable), else .venv-tools, which CI
creates (`python3 -m venv .venv-tools && .venv-tools/bin/pip install openapi-python-client`).
"""

import datetime as dt
import importlib
import inspect
import os
import pkgutil
import re
import subprocess  # nosec B404: runs the generator and the server this test starts
import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from types import ModuleType
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
from sqlmodel import Session

from app.db import make_engine
from app.tokens import create_token
from tests.own_sqlite import own_sqlite
from tests.test_cli import BIN, clean_env, free_port, stop, wait_until_ready

pytestmark = own_sqlite

ROOT = Path(__file__).resolve().parents[2]
CONFIG = ROOT / "tools" / "openapi-client.yaml"
PACKAGE = "factsheet_client"
# list operation, get operation, the get's path parameter, the record's id field, seed key
COLLECTIONS = [
    ("fact_sheet", "list_calls_to_action", "get_call_to_action", "number", "calls_to_action"),
    ("milestones", "list_milestones", "get_milestone", "milestone_id", "milestones"),
    ("organisations", "list_organisations", "get_organisation", "organisation_id", "organisations"),
    ("nris", "list_nris", "get_nri", "nri_id", "nris"),
    ("action_lines", "list_action_lines", "get_action_line", "code", "action_lines"),
    ("facts", "list_facts", "get_fact", "fact_id", "facts"),
]
PAGE = 20  # small pages, so that most lists take several


def generator() -> Path:
    named = os.environ.get("FACTSHEET_OPENAPI_CLIENT")
    path = Path(named) if named else ROOT / ".venv-tools" / "bin" / "openapi-python-client"
    if not path.exists():
        reason = (
            f"openapi-python-client not found at {path}: create .venv-tools "
            "(python3 -m venv .venv-tools && .venv-tools/bin/pip install openapi-python-client)"
            " or set FACTSHEET_OPENAPI_CLIENT"
        )
        if os.environ.get("CI"):
            pytest.fail(reason)  # CI installs it; a missing generator there is a broken build
        pytest.skip(reason)
    return path


@pytest.fixture
def base_url(tmp_path: Path) -> Iterator[str]:
    """`factsheet serve` on an empty SQLite file, which it migrates and seeds."""
    port = free_port()
    env = clean_env(
        database_url=f"sqlite:///{tmp_path / 'client.db'}",
        rate_limit_enabled="false",
        access_log="false",
    )
    log_path = tmp_path / "server.log"
    with (
        log_path.open("wb") as log,
        subprocess.Popen(  # nosec B603: our own entry point, fixed argv
            [str(BIN / "factsheet"), "serve", "--host", "127.0.0.1", "--port", str(port)],
            env=env,
            cwd=tmp_path,
            stdout=log,
            stderr=subprocess.STDOUT,
        ) as process,
    ):
        try:
            url = f"http://127.0.0.1:{port}"
            wait_until_ready(url, process, log_path)
            yield url
        finally:
            stop(process)


@pytest.fixture
def client_package(base_url: str, tmp_path: Path) -> Iterator[ModuleType]:
    """The package generated from the server's /openapi.json, imported."""
    result = subprocess.run(  # nosec B603: fixed argv
        [
            str(generator()),
            "generate",
            "--url",
            f"{base_url}/openapi.json",
            "--config",
            str(CONFIG),
            "--meta",
            "none",
            "--output-path",
            str(tmp_path / "generated" / PACKAGE),
        ],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    output = result.stdout + result.stderr
    assert result.returncode == 0, output
    assert "warning" not in output.lower(), output
    sys.path.insert(0, str(tmp_path / "generated"))
    try:
        yield importlib.import_module(PACKAGE)
    finally:
        sys.path.remove(str(tmp_path / "generated"))
        for name in [n for n in sys.modules if n == PACKAGE or n.startswith(f"{PACKAGE}.")]:
            del sys.modules[name]


def operation(tag: str, name: str) -> Callable[..., Any]:
    sync_detailed: Callable[..., Any] = importlib.import_module(
        f"{PACKAGE}.api.{tag}.{name}"
    ).sync_detailed
    return sync_detailed


def walk(call: Callable[..., Any], **params: Any) -> list[Any]:
    """Every record of a list, following each page's `next` link to its end."""
    records: list[Any] = []
    cursor: str | None = None
    while True:
        extra = {"cursor": cursor} if cursor else {}
        response = call(**params, limit=PAGE, **extra)
        assert response.status_code == 200, response.content[:300]
        page = response.parsed
        records.extend(page.data)
        assert page.meta.limit == PAGE
        if not page.links.next_:  # the generator renames `next`, a Python builtin
            assert len(records) == page.meta.total
            return records
        (cursor,) = parse_qs(urlsplit(page.links.next_).query)["cursor"]


@pytest.mark.slow
def test_a_generated_client_walks_every_list_and_fetches_every_record(
    client_package: ModuleType, base_url: str, seed_data: dict[str, Any]
) -> None:
    with client_package.Client(base_url=base_url, raise_on_unexpected_status=True) as client:
        check_everything(client, seed_data)


def check_everything(client: Any, seed_data: dict[str, Any]) -> None:
    arguments: dict[str, dict[str, Any]] = {"get_problem_type": {"code": "not-found"}}
    for tag, list_name, get_name, parameter, seed_key in COLLECTIONS:
        records = walk(operation(tag, list_name), client=client)
        id_field = parameter if parameter in ("number", "code") else "id"
        ids = [getattr(record, id_field) for record in records]
        assert sorted(map(str, ids)) == sorted(
            str(item[id_field]) for item in seed_data[seed_key]
        ), list_name
        for record, record_id in zip(records, ids, strict=True):
            response = operation(tag, get_name)(record_id, client=client)
            assert response.status_code == 200, (get_name, record_id)
            assert response.parsed.to_dict() == record.to_dict()
        arguments[get_name] = {parameter: ids[0]}
    organisation_ids = [o["id"] for o in seed_data["organisations"]]
    linked = set()
    for organisation_id in organisation_ids:
        for milestone in walk(
            operation("organisations", "list_organisation_milestones"),
            organisation_id=organisation_id,
            client=client,
        ):
            linked.add(milestone.id)
    assert linked == {m["id"] for m in seed_data["milestones"] if m["organisations"]}
    changes = walk(operation("changes", "list_changes"), client=client)
    assert [change.id for change in changes] == sorted(change.id for change in changes)
    hits = walk(operation("search", "search"), client=client)
    assert len(hits) >= len(seed_data["milestones"]) + len(seed_data["nris"])
    for tag, name in every_operation():
        if name.startswith(WRITES):
            continue  # test_a_generated_client_corrects_a_record_with_its_etag
        call = operation(tag, name)
        signature = inspect.signature(call).parameters.values()
        positional = [p.name for p in signature if p.kind == p.POSITIONAL_OR_KEYWORD]
        # A record's `.json` and `.html` operations, and its revisions, take the record's
        # own arguments.
        record = re.sub(r"^list_(.*)_revisions$", r"get_\1", re.sub(r"_(json|html)$", "", name))
        args = (
            arguments.get(name) or arguments.get(record) or {"organisation_id": organisation_ids[0]}
        )
        response = call(*[args[p] for p in positional], client=client)
        assert response.status_code == 200, (name, response.content[:300])
        assert response.parsed is not None, name


WRITES = ("create_", "replace_", "update_", "delete_", "restore_")


@pytest.mark.slow
def test_a_generated_client_corrects_a_record_with_its_etag(
    client_package: ModuleType, base_url: str, tmp_path: Path
) -> None:
    """The write operations as a code generator reads them: a token, If-Match, a typed
    merge patch; a stale ETag is the 412 the document declares."""
    engine = make_engine(f"sqlite:///{tmp_path / 'client.db'}")
    with Session(engine) as session:
        _, token = create_token(
            session,
            name="generated",
            scope="write",
            collections=["milestones"],
            lifetime=None,
            now=dt.datetime(2026, 1, 1, tzinfo=dt.UTC),
            known_collections=["milestones"],
        )
    engine.dispose()
    update = operation("milestones", "update_milestone")
    patch = client_package.models.MilestonePatch(notes="Checked again.")
    with client_package.AuthenticatedClient(base_url=base_url, token=token) as client:
        read = operation("milestones", "get_milestone")("ms-001", client=client)
        etag = read.headers["etag"]
        changed = update("ms-001", client=client, body=patch, if_match=etag)
        assert changed.status_code == 200, changed.content[:300]
        assert changed.parsed.notes == "Checked again."
        stale = update("ms-001", client=client, body=patch, if_match=etag)
        assert stale.status_code == 412
        assert stale.headers["etag"] == changed.headers["etag"]


def every_operation() -> Iterator[tuple[str, str]]:
    api = importlib.import_module(f"{PACKAGE}.api")
    for tag in pkgutil.iter_modules(api.__path__):
        module = importlib.import_module(f"{PACKAGE}.api.{tag.name}")
        for info in pkgutil.iter_modules(module.__path__):
            yield tag.name, info.name
