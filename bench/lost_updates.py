"""Lost updates: `python -m bench.lost_updates [--database-url URL] [--clients 50] [--writes 20]
[--processes 2]`.

Prepares a database (`factsheet migrate`, `factsheet seed` with the bundled seed.json, and a
write token for milestones), starts --processes `factsheet serve` processes on free loopback
ports against it (rate limiting off), then runs --clients asyncio clients, spread round-robin
over the processes, each making --writes read-modify-write cycles of one milestone: GET it,
append an item of its own (`c7-w3`) to a list field, PATCH the whole list back as a JSON Merge
Patch with If-Match; a 412 starts the cycle again from the GET (after 0-20 ms), a 429 or 503
after a pause. Then, over HTTP, it checks that nothing was lost or doubled: the record holds
the seed's items and every appended one exactly once (each client's in its order, every
process agreeing), the record's revisions are the seed's creation plus one per write, each
adding exactly one item to the one before, and the change log has one `updated` entry per
write. Prints a JSON line and a summary; exit status 1 if a check fails.

--database-url: none (or `sqlite`) for a SQLite file in a temp dir; `sqlite:///PATH` for a
file that does not exist yet; a PostgreSQL URL for a scratch database created beside the
one it names (bench.pg: that database itself is only connected to) and dropped afterwards.
"""

import argparse
import asyncio
import datetime as dt
import json
import random
import subprocess
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Iterator, Sequence
from contextlib import ExitStack, contextmanager
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import httpx
from sqlalchemy.engine import make_url
from sqlmodel import Session

from bench.metrics import percentile
from bench.pg import scratch_database
from bench.procs import HOST, Server, api_server, bin_command, child_env

COLLECTION, RECORD, FIELD = "milestones", "ms-001", "unlinked_organisations"
RECORD_PATH = f"/v1/{COLLECTION}/{RECORD}"
EDITOR = "lost-updates-bench"
MERGE_PATCH = "application/merge-patch+json"
TIME_LIMIT_S = 900.0  # the whole client phase (PostgreSQL: some 550 s on 2 cores); then it fails
REQUEST_TIMEOUT_S = 60.0
READY_TIMEOUT_S = 60.0
COMMAND_TIMEOUT_S = 300.0
BACKOFF_412_S = 0.02  # a 412 retries after uniform(0, this)
BUSY_PAUSE_S = 0.1  # a 429 or 503 without Retry-After retries after this
# FACTSHEET_CACHE_REVISION_INTERVAL, the app's default: a process sees another's writes
# within it (app.revision), and a read it answers stale costs a 412 and a retry, never a
# lost update. 0.05 s made no difference to the run's length (50 x 20, SQLite, 2 cores).
REVISION_INTERVAL_S = 1.0


class BenchError(RuntimeError):
    """The run could not be made (a server or a command failed, the time ran out)."""


@dataclass
class Tally:
    """What the clients saw."""

    patch_s: list[float] = field(default_factory=list)  # successful PATCHes only
    cycle_s: list[float] = field(default_factory=list)  # first GET to the successful PATCH
    attempts: int = 0  # PATCHes sent
    statuses: Counter[int] = field(default_factory=Counter)  # of the PATCHes
    failed_reads: int = 0  # GETs answered 429 or 503, or not at all
    # A PATCH without a clear answer (a transport error, a 5xx) whose item the next read
    # showed: it had been written.
    found_written: int = 0


@dataclass
class Result:
    backend: str
    processes: int
    clients: int
    writes_per_client: int
    revision_interval_s: float
    successes: int
    attempts: int
    precondition_failed: int
    patch_statuses: dict[str, int]  # "0": no answer (a transport error)
    failed_reads: int  # GETs answered 429 or 503, or not at all (then retried)
    found_written: int
    seconds: float
    writes_per_s: float
    patch_p50_ms: float
    patch_p99_ms: float
    cycle_p50_ms: float
    cycle_p99_ms: float
    items_appended: int  # distinct appended items in the final record
    items_doubled: int  # appended items held more than once
    editor_revisions: int
    other_revisions: int
    updated_changes: int
    failures: list[str]

    @property
    def ok(self) -> bool:
        return not self.failures


def item(client: int, write: int) -> str:
    return f"c{client}-w{write}"


def _pause(response: httpx.Response) -> float:
    try:
        return min(float(response.headers.get("retry-after", BUSY_PAUSE_S)), 1.0)
    except ValueError:
        return BUSY_PAUSE_S


async def _read(http: httpx.AsyncClient, tally: Tally) -> httpx.Response:
    while True:
        try:
            response = await http.get(RECORD_PATH)
        except httpx.TransportError:
            tally.failed_reads += 1
            await asyncio.sleep(BUSY_PAUSE_S)
            continue
        if response.status_code not in (429, 503):
            if response.status_code != 200:
                raise BenchError(f"GET {RECORD_PATH}: {response.status_code} {response.text}")
            return response
        tally.failed_reads += 1
        await asyncio.sleep(_pause(response))


async def _client(
    number: int, base_url: str, token: str, writes: int, blind: bool, tally: Tally
) -> None:
    auth = {"Authorization": f"Bearer {token}", "Content-Type": MERGE_PATCH}
    async with httpx.AsyncClient(base_url=base_url, timeout=REQUEST_TIMEOUT_S) as http:
        for write in range(writes):
            mine = item(number, write)
            started = time.perf_counter()
            while True:
                read = await _read(http, tally)
                items: list[str] = read.json()[FIELD]
                if mine in items:
                    # Only after a PATCH whose answer was lost: a read that holds the item
                    # is the proof that it was written, and appending it again would double it.
                    tally.found_written += 1
                    break
                body = json.dumps({FIELD: [*items, mine]}).encode()
                headers = {**auth, "If-Match": "*" if blind else read.headers["etag"]}
                tally.attempts += 1
                sent = time.perf_counter()
                try:
                    response = await http.patch(RECORD_PATH, content=body, headers=headers)
                except httpx.TransportError:
                    tally.statuses[0] += 1
                    continue
                done = time.perf_counter()
                tally.statuses[response.status_code] += 1
                if response.status_code == 200:
                    tally.patch_s.append(done - sent)
                    tally.cycle_s.append(done - started)
                    break
                if response.status_code == 412:
                    await asyncio.sleep(random.uniform(0, BACKOFF_412_S))
                elif response.status_code in (429, 503) or response.status_code >= 500:
                    await asyncio.sleep(_pause(response))
                else:
                    raise BenchError(f"PATCH {RECORD_PATH}: {response.status_code} {response.text}")


async def _load(
    base_urls: Sequence[str],
    token: str,
    clients: int,
    writes: int,
    blind: bool,
    time_limit: float,
) -> Tally:
    tally = Tally()
    tasks = [
        _client(n, base_urls[n % len(base_urls)], token, writes, blind, tally)
        for n in range(clients)
    ]
    try:
        await asyncio.wait_for(asyncio.gather(*tasks), time_limit)
    except TimeoutError:
        raise BenchError(
            f"not done within {time_limit:g} s: {len(tally.patch_s)} of {clients * writes} "
            f"writes made ({tally.statuses[412]} answered 412)"
        ) from None
    return tally


def _command(env: dict[str, str], workdir: Path, *args: str) -> str:
    done = subprocess.run(
        [*bin_command("factsheet", "app"), *args],
        cwd=workdir,
        env=env,
        capture_output=True,
        text=True,
        timeout=COMMAND_TIMEOUT_S,
    )
    if done.returncode != 0:
        raise BenchError(f"factsheet {' '.join(args)} failed ({done.returncode}):\n{done.stderr}")
    return done.stdout


def prepare(url: str, workdir: Path) -> str:
    """Migrates and seeds the database at url; returns a new write token for milestones."""
    from app.collections import COLLECTIONS
    from app.db import make_engine
    from app.tokens import create_token

    env = child_env({"FACTSHEET_DATABASE_URL": url})
    _command(env, workdir, "migrate")
    _command(env, workdir, "seed")
    engine = make_engine(url)
    try:
        with Session(engine) as session:
            _, token = create_token(
                session,
                name=EDITOR,
                scope="write",
                collections=[COLLECTION],
                lifetime=dt.timedelta(days=1),
                now=dt.datetime.now(dt.UTC),
                known_collections=[c.name for c in COLLECTIONS if c.texts.detail is not None],
            )
    finally:
        engine.dispose()
    return token


@contextmanager
def database(url: str | None, workdir: Path) -> Iterator[str]:
    """The URL to run against: see the module's docstring."""
    if url is None or url == "sqlite":
        yield f"sqlite:///{workdir / 'factsheet.db'}"
        return
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        if not parsed.database or Path(parsed.database).exists():
            raise BenchError(f"{url}: give a SQLite file that does not exist yet")
        yield url
        return
    with scratch_database(url) as (_, scratch_url):
        yield scratch_url


def _get_json(http: httpx.Client, path: str) -> Any:
    response = http.get(path)
    if response.status_code != 200:
        raise BenchError(f"GET {path}: {response.status_code} {response.text}")
    return response.json()


def _revisions(http: httpx.Client) -> list[dict[str, Any]]:
    rows: list[dict[str, Any]] = []
    path: str | None = f"{RECORD_PATH}/revisions?limit=200"
    while path is not None:
        page = _get_json(http, path)
        rows += page["data"]
        path = page["links"]["next"]
    return rows


def verify(
    base_urls: Sequence[str], original: list[str], clients: int, writes: int
) -> tuple[dict[str, int], list[str]]:
    """The counts the checks read, and what is wrong (nothing, when no update was lost)."""
    wanted = [item(c, w) for c in range(clients) for w in range(writes)]
    failures: list[str] = []
    finals = []
    for base_url in base_urls:
        with httpx.Client(base_url=base_url, timeout=REQUEST_TIMEOUT_S) as http:
            finals.append(_get_json(http, RECORD_PATH)[FIELD])
    if any(final != finals[0] for final in finals):
        failures.append("the processes answer different versions of the record")
    final: list[str] = finals[0]
    if final[: len(original)] != original:
        failures.append(f"the seed's items {original} are not first in {FIELD}")
    appended = Counter(final[len(original) :])
    doubled = sorted(i for i, n in appended.items() if n > 1)
    missing = sorted(set(wanted) - set(appended))
    unknown = sorted(set(appended) - set(wanted))
    for what, items in (("lost", missing), ("doubled", doubled), ("unknown", unknown)):
        if items:
            failures.append(f"{len(items)} items {what}: {items[:10]}")
    for c in range(clients):
        order = [i for i in final if i.startswith(f"c{c}-w")]
        if order != [item(c, w) for w in range(writes)] and not (missing or doubled):
            failures.append(f"client {c}'s items are out of order: {order}")
    with httpx.Client(base_url=base_urls[0], timeout=REQUEST_TIMEOUT_S) as http:
        revisions = _revisions(http)
        changes = _get_json(
            http,
            f"/v1/changes?collection={COLLECTION}&record_id={RECORD}&action=updated&limit=1",
        )["meta"]["total"]
    by_editor = [r for r in revisions if r["actor"] == EDITOR]
    others = [r for r in revisions if r["actor"] != EDITOR]
    if [(r["actor"], r["action"]) for r in others] != [("seed", "created")]:
        failures.append(f"revisions by others than the editor: {others}")
    if len(by_editor) != len(wanted) or any(r["action"] != "updated" for r in by_editor):
        failures.append(
            f"{len(by_editor)} updates by the editor in the revisions, not {len(wanted)}"
        )
    for before, after in zip(revisions, revisions[1:], strict=False):
        if before["record"] is None or after["record"] is None:
            continue
        old, new = before["record"][FIELD], after["record"][FIELD]
        if new[:-1] != old or len(new) != len(old) + 1:
            failures.append(
                f"revision {after['number']} does not append one item to the one before"
            )
            break
    if changes != len(wanted):
        failures.append(f"{changes} `updated` entries in the change log, not {len(wanted)}")
    counts = {
        "items_appended": len(appended),
        "items_doubled": len(doubled),
        "editor_revisions": len(by_editor),
        "other_revisions": len(others),
        "updated_changes": int(changes),
    }
    return counts, failures


def _ms(values: list[float], fraction: float) -> float:
    return round(percentile(sorted(values), fraction) * 1000, 1) if values else 0.0


def run(
    database_url: str | None = None,
    clients: int = 50,
    writes: int = 20,
    processes: int = 2,
    revision_interval: float = REVISION_INTERVAL_S,
    time_limit: float = TIME_LIMIT_S,
    blind: bool = False,
) -> Result:
    """The whole benchmark; raises BenchError when it cannot be run to the end. `blind`
    clients send `If-Match: *`, overwriting what they did not read: their lost updates are
    what the checks must catch."""
    with ExitStack() as stack:
        workdir = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="lost-updates-")))
        url = stack.enter_context(database(database_url, workdir))
        token = prepare(url, workdir)
        env = {
            "FACTSHEET_DATABASE_URL": url,
            "FACTSHEET_RATE_LIMIT_ENABLED": "false",
            "FACTSHEET_CACHE_REVISION_INTERVAL": str(revision_interval),
        }
        servers: list[Server] = []
        try:
            for n in range(processes):
                server = api_server(f"api-{n}", workdir, env, pin=False)
                servers.append(server)
                server.start()
            for server in servers:
                server.wait_for_200("/readyz", READY_TIMEOUT_S, poll=0.1)
            base_urls = [f"http://{HOST}:{s.port}" for s in servers]
            with httpx.Client(base_url=base_urls[0], timeout=REQUEST_TIMEOUT_S) as http:
                original: list[str] = _get_json(http, RECORD_PATH)[FIELD]
            started = time.monotonic()
            tally = asyncio.run(_load(base_urls, token, clients, writes, blind, time_limit))
            seconds = time.monotonic() - started
            # Long enough for every process to see the last write (app.revision).
            time.sleep(revision_interval + 0.5)
            counts, failures = verify(base_urls, original, clients, writes)
        finally:
            for server in servers:
                server.stop(grace=30)  # by the PID it started
    successes = len(tally.patch_s) + tally.found_written
    if successes != clients * writes:
        failures.insert(0, f"{successes} writes made, not {clients * writes}")
    return Result(
        backend=make_url(url).get_backend_name(),
        processes=processes,
        clients=clients,
        writes_per_client=writes,
        revision_interval_s=revision_interval,
        successes=successes,
        attempts=tally.attempts,
        precondition_failed=tally.statuses[412],
        patch_statuses={str(s): n for s, n in sorted(tally.statuses.items())},
        failed_reads=tally.failed_reads,
        found_written=tally.found_written,
        seconds=round(seconds, 2),
        writes_per_s=round(successes / seconds, 1),
        patch_p50_ms=_ms(tally.patch_s, 0.5),
        patch_p99_ms=_ms(tally.patch_s, 0.99),
        cycle_p50_ms=_ms(tally.cycle_s, 0.5),
        cycle_p99_ms=_ms(tally.cycle_s, 0.99),
        failures=failures,
        **counts,
    )


def summary(result: Result) -> str:
    r = result
    lines = [
        f"{r.backend}, {r.processes} processes, {r.clients} clients x {r.writes_per_client} "
        f"writes (revision interval {r.revision_interval_s} s): {r.successes} writes in "
        f"{r.seconds} s, {r.writes_per_s} writes/s",
        f"PATCH p50 {r.patch_p50_ms} ms, p99 {r.patch_p99_ms} ms; read-modify-write cycle "
        f"p50 {r.cycle_p50_ms} ms, p99 {r.cycle_p99_ms} ms",
        f"{r.attempts} PATCHes, by status {r.patch_statuses}; {r.failed_reads} GETs answered "
        f"429/503 or not at all; {r.found_written} found written after an unclear answer",
        f"record: {r.items_appended} items appended, {r.items_doubled} doubled; revisions: "
        f"{r.editor_revisions} by the editor, {r.other_revisions} others; change log: "
        f"{r.updated_changes} updates",
    ]
    lines += [f"FAILED: {f}" for f in r.failures] or ["passed: no update lost"]
    return "\n".join(lines)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.lost_updates")
    parser.add_argument(
        "--database-url", help="sqlite (default), sqlite:///NEW_FILE or a PostgreSQL URL"
    )
    parser.add_argument("--clients", type=int, default=50)
    parser.add_argument("--writes", type=int, default=20, help="successful writes per client")
    parser.add_argument("--processes", type=int, default=2, help="server processes")
    parser.add_argument(
        "--revision-interval",
        type=float,
        default=REVISION_INTERVAL_S,
        help="FACTSHEET_CACHE_REVISION_INTERVAL of the servers, seconds",
    )
    parser.add_argument("--time-limit", type=float, default=TIME_LIMIT_S, help="seconds")
    parser.add_argument(
        "--blind",
        action="store_true",
        help="send If-Match: * instead of the ETag read: updates are lost, and the checks fail",
    )
    args = parser.parse_args(argv)
    try:
        result = run(
            args.database_url,
            args.clients,
            args.writes,
            args.processes,
            args.revision_interval,
            args.time_limit,
            args.blind,
        )
    except RuntimeError as exc:  # BenchError, or a server of bench.procs that did not start
        print(f"error: {exc}", file=sys.stderr)
        return 1
    print(json.dumps({**asdict(result), "ok": result.ok}))
    print(summary(result))
    return 0 if result.ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
