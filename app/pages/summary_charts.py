"""A summary's facet as a chart: the same counts /summary answers, as bars. The landing page
draws them inline; /v1/{collection}/summary.svg serves them as an image of their own."""

from typing import Any

from app.collection import Collection
from app.pages.charts import bar_chart, standalone_svg

# How a summary counts records without a value (JSON has no null keys).
UNKNOWN = ("null", None)


def facet_counts(summary: dict[str, Any], facet: str) -> list[tuple[str, int]]:
    """The facet's values, the most frequent first (ties by label); records with no value
    last, as "Unknown"."""
    counts: dict[str | None, int] = summary["facets"][facet]
    known = sorted(
        ((str(label), n) for label, n in counts.items() if label not in UNKNOWN),
        key=lambda item: (-item[1], item[0]),
    )
    unknown = sum(n for label, n in counts.items() if label in UNKNOWN)
    if unknown:
        known.append(("Unknown", unknown))
    return known


def chart_svg(c: Collection, facet: str, summary: dict[str, Any], filtered: bool) -> str:
    plural = c.texts.plural
    which = f"{plural} that match the filters" if filtered else f"all {summary['total']} {plural}"
    return bar_chart(
        title=f"{plural[:1].upper()}{plural[1:]} by {facet.replace('_', ' ')}",
        description=f"How many of {which} there are of each {facet.replace('_', ' ')}.",
        counts=facet_counts(summary, facet),
        chart_id=f"{c.name}-{facet}",
    )


def summary_chart(c: Collection, facet: str, summary: dict[str, Any], filtered: bool) -> bytes:
    """The standalone image; `filtered` when the request gave any filter."""
    return standalone_svg(chart_svg(c, facet, summary, filtered))
