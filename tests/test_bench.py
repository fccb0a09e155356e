"""The benchmark's parsers and arithmetic; no servers, no load, no timing."""

from pathlib import Path

import pytest

from bench import headlines
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
from bench.report import Run, Summary

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
