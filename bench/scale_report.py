"""bench/SCALE.md from the scale benchmark's measurements: no timing here, only tables."""

import datetime as dt
import platform
from collections.abc import Sequence
from dataclasses import dataclass

from bench.machine import load_average, machine_info
from bench.synthetic import BASE_MILESTONES, BASE_NRIS

# key -> (what, request)
SCENARIOS = {
    "first": ("First page", "`/v1/nris?limit=50`"),
    "deep": ("Deep page by cursor (sort=name)", "`/v1/nris?limit=50&cursor=…`"),
    "deep_nullable": (
        "Deep page by cursor (nullable sort)",
        "`/v1/nris?limit=50&sort=-established_year&cursor=…`",
    ),
    "filtered": ("Filtered list", "`/v1/nris?kind=youth&region=Africa&limit=50`"),
    "facets": ("Facet counts", "`/v1/nris?facets=kind,region&limit=1`"),
    "search": ("Search, selective (a place name)", "`/v1/search?q=<place>`"),
    "search_broad": ("Search, broad (~9% of NRIs match)", "`/v1/search?q=youth Africa`"),
    "list_q": ("List `q` (same index)", "`/v1/nris?q=<place>&limit=50`"),
}
DEEP_TARGET = 2.0  # deep page within 2x the first page, at every size
GROWTH_TARGET = 5.0  # at 100x, within 5x of the cost at 1x
GROWTH_CHECKED = ("filtered", "search")


NOTES = [
    "- What keeps a page flat: an index per sort ending in the id (`ix_nri_name` is "
    "(name, id), ...), keyset predicates on those plain columns, and a sort on a column that "
    "can be empty read as two index ranges (rows with a value, then those without) instead "
    "of through COALESCE, which no index holds (`app/paging.py`). NRIs also index (kind, "
    "region) for the filters people combine. Search ranks and pages on the match alone and "
    "reads titles and snippets for the page's documents only.",
    "- What still grows with the data: exact counts. Every uncached NRI list counts its "
    "matches (`meta.total`) and all NRIs (`meta.held`), an index scan over every row at "
    "100x; that is most of the 100x first page, and why first and deep pages grow together. "
    "Facet counts group every matching row. A broad search scores every match (bm25, "
    "`ts_rank_cd`) to rank them, so its cost follows the number of matches; a selective one "
    "stays flat. With the response cache on (the default) and a proxy in front, repeated "
    "requests pay none of this.",
    "- The machine is shared with other work (see the load average): repeated runs differ by "
    "tens of percent, so a ratio close to its target can land on either side of it.",
]


@dataclass(frozen=True)
class Measurement:
    backend: str
    factor: int
    key: str
    median_ms: float
    note: str = ""


def _ms(value: float) -> str:
    return f"{value:,.1f} ms" if value < 100 else f"{value:,.0f} ms"


def _label(key: str) -> str:
    what = SCENARIOS[key][0]
    return what[0].lower() + what[1:]


def _met(ok: bool) -> str:
    return "met" if ok else "**not met**"


def _table(rows: Sequence[Measurement], backend: str, factors: Sequence[int]) -> list[str]:
    at = {(m.key, m.factor): m for m in rows if m.backend == backend}
    head = "| Scenario | Request | " + " | ".join(f"{f}x" for f in factors) + " |"
    lines = [head, "|---|---|" + "--:|" * len(factors)]
    for key, (what, request) in SCENARIOS.items():
        cells = []
        for factor in factors:
            m = at.get((key, factor))
            cells.append(_ms(m.median_ms) + (f" ({m.note})" if m and m.note else "") if m else "—")
        lines.append(f"| {what} | {request} | " + " | ".join(cells) + " |")
    return lines


def _targets(rows: Sequence[Measurement], backend: str, factors: Sequence[int]) -> list[str]:
    at = {(m.key, m.factor): m.median_ms for m in rows if m.backend == backend}
    lines = ["| Target | Figure | Met |", "|---|--:|---|"]
    for factor in factors:
        for key in ("deep", "deep_nullable"):
            if (key, factor) in at and ("first", factor) in at:
                ratio = at[key, factor] / at["first", factor]
                label = _label(key)
                lines.append(
                    f"| {label} ≤ {DEEP_TARGET:g}× first page, {factor}x | {ratio:.2f}× | "
                    f"{_met(ratio <= DEEP_TARGET)} |"
                )
    low, high = min(factors), max(factors)
    for key in (*GROWTH_CHECKED, "search_broad", "list_q"):
        if (key, low) in at and (key, high) in at:
            ratio = at[key, high] / at[key, low]
            checked = key in GROWTH_CHECKED
            lines.append(
                f"| {_label(key)} at {high}x ≤ {GROWTH_TARGET:g}× its {low}x cost"
                f"{'' if checked else ' (not a target; for reference)'} | {ratio:.2f}× | "
                f"{_met(ratio <= GROWTH_TARGET) if checked else '—'} |"
            )
    return lines


def render(
    rows: Sequence[Measurement],
    factors: Sequence[int],
    backends: Sequence[str],
    elapsed: float,
    command: str,
    log: str,
) -> str:
    machine = machine_info()
    sizes = ", ".join(
        f"{f}x = {BASE_NRIS * f:,} NRIs + {BASE_MILESTONES * f:,} milestones" for f in factors
    )
    lines = [
        "# Scale benchmark",
        "",
        "Generated by `bench/scale.py`; do not edit by hand, run it again "
        f"(`.venv/bin/{command}`). Linked from [RESULTS.md](RESULTS.md).",
        "",
        f"- Date (UTC): {dt.datetime.now(dt.UTC):%Y-%m-%d %H:%M}; whole run {elapsed:.0f} s",
        f"- Machine: {machine['nproc']} CPUs ({machine['cpu']}), {machine['memory']} memory; "
        f"load average {load_average()} at the end; Python {platform.python_version()}",
        f"- Data: the real seed plus SYNTHETIC records (`bench/synthetic.py`: ids `syn-…`, "
        f'names "Synthetic …"): {sizes}.',
        "- Method: in-process through the whole app (`TestClient`, response cache and rate "
        "limit off, so every request reaches the database), median of 15 requests after 2 "
        "warm-up rounds, the scenarios taking turns. Figures include the app's own "
        "per-request cost (routing, JSON): a few milliseconds.",
        "- Deep page: the page 1,000 pages in (limit 50, so 50,000 rows in), reached with the "
        "cursor its `next` link would carry (read from the table rather than walked to). "
        "Where the data holds fewer pages, the deepest page there is (noted in the cell).",
        "- Facet counts: the list's own `facets` parameter (issue 4), which runs one GROUP BY "
        "per facet under the list's filters.",
        "",
    ]
    for backend in backends:
        lines += [f"## {backend}", "", *_table(rows, backend, factors), ""]
        lines += [*_targets(rows, backend, factors), ""]
    lines += ["## Notes", "", *NOTES, "", "## Run log", "", "```", log, "```", ""]
    return "\n".join(lines)
