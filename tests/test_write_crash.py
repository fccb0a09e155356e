"""Crash safety of an editor's write: `kill -9` a real server (`python -m app serve` on a
SQLite file) while editors stream merge patches at it, then prove that every write left its
record, revision, change log entry, search document and dataset revision together, or none
of them, and that no write answered 200 was lost. Like the seed's crash test
(tests/test_crash.py), it runs on SQLite only.

Each round starts the server on the same database, checks that it serves what the database
holds, and lets one client per milestone PATCH that milestone's notes over and over (a new
value each time, If-Match from the last answer). With four writers queueing for the write
lock, one of them is nearly always inside its transaction (which reads, checks and rewrites
the whole data set), so that is where most SIGKILLs land. A round's SIGKILL comes after a
number of answered PATCHes (0 to 9, a different number each round) plus a random part of one
PATCH's time: counted in writes rather than seconds, since a busy machine makes the server
start and write ten times slower. Just before each SIGKILL a probe tries `BEGIN IMMEDIATE`
without waiting: "database is locked" means that the server held the write lock, i.e. was
inside a write transaction, a moment before it died.
"""

import datetime as dt
import json
import os
import random
import signal
import sqlite3
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import closing, contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import pytest

from app.db import make_engine
from app.migrate import upgrade
from app.search.documents import sources
from app.seed import sync_seed
from tests.editing import make_token, patch_headers
from tests.test_cli import clean_env, free_port, stop, wait_until_ready
from tools.crash_test import integrity

EDITOR = "crash-editor"
WRITERS = 4  # milestones, one client each
# The SIGKILL of each round comes this many answered PATCHes after the writers start, then a
# random part of one PATCH's time later; in random order.
ANSWERS_BEFORE_KILL = (0, 1, 2, 4, 6, 9)
POLL = 0.002  # seconds between looks at the answers
# Generous: seven starts on a busy machine have taken over 20 s each (2 s when idle).
READY_TIMEOUT = 120.0
ANSWER_TIMEOUT = 60.0
HTTP_TIMEOUT = 30.0
JOIN_TIMEOUT = 15.0  # for a writer to notice that the server is gone
NOTE = "Crash test note {}."


@dataclass
class Sent:
    """One PATCH: the notes it sets, when it was sent, and the status that came back."""

    value: str
    started: float
    status: int | None = None  # None: no answer (the server died first)
    ended: float = 0.0  # when the answer came


@dataclass(frozen=True)
class Kill:
    after_answers: int
    then: float  # times the average PATCH time


@dataclass
class Round:
    ready: float  # seconds the server took to start
    kill_at: float  # seconds after the writers started
    phase: str  # "before writing", "between writes" or "while writing" (write lock held)
    answered: int = 0  # PATCHes answered in this round
    in_flight: list[Sent] = field(default_factory=list)  # sent before the kill, unanswered


def word(value: str) -> str:
    """The one word of a note that nothing else in the data holds."""
    return value.split()[-1].rstrip(".")


@contextmanager
def server(path: Path, log: Path) -> Iterator[tuple[str, "subprocess.Popen[bytes]"]]:
    """`python -m app serve` on the database, ready; the caller kills or stops it."""
    port = free_port()
    base_url = f"http://127.0.0.1:{port}"
    env = clean_env(
        database_url=f"sqlite:///{path}", rate_limit_enabled="false", access_log="false"
    )
    command = [sys.executable, "-m", "app", "serve", "--host", "127.0.0.1", "--port", str(port)]
    with (
        log.open("ab") as out,
        subprocess.Popen(command, cwd=path.parent, env=env, stdout=out, stderr=out) as process,
    ):
        try:
            wait_until_ready(base_url, process, log, READY_TIMEOUT)
            yield base_url, process
        finally:
            if process.poll() is None:
                process.kill()
            process.wait(timeout=HTTP_TIMEOUT)


def stream_patches(
    base_url: str, token: str, record_id: str, stop: threading.Event, sent: list[Sent]
) -> None:
    """PATCH the milestone's notes with a new value until told to stop or cut off."""
    with httpx.Client(base_url=base_url, timeout=HTTP_TIMEOUT) as client:
        try:
            etag = client.get(f"/v1/milestones/{record_id}").headers["ETag"]
            while not stop.is_set():
                patch = Sent(NOTE.format(f"crash{record_id.replace('-', '')}n{len(sent)}"), 0.0)
                sent.append(patch)
                patch.started = time.monotonic()
                response = client.patch(
                    f"/v1/milestones/{record_id}",
                    json={"notes": patch.value},
                    headers=patch_headers(token, etag),
                )
                patch.status, patch.ended = response.status_code, time.monotonic()
                if response.status_code != 200:  # no one else writes this record
                    return
                etag = response.headers["ETag"]
        except httpx.TransportError:
            return


def write_lock_held(probe: sqlite3.Connection) -> bool:
    """Whether another connection holds the write lock (is inside a write transaction)."""
    try:
        probe.execute("BEGIN IMMEDIATE")
    except sqlite3.OperationalError:  # database is locked
        return True
    probe.execute("ROLLBACK")
    return False


def write_and_kill(
    path: Path, log: Path, token: str, sent: dict[str, list[Sent]], kill: Kill
) -> Round:
    begun = time.monotonic()
    with (
        server(path, log) as (base_url, process),
        closing(sqlite3.connect(path, timeout=0, isolation_level=None)) as probe,
    ):
        ready = time.monotonic() - begun
        assert_served_as_held(base_url, path, list(sent))
        stop_writing = threading.Event()
        writers = [
            threading.Thread(
                target=stream_patches, args=(base_url, token, key, stop_writing, sent[key])
            )
            for key in sent
        ]
        started = time.monotonic()
        for writer in writers:
            writer.start()
        # Counted in answers, not seconds: a loaded machine slows the writes down tenfold.
        while answered_since(sent, started) < kill.after_answers:
            assert time.monotonic() - started < ANSWER_TIMEOUT, "the writes stalled"
            time.sleep(POLL)
        time.sleep(kill.then * write_seconds(sent))
        locked = write_lock_held(probe)
        os.kill(process.pid, signal.SIGKILL)
        killed = time.monotonic()
        stop_writing.set()
        for writer in writers:
            writer.join(JOIN_TIMEOUT)
        assert not any(writer.is_alive() for writer in writers), "a writer hangs"
    this_round = [p for patches in sent.values() for p in patches if p.started >= started]
    phase = "while writing" if locked else "between writes" if this_round else "before writing"
    return Round(
        ready,
        killed - started,
        phase,
        answered=answered_since(sent, started),
        in_flight=[p for p in this_round if p.status is None and p.started < killed],
    )


def answered_since(sent: dict[str, list[Sent]], started: float) -> int:
    return sum(p.status is not None and p.started >= started for ps in sent.values() for p in ps)


def write_seconds(sent: dict[str, list[Sent]]) -> float:
    """How long an answered PATCH took on average so far (a guess before the first one)."""
    times = [p.ended - p.started for ps in sent.values() for p in ps if p.ended]
    return sum(times) / len(times) if times else 0.1


def assert_served_as_held(base_url: str, path: Path, record_ids: list[str]) -> None:
    """The restarted server shows each milestone as the table holds it, and its search finds
    the milestone by the word of its current notes."""
    with closing(sqlite3.connect(path)) as db:
        held = dict(db.execute("SELECT id, notes FROM milestone"))
    for record_id in record_ids:
        shown = httpx.get(f"{base_url}/v1/milestones/{record_id}", timeout=HTTP_TIMEOUT)
        assert shown.json()["notes"] == held[record_id]
        if held[record_id].startswith(NOTE.format("")[:-1]):
            found = httpx.get(
                f"{base_url}/v1/milestones",
                params={"q": word(held[record_id])},
                timeout=HTTP_TIMEOUT,
            )
            assert [m["id"] for m in found.json()["data"]] == [record_id]


def database_problems(path: Path, base_revision: int, sent: dict[str, list[Sent]]) -> list[str]:
    """What breaks the all-or-nothing rule, read from the database file directly."""
    checked, violations = integrity(path)
    problems = [] if checked == "ok" else [f"integrity_check: {checked}"]
    problems += [f"{violations} foreign key violations"] if violations else []
    revisions: list[int] = []
    with closing(sqlite3.connect(path)) as db:
        db.row_factory = sqlite3.Row
        (dataset_revision,) = db.execute("SELECT revision FROM dataset").fetchone()
        for record_id, patches in sent.items():
            wrong, edits = record_problems(db, record_id, patches)
            problems += [f"{record_id}: {what}" for what in wrong]
            revisions += edits
    # Each write bumped the dataset revision by exactly one, and nothing else bumped it.
    if sorted(revisions) != list(range(base_revision + 1, dataset_revision + 1)):
        problems.append(
            f"dataset revision {base_revision} -> {dataset_revision}, but the edits carry "
            f"data revisions {sorted(revisions)}"
        )
    return problems


def record_problems(
    db: sqlite3.Connection, record_id: str, patches: list[Sent]
) -> tuple[list[str], list[int]]:
    """What is wrong with one milestone, and the data revisions of its edits."""
    row = dict(db.execute("SELECT * FROM milestone WHERE id = ?", (record_id,)).fetchone())
    history = db.execute(
        "SELECT actor, data_revision, record FROM record_revision "
        "WHERE collection = 'milestones' AND record_id = ? ORDER BY number",
        (record_id,),
    ).fetchall()
    edits = [r for r in history if r["actor"] == EDITOR]
    values = [json.loads(r["record"])["notes"] for r in edits]
    changes = db.execute(
        "SELECT revision FROM change WHERE collection = 'milestones' "
        "AND record_id = ? AND action = 'updated' AND actor = ? ORDER BY revision",
        (record_id, EDITOR),
    ).fetchall()
    document = db.execute(
        "SELECT id, title, body FROM search_document "
        "WHERE collection = 'milestones' AND record_id = ?",
        (record_id,),
    ).fetchone()
    # The PATCHes answered 200, in the order sent, each unanswered one where it committed.
    expected = [p.value for p in patches if p.status == 200 or p.value in values]
    # Every note ever sent but the current one: the index must have let go of them all.
    stale = [word(p.value) for p in patches if p.value != row["notes"]]
    wrong = {
        "the table's notes are not its latest revision's": row["notes"]
        != json.loads(history[-1]["record"])["notes"],
        "its revisions are not the PATCHes answered (and committed)": values != expected,
        "its change log entries are not its revisions": [r["data_revision"] for r in edits]
        != [r["revision"] for r in changes],
        "its search document is not the record's": document is None
        or (document["title"], document["body"]) != sources()["milestones"].build(row),
        "the search index misses its current notes": bool(edits)
        and indexed(db, [word(row["notes"])]) != [document["id"] if document else None],
        "the search index still holds notes it no longer has": indexed(db, stale) != [],
    }
    return [what for what, bad in wrong.items() if bad], [r["data_revision"] for r in edits]


def indexed(db: sqlite3.Connection, words: list[str]) -> list[int]:
    """The search documents the full-text index finds for any of the words."""
    if not words:
        return []
    query = " OR ".join(f'"{w}"' for w in words)
    return [
        r[0] for r in db.execute("SELECT rowid FROM search_fts WHERE search_fts MATCH ?", (query,))
    ]


@pytest.mark.slow
@pytest.mark.skipif(
    bool(os.environ.get("FACTSHEET_TEST_DATABASE_URL")),
    reason="SQLite only, whatever the suite's backend: the suite's SQLite run has it",
)
def test_sigkill_during_writes_leaves_each_write_whole_or_absent(
    tmp_path: Path, seed_data: dict[str, Any]
) -> None:
    path, log = tmp_path / "factsheet.db", tmp_path / "server.log"
    engine = make_engine(f"sqlite:///{path}")
    upgrade(engine)
    base_revision = sync_seed(engine, seed_data).revision
    token = make_token(engine, EDITOR, dt.datetime.now(dt.UTC))
    engine.dispose()
    sent: dict[str, list[Sent]] = {m["id"]: [] for m in seed_data["milestones"][:WRITERS]}
    rng = random.Random(20)
    rounds: list[Round] = []
    messages: list[str] = []
    order = rng.sample(ANSWERS_BEFORE_KILL, len(ANSWERS_BEFORE_KILL))
    for number, kill in enumerate((Kill(n, rng.random()) for n in order), start=1):
        done = write_and_kill(path, log, token, sent, kill)
        problems = database_problems(path, base_revision, sent)
        rounds.append(done)
        held = edited_notes(path)
        kept = sum(p.value in held for p in done.in_flight)
        messages.append(
            f"round {number}: ready in {done.ready:.1f} s, SIGKILL {done.kill_at:.3f} s into "
            f"the writes ({done.phase}); "
            f"{done.answered} PATCHes answered, {len(done.in_flight)} in flight ({kept} of "
            f"them committed all the same, {len(done.in_flight) - kept} not); "
            + ("; ".join(problems) or "consistent")
        )
        assert problems == [], "\n".join([*messages, log.read_text()[-3000:]])
    # A last start on what the last kill left: it serves it, and stops cleanly.
    with server(path, log) as (base_url, process):
        assert_served_as_held(base_url, path, list(sent))
        assert stop(process) == 0
    print("\n".join(messages))
    # Nothing was refused: every PATCH was answered 200 or cut off by a kill.
    assert {p.status for patches in sent.values() for p in patches} <= {200, None}
    # The point is to kill inside write transactions, with writes in flight.
    assert sum(r.phase == "while writing" for r in rounds) >= len(rounds) // 2, messages
    assert sum(bool(r.in_flight) for r in rounds) >= len(rounds) // 2, messages
    assert sum(r.answered for r in rounds) >= sum(ANSWERS_BEFORE_KILL), messages


def edited_notes(path: Path) -> set[str]:
    """Every notes value an edit committed."""
    with closing(sqlite3.connect(path)) as db:
        rows = db.execute(
            "SELECT json_extract(record, '$.notes') FROM record_revision WHERE actor = ?",
            (EDITOR,),
        )
        return {value for (value,) in rows}
