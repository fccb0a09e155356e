"""Snippets as safe HTML: the database marks matches with two private-use characters, and
only those become <mark> and </mark>; everything else is escaped."""

import html
from typing import Any

# Unicode private-use code points: they mean nothing in the data, so they can stand for the
# start and end of a match in text the database returns.
MARK_START, MARK_END = "\ue000", "\ue001"


def to_html(snippet: str) -> str:
    """Escapes the snippet and turns the match marks into balanced <mark> elements."""
    out: list[str] = []
    open_mark = False
    for char in snippet:
        if char == MARK_START:
            if not open_mark:
                out.append("<mark>")
                open_mark = True
        elif char == MARK_END:
            if open_mark:
                out.append("</mark>")
                open_mark = False
        else:
            out.append(html.escape(char))
    if open_mark:
        out.append("</mark>")
    return "".join(out).replace("<mark></mark>", "")


def strip_marks(value: str) -> str:
    """Documents never carry the mark characters, so a snippet's marks are all ours."""
    return value.replace(MARK_START, "").replace(MARK_END, "")


SEPARATOR = " · "


def document_text(*parts: Any) -> str:
    """A search document's body: the parts given (lists flattened, empty ones left out),
    joined, without anything that could pass for a match mark."""
    texts: list[str] = []
    for part in parts:
        if isinstance(part, list):
            texts.extend(str(p) for p in part if p)
        elif part not in (None, ""):
            texts.append(str(part))
    return strip_marks(SEPARATOR.join(texts))
