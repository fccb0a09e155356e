"""What a run measured, and its rendering as bench/RESULTS.md."""

import datetime as dt
from dataclasses import dataclass, field

from bench.metrics import LoadResult, cpu_per_request_us, cpu_ratio, mean, median, throughput_ratio

RSS_TARGET_MB = 100.0
BUSY_ENOUGH = 0.8  # below this share of its core, the server was held back by something else
MINIMAL = "baseline_minimal"
SAME_BYTES = "baseline_same"
BASELINES = (MINIMAL, SAME_BYTES)


@dataclass(frozen=True)
class Target:
    """What a scenario must reach, in server CPU per request: a least ratio to the minimal
    baseline (its CPU/req ÷ the scenario's), or a most number of microseconds."""

    min_ratio: float | None = None
    max_cpu_us: float | None = None

    def text(self) -> str:
        if self.min_ratio is not None:
            return f"≥ {self.min_ratio:g} × minimal (CPU/req)"
        if self.max_cpu_us is not None:
            return f"≤ {self.max_cpu_us:,.0f} µs CPU/req"
        return "—"

    def verdict(self, cpu_us: float | None, ratio: float | None) -> str:
        if self.min_ratio is not None:
            return verdict(ratio, self.min_ratio)
        if self.max_cpu_us is not None:
            return verdict(cpu_us, self.max_cpu_us, at_most=True)
        return "—"


@dataclass(frozen=True)
class Scenario:
    key: str
    title: str
    server: str  # which running server (a key of bench.run's servers)
    path: str
    headers: tuple[str, ...] = ()
    target: Target | None = None
    expect_status: int = 200
    headline: bool = True  # False: a secondary figure, shown apart


@dataclass(frozen=True)
class Run:
    """One measured window of one scenario."""

    scenario: str
    load: LoadResult
    cpu_seconds: float  # the server's utime + stime over the window
    backend_cpu_seconds: float | None = None  # the PostgreSQL server's, when readable

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
    backend_cpu_us: float | None = None

    @classmethod
    def of(cls, runs: list[Run]) -> "Summary":
        requests = sum(r.load.requests for r in runs)
        backend = [r.backend_cpu_seconds for r in runs]
        return cls(
            rps=mean([r.load.rps for r in runs]),
            p50_ms=mean([r.load.p50_ms for r in runs]),
            p99_ms=mean([r.load.p99_ms for r in runs]),
            cpu_us=cpu_per_request_us(sum(r.cpu_seconds for r in runs), requests),
            busy=mean([r.busy for r in runs]),
            least_busy=min(r.busy for r in runs),
            runs=len(runs),
            backend_cpu_us=(
                None
                if any(b is None for b in backend)
                else cpu_per_request_us(sum(b or 0.0 for b in backend), requests)
            ),
        )


@dataclass(frozen=True)
class Ratios:
    """A scenario against the baselines' means."""

    cpu_minimal: float | None  # minimal baseline CPU/req ÷ scenario CPU/req
    cpu_same: float | None  # same-bytes baseline CPU/req ÷ scenario CPU/req
    rps_minimal: float | None  # scenario req/s ÷ minimal baseline req/s
    rps_same: float | None


@dataclass(frozen=True)
class BaselineInfo:
    """What a baseline answered, as read from it over HTTP in this run."""

    body_bytes: int
    header_names: tuple[str, ...]  # on the wire, in order


@dataclass
class ColdStart:
    label: str
    target_s: float | None
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
    rss_kib: dict[str, int] = field(default_factory=dict)  # "API ..." names have the target
    stacks: dict[str, str] = field(default_factory=dict)  # server name: HTTP/loop it used
    skipped: dict[str, str] = field(default_factory=dict)  # scenario key: why not measured
    baselines: dict[str, BaselineInfo] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)
    finished: dt.datetime | None = None

    def summary(self, key: str) -> Summary | None:
        runs = [r for r in self.runs if r.scenario == key]
        return Summary.of(runs) if runs else None

    def ratios(self, row: Summary) -> Ratios:
        minimal, same = self.summary(MINIMAL), self.summary(SAME_BYTES)
        return Ratios(
            cpu_minimal=cpu_ratio(minimal.cpu_us, row.cpu_us) if minimal else None,
            cpu_same=cpu_ratio(same.cpu_us, row.cpu_us) if same else None,
            rps_minimal=throughput_ratio(row.rps, minimal.rps) if minimal else None,
            rps_same=throughput_ratio(row.rps, same.rps) if same else None,
        )

    def verdict(self, scenario: Scenario) -> str:
        """met, **not met**, not measured, or — (no target)."""
        if scenario.target is None:
            return "—"
        row = self.summary(scenario.key)
        if row is None:
            return "not measured"
        return scenario.target.verdict(row.cpu_us, self.ratios(row).cpu_minimal)


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


def _baseline_table(results: Results) -> list[str]:
    titles = {
        MINIMAL: "Minimal: pre-encoded bytes, content-type and content-length only",
        SAME_BYTES: "Same bytes: the API's cached `/v1/nris` body and headers",
    }
    lines = [
        "| Baseline | body | headers on the wire | req/s | p50 | p99 | server CPU/req "
        "| server busy | windows |",
        "|---|--:|---|--:|--:|--:|--:|--:|--:|",
    ]
    for key in BASELINES:
        row = results.summary(key)
        info = results.baselines.get(key)
        if row is None:
            lines.append(f"| {titles[key]} | | | not measured | | | | | 0 |")
            continue
        body = f"{info.body_bytes:,} B" if info else "?"
        names = ", ".join(f"`{n}`" for n in info.header_names) if info else "?"
        lines.append(
            f"| {titles[key]} | {body} | {names} | {_num(row.rps, 0)} | {_ms(row.p50_ms)} "
            f"| {_ms(row.p99_ms)} | {_num(row.cpu_us, 0)} µs | {row.busy:.0%} | {row.runs} |"
        )
    return lines


def _scenario_table(results: Results, headline: bool) -> list[str]:
    lines = [
        "| Scenario | Request | req/s | p50 | p99 | server CPU/req | server busy "
        "| × minimal (CPU/req) | × same bytes (CPU/req) | × minimal (req/s) | target | met |",
        "|---|---|--:|--:|--:|--:|--:|--:|--:|--:|---|---|",
    ]
    bases = [b for b in (results.summary(k) for k in BASELINES) if b is not None]
    least_base_busy = min((b.least_busy for b in bases), default=1.0)
    for scenario in results.scenarios:
        if scenario.headline != headline or scenario.key in BASELINES:
            continue
        target = scenario.target.text() if scenario.target else "—"
        row = results.summary(scenario.key)
        if row is None:
            reason = results.skipped.get(scenario.key, "not measured")
            lines.append(
                f"| {scenario.title} | `{scenario.path}` | {reason} | | | | | | | "
                f"| {target} | {results.verdict(scenario)} |"
            )
            continue
        ratios = results.ratios(row)
        held_back = min(row.least_busy, least_base_busy) < BUSY_ENOUGH
        mark = " †" if held_back else ""
        title = scenario.title + (f" (mean of {row.runs})" if row.runs > 1 else "")
        lines.append(
            f"| {title} | `{scenario.path}` | {_num(row.rps, 0)} | {_ms(row.p50_ms)} "
            f"| {_ms(row.p99_ms)} | {_num(row.cpu_us, 0)} µs | {row.busy:.0%} "
            f"| {_num(ratios.cpu_minimal, 3)} | {_num(ratios.cpu_same, 3)} "
            f"| {_num(ratios.rps_minimal, 3)}{mark} | {target} | {results.verdict(scenario)} |"
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
        if not cold.seconds:
            continue
        each = ", ".join(f"{s:.2f}" for s in cold.seconds)
        cpu = median(cold.cpu_seconds)
        shown = "—" if cold.target_s is None else f"≤ {cold.target_s:g} s"
        lines.append(
            f"| Cold start, {cold.label}: process start to first 200 on `/v1/nris` "
            f"| {cold.median_s:.2f} s wall (median of: {each} s); the process used "
            f"{cpu:.2f} s CPU by then | {shown} "
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


def stack_line(stacks: dict[str, str]) -> str:
    """The HTTP parser and loop each server ran, as read from the server processes."""
    if not stacks:
        return "not read"
    kinds = sorted(set(stacks.values()))
    if len(kinds) == 1:
        return f"{kinds[0]} in every server ({', '.join(stacks)})"
    return "; ".join(f"{name} {stack}" for name, stack in stacks.items()) + " (they differ)"


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
        "- HTTP parser/event loop, read from each running server's `/proc/<pid>/maps` "
        "(uvicorn loads httptools' parser and uvloop's loop, C extensions, only when it uses "
        f"them; else it runs h11/asyncio): {stack_line(results.stacks)}",
        f"- Load generator: {results.load_generator}, {results.connections} connections, "
        f"{results.duration} s per measured window after a 1 s warm-up",
        f"- Pinning: {results.pinning}",
        "",
        "The API runs as deployed, `factsheet serve` (uvicorn, one worker in the serving "
        "process), with the API's defaults: the JSON access log on (one line per request to "
        "the server's stdout, here a file), the response cache on, the security headers, "
        "request ids and metrics. Two settings differ: rate limiting is off "
        "(`FACTSHEET_RATE_LIMIT_ENABLED=false`) in every loaded server only because the load "
        "generator is a single client, which at thousands of requests a second would measure "
        "429s; and the cold-path rows turn the response cache off "
        "(`FACTSHEET_CACHE_ENABLED=false`), so every request reads the database.",
        "",
        "The baselines are `bench/baseline.py`, a bare ASGI callable sending pre-encoded "
        "bytes, under `uvicorn --factory --workers 1 --no-access-log --no-server-header "
        "--no-proxy-headers` (as `factsheet serve` configures uvicorn; the minimal one also "
        "`--no-date-header`): the same HTTP stack as the API, with no application work. "
        "Baseline windows are interleaved with the scenario windows; ratios are to the "
        "baselines' means. *× minimal (CPU/req)* is the minimal baseline's server CPU per "
        "request ÷ the scenario's (utime + stime of the server process from /proc over the "
        "window ÷ requests completed), which holds even when other processes share the "
        "machine; *× same bytes (CPU/req)* is the same against the same-bytes baseline; "
        "*× minimal (req/s)* is req/s ÷ the minimal baseline's req/s. *server busy* is server "
        "CPU time ÷ window length: near 100% means the server, not the load generator, was "
        "the limit.",
        "",
        "## Baselines",
        "",
        *_baseline_table(results),
        "",
        "## Headline scenarios (the API's defaults)",
        "",
        *_scenario_table(results, headline=True),
    ]
    if any(not s.headline for s in results.scenarios):
        lines += [
            "",
            "## Secondary figures",
            "",
            *_scenario_table(results, headline=False),
        ]
    lines += [
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


def notes(results: Results, body_bytes: dict[str, int]) -> list[str]:
    """What a reader needs to weigh the figures; body_bytes: scenario key -> response size."""
    found: list[str] = []
    if body_bytes:
        sizes = ", ".join(f"{key} {size:,} B" for key, size in body_bytes.items())
        found.append(
            f"Response bodies: {sizes}. A scenario whose body is smaller than a baseline's "
            "has fewer bytes to send than that baseline, which flatters its ratio to it a "
            "little (the 304 sends none)."
        )
    kinds = set(results.stacks.values())
    if len(kinds) > 1:
        found.append(
            "The servers did not all run the same HTTP parser and loop (see above): the "
            "ratios mix HTTP stacks."
        )
    elif kinds and kinds != {"httptools/uvloop"}:
        found.append(
            f"Every server ran {next(iter(kinds))}, not httptools/uvloop: the baselines and "
            "the API all pay that HTTP layer."
        )
    logged, quiet = results.summary("list"), results.summary("list_nolog")
    if quiet and logged and quiet.cpu_us and logged.cpu_us:
        extra = logged.cpu_us - quiet.cpu_us
        found.append(
            f"The JSON access log cost {extra:+,.1f} µs of server CPU per cached-list request "
            f"({extra / quiet.cpu_us:+.1%}): {logged.cpu_us:,.0f} µs with it (the default), "
            f"{quiet.cpu_us:,.0f} µs without."
        )
    for scenario in results.scenarios:
        row = results.summary(scenario.key)
        if row is not None and row.backend_cpu_us is not None:
            found.append(
                f"{scenario.title}: server CPU/req counts the API process only; the "
                "PostgreSQL server (all its processes, from /proc, including backends that "
                "ended during the window; not pinned; anything else using that server then "
                f"counts too) used a further {row.backend_cpu_us:,.0f} µs per request. It is "
                "not part of the target."
            )
    held = [k for k in BASELINES if (row := results.summary(k)) and row.least_busy < BUSY_ENOUGH]
    if held:
        found.append(
            f"The baselines ({', '.join(held)}) did not keep their core busy: the load "
            "generator, one thread on the other core, cannot send them requests as fast as "
            "they answer. A server that is not saturated tends to spend more CPU per request "
            "(fewer requests per event-loop wake-up), so the baselines' CPU/req may be "
            "somewhat above their saturated cost, and the ratios to them somewhat generous."
        )
    busy = [r for r in results.runs if r.busy < BUSY_ENOUGH]
    if busy:
        found.append(
            f"† In {len(busy)} of {len(results.runs)} windows the server used under "
            f"{BUSY_ENOUGH:.0%} of its core: something else held it back (other processes on "
            "the machine, see the load average, the load generator, or the database), so "
            "req/s and latency there understate it, and a req/s ratio that involves such a "
            "window (the scenario's or any baseline window) is marked † and is not reliable. "
            "CPU per request, and the CPU ratios, do not depend on that."
        )
    for run_ in results.runs:
        if run_.load.bad_status or run_.load.socket_errors:
            found.append(
                f"{run_.scenario}: {run_.load.bad_status} non-2xx/3xx responses and "
                f"{run_.load.socket_errors} socket errors in one window."
            )
    return found
