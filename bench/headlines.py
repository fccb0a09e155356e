"""The load test's and the crash test's headline figures, kept in bench/RESULTS.md.

Each of those writes its full report elsewhere (bench/LOAD.md, tools/CRASH.md), since both
take minutes and run on their own command. RESULTS.md is the one page with every figure, so
it also holds their headlines, between two markers, rebuilt from the two reports whenever the
benchmark, the load test or the crash test writes its report.
"""

import re
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
RESULTS = REPO / "bench" / "RESULTS.md"
LOAD = REPO / "bench" / "LOAD.md"
CRASH = REPO / "tools" / "CRASH.md"
START = "<!-- headlines: rebuilt from bench/LOAD.md and tools/CRASH.md, do not edit -->"
END = "<!-- /headlines -->"
# The load test's summary rows worth repeating, by their first cell.
LOAD_FIGURES = (
    "result",
    "requests completed",
    "throughput",
    "latency p50",
    "latency p99",
    "socket errors and timeouts",
    "responses outside the operation's documented status codes",
)


def _bullet(text: str, name: str) -> str | None:
    found = re.search(rf"^- {re.escape(name)}: (.+)$", text, re.MULTILINE)
    return found.group(1) if found else None


def _load(text: str) -> list[str]:
    rows = dict(re.findall(r"^\| ([^|]+?) \| ([^|]+?) \|$", text, re.MULTILINE))
    lines = [
        "### Load test ([LOAD.md](LOAD.md))",
        "",
        f"- Date (UTC): {_bullet(text, 'Date (UTC)') or 'unknown'}",
        f"- Command: {_bullet(text, 'Command') or 'unknown'}",
        f"- Server: {_bullet(text, 'Server') or 'unknown'}",
        "",
        "| figure | value |",
        "|---|--:|",
    ]
    lines += [f"| {name} | {rows[name]} |" for name in LOAD_FIGURES if name in rows]
    return lines


def _crash(text: str) -> list[str]:
    return [
        "### Crash test ([CRASH.md](../tools/CRASH.md))",
        "",
        f"- Date (UTC): {_bullet(text, 'Date (UTC)') or 'unknown'}",
        f"- Command: {_bullet(text, 'Command') or 'unknown'}",
        f"- Large seed: {_bullet(text, 'Large seed') or 'unknown'}",
        f"- Result: {_bullet(text, 'Result') or 'unknown'}",
    ]


def section(load: Path = LOAD, crash: Path = CRASH) -> str:
    lines = [START, "", "## Load test and crash test (latest runs)", ""]
    for report, render in ((load, _load), (crash, _crash)):
        if report.exists():
            lines += [*render(report.read_text(encoding="utf-8")), ""]
        else:
            lines += [f"No {report.name} yet: run its command (README, Benchmarks).", ""]
    return "\n".join([*lines, END])


def refresh(results: Path = RESULTS, load: Path = LOAD, crash: Path = CRASH) -> None:
    """Put the current headlines into `results`, replacing the ones there if any."""
    text = results.read_text(encoding="utf-8") if results.exists() else ""
    fresh = section(load, crash)
    if START in text and END in text:
        before, _, rest = text.partition(START)
        _, _, after = rest.partition(END)
        text = before + fresh + after
    else:
        text = text.rstrip("\n") + "\n\n" + fresh + "\n"
    results.write_text(text, encoding="utf-8")
