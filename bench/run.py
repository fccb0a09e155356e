"""The benchmark, in one command: `.venv/bin/python -m bench.run [--duration S] [--quick]`.

Seeds SQLite in a temp dir, times cold starts of `factsheet serve`, starts the API (cache
on, cache on with the JSON access log, cache off; rate limiting off in all three) and a
bare ASGI baseline side by side, loads each scenario in turn with
the server pinned to core 0 and wrk to core 1, and writes bench/RESULTS.md.
"""

import argparse
import datetime as dt
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
from bench.baseline import ENV_DIR, save_response
from bench.load import LoadGenerator
from bench.machine import load_average, machine_info, versions
from bench.procs import (
    HOST,
    LOAD_CORE,
    REPO,
    SERVER_CORE,
    Server,
    bin_command,
    child_env,
    free_port,
    http_get,
    pinned,
    taskset_path,
    uvicorn_server,
)
from bench.report import ColdStart, Results, Run, Scenario, notes, render

LIST = "/v1/nris"
FILTERED = "/v1/nris?kind=youth&sort=-established_year&limit=20"
DETAIL = "/v1/nris/nri-017"
WARMUP_S = 1
SETTLE_S = 0.25  # after the generator exits, for requests still in the server
READY_TIMEOUT_S = 60.0
# Baseline windows are spread through the run; their mean is what ratios divide by.
ORDER = (
    "baseline",
    "list",
    "list_log",
    "revalidate",
    "baseline",
    "filtered",
    "detail",
    "baseline",
    "cache_off",
    "baseline",
)


def scenarios(etag: str) -> list[Scenario]:
    return [
        Scenario("baseline", "Baseline: bare ASGI, same bytes", "baseline", LIST),
        Scenario("list", "Cached list", "api", LIST, target=0.5),
        Scenario("list_log", "Cached list, JSON access log on", "api_log", LIST),
        Scenario(
            "revalidate",
            "304 revalidation",
            "api",
            LIST,
            headers=(f"If-None-Match: {etag}",),
            target=0.5,
            expect_status=304,
        ),
        Scenario("filtered", "Filtered list (cached)", "api", FILTERED),
        Scenario("detail", "Cached detail", "api", DETAIL, target=0.5),
        Scenario("cache_off", "List, cache off", "api_nocache", LIST, target=0.04),
    ]


def prepare_database(workdir: Path) -> Path:
    """`factsheet migrate` then `factsheet seed` into a fresh SQLite file."""
    path = workdir / "seeded.db"
    env = child_env({"FACTSHEET_DATABASE_URL": f"sqlite:///{path}"})
    for step in ("migrate", "seed"):
        command = [*bin_command("factsheet", "app.cli"), step]
        subprocess.run(command, cwd=workdir, env=env, check=True, capture_output=True, timeout=120)
    return path


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
    """Wall seconds from starting `factsheet serve` to its first 200 on /v1/nris, and the
    CPU seconds the process had used by then (migrate, seed, imports, first request)."""
    port = free_port()
    command = [
        *bin_command("factsheet", "app.cli"),
        "serve",
        "--host",
        HOST,
        "--port",
        str(port),
        "--log-level",
        "warning",
    ]
    server = Server(
        name=f"cold-{label}",
        command=pinned(command, SERVER_CORE if pin else None),
        port=port,
        env=child_env(
            {"FACTSHEET_DATABASE_URL": f"sqlite:///{db}", "FACTSHEET_ACCESS_LOG": "false"}
        ),
        cwd=workdir,
        log_path=workdir / f"cold-{label}.log",
    )
    servers.append(server)
    try:
        server.start()
        wall = server.wait_for_200(LIST, READY_TIMEOUT_S)
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
) -> Run:
    url = f"http://{HOST}:{server.port}{scenario.path}"
    generator.run(url, connections, WARMUP_S, scenario.headers)
    before = server.cpu_seconds()
    load = generator.run(url, connections, duration, scenario.headers)
    time.sleep(SETTLE_S)
    after = server.cpu_seconds()
    return Run(scenario.key, load, after - before)


def check(server: Server, scenario: Scenario) -> None:
    """The scenario answers as expected before it is loaded."""
    headers = {name: value for name, _, value in (h.partition(": ") for h in scenario.headers)}
    status = http_get(server.port, scenario.path, headers).status
    if status != scenario.expect_status:
        raise RuntimeError(
            f"{scenario.key}: {scenario.path} answered {status}, not {scenario.expect_status}"
        )


def start_ready(server: Server, servers: list[Server], path: str) -> None:
    servers.append(server)
    server.start()
    server.wait_for_200(path, READY_TIMEOUT_S)


def run(args: argparse.Namespace, workdir: Path, servers: list[Server], results: Results) -> None:
    pin = results.pinning.startswith("server")
    generator = LoadGenerator.choose(args.loadgen, pin)
    seeded_db = prepare_database(workdir)

    print(f"  cold starts: {args.cold_runs} of each kind ...", flush=True)
    seeded = ColdStart("seeded database", 1.0)
    empty = ColdStart("empty database (migrates and seeds)", 3.0)
    for i in range(args.cold_runs):
        db = copy_database(seeded_db, workdir / f"cold-seeded-{i}" / "factsheet.db")
        seeded.add(*cold_start(f"seeded-{i}", db, workdir, pin, servers))
        db = workdir / f"cold-empty-{i}" / "factsheet.db"
        empty.add(*cold_start(f"empty-{i}", db, workdir, pin, servers))
    results.cold_starts = [seeded, empty]

    db_url = f"sqlite:///{seeded_db}"
    # One client at thousands of requests a second would only measure 429s: the limiter is
    # off everywhere. The access log is off except where it is the thing measured.
    common = {"FACTSHEET_DATABASE_URL": db_url, "FACTSHEET_RATE_LIMIT_ENABLED": "false"}
    quiet = {**common, "FACTSHEET_ACCESS_LOG": "false"}
    api = uvicorn_server(
        "api",
        "app.main:create_app",
        REPO,
        workdir,
        {**quiet, "FACTSHEET_CACHE_ENABLED": "true"},
        pin,
    )
    logged = uvicorn_server(
        "api_log",
        "app.main:create_app",
        REPO,
        workdir,
        {**common, "FACTSHEET_ACCESS_LOG": "true", "FACTSHEET_CACHE_ENABLED": "true"},
        pin,
    )
    nocache = uvicorn_server(
        "api_nocache",
        "app.main:create_app",
        REPO,
        workdir,
        {**quiet, "FACTSHEET_CACHE_ENABLED": "false"},
        pin,
    )
    start_ready(api, servers, LIST)
    start_ready(logged, servers, LIST)
    start_ready(nocache, servers, LIST)

    # The second answer comes from the cache: those are the bytes the baseline serves.
    http_get(api.port, LIST)
    reply = http_get(api.port, LIST)
    if reply.status != 200:
        raise RuntimeError(f"the API answered {reply.status} on {LIST}")
    kept = [(k.lower(), v) for k, v in reply.headers if k.lower() not in ("date", "server")]
    etag = next(v for k, v in kept if k == "etag")
    baseline_dir = workdir / "baseline"
    baseline_dir.mkdir()
    save_response(baseline_dir, reply.status, kept, reply.body)
    baseline = uvicorn_server(
        "baseline", "bench.baseline:create_app", REPO, workdir, {ENV_DIR: str(baseline_dir)}, pin
    )
    start_ready(baseline, servers, LIST)
    if http_get(baseline.port, LIST).body != reply.body:
        raise RuntimeError("the baseline does not serve the API's bytes")

    by_server = {"api": api, "api_log": logged, "api_nocache": nocache, "baseline": baseline}
    by_key = {s.key: s for s in scenarios(etag)}
    results.scenarios = list(by_key.values())
    for scenario in results.scenarios:
        check(by_server[scenario.server], scenario)
    for key in ORDER:
        scenario = by_key[key]
        print(f"  {scenario.title}: {args.duration} s ...", flush=True)
        results.runs.append(
            measure(
                generator, by_server[scenario.server], scenario, args.connections, args.duration
            )
        )

    results.rss_kib = {
        "API worker, cache on": api.rss_kib(),
        "API worker, cache off": nocache.rss_kib(),
        "baseline (for reference)": baseline.rss_kib(),
    }
    results.notes += notes(results, len(reply.body))


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
    parser.add_argument("--out", type=Path, default=REPO / "bench" / "RESULTS.md")
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
    try:
        run(args, workdir, servers, results)
    finally:
        for server in reversed(servers):
            server.stop()
        shutil.rmtree(workdir, ignore_errors=True)
    results.finished = dt.datetime.now(dt.UTC)
    results.machine["load_end"] = load_average()
    args.out.write_text(render(results))
    headlines.refresh(args.out)
    print(f"bench: wrote {args.out}", flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
