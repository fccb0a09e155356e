"""What a run measured, and its rendering as bench/RESULTS.md."""

import datetime as dt
from dataclasses import dataclass, field

from bench.metrics import LoadResult, cpu_per_request_us, cpu_ratio, mean, median, throughput_ratio

RSS_TARGET_MB = 120.0
BUSY_ENOUGH = 0.8  # below this share of its core, the server was held back by something else


@dataclass(frozen=True)
class Scenario:
    key: str
    title: str
    server: str  # which running server: baseline, api, api_nocache
    path: str
    headers: tuple[str, ...] = ()
    target: float | None = None  # least ratio to the baseline the issue asks for
    expect_status: int = 200


@dataclass(frozen=True)
class Run:
    """One measured window of one scenario."""

    scenario: str
    load: LoadResult
    cpu_seconds: float  # the server's utime + stime over the window

    @property
    def cpu_us(self) -> float | None:
        return cpu_per_request_us(self.cpu_seconds, self.load.requests)

    @property
    def busy(self) -> float:
        """Share of one core the server used during the window."""
        return self.cpu_seconds / self.load.duration_s if self.load.duration_s > 0 else 0.0


@dataclass(frozen=True)
class Summary:
    """A scenario's runs together: means of req/s and latency, CPU over all requests."""

    rps: float
    p50_ms: float
    p99_ms: float
    cpu_us: float | None
    busy: float
    least_busy: float
    runs: int

    @classmethod
    def of(cls, runs: list[Run]) -> "Summary":
        requests = sum(r.load.requests for r in runs)
        return cls(
            rps=mean([r.load.rps for r in runs]),
            p50_ms=mean([r.load.p50_ms for r in runs]),
            p99_ms=mean([r.load.p99_ms for r in runs]),
            cpu_us=cpu_per_request_us(sum(r.cpu_seconds for r in runs), requests),
            busy=mean([r.busy for r in runs]),
            least_busy=min(r.busy for r in runs),
            runs=len(runs),
        )


@dataclass
class ColdStart:
    label: str
    target_s: float
    seconds: list[float] = field(default_factory=list)  # wall, start to first 200
    cpu_seconds: list[float] = field(default_factory=list)  # used by then

    def add(self, wall: float, cpu: float) -> None:
        self.seconds.append(wall)
        self.cpu_seconds.append(cpu)

    @property
    def median_s(self) -> float:
        return median(self.seconds)


@dataclass
class Results:
    started: dt.datetime
    command: str
    connections: int
    duration: int
    load_generator: str
    pinning: str
    machine: dict[str, str]
    versions: dict[str, str]
    scenarios: list[Scenario]
    runs: list[Run] = field(default_factory=list)
    cold_starts: list[ColdStart] = field(default_factory=list)
    rss_kib: dict[str, int] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)
    finished: dt.datetime | None = None

    def summary(self, key: str) -> Summary | None:
        runs = [r for r in self.runs if r.scenario == key]
        return Summary.of(runs) if runs else None


def _num(value: float | None, digits: int = 2) -> str:
    return "n/a" if value is None else f"{value:,.{digits}f}"


def _ms(value: float) -> str:
    return f"{value * 1000:.0f} µs" if value < 1 else f"{value:.2f} ms"


def verdict(value: float | None, target: float | None, at_most: bool = False) -> str:
    if target is None:
        return "—"
    if value is None:
        return "not measured"
    ok = value <= target if at_most else value >= target
    return "met" if ok else "**not met**"


def _scenario_table(results: Results) -> list[str]:
    base = results.summary("baseline")
    lines = [
        "| Scenario | Request | req/s | p50 | p99 | server CPU/req | server busy "
        "| × baseline (req/s) | × baseline (CPU/req) | target | met (req/s) | met (CPU) |",
        "|---|---|--:|--:|--:|--:|--:|--:|--:|--:|---|---|",
    ]
    for scenario in results.scenarios:
        row = results.summary(scenario.key)
        if row is None:
            continue
        by_rps = throughput_ratio(row.rps, base.rps) if base else None
        by_cpu = cpu_ratio(base.cpu_us, row.cpu_us) if base else None
        held_back = min(row.least_busy, base.least_busy if base else 1.0) < BUSY_ENOUGH
        mark = " †" if held_back and scenario.key != "baseline" else ""
        target = "—" if scenario.target is None else f"≥ {scenario.target:g}"
        title = scenario.title + (f" (mean of {row.runs})" if row.runs > 1 else "")
        lines.append(
            f"| {title} | `{scenario.path}` | {_num(row.rps, 0)} | {_ms(row.p50_ms)} "
            f"| {_ms(row.p99_ms)} | {_num(row.cpu_us, 0)} µs | {row.busy:.0%} "
            f"| {_num(by_rps, 3)}{mark} | {_num(by_cpu, 3)} | {target} "
            f"| {verdict(by_rps, scenario.target)}{mark if scenario.target else ''} "
            f"| {verdict(by_cpu, scenario.target)} |"
        )
    return lines


def _runs_table(results: Results) -> list[str]:
    lines = [
        "| # | Scenario | requests | req/s | p50 | p99 | server CPU | CPU/req | busy "
        "| non-2xx/3xx | socket errors |",
        "|--:|---|--:|--:|--:|--:|--:|--:|--:|--:|--:|",
    ]
    for number, run in enumerate(results.runs, start=1):
        load = run.load
        lines.append(
            f"| {number} | {run.scenario} | {load.requests:,} | {_num(load.rps, 0)} "
            f"| {_ms(load.p50_ms)} | {_ms(load.p99_ms)} | {run.cpu_seconds:.2f} s "
            f"| {_num(run.cpu_us, 0)} µs | {run.busy:.0%} | {load.bad_status} "
            f"| {load.socket_errors} |"
        )
    return lines


def _other_table(results: Results) -> list[str]:
    lines = ["| Measure | Figure | Target | Met |", "|---|---|--:|---|"]
    for cold in results.cold_starts:
        each = ", ".join(f"{s:.2f}" for s in cold.seconds)
        cpu = median(cold.cpu_seconds)
        lines.append(
            f"| Cold start, {cold.label}: process start to first 200 on `/v1/nris` "
            f"| {cold.median_s:.2f} s wall (median of: {each} s); the process used "
            f"{cpu:.2f} s CPU by then | ≤ {cold.target_s:g} s "
            f"| {verdict(cold.median_s, cold.target_s, at_most=True)} |"
        )
    for name, kib in results.rss_kib.items():
        mb = kib * 1024 / 1e6
        target = RSS_TARGET_MB if name.startswith("API") else None
        shown = "—" if target is None else f"≤ {target:g} MB"
        lines.append(
            f"| VmRSS after the load, {name} | {mb:.1f} MB ({kib / 1024:.1f} MiB) | {shown} "
            f"| {verdict(mb, target, at_most=True)} |"
        )
    return lines


def render(results: Results) -> str:
    machine = results.machine
    versions = ", ".join(f"{k} {v}" for k, v in results.versions.items())
    finished = results.finished.strftime("%H:%M:%S") if results.finished else "?"
    lines = [
        "# Benchmark results",
        "",
        "Generated by `bench/run.py`; do not edit by hand, run it again. The load test's "
        "figures (200,000 requests over every operation, p50 and p99, from `python -m "
        "bench.load_test`) and the crash test's (`python -m tools.crash_test --runs 10`) are "
        "at the end of this page, from their full reports [LOAD.md](LOAD.md) and "
        "[CRASH.md](../tools/CRASH.md); how cost grows with 10x and 100x the data, on "
        "SQLite and PostgreSQL, is in [SCALE.md](SCALE.md), from `python -m bench.scale`.",
        "",
        f"- Date (UTC): {results.started:%Y-%m-%d %H:%M:%S} to {finished}",
        f"- Command: `{results.command}`",
        f"- Machine: {machine.get('nproc', '?')} CPUs ({machine.get('cpu', '?')}), "
        f"{machine.get('memory', '?')} memory, Linux {machine.get('kernel', '?')}; "
        f"load average {machine.get('load_start', '?')} at the start, "
        f"{machine.get('load_end', '?')} at the end",
        f"- Python {machine.get('python', '?')}; {versions}",
        f"- Load generator: {results.load_generator}, {results.connections} connections, "
        f"{results.duration} s per measured window after a 1 s warm-up",
        f"- Pinning: {results.pinning}",
        "",
        "Every server is `uvicorn <app> --factory --workers 1 --no-access-log "
        "--log-level warning` on 127.0.0.1. The baseline is `bench/baseline.py`, a bare ASGI "
        "callable that sends the bytes and headers the API sent for its cached `/v1/nris` "
        "(fetched from the running API in this run). Ratios are to the baseline's mean: "
        "*× baseline (req/s)* is req/s ÷ baseline req/s; *× baseline (CPU/req)* is baseline "
        "server CPU per request ÷ scenario server CPU per request (utime + stime of the server "
        "process from /proc over the window ÷ requests completed), which holds even when other "
        "processes share the machine. *server busy* is server CPU time ÷ window length: near "
        "100% means the server, not the load generator, was the limit.",
        "",
        "## Scenarios",
        "",
        *_scenario_table(results),
        "",
        "## Cold start and memory",
        "",
        *_other_table(results),
        "",
        "## Every measured window, in the order run",
        "",
        *_runs_table(results),
    ]
    if results.notes:
        lines += ["", "## Notes", "", *[f"- {note}" for note in results.notes]]
    return "\n".join(lines) + "\n"


def notes(results: Results, body_bytes: int) -> list[str]:
    """What a reader needs to weigh the figures."""
    found = [
        f"The baseline answers with the full `/v1/nris` body ({body_bytes:,} bytes). The "
        "304 (no body), detail and filtered-list responses are smaller, so their ratios to "
        "this baseline flatter them a little: part of their lead is fewer bytes to send.",
    ]
    if results.versions.get("uvicorn HTTP/loop") != "httptools/uvloop":
        found.append(
            f"uvicorn ran with {results.versions.get('uvicorn HTTP/loop')} (httptools/uvloop "
            "are not installed): the baseline and the API both pay that HTTP layer."
        )
    quiet, logged = results.summary("list"), results.summary("list_log")
    if quiet and logged and quiet.cpu_us and logged.cpu_us:
        extra = logged.cpu_us - quiet.cpu_us
        found.append(
            f"The JSON access log (one line per request to the server's stdout, here a file) "
            f"cost {extra:+,.1f} µs of server CPU per cached-list request "
            f"({extra / quiet.cpu_us:+.1%}): {logged.cpu_us:,.0f} µs with it, "
            f"{quiet.cpu_us:,.0f} µs without."
        )
    busy = [r for r in results.runs if r.busy < BUSY_ENOUGH]
    if busy:
        found.append(
            f"† In {len(busy)} of {len(results.runs)} windows the server used under "
            f"{BUSY_ENOUGH:.0%} of its core: something else held it back (other processes on "
            "the machine, see the load average, or the load generator), so req/s and latency "
            "there understate it, and a req/s ratio that involves such a window (the "
            "scenario's or any baseline window) is marked † and is not reliable. CPU per "
            "request, and the CPU ratio, do not depend on that."
        )
    for run_ in results.runs:
        if run_.load.bad_status or run_.load.socket_errors:
            found.append(
                f"{run_.scenario}: {run_.load.bad_status} non-2xx/3xx responses and "
                f"{run_.load.socket_errors} socket errors in one window."
            )
    return found
