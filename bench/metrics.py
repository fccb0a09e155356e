"""Pure parsing and arithmetic: wrk's report, /proc figures, and the ratios to the baseline."""

import math
import re
from dataclasses import dataclass

# wrk prints times with these units (src/units.c: time_units_us).
TIME_UNITS_MS = {"us": 0.001, "ms": 1.0, "s": 1000.0, "m": 60_000.0, "h": 3_600_000.0}
_TIME = r"([0-9]+(?:\.[0-9]+)?)(us|ms|s|m|h)"
_PERCENTILE = re.compile(rf"^\s*(50|99)(?:\.0+)?%\s+{_TIME}\s*$", re.MULTILINE)
_REQUESTS = re.compile(rf"^\s*([0-9]+) requests in {_TIME}", re.MULTILINE)
_RPS = re.compile(r"^Requests/sec:\s+([0-9]+(?:\.[0-9]+)?)\s*$", re.MULTILINE)
_NON_2XX = re.compile(r"^\s*Non-2xx or 3xx responses:\s+([0-9]+)", re.MULTILINE)
_SOCKET = re.compile(
    r"Socket errors: connect ([0-9]+), read ([0-9]+), write ([0-9]+), timeout ([0-9]+)"
)


class ParseError(ValueError):
    """The text does not have the shape the parser expects."""


@dataclass(frozen=True)
class LoadResult:
    """What one load-generator run measured, whichever generator ran it."""

    requests: int
    duration_s: float
    rps: float
    p50_ms: float
    p99_ms: float
    bad_status: int = 0  # responses other than 2xx and 3xx
    socket_errors: int = 0


def time_to_ms(value: str, unit: str) -> float:
    try:
        return float(value) * TIME_UNITS_MS[unit]
    except KeyError as exc:
        raise ParseError(f"unknown time unit {unit!r}") from exc


def parse_wrk(output: str) -> LoadResult:
    """Requests, Requests/sec and the 50% and 99% lines of `wrk --latency`."""
    percentiles = {int(m[1]): time_to_ms(m[2], m[3]) for m in _PERCENTILE.finditer(output)}
    requests = _REQUESTS.search(output)
    rps = _RPS.search(output)
    if requests is None or rps is None or set(percentiles) != {50, 99}:
        raise ParseError("not the output of `wrk --latency`")
    non_2xx = _NON_2XX.search(output)
    socket = _SOCKET.search(output)
    return LoadResult(
        requests=int(requests[1]),
        duration_s=time_to_ms(requests[2], requests[3]) / 1000.0,
        rps=float(rps[1]),
        p50_ms=percentiles[50],
        p99_ms=percentiles[99],
        bad_status=int(non_2xx[1]) if non_2xx else 0,
        socket_errors=sum(int(n) for n in socket.groups()) if socket else 0,
    )


def cpu_ticks(stat: str) -> int:
    """utime + stime, in clock ticks, from the text of /proc/PID/stat (all threads)."""
    # The command name (field 2) may hold spaces and parentheses: split after its last ")".
    _, sep, rest = stat.rpartition(")")
    fields = rest.split()
    if not sep or len(fields) < 13:
        raise ParseError("not the text of /proc/PID/stat")
    # rest starts at field 3 (state); utime and stime are fields 14 and 15.
    return int(fields[11]) + int(fields[12])


def rss_kib(status: str) -> int:
    """VmRSS in KiB from the text of /proc/PID/status."""
    for line in status.splitlines():
        if line.startswith("VmRSS:"):
            parts = line.split()
            if len(parts) >= 2 and parts[1].isdigit():
                return int(parts[1])
    raise ParseError("no VmRSS line")


def cpu_per_request_us(cpu_seconds: float, requests: int) -> float | None:
    """Server CPU time per completed request, in microseconds."""
    if requests <= 0:
        return None
    return cpu_seconds / requests * 1_000_000


def throughput_ratio(scenario_rps: float, baseline_rps: float) -> float | None:
    """Scenario req/s over baseline req/s: 1.0 is as fast as the baseline."""
    if baseline_rps <= 0:
        return None
    return scenario_rps / baseline_rps


def cpu_ratio(baseline_us: float | None, scenario_us: float | None) -> float | None:
    """Baseline CPU per request over scenario CPU per request: 1.0 costs what the baseline
    costs; 0.5 costs twice as much. Unlike req/s, it holds when other processes share
    the cores, since it counts only the server's own CPU time."""
    if baseline_us is None or scenario_us is None or scenario_us <= 0:
        return None
    return baseline_us / scenario_us


def mean(values: list[float]) -> float:
    if not values:
        raise ValueError("mean of nothing")
    return sum(values) / len(values)


def median(values: list[float]) -> float:
    if not values:
        raise ValueError("median of nothing")
    ordered = sorted(values)
    middle = len(ordered) // 2
    if len(ordered) % 2:
        return ordered[middle]
    return (ordered[middle - 1] + ordered[middle]) / 2


def percentile(sorted_values: list[float], fraction: float) -> float:
    """Nearest-rank percentile of already sorted values (fraction 0.5 is the median)."""
    if not sorted_values:
        raise ValueError("percentile of nothing")
    rank = min(len(sorted_values), max(1, math.ceil(fraction * len(sorted_values))))
    return sorted_values[rank - 1]
