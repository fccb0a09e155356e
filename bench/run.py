"""The benchmark, in one command: `.venv/bin/python -m bench.run [--duration S] [--quick]`.

Seeds SQLite in a temp dir (and, when FACTSHEET_BENCH_POSTGRES_URL is set, a scratch
PostgreSQL database of its own), times cold starts of `factsheet serve`, starts the API as
deployed (`factsheet serve`, the API's defaults, JSON access log on; rate limiting off, the
load generator being a single client) with the cache on, with it off on SQLite and on
PostgreSQL, and with the access log off, plus two bare ASGI baselines on the same uvicorn
stack (the API's own cached `/v1/nris` bytes; 4 KB with two headers), then loads each
scenario in turn, baseline windows interleaved, with the server pinned to core 0 and the
load generator to core 1, and writes bench/RESULTS.md (or --out).
"""

import argparse
import contextlib
import datetime as dt
import json
import os
import shlex
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path

from bench import headlines
from bench.baseline import ENV_DIR, minimal_response, save_response
from bench.load import LoadGenerator
from bench.machine import load_average, machine_info, versions
from bench.pg import ENV_URL, BackendCpu, backend_cpu_seconds, bench_url, is_local, scratch_database
from bench.procs import (
    HOST,
    LOAD_CORE,
    REPO,
    SERVER_CORE,
    Server,
    api_server,
    bin_command,
    child_env,
    http_get,
    taskset_path,
    uvicorn_server,
)
from bench.report import (
    MINIMAL,
    SAME_BYTES,
    BaselineInfo,
    ColdStart,
    Results,
    Run,
    Scenario,
    Target,
    notes,
    render,
)

LIST = "/v1/nris?kind=youth&limit=5"
FULL_LIST = "/v1/nris"
DETAIL = "/v1/nris/nri-017"
COLD = "/v1/nris"
COLD_RECORDS = 50  # the default page of /v1/nris, every field of each record
WARMUP_S = 1
SETTLE_S = 0.25  # after the generator exits, for requests still in the server
READY_TIMEOUT_S = 60.0
SEEDED_COLD_START_S = 0.8
EMPTY_COLD_START_S = 3.0
CACHED_MIN_RATIO = 0.5  # of the minimal baseline, in server CPU per request
COLD_SQLITE_MAX_US = 500.0
COLD_PG_MAX_US = 800.0
# Baseline windows are spread through the run; their means are what ratios divide by.
ORDER = (
    MINIMAL,
    SAME_BYTES,
    "list",
    "detail",
    "revalidate",
    MINIMAL,
    SAME_BYTES,
    "full_list",
    "list_nolog",
    MINIMAL,
    SAME_BYTES,
    "cold_sqlite",
    "cold_pg",
    MINIMAL,
    SAME_BYTES,
)
RSS_NAMES = {
    "api": "API worker, cache on, access log on (the defaults)",
    "api_nolog": "API worker, cache on, access log off",
    "api_cold_sqlite": "API worker, cache off, SQLite",
    "api_cold_pg": "API worker, cache off, PostgreSQL",
    MINIMAL: "baseline, minimal (for reference)",
    SAME_BYTES: "baseline, same bytes (for reference)",
}


def scenarios(etag: str) -> list[Scenario]:
    cached = Target(min_ratio=CACHED_MIN_RATIO)
    return [
        Scenario(MINIMAL, "Baseline: minimal, 4 KB", MINIMAL, "/"),
        Scenario(SAME_BYTES, "Baseline: the API's cached /v1/nris bytes", SAME_BYTES, FULL_LIST),
        Scenario("list", "Cached list", "api", LIST, target=cached),
        Scenario("detail", "Cached detail", "api", DETAIL, target=cached),
        Scenario(
            "revalidate",
            "304 revalidation (cached list, If-None-Match)",
            "api",
            LIST,
            headers=(f"If-None-Match: {etag}",),
            target=cached,
            expect_status=304,
        ),
        Scenario(
            "cold_sqlite",
            f"Cold list, SQLite (cache off, {COLD_RECORDS} full records)",
            "api_cold_sqlite",
            COLD,
            target=Target(max_cpu_us=COLD_SQLITE_MAX_US),
        ),
        Scenario(
            "cold_pg",
            f"Cold list, PostgreSQL (cache off, {COLD_RECORDS} full records)",
            "api_cold_pg",
            COLD,
            target=Target(max_cpu_us=COLD_PG_MAX_US),
        ),
        Scenario("list_nolog", "Cached list, access log off", "api_nolog", LIST, headline=False),
        Scenario(
            "full_list",
            "Cached full list (the same-bytes baseline's response)",
            "api",
            FULL_LIST,
            headline=False,
        ),
    ]


def prepare_database(url: str, workdir: Path) -> None:
    """`factsheet migrate` then `factsheet seed` into an empty database."""
    env = child_env({"FACTSHEET_DATABASE_URL": url})
    for step in ("migrate", "seed"):
        command = [*bin_command("factsheet", "app.cli"), step]
        done = subprocess.run(
            command, cwd=workdir, env=env, capture_output=True, text=True, timeout=300
        )
        if done.returncode != 0:
            raise RuntimeError(f"factsheet {step} failed:\n{done.stdout}{done.stderr}")


def copy_database(source: Path, target: Path) -> Path:
    target.parent.mkdir(parents=True, exist_ok=True)
    for suffix in ("", "-wal", "-shm"):
        extra = Path(f"{source}{suffix}")
        if extra.exists():
            shutil.copyfile(extra, Path(f"{target}{suffix}"))
    return target


def cold_start(
    label: str, db: Path, workdir: Path, pin: bool, servers: list[Server]
) -> tuple[float, float]:
    """Wall seconds from starting `factsheet serve` (the API's defaults) to its first 200 on
    /v1/nris, and the CPU seconds the process had used by then (migrate, seed, imports,
    first request)."""
    server = api_server(
        f"cold-{label}", workdir, {"FACTSHEET_DATABASE_URL": f"sqlite:///{db}"}, pin
    )
    servers.append(server)
    try:
        server.start()
        wall = server.wait_for_200(COLD, READY_TIMEOUT_S)
        return wall, server.cpu_seconds()
    finally:
        server.stop()
        servers.remove(server)


def measure(
    generator: LoadGenerator,
    server: Server,
    scenario: Scenario,
    connections: int,
    duration: int,
    backend: BackendCpu | None = None,
) -> Run:
    url = f"http://{HOST}:{server.port}{scenario.path}"
    generator.run(url, connections, WARMUP_S, scenario.headers)
    backend_before = backend.ticks() if backend else None
    before = server.cpu_seconds()
    load = generator.run(url, connections, duration, scenario.headers)
    time.sleep(SETTLE_S)
    after = server.cpu_seconds()
    backend_after = backend.ticks() if backend else None
    backend_cpu = (
        backend_cpu_seconds(backend_before, backend_after)
        if backend_before and backend_after
        else None  # no PostgreSQL, or its processes are not in this machine's /proc
    )
    return Run(scenario.key, load, after - before, backend_cpu)


def check(server: Server, scenario: Scenario) -> int:
    """The scenario answers as expected before it is loaded; returns its body's size."""
    headers = {name: value for name, _, value in (h.partition(": ") for h in scenario.headers)}
    reply = http_get(server.port, scenario.path, headers)
    if reply.status != scenario.expect_status:
        raise RuntimeError(
            f"{scenario.key}: {scenario.path} answered {reply.status}, not {scenario.expect_status}"
        )
    return len(reply.body)


def check_cold(server: Server) -> None:
    """The cold path answers a full page of full records."""
    reply = http_get(server.port, COLD)
    records = json.loads(reply.body).get("data", [])
    if reply.status != 200 or len(records) != COLD_RECORDS:
        raise RuntimeError(
            f"{server.name}: {COLD} answered {reply.status} with {len(records)} records, "
            f"not 200 with {COLD_RECORDS}"
        )


def start_ready(server: Server, servers: list[Server], path: str) -> None:
    servers.append(server)
    server.start()
    server.wait_for_200(path, READY_TIMEOUT_S)


def start_postgres(
    admin_url: str,
    workdir: Path,
    pin: bool,
    servers: list[Server],
    cleanup: contextlib.ExitStack,
) -> tuple[Server, BackendCpu | None]:
    """A scratch database, migrated and seeded, and the cache-off API on it."""
    name, url = cleanup.enter_context(scratch_database(admin_url))
    print(f"  PostgreSQL: scratch database {name}", flush=True)
    prepare_database(url, workdir)
    server = api_server(
        "api_cold_pg",
        workdir,
        {
            "FACTSHEET_DATABASE_URL": url,
            "FACTSHEET_RATE_LIMIT_ENABLED": "false",
            "FACTSHEET_CACHE_ENABLED": "false",
        },
        pin,
    )
    start_ready(server, servers, COLD)
    return server, (BackendCpu(admin_url, name) if is_local(admin_url) else None)


def run(
    args: argparse.Namespace,
    workdir: Path,
    servers: list[Server],
    results: Results,
    cleanup: contextlib.ExitStack,
) -> None:
    pin = results.pinning.startswith("server")
    generator = LoadGenerator.choose(args.loadgen, pin)
    seeded_db = workdir / "seeded.db"
    prepare_database(f"sqlite:///{seeded_db}", workdir)

    print(f"  cold starts: {args.cold_runs} of each kind ...", flush=True)
    seeded = ColdStart("seeded database", SEEDED_COLD_START_S)
    empty = ColdStart("empty database (migrates and seeds)", EMPTY_COLD_START_S)
    for i in range(args.cold_runs):
        db = copy_database(seeded_db, workdir / f"cold-seeded-{i}" / "factsheet.db")
        seeded.add(*cold_start(f"seeded-{i}", db, workdir, pin, servers))
        db = workdir / f"cold-empty-{i}" / "factsheet.db"
        empty.add(*cold_start(f"empty-{i}", db, workdir, pin, servers))
    results.cold_starts = [seeded, empty]

    # The API's defaults, but for the rate limiter: one client at thousands of requests a
    # second would only measure 429s.
    sqlite = {
        "FACTSHEET_DATABASE_URL": f"sqlite:///{seeded_db}",
        "FACTSHEET_RATE_LIMIT_ENABLED": "false",
    }
    by_server: dict[str, Server] = {
        "api": api_server("api", workdir, sqlite, pin),
        "api_nolog": api_server(
            "api_nolog", workdir, {**sqlite, "FACTSHEET_ACCESS_LOG": "false"}, pin
        ),
        "api_cold_sqlite": api_server(
            "api_cold_sqlite", workdir, {**sqlite, "FACTSHEET_CACHE_ENABLED": "false"}, pin
        ),
    }
    for server in by_server.values():
        start_ready(server, servers, FULL_LIST)
    check_cold(by_server["api_cold_sqlite"])

    backend: BackendCpu | None = None
    pg_url = bench_url(os.environ)
    if pg_url is None:
        results.skipped["cold_pg"] = f"not measured: {ENV_URL} unset"
    else:
        try:
            by_server["api_cold_pg"], backend = start_postgres(
                pg_url, workdir, pin, servers, cleanup
            )
            check_cold(by_server["api_cold_pg"])
        except Exception as exc:  # the rest of the run still stands
            reason = str(exc).strip().splitlines()[0] if str(exc).strip() else ""
            results.skipped["cold_pg"] = f"not measured: {type(exc).__name__}: {reason}"
            print(f"  PostgreSQL row {results.skipped['cold_pg']}", flush=True)
            by_server.pop("api_cold_pg", None)

    # The second answer comes from the cache: those are the bytes the same-bytes baseline
    # serves. uvicorn adds `date` to both; neither sends `server`.
    api = by_server["api"]
    http_get(api.port, FULL_LIST)
    reply = http_get(api.port, FULL_LIST)
    if reply.status != 200:
        raise RuntimeError(f"the API answered {reply.status} on {FULL_LIST}")
    kept = [(k.lower(), v) for k, v in reply.headers if k.lower() not in ("date", "server")]
    for key, (status, headers, body), date_header in (
        (SAME_BYTES, (reply.status, kept, reply.body), True),
        (MINIMAL, minimal_response(), False),
    ):
        directory = workdir / key
        directory.mkdir()
        save_response(directory, status, headers, body)
        server = uvicorn_server(
            key,
            "bench.baseline:create_app",
            REPO,
            workdir,
            {ENV_DIR: str(directory)},
            pin,
            date_header=date_header,
        )
        start_ready(server, servers, "/")
        served = http_get(server.port, "/")
        if served.body != body:
            raise RuntimeError(f"{key} does not serve the bytes it was given")
        names = tuple(k.lower() for k, _ in served.headers)
        if key == MINIMAL and names != ("content-type", "content-length"):
            raise RuntimeError(f"the minimal baseline sent headers {names}")
        results.baselines[key] = BaselineInfo(len(served.body), names)
        by_server[key] = server
    results.stacks = {name: server.http_stack() for name, server in by_server.items()}

    etag = dict((k.lower(), v) for k, v in http_get(api.port, LIST).headers)["etag"]
    results.scenarios = scenarios(etag)
    by_key = {s.key: s for s in results.scenarios}
    body_bytes = {
        s.key: check(by_server[s.server], s) for s in results.scenarios if s.server in by_server
    }
    for key in ORDER:
        scenario = by_key[key]
        if scenario.server not in by_server:
            continue  # not measured: results.skipped says why
        print(f"  {scenario.title}: {args.duration} s ...", flush=True)
        results.runs.append(
            measure(
                generator,
                by_server[scenario.server],
                scenario,
                args.connections,
                args.duration,
                backend if scenario.key == "cold_pg" else None,
            )
        )

    results.rss_kib = {RSS_NAMES[name]: server.rss_kib() for name, server in by_server.items()}
    results.notes += notes(results, body_bytes)


def pinning_plan() -> tuple[bool, str]:
    """Pin when taskset exists and this process may use both cores."""
    if taskset_path() is None:
        return False, "none: taskset is not installed, so processes float across cores"
    allowed = os.sched_getaffinity(0)
    if not {SERVER_CORE, LOAD_CORE} <= allowed:
        return False, f"none: this process may only use cores {sorted(allowed)}"
    return True, (
        f"server on core {SERVER_CORE}, load generator and bench driver on core {LOAD_CORE} "
        "(`taskset -c`)"
    )


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m bench.run", description=__doc__)
    parser.add_argument("--duration", type=int, default=10, help="seconds per window")
    parser.add_argument("--connections", type=int, default=32)
    parser.add_argument("--quick", action="store_true", help="2 s windows, one cold start each")
    parser.add_argument("--cold-runs", type=int, default=3, help="cold starts of each kind")
    parser.add_argument(
        "--out",
        type=Path,
        default=REPO / "bench" / "RESULTS.md",
        help="where the report goes (default bench/RESULTS.md); the load and crash test "
        "headlines are added to it",
    )
    parser.add_argument(
        "--loadgen", choices=["auto", "wrk", "python"], default="auto", help="default: wrk"
    )
    args = parser.parse_args(argv)
    if args.quick:
        args.duration, args.cold_runs = 2, 1
    if args.duration < 1 or args.connections < 1 or args.cold_runs < 1:
        parser.error("--duration, --connections and --cold-runs must be at least 1")
    return args


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    pin, pinning = pinning_plan()
    generator = LoadGenerator.choose(args.loadgen, pin)
    results = Results(
        started=dt.datetime.now(dt.UTC),
        command=shlex.join(
            [".venv/bin/python", "-m", "bench.run", *(sys.argv[1:] if argv is None else argv)]
        ),
        connections=args.connections,
        duration=args.duration,
        load_generator=(
            f"wrk -t1 -c{args.connections} -d{args.duration}s --latency"
            if generator.kind == "wrk"
            else "bench/loadgen.py (wrk not on PATH; slower than wrk, may limit req/s)"
        ),
        pinning=pinning,
        machine=machine_info(),
        versions=versions(),
        scenarios=[],
    )
    # SIGTERM becomes SystemExit, so the finally below still stops every server.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(128 + signal.SIGTERM))
    if pin:
        os.sched_setaffinity(0, {LOAD_CORE})  # keep the driver off the server's core
    workdir = Path(tempfile.mkdtemp(prefix="factsheet-bench-"))
    servers: list[Server] = []
    print(f"bench: work dir {workdir}; {pinning}", flush=True)
    # The servers stop before the scratch PostgreSQL database is dropped.
    with contextlib.ExitStack() as cleanup:
        cleanup.callback(shutil.rmtree, workdir, ignore_errors=True)
        try:
            run(args, workdir, servers, results, cleanup)
        finally:
            for server in reversed(servers):
                server.stop()
    results.finished = dt.datetime.now(dt.UTC)
    results.machine["load_end"] = load_average()
    args.out.write_text(render(results))
    headlines.refresh(args.out)
    print(f"bench: wrote {args.out}", flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
