"""Load test: `.venv/bin/python -m bench.load_test [--requests N] [--max-seconds S]`.

Seeds SQLite in a temp dir, starts `factsheet serve --workers 2` on 127.0.0.1 (rate limiting
off: one client would only measure its own budget; everything else as in production, the
JSON access log included), discovers a request mix from its /openapi.json (bench.load_mix),
probes each request once, then sends at least --requests requests (default 200,000) from
several processes over keep-alive connections, bounded by --max-seconds. It counts socket
errors and timeouts, responses whose status the document does not declare for the
operation, and responses whose status differs from the probe; reports p50/p99 latency and
req/s in bench/LOAD.md. Exit status 1 if any error or undocumented status was seen.

wrk would generate load more cheaply, but it cannot read HEAD responses (it waits for the
Content-Length bytes that never come), so the generator is plain asyncio in a few processes.
"""

import argparse
import asyncio
import datetime as dt
import http.client
import multiprocessing
import random
import subprocess
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from bench import headlines
from bench.load_mix import Fetch, Variant, discover, with_conditionals
from bench.machine import load_average, machine_info, versions
from bench.metrics import percentile
from bench.procs import HOST, REPO, Response, Server, bin_command, child_env, free_port

REPORT = REPO / "bench" / "LOAD.md"
READ_TIMEOUT_S = 30.0  # one response; longer counts as a timeout
READY_TIMEOUT_S = 60.0


@dataclass
class Tally:
    """What one generator process saw."""

    latencies: list[float] = field(default_factory=list)
    statuses: Counter[tuple[int, int]] = field(default_factory=Counter)  # (variant, status)
    connect_errors: int = 0
    read_errors: int = 0
    timeouts: int = 0
    started: float = 0.0
    finished: float = 0.0


async def _read_response(reader: asyncio.StreamReader, head_request: bool) -> tuple[int, bool]:
    """Read one whole response; (status, whether the server will close the connection)."""
    head = await reader.readuntil(b"\r\n\r\n")
    lines = head.split(b"\r\n")
    status = int(lines[0].split()[1])
    length: int | None = None
    chunked = close = False
    for line in lines[1:]:
        name, _, value = line.partition(b":")
        name, value = name.strip().lower(), value.strip().lower()
        if name == b"content-length":
            length = int(value)
        elif name == b"transfer-encoding":
            chunked = b"chunked" in value
        elif name == b"connection":
            close = value == b"close"
    if head_request or status in (204, 304) or 100 <= status < 200:
        return status, close
    if chunked:
        while True:
            size = int((await reader.readuntil(b"\r\n")).split(b";")[0], 16)
            await reader.readexactly(size + 2)
            if size == 0:
                return status, close
    if length is not None:
        await reader.readexactly(length)
        return status, close
    await reader.read()  # delimited by the end of the connection
    return status, True


async def _connection(
    requests: list[bytes], heads: list[bool], order: list[int], quota: list[int], deadline: float
) -> Tally:
    tally = Tally()
    position = random.randrange(len(order))
    while quota[0] > 0 and time.monotonic() < deadline:
        try:
            reader, writer = await asyncio.open_connection(HOST, PORT[0], limit=2**22)
        except OSError:
            tally.connect_errors += 1
            await asyncio.sleep(0.05)
            continue
        try:
            while quota[0] > 0 and time.monotonic() < deadline:
                quota[0] -= 1
                index = order[position % len(order)]
                position += 1
                started = time.perf_counter()
                writer.write(requests[index])
                status, close = await asyncio.wait_for(
                    _read_response(reader, heads[index]), READ_TIMEOUT_S
                )
                tally.latencies.append(time.perf_counter() - started)
                tally.statuses[(index, status)] += 1
                if close:
                    break
        except TimeoutError:
            tally.timeouts += 1
        except (OSError, ValueError, asyncio.IncompleteReadError, asyncio.LimitOverrunError):
            tally.read_errors += 1
        finally:
            writer.close()
    return tally


PORT = [0]  # set in each generator process


async def _generate(
    requests: list[bytes], heads: list[bool], count: int, connections: int, seconds: float
) -> Tally:
    order = list(range(len(requests)))
    random.shuffle(order)
    quota = [count]
    started = time.monotonic()
    deadline = started + seconds
    parts = await asyncio.gather(
        *(_connection(requests, heads, order, quota, deadline) for _ in range(connections))
    )
    total = Tally(started=started, finished=time.monotonic())
    for part in parts:
        total.latencies.extend(part.latencies)
        total.statuses.update(part.statuses)
        total.connect_errors += part.connect_errors
        total.read_errors += part.read_errors
        total.timeouts += part.timeouts
    return total


def _process(args: tuple[int, list[bytes], list[bool], int, int, float, int]) -> Tally:
    port, requests, heads, count, connections, seconds, seed = args
    PORT[0] = port
    random.seed(seed)
    # time.monotonic() is one clock for every process of the machine, so the processes'
    # start and finish times can be compared.
    return asyncio.run(_generate(requests, heads, count, connections, seconds))


@dataclass
class Figures:
    requests: int
    seconds: float
    p50_ms: float
    p99_ms: float
    connect_errors: int
    read_errors: int
    timeouts: int
    undocumented: int
    changed: int
    per_operation: dict[str, Counter[int]]
    undocumented_examples: list[str]


def summarise(variants: list[Variant], tallies: Sequence[Tally]) -> Figures:
    latencies = sorted(x for t in tallies for x in t.latencies)
    statuses: Counter[tuple[int, int]] = Counter()
    for tally in tallies:
        statuses.update(tally.statuses)
    per_operation: dict[str, Counter[int]] = {}
    undocumented = changed = 0
    examples: list[str] = []
    for (index, status), count in sorted(statuses.items()):
        variant = variants[index]
        per_operation.setdefault(variant.operation, Counter())[status] += count
        if status not in variant.documented:
            undocumented += count
            examples.append(f"{variant.method} {variant.path} {variant.headers}: {status}")
        if status != variant.probed:
            changed += count
    return Figures(
        requests=len(latencies),
        seconds=max(t.finished for t in tallies) - min(t.started for t in tallies),
        p50_ms=percentile(latencies, 0.50) * 1000 if latencies else 0.0,
        p99_ms=percentile(latencies, 0.99) * 1000 if latencies else 0.0,
        connect_errors=sum(t.connect_errors for t in tallies),
        read_errors=sum(t.read_errors for t in tallies),
        timeouts=sum(t.timeouts for t in tallies),
        undocumented=undocumented,
        changed=changed,
        per_operation=per_operation,
        undocumented_examples=examples[:20],
    )


def start_server(workdir: Path, workers: int) -> Server:
    database = workdir / "factsheet.db"
    env = child_env(
        {"FACTSHEET_DATABASE_URL": f"sqlite:///{database}", "FACTSHEET_RATE_LIMIT_ENABLED": "0"}
    )
    seeded = subprocess.run(
        [*bin_command("factsheet", "app"), "seed"],
        cwd=workdir,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    if seeded.returncode != 0:
        raise RuntimeError(f"seeding failed: {seeded.stderr}")
    port = free_port()
    command = [
        *bin_command("factsheet", "app"),
        "serve",
        "--host",
        HOST,
        "--port",
        str(port),
        "--workers",
        str(workers),
        "--log-level",
        "warning",
    ]
    server = Server("api", command, port, env, workdir, workdir / "server.log")
    server.start()
    server.wait_for_200("/readyz", READY_TIMEOUT_S, poll=0.1)
    return server


def fetcher(port: int) -> Fetch:
    """One request on a fresh connection, sending only Host and the given headers."""

    def fetch(method: str, path: str, headers: dict[str, str]) -> Response:
        conn = http.client.HTTPConnection(HOST, port, timeout=READ_TIMEOUT_S)
        try:
            conn.putrequest(method, path, skip_accept_encoding=True)
            for name, value in headers.items():
                conn.putheader(name, value)
            conn.endheaders()
            reply = conn.getresponse()
            return Response(reply.status, reply.getheaders(), reply.read())
        finally:
            conn.close()

    return fetch


def probe(fetch: Fetch, variants: list[Variant]) -> dict[int, str]:
    """One request per variant: its status, and the ETag of each 200."""
    etags: dict[int, str] = {}
    for index, variant in enumerate(variants):
        response = fetch(variant.method, variant.path, variant.headers)
        variant.probed = response.status
        etag = {k.lower(): v for k, v in response.headers}.get("etag")
        if response.status == 200 and etag:
            etags[index] = etag
    return etags


def run_load(
    port: int, variants: list[Variant], total: int, processes: int, connections: int, seconds: float
) -> list[Tally]:
    host = f"{HOST}:{port}"
    requests = [v.request_bytes(host) for v in variants]
    heads = [v.method == "HEAD" for v in variants]
    share = [total // processes + (1 if i < total % processes else 0) for i in range(processes)]
    jobs = [
        (port, requests, heads, share[i], connections, seconds, 1000 + i) for i in range(processes)
    ]
    with multiprocessing.get_context("spawn").Pool(processes) as pool:
        return pool.map(_process, jobs)


def _ms(value: float) -> str:
    return f"{value:.2f} ms"


def report(
    figures: Figures,
    variants: list[Variant],
    command: str,
    settings: dict[str, str],
    when: tuple[str, str],
    machine: dict[str, str],
) -> str:
    ok = figures_pass(figures)
    purposes = Counter(v.purpose for v in variants)
    errors = figures.connect_errors + figures.read_errors + figures.timeouts
    lines = [
        "# Load test",
        "",
        "Generated by `bench/load_test.py`; do not edit by hand, run it again.",
        "",
        "## Load test",
        "",
        f"- Date (UTC): {when[0]} to {when[1]}",
        f"- Command: `{command}`",
        f"- Machine: {machine['nproc']} CPUs ({machine['cpu']}), {machine['memory']} memory, "
        f"Linux {machine['kernel']}; load average {machine['load_start']} at the start, "
        f"{load_average()} at the end",
        "- Versions: " + ", ".join(f"{k} {v}" for k, v in versions().items() if k != "wrk"),
        "- Server: " + ", ".join(f"{k} {v}" for k, v in settings.items()),
        f"- Request mix: {len(variants)} distinct requests over {len(figures.per_operation)} "
        "operations, discovered from /openapi.json at run time ("
        + ", ".join(f"{n} {p}" for p, n in sorted(purposes.items()))
        + "), sent in a shuffled cycle; statuses checked against each operation's "
        "documented responses",
        "",
        "| figure | value |",
        "|---|--:|",
        f"| result | **{'passed' if ok else 'FAILED'}** |",
        f"| requests completed | {figures.requests:,} |",
        f"| duration | {figures.seconds:.1f} s |",
        f"| throughput | {figures.requests / figures.seconds:,.0f} req/s |",
        f"| latency p50 | {_ms(figures.p50_ms)} |",
        f"| latency p99 | {_ms(figures.p99_ms)} |",
        f"| socket errors and timeouts | {errors} (connect {figures.connect_errors}, "
        f"read {figures.read_errors}, timeout {figures.timeouts}) |",
        f"| responses outside the operation's documented status codes | {figures.undocumented} |",
        f"| responses whose status differed from the probe of the same request | "
        f"{figures.changed} |",
        "",
        "Latency is measured by the load generator, from writing a request to reading the last "
        "byte of its response, on a machine whose two cores run the two server workers and "
        "the generator processes at once: it includes queueing behind the generator, so it "
        "is an upper bound on the server's own time.",
        "",
        "### Responses by operation",
        "",
        "| operation | requests | statuses |",
        "|---|--:|---|",
    ]
    for operation, counts in sorted(figures.per_operation.items()):
        shown = ", ".join(f"{status}: {n:,}" for status, n in sorted(counts.items()))
        lines.append(f"| `{operation}` | {sum(counts.values()):,} | {shown} |")
    if figures.undocumented_examples:
        lines += ["", "### Undocumented statuses", ""]
        lines += [f"- `{example}`" for example in figures.undocumented_examples]
    return "\n".join(lines) + "\n"


def figures_pass(figures: Figures, wanted: int = 0) -> bool:
    return (
        figures.requests >= wanted
        and figures.connect_errors + figures.read_errors + figures.timeouts == 0
        and figures.undocumented == 0
    )


def _now() -> str:
    return dt.datetime.now(dt.UTC).strftime("%Y-%m-%d %H:%M:%S")


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--requests", type=int, default=200_000, help="at least this many")
    parser.add_argument("--max-seconds", type=float, default=480.0, help="stop by then")
    parser.add_argument("--processes", type=int, default=2, help="generator processes")
    parser.add_argument("--connections", type=int, default=16, help="per generator process")
    parser.add_argument("--workers", type=int, default=2, help="server worker processes")
    parser.add_argument("--report", type=Path, default=REPORT)
    args = parser.parse_args(argv)
    command = " ".join(["python -m bench.load_test", *(argv or sys.argv[1:])])
    machine = machine_info()
    started = _now()
    with tempfile.TemporaryDirectory(prefix="load-test-") as workdir:
        server = start_server(Path(workdir), args.workers)
        try:
            fetch = fetcher(server.port)
            variants = discover(fetch)
            variants = with_conditionals(variants, probe(fetch, variants))
            probe(fetch, variants)
            print(f"{len(variants)} requests in the mix; loading", flush=True)
            tallies = run_load(
                server.port,
                variants,
                args.requests,
                args.processes,
                args.connections,
                args.max_seconds,
            )
        finally:
            server.stop(grace=30)
    figures = summarise(variants, tallies)
    settings = {
        "workers": str(args.workers),
        "rate limiting": "off",
        "response cache": "on",
        "JSON access log": "on",
        "generator": f"{args.processes} processes x {args.connections} keep-alive connections",
    }
    text = report(figures, variants, command, settings, (started, _now()), machine)
    args.report.write_text(text, encoding="utf-8")
    if args.report == REPORT:
        headlines.refresh()
    ok = figures_pass(figures, args.requests)
    print(
        f"{figures.requests:,} requests, {figures.requests / figures.seconds:,.0f} req/s, "
        f"p50 {_ms(figures.p50_ms)}, p99 {_ms(figures.p99_ms)}, "
        f"errors {figures.connect_errors + figures.read_errors + figures.timeouts}, "
        f"undocumented {figures.undocumented}: {'passed' if ok else 'FAILED'}; "
        f"written to {args.report}"
    )
    return 0 if ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
