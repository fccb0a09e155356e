"""Horizontal bar charts as SVG: inline in a page, or as a standalone image for dashboards.

Pure functions: the same counts always give the same bytes, so a chart's ETag holds. The
pages are served with `style-src 'self'`, so nothing here may use a `style` attribute or a
`<style>` element; every colour and font is a presentation attribute.
"""

import math
import re
from collections.abc import Sequence
from html import escape

from app.characters import without_controls

MEDIA_TYPE = "image/svg+xml"

# 4.5:1 on #ffffff and 4.2:1 on #121212, above the 3:1 WCAG asks of graphical objects, so one
# colour serves a page in light and in dark mode.
BAR_FILL = "#3b78c4"
# Inline, text takes the page's own colour and follows its light or dark scheme. Inside an
# <img> `currentColor` is always black and the page behind may be dark, so the standalone
# image brings its own white background and dark text.
INLINE_TEXT_FILL = "currentColor"
STANDALONE_TEXT_FILL = "#1f1f1f"
STANDALONE_BACKGROUND = "#ffffff"

FONT_FAMILY = "system-ui, sans-serif"
FONT_SIZE = 14
# A generous average advance for this font size: the label column is sized from it, and an
# estimate on the wide side leaves a gap rather than cutting the longest label off.
CHAR_WIDTH = 0.6 * FONT_SIZE
# Longer labels are cut with an ellipsis; the row's own <title> still carries the full text.
MAX_LABEL_CHARS = 32
PADDING = 8
GAP = 8
ROW_HEIGHT = 28
BAR_HEIGHT = 18
# Kept short: on a 375 px phone the whole viewBox, labels included, shrinks to fit, and the
# narrower the chart the larger its text stays there.
BAR_MAX_WIDTH = 200
EMPTY_WIDTH = 320
EMPTY_TEXT = "No records"

# The id goes into `aria-labelledby`, a space-separated list, and into HTML ids.
_CHART_ID = re.compile(r"[A-Za-z][A-Za-z0-9_-]*")
_ROOT_VALUES = re.compile(
    r'aria-labelledby="(?P<id>[A-Za-z][A-Za-z0-9_-]*)-title '
    r'.*viewBox="0 0 (?P<width>[0-9]+) (?P<height>[0-9]+)"'
)
# Noncharacters XML 1.0 cannot carry even escaped; without_controls drops the rest.
_NOT_XML = re.compile("[\ufffe\uffff]")


def bar_chart(
    *, title: str, description: str, counts: Sequence[tuple[str, int]], chart_id: str
) -> str:
    """An `<svg>` element to put inline in a page, one bar per `(label, count)` in the order
    given; `standalone_svg` turns it into an image file."""
    if not _CHART_ID.fullmatch(chart_id):
        raise ValueError(f"chart_id must be a letter then letters, digits, - or _: {chart_id!r}")
    if any(count < 0 for _, count in counts):
        raise ValueError("counts must not be negative")
    rows = [(_clean(label), count) for label, count in counts]
    if rows:
        width, height, body = _bars(rows)
    else:
        width, height, body = _empty()
    parts = [
        _root(chart_id, width, height, standalone=False),
        f'<title id="{chart_id}-title">{_text(title)}</title>',
        f'<desc id="{chart_id}-desc">{_text(_spoken(description, rows))}</desc>',
        *body,
        "</svg>",
    ]
    return "\n".join(parts) + "\n"


def standalone_svg(svg: str) -> bytes:
    """A chart from `bar_chart` as an image document, served as `image/svg+xml` for `<img src>`.

    Only the root element and a background change: the text colour and the size are held by
    the root alone, so the bars and labels are the very bytes the page shows.
    """
    # The root's values are a checked chart id and numbers, so its first ">" ends it.
    root, _, rest = svg.partition(">")
    # Title and desc are escaped text, so the first "</desc>" is the desc's own end tag.
    head, desc_end, body = rest.partition("</desc>")
    parsed = _ROOT_VALUES.search(root)
    chart_id = parsed["id"] if parsed else ""
    width, height = (int(parsed["width"]), int(parsed["height"])) if parsed else (0, 0)
    # Rebuilding the inline root from its values proves the input is ours, and hence that its
    # root holds every attribute the two forms differ in.
    if not desc_end or root + ">" != _root(chart_id, width, height, standalone=False):
        raise ValueError("standalone_svg takes a chart made by bar_chart")
    background = f'<rect width="100%" height="100%" fill="{STANDALONE_BACKGROUND}"/>'
    document = (
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        + _root(chart_id, width, height, standalone=True)
        + f"{head}</desc>\n{background}{body}"
    )
    return document.encode("utf-8")


def _root(chart_id: str, width: int, height: int, *, standalone: bool) -> str:
    # Inline, width="100%" lets the page shrink the chart to a phone's width; the viewBox
    # keeps its proportions. As a file it has a size of its own, so an <img> without width
    # and height attributes shows it at its natural size rather than a default 300x150 box.
    size = f'width="{width}" height="{height}"' if standalone else 'width="100%"'
    text_fill = STANDALONE_TEXT_FILL if standalone else INLINE_TEXT_FILL
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" role="img"'
        f' aria-labelledby="{chart_id}-title {chart_id}-desc"'
        f' viewBox="0 0 {width} {height}" {size}'
        f' font-family="{FONT_FAMILY}" font-size="{FONT_SIZE}" fill="{text_fill}">'
    )


def _bars(rows: list[tuple[str, int]]) -> tuple[int, int, list[str]]:
    longest = max(len(_shown(label)) for label, _ in rows)
    label_right = PADDING + math.ceil(longest * CHAR_WIDTH)
    bar_left = label_right + GAP
    biggest = max(count for _, count in rows)
    count_chars = max(len(str(count)) for _, count in rows)
    width = bar_left + BAR_MAX_WIDTH + GAP + math.ceil(count_chars * CHAR_WIDTH) + PADDING
    height = 2 * PADDING + ROW_HEIGHT * len(rows)
    body = []
    for index, (label, count) in enumerate(rows):
        top = PADDING + ROW_HEIGHT * index
        middle = top + ROW_HEIGHT // 2
        # All zeros draws no bars at all rather than dividing by zero.
        bar_width = BAR_MAX_WIDTH * count / biggest if biggest else 0
        shown = _shown(label)
        body.append("<g>")
        if shown != label:
            body.append(f"<title>{_text(label)}: {count}</title>")
        body.append(
            f'<text x="{label_right}" y="{middle}" text-anchor="end"'
            f' dominant-baseline="central">{_text(shown)}</text>'
        )
        body.append(
            f'<rect x="{bar_left}" y="{middle - BAR_HEIGHT // 2}" width="{_number(bar_width)}"'
            f' height="{BAR_HEIGHT}" fill="{BAR_FILL}"/>'
        )
        body.append(
            f'<text x="{_number(bar_left + bar_width + GAP)}" y="{middle}"'
            f' dominant-baseline="central">{count}</text>'
        )
        body.append("</g>")
    return width, height, body


def _empty() -> tuple[int, int, list[str]]:
    height = 2 * PADDING + ROW_HEIGHT
    text = (
        f'<text x="{EMPTY_WIDTH // 2}" y="{height // 2}" text-anchor="middle"'
        f' dominant-baseline="central">{EMPTY_TEXT}</text>'
    )
    return EMPTY_WIDTH, height, [text]


def _spoken(description: str, rows: list[tuple[str, int]]) -> str:
    # role="img" hides the drawn text from screen readers, so the description carries every
    # number. Semicolons, not commas, between rows: a label may itself hold a comma.
    numbers = "; ".join(f"{label}: {count}" for label, count in rows) if rows else EMPTY_TEXT
    return f"{description.strip()} {numbers}.".lstrip()


def _shown(label: str) -> str:
    if len(label) <= MAX_LABEL_CHARS:
        return label
    return label[: MAX_LABEL_CHARS - 1].rstrip() + "\u2026"


def _clean(text: str) -> str:
    return _NOT_XML.sub("", without_controls(text))


def _text(text: str) -> str:
    return escape(_clean(text), quote=True)


def _number(value: float) -> str:
    # Two decimals are finer than any screen draws, and fixed rounding keeps output stable.
    return f"{value:.2f}".rstrip("0").rstrip(".")
