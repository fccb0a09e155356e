"""Crash test: `kill -9` during `factsheet seed`, then prove the SQLite database holds exactly
the data from before the seed or exactly the data after it, is intact, and serves.

    .venv/bin/python -m tools.crash_test --runs 10

Each run alternates the target between the real seed.json and a large synthetic seed (the real
one plus every free NRI id, nri-175 to nri-999, and 20,000 synthetic facts, all named
"Synthetic ..."), so the data changes every time. For each run:

1. the expected outcome is made first: a copy of the database (SQLite's backup API) is seeded
   to completion, timing the run and the moment its write transaction starts (its WAL file
   grows);
2. `python -m app seed TARGET` runs on the real database and is sent SIGKILL at a random
   moment, usually inside the write transaction, sometimes before it;
3. `PRAGMA integrity_check` must say ok and `PRAGMA foreign_key_check` nothing; a digest of
   every table (timestamp columns left out: they hold the wall clock) must equal the digest
   from before the run or the one of the uninterrupted copy;
4. the API must start on the database: create_app, /readyz 200, /v1/facts 200 with the
   expected number of facts.

The figures go to tools/CRASH.md (or --report). Exit status 1 if any run fails a check.
"""

import argparse
import copy
import datetime as dt
import hashlib
import json
import os
import platform
import random
import shutil
import signal
import sqlite3
import subprocess
import sys
import tempfile
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from bench import headlines

REPO = Path(__file__).resolve().parents[1]
SEED = REPO / "seed.json"
REPORT = REPO / "tools" / "CRASH.md"
# The schema allows nri-000 to nri-999; the real NRIs are numbered from nri-001 up and stay
# well below 200 (synthetic_seed refuses an id the real data already uses).
FREE_NRI_IDS = range(200, 1000)
SEED_TIMEOUT = 600.0  # seconds for one uninterrupted seed run
POLL = 0.002  # seconds between looks at the WAL file


def synthetic_seed(real: dict[str, Any], facts: int, nris: int = len(FREE_NRI_IDS)) -> Any:
    """The real seed plus synthetic NRIs and facts, valid against app/seed_schema.json."""
    data = copy.deepcopy(real)
    taken = {nri["id"] for nri in data["nris"]}
    for number in list(FREE_NRI_IDS)[:nris]:
        if f"nri-{number:03d}" in taken:
            raise ValueError(f"nri-{number:03d} is a real NRI; move FREE_NRI_IDS above it")
        data["nris"].append(
            {
                "id": f"nri-{number:03d}",
                "name": f"Synthetic IGF initiative {number}",
                "kind": "youth",
                "country": None,
                "region": "Europe",
                "established_year": 2000 + number % 25,
                "recognised_year": None,
                "website": None,
                "source_url": f"https://example.org/synthetic/nri/{number}",
                "other_sources": [],
                "evidence": "existence_reported",
                "notes": "Synthetic record for the crash test; not real data.",
                "conflicts": [],
            }
        )
    for number in range(1, facts + 1):
        data["facts"].append(
            {
                "id": f"synthetic-fact-{number:05d}",
                "category": "fact_sheet",
                "label": f"Synthetic figure {number}",
                "value": number,
                "unit": "people",
                "qualifier": None,
                "as_of": 2025,
                "edition": None,
                "context": "Synthetic record for the crash test; not real data.",
                "source": "Synthetic",
                "source_url": None,
                "other_sources": [],
                "notes": None,
                "conflicts": [],
            }
        )
    return data


# --------------------------------------------------------------------------- the database


def _identifier(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def digest(path: Path) -> str:
    """SHA-256 over every row of every table, in a fixed order. Columns declared DATETIME or
    TIMESTAMP are left out: they hold the wall clock of the run that wrote them."""
    sha = hashlib.sha256()
    connection = sqlite3.connect(path)
    try:
        tables = [
            name
            for (name,) in connection.execute(
                "SELECT name FROM sqlite_master WHERE type = 'table' "
                "AND name NOT LIKE 'sqlite_%' ORDER BY name"
            )
        ]
        for table in tables:
            columns = [
                row[1]
                for row in connection.execute(f"PRAGMA table_info({_identifier(table)})")
                if not any(word in str(row[2]).upper() for word in ("DATETIME", "TIMESTAMP"))
            ]
            if not columns:
                continue
            listed = ", ".join(_identifier(c) for c in columns)
            sha.update(f"\x00{table}({listed})".encode())
            # Identifiers come from the database's own catalogue, quoted above.
            query = f"SELECT {listed} FROM {_identifier(table)} ORDER BY {listed}"  # nosec B608
            for row in connection.execute(query):
                sha.update(repr(row).encode())
    finally:
        connection.close()
    return sha.hexdigest()


def integrity(path: Path) -> tuple[str, int]:
    """(PRAGMA integrity_check as one string, number of foreign key violations)."""
    connection = sqlite3.connect(path)
    try:
        result = "; ".join(str(row[0]) for row in connection.execute("PRAGMA integrity_check"))
        violations = len(connection.execute("PRAGMA foreign_key_check").fetchall())
    finally:
        connection.close()
    return result, violations


def fact_count(path: Path) -> int:
    connection = sqlite3.connect(path)
    try:
        count: int = connection.execute("SELECT count(*) FROM fact").fetchone()[0]
    finally:
        connection.close()
    return count


def backup(source: Path, target: Path) -> None:
    """A consistent copy, committed WAL content included, whatever state the files are in."""
    for suffix in ("", "-wal", "-shm"):
        Path(f"{target}{suffix}").unlink(missing_ok=True)
    src, dst = sqlite3.connect(source), sqlite3.connect(target)
    try:
        src.backup(dst)
    finally:
        src.close()
        dst.close()


def settle(path: Path) -> None:
    """Checkpoint and empty the WAL (content unchanged), so the next process's first write
    transaction is what makes it grow."""
    connection = sqlite3.connect(path)
    try:
        connection.execute("PRAGMA wal_checkpoint(TRUNCATE)").fetchall()
    finally:
        connection.close()


def wal_signature(path: Path) -> int:
    """The WAL file's size. A connection creates the file empty; only writing grows it, and
    with the WAL settled beforehand the seed's one write transaction is the first to."""
    try:
        return Path(f"{path}-wal").stat().st_size
    except FileNotFoundError:
        return 0


# --------------------------------------------------------------------------- processes


def env_for(path: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("FACTSHEET_")}
    env["FACTSHEET_DATABASE_URL"] = f"sqlite:///{path}"
    return env


def seed_command(seed_file: Path) -> list[str]:
    return [sys.executable, "-m", "app", "seed", str(seed_file)]


@dataclass
class Timing:
    seconds: float  # process start to exit
    writes_from: float  # process start to the first growth of the WAL file


def seed_to_completion(path: Path, seed_file: Path) -> Timing:
    """Seed `path` from `seed_file` without interruption, watching when writing starts."""
    before = wal_signature(path)
    started = time.monotonic()
    writes_from: float | None = None
    with subprocess.Popen(
        seed_command(seed_file),
        cwd=REPO,
        env=env_for(path),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    ) as process:
        while process.poll() is None:
            if writes_from is None and wal_signature(path) != before:
                writes_from = time.monotonic() - started
            if time.monotonic() - started > SEED_TIMEOUT:
                process.kill()
                raise RuntimeError(f"seeding {seed_file.name} took over {SEED_TIMEOUT} s")
            time.sleep(POLL)
        errors = process.stderr.read().decode() if process.stderr else ""
    seconds = time.monotonic() - started
    if process.returncode != 0:
        raise RuntimeError(f"seeding {seed_file.name} failed ({process.returncode}): {errors}")
    return Timing(seconds, writes_from if writes_from is not None else seconds)


@dataclass
class Kill:
    at: float  # seconds after process start the SIGKILL was sent
    phase: str  # "before writing", "while writing" or "after exit" (the run had finished)


def seed_and_kill(path: Path, seed_file: Path, timing: Timing, rng: random.Random) -> Kill:
    """Run the seed and SIGKILL it: one time in five at a random moment before the uninterrupted
    run started writing (while the seed is read and validated), otherwise at a random moment
    of the write transaction, timed from this run's own first WAL write, since start-up times
    vary more than the writes do."""
    early = rng.random() < 0.2
    early_at = rng.uniform(0.0, timing.writes_from)
    into_writes = rng.uniform(0.0, max(timing.seconds - timing.writes_from, POLL))
    before = wal_signature(path)
    started = time.monotonic()
    writes_seen: float | None = None
    with subprocess.Popen(
        seed_command(seed_file),
        cwd=REPO,
        env=env_for(path),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    ) as process:
        while process.poll() is None:
            elapsed = time.monotonic() - started
            if writes_seen is None and wal_signature(path) != before:
                writes_seen = elapsed
            due = (
                writes_seen + into_writes
                if writes_seen is not None
                else (early_at if early else SEED_TIMEOUT)
            )
            if elapsed >= due or elapsed > SEED_TIMEOUT:
                os.kill(process.pid, signal.SIGKILL)
                process.wait(timeout=60)
                phase = "while writing" if writes_seen is not None else "before writing"
                return Kill(elapsed, phase)
            time.sleep(POLL)
    return Kill(time.monotonic() - started, "after exit")


def api_check(path: Path, expected_facts: int) -> str:
    """'ok', or what went wrong when the API is started on the database."""
    # Imported here: the tool's own checks need nothing of the app.
    from fastapi.testclient import TestClient

    from app.main import create_app
    from app.settings import Settings

    settings = Settings(
        database_url=f"sqlite:///{path}",
        rate_limit_enabled=False,
        access_log=False,
        _env_file=None,
    )
    app = create_app(settings)
    try:
        # localhost: a host the API answers to by default (testserver is not one).
        with TestClient(app, base_url="http://localhost") as client:
            ready = client.get("/readyz")
            if ready.status_code != 200:
                return f"/readyz {ready.status_code}: {ready.text[:200]}"
            facts = client.get("/v1/facts", params={"limit": 1})
            if facts.status_code != 200:
                return f"/v1/facts {facts.status_code}: {facts.text[:200]}"
            total = facts.json()["meta"]["total"]
            if total != expected_facts:
                return f"/v1/facts says {total} facts, the database holds {expected_facts}"
    finally:
        app.state.engine.dispose()
    return "ok"


# --------------------------------------------------------------------------- the runs


@dataclass
class Run:
    number: int
    source: str
    target: str
    seed_seconds: float
    writes_from: float
    kill: Kill
    outcome: str  # "old", "new" or "neither"
    integrity: str
    fk_violations: int
    api: str

    @property
    def passed(self) -> bool:
        return (
            self.outcome in ("old", "new")
            and self.integrity == "ok"
            and self.fk_violations == 0
            and self.api == "ok"
        )


@dataclass
class Result:
    runs: list[Run] = field(default_factory=list)
    facts: int = 0
    nris: int = 0
    started: str = ""
    finished: str = ""

    @property
    def passed(self) -> bool:
        return bool(self.runs) and all(run.passed for run in self.runs)


def crash_runs(
    workdir: Path, runs: int, facts: int, rng: random.Random, log: Any = print
) -> Result:
    result = Result(facts=facts, nris=len(FREE_NRI_IDS), started=_now())
    real = json.loads(SEED.read_text(encoding="utf-8"))
    seeds = {"real": workdir / "real.json", "big": workdir / "big.json"}
    shutil.copyfile(SEED, seeds["real"])
    seeds["big"].write_text(json.dumps(synthetic_seed(real, facts)), encoding="utf-8")
    database, reference = workdir / "factsheet.db", workdir / "reference.db"
    seed_to_completion(database, seeds["real"])
    current = "real"
    for number in range(1, runs + 1):
        # The target always differs from what the database holds, so every run changes data.
        target = "big" if fact_count(database) < facts else "real"
        old = digest(database)
        backup(database, reference)
        settle(reference)
        timing = seed_to_completion(reference, seeds[target])
        new = digest(reference)
        expected_facts = {old: fact_count(database), new: fact_count(reference)}
        settle(database)
        kill = seed_and_kill(database, seeds[target], timing, rng)
        checked, violations = integrity(database)
        now = digest(database)
        outcome = "old" if now == old else "new" if now == new else "neither"
        api = api_check(database, expected_facts.get(now, -1)) if outcome != "neither" else "-"
        run = Run(
            number,
            current,
            target,
            timing.seconds,
            timing.writes_from,
            kill,
            outcome,
            checked,
            violations,
            api,
        )
        result.runs.append(run)
        log(
            f"run {number}: {current} -> {target}, SIGKILL at {kill.at:.2f} s "
            f"({kill.phase}; writes {timing.writes_from:.2f}-{timing.seconds:.2f} s): "
            f"holds the {outcome} data, integrity {checked}, API {api}"
        )
        current = target if outcome == "new" else current
    result.finished = _now()
    return result


def _now() -> str:
    return dt.datetime.now(dt.UTC).strftime("%Y-%m-%d %H:%M:%S")


def summary(result: Result) -> str:
    def count(phase: str, outcome: str | None = None) -> int:
        return sum(
            1
            for run in result.runs
            if run.kill.phase == phase and (outcome is None or run.outcome == outcome)
        )

    return (
        f"killed while writing {count('while writing')} times (the write transaction rolled "
        f"back {count('while writing', 'old')} times, it had committed "
        f"{count('while writing', 'new')} times), before writing {count('before writing')} "
        f"times, after the seed had finished {count('after exit')} times; the database held "
        f"anything but the old or the new data {count_neither(result)} times"
    )


def count_neither(result: Result) -> int:
    return sum(1 for run in result.runs if run.outcome == "neither")


def report(result: Result, command: str) -> str:
    lines = [
        "# Crash test",
        "",
        "Generated by `tools/crash_test.py`; do not edit by hand, run it again.",
        "",
        f"- Date (UTC): {result.started} to {result.finished}",
        f"- Command: `{command}`",
        f"- Machine: {os.cpu_count()} CPUs, Python {platform.python_version()}, "
        f"SQLite {sqlite3.sqlite_version}",
        f"- Large seed: the real seed.json plus {result.nris} synthetic NRIs and "
        f"{result.facts:,} synthetic facts",
        f"- Result: **{'passed' if result.passed else 'FAILED'}**: {len(result.runs)} runs; "
        f"{summary(result)}",
        "",
        "Each run seeds a copy of the database to completion first (the *new* state, and the "
        "timings), then runs `python -m app seed` on the database itself and sends it SIGKILL. "
        "*Writes* is when the uninterrupted run wrote (from its first WAL write to its exit); "
        "*killed* says whether this run had started writing. *Holds* compares a digest of "
        "every table, timestamps left out, with the digests before the run (*old*) and of "
        "the copy (*new*). *API* starts the app on the database: /readyz 200 and /v1/facts "
        "200 with the right count.",
        "",
        "| run | seed | writes (s) | SIGKILL at (s) | killed | holds | integrity_check "
        "| FK violations | API |",
        "|--:|---|--:|--:|---|---|---|--:|---|",
    ]
    for run in result.runs:
        lines.append(
            f"| {run.number} | {run.source} → {run.target} | "
            f"{run.writes_from:.2f}–{run.seed_seconds:.2f} | {run.kill.at:.2f} | "
            f"{run.kill.phase} | {run.outcome} | {run.integrity} | {run.fk_violations} | "
            f"{run.api} |"
        )
    lines += [
        "",
        "Why it holds: a seed is one transaction that starts with `BEGIN IMMEDIATE`, and SQLite "
        "in WAL mode makes a transaction visible only when its commit record reaches the WAL; "
        "a process killed before that leaves frames that the next connection ignores.",
        "",
    ]
    return "\n".join(lines)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=10, help="kills (default 10)")
    parser.add_argument("--facts", type=int, default=20_000, help="synthetic facts")
    parser.add_argument("--random-seed", type=int, default=None, help="for the kill moments")
    parser.add_argument("--report", type=Path, default=REPORT, help="Markdown report to write")
    parser.add_argument("--workdir", type=Path, default=None, help="keep the files here")
    args = parser.parse_args(argv)
    if args.runs < 1 or args.facts < 1:
        parser.error("--runs and --facts must be at least 1")
    rng = random.Random(args.random_seed)
    command = " ".join(["python -m tools.crash_test", *(argv or sys.argv[1:])])
    if args.workdir is not None:
        args.workdir.mkdir(parents=True, exist_ok=True)
        result = crash_runs(args.workdir, args.runs, args.facts, rng)
    else:
        with tempfile.TemporaryDirectory(prefix="crash-test-") as workdir:
            result = crash_runs(Path(workdir), args.runs, args.facts, rng)
    args.report.write_text(report(result, command), encoding="utf-8")
    if args.report == REPORT:
        headlines.refresh()
    print(f"{'passed' if result.passed else 'FAILED'}; report written to {args.report}")
    return 0 if result.passed else 1


if __name__ == "__main__":
    raise SystemExit(main())
