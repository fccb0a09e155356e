"""The benchmark's parsers, arithmetic and report; no servers, no load, no timing."""

import asyncio
import datetime as dt
import json
from pathlib import Path
from typing import Any

import pytest

from bench import headlines, pg
from bench import run as bench_run
from bench.baseline import ENV_DIR, MINIMAL_BYTES, create_app, minimal_response, save_response
from bench.metrics import (
    LoadResult,
    ParseError,
    cpu_per_request_us,
    cpu_ratio,
    cpu_ticks,
    parse_wrk,
    percentile,
    rss_kib,
    throughput_ratio,
    time_to_ms,
)
from bench.procs import CLOCK_TICKS, http_stack
from bench.report import (
    MINIMAL,
    SAME_BYTES,
    BaselineInfo,
    ColdStart,
    Results,
    Run,
    Scenario,
    Summary,
    Target,
    notes,
    render,
    stack_line,
)

WRK_MS = """\
Running 3s test @ http://127.0.0.1:18123/v1/nris
  1 threads and 32 connections
  Thread Stats   Avg      Stdev     Max   +/- Stdev
    Latency     7.87ms    5.50ms  66.70ms   87.94%
    Req/Sec     4.37k     1.68k    6.96k    53.33%
  Latency Distribution
     50%    5.05ms
     75%   10.20ms
     90%   13.61ms
     99%   30.97ms
  13067 requests in 3.01s, 358.47MB read
Requests/sec:   4336.56
Transfer/sec:    118.97MB
"""

WRK_US_AND_S = """\
Running 10s test @ http://127.0.0.1:8000/v1/nris
  1 threads and 32 connections
  Thread Stats   Avg      Stdev     Max   +/- Stdev
    Latency   812.40us    1.20s    1.90s    91.20%
    Req/Sec    40.01k     2.10k   44.00k    70.00%
  Latency Distribution
     50%  640.00us
     75%  900.12us
     90%    1.10ms
     99%    1.52s
  398104 requests in 10.00s, 1.02GB read
  Socket errors: connect 0, read 12, write 1, timeout 3
  Non-2xx or 3xx responses: 5
Requests/sec:  39810.40
Transfer/sec:    104.44MB
"""

PROC_STAT = (
    "21852 (cat) R 21850 21850 15325 0 -1 4194304 100 0 0 0 731 42 0 0 20 0 1 0 "
    "123027 3133440 389 18446744073709551615 94145562411008 0"
)


def test_parse_wrk_reads_requests_rate_and_millisecond_percentiles() -> None:
    assert parse_wrk(WRK_MS) == LoadResult(
        requests=13067, duration_s=3.01, rps=4336.56, p50_ms=5.05, p99_ms=30.97
    )


def test_parse_wrk_converts_microseconds_and_seconds_and_counts_errors() -> None:
    result = parse_wrk(WRK_US_AND_S)
    assert result.requests == 398104
    assert result.rps == 39810.40
    assert result.p50_ms == pytest.approx(0.64)
    assert result.p99_ms == pytest.approx(1520.0)
    assert (result.bad_status, result.socket_errors) == (5, 16)


def test_parse_wrk_refuses_output_without_latency_distribution() -> None:
    without = "\n".join(line for line in WRK_MS.splitlines() if "%  " not in line)
    with pytest.raises(ParseError):
        parse_wrk(without)


@pytest.mark.parametrize(
    ("value", "unit", "ms"),
    [("250.5", "us", 0.2505), ("3.2", "ms", 3.2), ("1.5", "s", 1500.0), ("2", "m", 120_000.0)],
)
def test_time_to_ms_knows_wrk_units(value: str, unit: str, ms: float) -> None:
    assert time_to_ms(value, unit) == pytest.approx(ms)


def test_time_to_ms_refuses_unknown_units() -> None:
    with pytest.raises(ParseError):
        time_to_ms("1", "ns")


def test_cpu_ticks_adds_utime_and_stime() -> None:
    assert cpu_ticks(PROC_STAT) == 731 + 42


def test_cpu_ticks_survives_spaces_and_parentheses_in_the_command_name() -> None:
    assert cpu_ticks(PROC_STAT.replace("(cat)", "(uv (worker) 1)")) == 773


def test_cpu_ticks_refuses_other_text() -> None:
    with pytest.raises(ParseError):
        cpu_ticks("not a stat line")


def test_rss_kib_reads_vmrss() -> None:
    assert rss_kib("Name:\tpython\nVmPeak:\t 99 kB\nVmRSS:\t   87760 kB\n") == 87760


def test_rss_kib_refuses_status_without_vmrss() -> None:
    with pytest.raises(ParseError):
        rss_kib("Name:\tkthreadd\n")


def test_ratios_to_the_baseline() -> None:
    assert throughput_ratio(2500.0, 5000.0) == 0.5
    # Twice the baseline's CPU per request is half its efficiency.
    assert cpu_ratio(120.0, 240.0) == 0.5
    assert cpu_per_request_us(1.5, 10_000) == pytest.approx(150.0)


def test_ratios_without_a_denominator_are_none() -> None:
    assert throughput_ratio(100.0, 0.0) is None
    assert cpu_ratio(120.0, None) is None
    assert cpu_ratio(None, 10.0) is None
    assert cpu_per_request_us(1.0, 0) is None


def test_summary_divides_all_cpu_by_all_requests_and_averages_rates() -> None:
    def run(requests: int, rps: float, cpu: float) -> Run:
        return Run("baseline", LoadResult(requests, 10.0, rps, 1.0, 3.0), cpu)

    summary = Summary.of([run(10_000, 1000.0, 1.0), run(30_000, 3000.0, 2.0)])
    assert summary.rps == 2000.0
    assert summary.cpu_us == pytest.approx(75.0)  # 3 s over 40,000 requests
    assert summary.runs == 2


def test_percentile_is_nearest_rank() -> None:
    values = [float(v) for v in range(1, 101)]
    assert (percentile(values, 0.5), percentile(values, 0.99)) == (50.0, 99.0)
    assert percentile([7.0], 0.99) == 7.0


# --------------------------------------------------------------------------- headlines


LOAD_REPORT = """# Load test

- Date (UTC): 2026-01-02 03:04:05 to 2026-01-02 03:07:00
- Command: `python -m bench.load_test`
- Server: workers 2, rate limiting off

| figure | value |
|---|--:|
| result | **passed** |
| requests completed | 200,000 |
| latency p50 | 41.05 ms |
| latency p99 | 71.14 ms |
| responses outside the operation's documented status codes | 0 |

| operation | requests | statuses |
|---|--:|---|
| `GET /v1` | 10 | 200: 10 |
"""
CRASH_REPORT = """# Crash test

- Date (UTC): 2026-01-02 04:00:00 to 2026-01-02 04:07:00
- Command: `python -m tools.crash_test --runs 10`
- Result: **passed**: 10 runs
"""


def test_headlines_carry_the_load_and_crash_figures_and_replace_their_old_copy(
    tmp_path: Path,
) -> None:
    results, load, crash = tmp_path / "RESULTS.md", tmp_path / "LOAD.md", tmp_path / "CRASH.md"
    results.write_text("# Benchmark results\n\nratios here\n")
    load.write_text(LOAD_REPORT)
    crash.write_text(CRASH_REPORT)

    headlines.refresh(results, load, crash)
    first = results.read_text()
    assert first.startswith("# Benchmark results\n\nratios here\n")
    assert "| latency p50 | 41.05 ms |" in first
    assert "| latency p99 | 71.14 ms |" in first
    assert "| responses outside the operation's documented status codes | 0 |" in first
    assert "`GET /v1`" not in first  # the per-operation table stays in the full report
    assert "- Result: **passed**: 10 runs" in first

    load.write_text(LOAD_REPORT.replace("71.14 ms", "80.00 ms"))
    headlines.refresh(results, load, crash)
    second = results.read_text()
    assert "80.00 ms" in second and "71.14 ms" not in second
    assert second.count(headlines.START) == 1
    assert second.startswith("# Benchmark results\n\nratios here\n")


def test_headlines_say_when_a_report_is_missing(tmp_path: Path) -> None:
    results = tmp_path / "RESULTS.md"
    headlines.refresh(results, tmp_path / "LOAD.md", tmp_path / "CRASH.md")
    assert "No LOAD.md yet" in results.read_text()
    assert "No CRASH.md yet" in results.read_text()


# --------------------------------------------------------------------------- baselines


def test_minimal_baseline_is_4096_bytes_of_json_with_two_headers() -> None:
    status, headers, body = minimal_response()
    assert status == 200
    assert len(body) == MINIMAL_BYTES == 4096
    json.loads(body)
    assert headers == [("content-type", "application/json"), ("content-length", "4096")]


def test_minimal_baseline_refuses_a_size_too_small_for_its_json() -> None:
    with pytest.raises(ValueError):
        minimal_response(5)


def test_baseline_app_sends_exactly_the_saved_response(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    status, headers, body = minimal_response(100)
    save_response(tmp_path, status, headers, body)
    monkeypatch.setenv(ENV_DIR, str(tmp_path))
    app = create_app()
    sent: list[dict[str, Any]] = []

    async def receive() -> dict[str, Any]:
        return {"type": "http.request", "body": b"", "more_body": False}

    async def send(message: Any) -> None:
        sent.append(dict(message))

    async def request() -> None:
        await app({"type": "http", "method": "GET", "path": "/"}, receive, send)

    asyncio.run(request())
    assert sent == [
        {
            "type": "http.response.start",
            "status": 200,
            "headers": [(b"content-type", b"application/json"), (b"content-length", b"100")],
        },
        {"type": "http.response.body", "body": body},
    ]


# --------------------------------------------------------------------------- HTTP stack

SITE = "/example/venv/lib/python3.11/site-packages"  # made up: any install prefix
SO = "cpython-311-x86_64-linux-gnu.so"
MAPS_FAST = f"""\
55d0c0a00000-55d0c0a01000 r--p 00000000 00:1f 123 /example/venv/bin/python3.11
7f0000000000-7f0000001000 r--p 00000000 00:1f 456 {SITE}/uvloop/loop.{SO}
7f0000002000-7f0000003000 r-xp 00001000 00:1f 789 {SITE}/httptools/parser/parser.{SO}
7f0000004000-7f0000005000 rw-p 00000000 00:00 0
7ffd00000000-7ffd00001000 rw-p 00000000 00:00 0 [stack]
"""


def test_http_stack_reads_httptools_and_uvloop_from_the_mapped_extensions() -> None:
    assert http_stack(MAPS_FAST) == "httptools/uvloop"


def test_http_stack_without_the_extensions_is_h11_and_asyncio() -> None:
    without = "\n".join(line for line in MAPS_FAST.splitlines() if ".so" not in line)
    assert http_stack(without) == "h11/asyncio"
    # The URL parser alone (httptools imported for something else) is not the HTTP parser.
    url_only = MAPS_FAST.replace("parser/parser.", "parser/url_parser.")
    assert http_stack(url_only) == "h11/uvloop"


def test_stack_line_names_one_stack_or_flags_a_mix() -> None:
    same = {"api": "httptools/uvloop", MINIMAL: "httptools/uvloop"}
    assert stack_line(same) == f"httptools/uvloop in every server (api, {MINIMAL})"
    mixed = {"api": "httptools/uvloop", MINIMAL: "h11/asyncio"}
    assert "(they differ)" in stack_line(mixed)
    assert stack_line({}) == "not read"


# --------------------------------------------------------------------------- PostgreSQL


def test_bench_postgres_url_comes_from_its_variable_only() -> None:
    assert pg.bench_url({}) is None
    assert pg.bench_url({pg.ENV_URL: "  "}) is None
    assert pg.bench_url({"FACTSHEET_TEST_DATABASE_URL": "postgresql://x/y"}) is None
    url = "postgresql+psycopg://postgres@127.0.0.1:5432/test"
    assert pg.bench_url({pg.ENV_URL: url}) == url


def test_scratch_database_url_keeps_all_but_the_database() -> None:
    url = "postgresql+psycopg://postgres:secret@127.0.0.1:5432/test"
    name = pg.scratch_name()
    assert name.startswith("factsheet_bench_") and name != pg.scratch_name()
    assert (
        pg.with_database(url, name) == f"postgresql+psycopg://postgres:secret@127.0.0.1:5432/{name}"
    )
    assert pg.libpq(url) == "postgresql://postgres:secret@127.0.0.1:5432/test"
    assert pg.is_local(url)
    assert not pg.is_local("postgresql+psycopg://u@db.example:5432/x")


def stat_line(pid: int, ppid: int, utime: int, stime: int, cutime: int, cstime: int) -> str:
    return (
        f"{pid} (postgres: x) S {ppid} 1 1 0 -1 4194560 100 0 0 0 "
        f"{utime} {stime} {cutime} {cstime} 20 0 1 0 123 456 789"
    )


def test_postgres_server_cpu_is_postmaster_reaped_children_and_live_children() -> None:
    assert pg.stat_times(stat_line(9, 1, 3, 4, 50, 60)) == (1, 7, 110)
    stats = {
        100: stat_line(100, 1, 2, 1, 40, 10),  # postmaster: own 3, ended backends 50
        101: stat_line(101, 100, 7, 3, 0, 0),  # a backend: 10
        102: stat_line(102, 100, 1, 1, 9, 9),  # a worker: 2 (its children are not ours)
        200: stat_line(200, 1, 500, 500, 0, 0),  # some other process
        201: stat_line(201, 200, 70, 0, 0, 0),  # and its child
    }
    assert pg.server_ticks(stats, 100) == 3 + 50 + 10 + 2


def test_backend_cpu_counts_new_backends_from_zero() -> None:
    ticks = CLOCK_TICKS
    before = {10: 5 * ticks, 11: 1 * ticks}
    after = {10: 7 * ticks, 11: 1 * ticks, 12: 3 * ticks}
    assert pg.backend_cpu_seconds(before, after) == pytest.approx(5.0)


# --------------------------------------------------------------------------- the run's plan


def test_scenarios_carry_the_targets() -> None:
    plan = {s.key: s for s in bench_run.scenarios('"abc"')}
    for key in ("list", "detail", "revalidate"):
        assert plan[key].target == Target(min_ratio=0.5)
        assert plan[key].headline
    assert plan["list"].path == "/v1/nris?kind=youth&limit=5"
    assert plan["detail"].path == "/v1/nris/nri-017"
    assert plan["revalidate"].headers == ('If-None-Match: "abc"',)
    assert plan["revalidate"].expect_status == 304
    assert plan["cold_sqlite"].target == Target(max_cpu_us=500.0)
    assert plan["cold_pg"].target == Target(max_cpu_us=800.0)
    assert plan["cold_sqlite"].server != plan["cold_pg"].server
    assert not plan["list_nolog"].headline


def test_order_loads_every_scenario_with_both_baselines_interleaved() -> None:
    keys = {s.key for s in bench_run.scenarios("e")}
    assert set(bench_run.ORDER) == keys
    assert bench_run.ORDER[:2] == (MINIMAL, SAME_BYTES)
    assert bench_run.ORDER[-2:] == (MINIMAL, SAME_BYTES)
    between = [k for k in bench_run.ORDER if k not in (MINIMAL, SAME_BYTES)]
    assert len(between) == len(keys) - 2  # each scenario once
    assert bench_run.ORDER.count(MINIMAL) == bench_run.ORDER.count(SAME_BYTES) >= 3
    # The API servers run with the defaults but for the limiter: RSS names say which.
    assert all(n.startswith("API") for k, n in bench_run.RSS_NAMES.items() if k.startswith("api"))


def test_a_short_run_writes_where_out_says(tmp_path: Path) -> None:
    args = bench_run.parse_args(["--quick", "--out", str(tmp_path / "r.md")])
    assert (args.duration, args.cold_runs, args.out) == (2, 1, tmp_path / "r.md")
    assert bench_run.parse_args([]).out.name == "RESULTS.md"


# --------------------------------------------------------------------------- the report


def window(key: str, requests: int, cpu: float, duration: float = 10.0) -> Run:
    return Run(key, LoadResult(requests, duration, requests / duration, 1.0, 3.0), cpu)


def results_of(runs: list[Run], skipped: dict[str, str] | None = None) -> Results:
    return Results(
        started=dt.datetime(2026, 1, 2, 3, 4, 5, tzinfo=dt.UTC),
        command=".venv/bin/python -m bench.run",
        connections=32,
        duration=10,
        load_generator="wrk",
        pinning="server on core 0",
        machine={},
        versions={"uvicorn": "0.54.0"},
        scenarios=bench_run.scenarios('"e"'),
        runs=runs,
        stacks={"api": "httptools/uvloop", MINIMAL: "httptools/uvloop"},
        skipped=skipped or {},
        baselines={
            MINIMAL: BaselineInfo(4096, ("content-type", "content-length")),
            SAME_BYTES: BaselineInfo(28_000, ("date", "etag", "content-type")),
        },
    )


def test_ratios_are_to_each_baselines_mean_cpu_per_request() -> None:
    results = results_of(
        [
            window(MINIMAL, 100_000, 2.0),  # 20 µs
            window(MINIMAL, 100_000, 2.0),
            window(SAME_BYTES, 100_000, 3.0),  # 30 µs
            window("list", 50_000, 2.0),  # 40 µs
        ]
    )
    row = results.summary("list")
    assert row is not None
    ratios = results.ratios(row)
    assert ratios.cpu_minimal == pytest.approx(0.5)
    assert ratios.cpu_same == pytest.approx(0.75)
    assert ratios.rps_minimal == pytest.approx(0.5)


def test_verdicts_follow_each_kind_of_target() -> None:
    runs = [
        window(MINIMAL, 100_000, 2.0),  # 20 µs
        window("list", 50_000, 2.0),  # 40 µs: exactly 0.5, met
        window("detail", 40_000, 2.0),  # 50 µs: 0.4, not met
        window("cold_sqlite", 1000, 0.4),  # 400 µs, met
        window("cold_pg", 1000, 0.9),  # 900 µs, not met
    ]
    results = results_of(runs)
    by_key = {s.key: s for s in results.scenarios}
    assert results.verdict(by_key["list"]) == "met"
    assert results.verdict(by_key["detail"]) == "**not met**"
    assert results.verdict(by_key["cold_sqlite"]) == "met"
    assert results.verdict(by_key["cold_pg"]) == "**not met**"
    assert results.verdict(by_key["revalidate"]) == "not measured"
    assert results.verdict(by_key["list_nolog"]) == "—"


def rows(text: str, first_cell: str) -> list[str]:
    return [line for line in text.splitlines() if line.startswith(f"| {first_cell}")]


def test_report_says_why_postgresql_was_not_measured() -> None:
    reason = f"not measured: {pg.ENV_URL} unset"
    results = results_of(
        [window(MINIMAL, 100_000, 2.0), window("cold_sqlite", 1000, 0.4)],
        skipped={"cold_pg": reason},
    )
    text = render(results)
    (row,) = rows(text, "Cold list, PostgreSQL")
    assert reason in row
    assert row.endswith("| ≤ 800 µs CPU/req | not measured |")
    (sqlite,) = rows(text, "Cold list, SQLite")
    assert "| 400 µs |" in sqlite and sqlite.endswith("| ≤ 500 µs CPU/req | met |")


def test_report_shows_both_baselines_headline_and_secondary_rows_and_settings() -> None:
    runs = [
        window(MINIMAL, 100_000, 2.0),
        window(SAME_BYTES, 80_000, 2.4),
        window("list", 50_000, 2.0),
        window("list_nolog", 60_000, 2.0),
        window(MINIMAL, 100_000, 2.0),
    ]
    text = render(results_of(runs))
    (minimal,) = rows(text, "Minimal")
    assert "| 4,096 B | `content-type`, `content-length` |" in minimal
    assert "| 20 µs |" in minimal and minimal.endswith("| 2 |")  # mean of two windows
    (same,) = rows(text, "Same bytes")
    assert "| 30 µs |" in same
    headline = text.index("## Headline scenarios")
    secondary = text.index("## Secondary figures")
    assert headline < text.index("| Cached list |") < secondary
    assert text.index("| Cached list, access log off |") > secondary
    (cached,) = rows(text, "Cached list |")
    # 40 µs: 0.5 of the minimal baseline, 0.75 of the same-bytes one; req/s with CPU.
    assert "| 5,000 | 1.00 ms | 3.00 ms | 40 µs | 20% | 0.500 | 0.750 |" in cached
    assert cached.endswith("| ≥ 0.5 × minimal (CPU/req) | met |")
    assert "httptools/uvloop in every server" in text
    assert "rate limiting is off" in text and "single client" in text
    assert "JSON access log on" in text


def test_report_cold_start_and_rss_targets() -> None:
    results = results_of([])
    seeded = ColdStart("seeded database", 0.8)
    seeded.add(0.9, 0.8)
    seeded.add(0.7, 0.6)
    seeded.add(0.75, 0.7)
    results.cold_starts = [seeded]
    results.rss_kib = {"API worker, cache on": 90_000, "baseline, minimal": 200_000}
    text = render(results)
    (cold,) = rows(text, "Cold start, seeded")
    assert "0.75 s wall" in cold and cold.endswith("| ≤ 0.8 s | met |")
    (api,) = rows(text, "VmRSS after the load, API")
    assert "92.2 MB" in api and api.endswith("| ≤ 100 MB | met |")
    (base,) = rows(text, "VmRSS after the load, baseline")
    assert base.endswith("| — | — |")


def test_notes_price_the_access_log_and_flag_an_unsaturated_baseline() -> None:
    runs = [
        window(MINIMAL, 100_000, 4.0),  # 40% busy
        window("list", 50_000, 4.0),  # 80 µs with the log
        window("list_nolog", 50_000, 3.5),  # 70 µs without
    ]
    found = notes(results_of(runs), {"list": 3435})
    assert any("list 3,435 B" in n for n in found)
    assert any("access log cost +10.0 µs" in n for n in found)
    assert any(n.startswith(f"The baselines ({MINIMAL}) did not keep") for n in found)


def test_target_text() -> None:
    assert Target(min_ratio=0.5).text() == "≥ 0.5 × minimal (CPU/req)"
    assert Target(max_cpu_us=500).text() == "≤ 500 µs CPU/req"
    scenario = Scenario("x", "X", "api", "/")
    assert scenario.target is None and scenario.headline
