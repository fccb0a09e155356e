"""A SQLite file replaced under a real server: a database rebuilt elsewhere (migrated and
seeded with different data) and moved into place with os.replace while requests run. Within
the revision interval every answer comes from the new file, none mixes the two, and /readyz
never says ok while answers may still come from a file no longer at the path."""

import os
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest
from sqlalchemy.engine import make_url

from tests.attacks.conftest import Serve, Server
from tests.test_replicas import URLS, changed_seed, run_command, version_of

INTERVAL = 0.5  # FACTSHEET_CACHE_REVISION_INTERVAL
# After the replacement: the interval, a request in flight, a busy 2-core machine.
SETTLED = INTERVAL + 2.0
WATCHED = 4.0  # seconds of traffic after the replacement
READERS = 8  # concurrent clients: more than the pool keeps, so it opens new connections


@pytest.fixture
def database_url(tmp_path: Path) -> Iterator[str]:
    yield f"sqlite:///{tmp_path / 'served' / 'factsheet.db'}"


@dataclass(frozen=True)
class Answer:
    started: float
    finished: float
    state: str  # "old" or "new" for data, "200"/"503" for /readyz


def read_until(server: Server, stop: threading.Event, urls: list[str], out: list[Answer]) -> None:
    with httpx.Client(base_url=server.base_url, timeout=10.0) as client:
        while not stop.is_set():
            for url in urls:
                started = time.monotonic()
                response = client.get(url)
                finished = time.monotonic()
                if url == "/readyz":
                    state = str(response.status_code)
                else:
                    assert response.status_code == 200, (url, response.text)
                    state = version_of(url, response.json())  # fails on a mixed response
                out.append(Answer(started, finished, state))


def test_a_file_replaced_while_serving_is_served_whole_and_readyz_says_so(
    serve: Serve, database_url: str, tmp_path: Path
) -> None:
    served = Path(make_url(database_url).database or "")
    rebuilt = tmp_path / "rebuilt" / "factsheet.db"
    env = {k: v for k, v in os.environ.items() if not k.startswith("FACTSHEET_")}
    env["FACTSHEET_DATABASE_URL"] = f"sqlite:///{rebuilt}"
    run_command(env, tmp_path, "seed", str(changed_seed(tmp_path)))
    assert not rebuilt.with_name(rebuilt.name + "-wal").exists()  # closed, checkpointed
    server = serve(cache_revision_interval=INTERVAL, rate_limit_enabled=False, access_log=False)

    stop = threading.Event()
    data: list[list[Answer]] = [[] for _ in range(READERS)]
    probes: list[Answer] = []
    threads = [
        threading.Thread(target=read_until, args=(server, stop, URLS, answers)) for answers in data
    ] + [threading.Thread(target=read_until, args=(server, stop, ["/readyz"], probes))]
    for thread in threads:
        thread.start()
    try:
        time.sleep(1.0)  # every reader has answers, cached ones among them, from the old file
        os.replace(rebuilt, served)
        replaced_at = time.monotonic()
        time.sleep(WATCHED)
    finally:
        stop.set()
        for thread in threads:
            thread.join(timeout=30)
    answers = sorted((a for reader in data for a in reader), key=lambda a: a.started)

    assert {a.state for a in answers if a.finished < replaced_at} == {"old"}
    late = [a.state for a in answers if a.started > replaced_at + SETTLED]
    assert late and set(late) == {"new"}, f"{late.count('old')} of {len(late)} still old"
    # Ready once the replacement is in: from then on, no answer comes from the old file.
    ready_again = min(
        (p.finished for p in probes if p.started > replaced_at and p.state == "200"),
        default=None,
    )
    assert ready_again is not None, [p.state for p in probes]
    after = [a.state for a in answers if a.started > ready_again]
    assert after and set(after) == {"new"}, f"{after.count('old')} of {len(after)} still old"
