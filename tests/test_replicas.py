"""Two API processes on one database stay coherent: a reseed made by a third process is
served by both within the cache's revision interval, and every response is wholly old or
wholly new. Runs on a SQLite file, and on PostgreSQL (a database of its own, created and
dropped here) when FACTSHEET_TEST_DATABASE_URL is set."""

import copy
import json
import os
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.test_cli import free_port, stop, wait_until_ready
from tests.test_migrations import create_pg_database, drop_pg_database

ROOT = Path(__file__).resolve().parents[1]
PG_URL = os.environ.get("FACTSHEET_TEST_DATABASE_URL")
INTERVAL = 1.0  # FACTSHEET_CACHE_REVISION_INTERVAL of both servers, seconds
# The bound is INTERVAL after the reseed committed; the margin covers a request in flight and
# a poll round of several URLs on a loaded 2-core CI machine. The exact bound is proven with a
# fake clock in tests/test_response_cache.py (test_watcher_rereads_only_after_the_interval);
# this test proves that separate processes converge, and never go back to the old data.
MARGIN = 4.0
POLL = 0.05
COMMAND_TIMEOUT = 120
MARKER = "Quokka"  # in the new titles only: search finds it once the index follows
# Both change in the reseed: a list or search holding both must show both old or both new.
CHANGED = ("ms-004", "ms-005")
URLS = [
    "/v1/milestones?limit=200",
    "/v1/milestones/ms-004",
    f"/v1/search?q={MARKER}",
    "/v1/milestones?limit=200&q=Tunis",
]

pytestmark = pytest.mark.slow


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'shared.db'}"
        return
    if not PG_URL:
        pytest.skip("FACTSHEET_TEST_DATABASE_URL is not set; PostgreSQL replicas not tested")
    url = create_pg_database(PG_URL)
    try:
        yield url
    finally:
        drop_pg_database(PG_URL, url)


def env_for(url: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("FACTSHEET_")}
    env.update(
        FACTSHEET_DATABASE_URL=url,
        FACTSHEET_CACHE_REVISION_INTERVAL=str(INTERVAL),
        # Polling both servers as fast as this test does is not abuse.
        FACTSHEET_RATE_LIMIT_ENABLED="false",
    )
    return env


def run_command(env: dict[str, str], cwd: Path, *args: str) -> None:
    result = subprocess.run(
        [sys.executable, "-m", "app", *args],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        timeout=COMMAND_TIMEOUT,
    )
    assert result.returncode == 0, result.stderr


@dataclass
class Server:
    name: str
    base_url: str
    process: "subprocess.Popen[bytes]"
    log: Path
    seen: list[str] = field(default_factory=list)  # "old" or "new", per poll


@pytest.fixture
def servers(database_url: str, tmp_path: Path) -> Iterator[list[Server]]:
    env = env_for(database_url)
    run_command(env, tmp_path, "migrate")
    run_command(env, tmp_path, "seed", str(ROOT / "seed.json"))
    started: list[Server] = []
    try:
        for name in ("a", "b"):
            port = free_port()
            log = tmp_path / f"server-{name}.log"
            with log.open("wb") as out:
                process = subprocess.Popen(
                    [sys.executable, "-m", "app", "serve", "--port", str(port)],
                    cwd=tmp_path,
                    env=env,
                    stdout=out,
                    stderr=subprocess.STDOUT,
                )
            started.append(Server(name, f"http://127.0.0.1:{port}", process, log))
        for server in started:
            wait_until_ready(server.base_url, server.process, server.log)
        yield started
    finally:
        for server in started:
            stop(server.process)  # by the PID this test started


def version_of(url: str, body: dict[str, Any]) -> str:
    """ "old" or "new" for a whole response; fails on a response that mixes the two."""
    if "/search" in url:
        states = ["new"] if body["meta"]["total"] else ["old"]
    else:
        records = body["data"] if "data" in body else [body]
        titles = [r["title"] for r in records if r["id"] in CHANGED]
        assert titles, (url, body)
        states = ["new" if MARKER in title else "old" for title in titles]
    assert len(set(states)) == 1, f"{url} mixes old and new data: {body}"
    return states[0]


def poll(client: httpx.Client, server: Server) -> str:
    """One round over every URL: the server's state if all agree, else "mixed" (a round
    that spans the moment the server notices the new revision is old, then new)."""
    states = set()
    for url in URLS:
        response = client.get(server.base_url + url)
        assert response.status_code == 200, (url, response.text)
        states.add(version_of(url, response.json()))
    return states.pop() if len(states) == 1 else "mixed"


def changed_seed(tmp_path: Path) -> Path:
    data = json.loads((ROOT / "seed.json").read_text(encoding="utf-8"))
    changed = copy.deepcopy(data)
    for milestone in changed["milestones"]:
        if milestone["id"] in CHANGED:
            milestone["title"] = f"{milestone['title']} ({MARKER} edition)"
    path = tmp_path / "changed.json"
    path.write_text(json.dumps(changed), encoding="utf-8")
    return path


def cache_hits(server: Server, at_least: int, wait: float = 5.0) -> int:
    """Responses the server's access log says came from its response cache, once it says
    `at_least` or `wait` seconds have passed: a log line is written after its response is
    sent, so the client can read an answer before the line is in the file."""
    deadline = time.monotonic() + wait
    while True:
        text = server.log.read_text(encoding="utf-8", errors="replace")
        hits = sum(
            1
            for line in text.splitlines()
            if line.startswith("{") and '"cache":"hit"' in line.replace(" ", "")
        )
        if hits >= at_least or time.monotonic() > deadline:
            return hits
        time.sleep(0.05)


def test_two_processes_serve_a_reseed_within_the_revision_interval(
    servers: list[Server], database_url: str, tmp_path: Path
) -> None:
    with httpx.Client(timeout=5.0) as client:
        # Warm both caches: every URL twice, the second answer from the cache.
        for server in servers:
            assert poll(client, server) == "old"
            assert poll(client, server) == "old"
            assert cache_hits(server, len(URLS)) >= len(URLS), server.log.read_text()

        run_command(env_for(database_url), tmp_path, "seed", str(changed_seed(tmp_path)))
        committed = time.monotonic()
        deadline = committed + INTERVAL + MARGIN
        converged: dict[str, float] = {}
        while time.monotonic() < deadline and len(converged) < len(servers):
            for server in servers:
                state = poll(client, server)
                server.seen.append(state)
                if state == "new" and server.name not in converged:
                    converged[server.name] = time.monotonic() - committed
            time.sleep(POLL)

    lag = ", ".join(f"{name}: {s:.2f} s" for name, s in sorted(converged.items()))
    assert set(converged) == {"a", "b"}, f"not both new within {INTERVAL + MARGIN} s ({lag})"
    for server in servers:
        # Once new, never old (or partly old) again: the cache does not resurrect the old
        # revision. Before that a round may be mixed, never after.
        first_new = server.seen.index("new")
        assert set(server.seen[first_new:]) == {"new"}, server.seen
    print(f"converged after the reseed: {lag} (bound {INTERVAL} s + {MARGIN} s margin)")
