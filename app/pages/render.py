"""The Jinja2 environment every page is rendered with. Autoescaping is always on, whatever the
template's name: record values come from outside sources, and only values a view has marked
safe (a search snippet, a chart) are inserted as markup. An undefined name is an error, not an
empty string, so a template cannot silently drop a field."""

import re
from typing import Any

from jinja2 import Environment, PackageLoader, StrictUndefined
from markupsafe import Markup, escape

from app.pages import display
from app.pages.assets import ICON_URL, STYLESHEET_URL

NAV = (
    ("Home", "/"),
    ("Fact sheet", "/v1/fact-sheet"),
    ("Milestones", "/v1/milestones"),
    ("Organisations", "/v1/organisations"),
    ("NRIs", "/v1/nris"),
    ("Calls to action", "/v1/calls-to-action"),
    ("Action Lines", "/v1/action-lines"),
    ("Facts", "/v1/facts"),
    ("Changes", "/v1/changes"),
    ("API docs", "/docs"),
)
# The media type of each alternate a page may offer, for <link rel="alternate" type=...>:
# feed readers find a page's feeds by it.
MEDIA_TYPES = {
    "JSON": "application/json",
    "CSV": "text/csv",
    "Atom": "application/atom+xml",
    "RSS": "application/rss+xml",
    "JSON Feed": "application/feed+json",
    "iCalendar": "text/calendar",
}
_CODE = re.compile(r"`([^`]+)`")


def prose(text: str) -> Markup:
    """API description text (Markdown-ish: `code` in backticks, wrapped lines) as one HTML
    paragraph's content. The text is escaped first; only the <code> tags are added."""
    escaped = str(escape(" ".join(text.split())))
    return Markup(_CODE.sub(r"<code>\1</code>", escaped))  # nosec B704: escaped above


def _environment() -> Environment:
    env = Environment(
        loader=PackageLoader("app.pages", "templates"),
        autoescape=True,
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters.update(
        label=display.label,
        readable=display.readable,
        precise_date=display.precise_date,
        evidence=display.evidence,
        excerpt=display.excerpt,
        paragraphs=display.paragraphs,
        capitalised=display.capitalised,
        prose=prose,
        links=display.link_parts,
    )
    env.tests["url"] = display.is_url
    env.globals.update(
        stylesheet_url=STYLESHEET_URL, icon_url=ICON_URL, nav=NAV, media_types=MEDIA_TYPES
    )
    return env


ENVIRONMENT = _environment()


def render(template_name: str, **context: Any) -> bytes:
    return ENVIRONMENT.get_template(template_name).render(**context).encode("utf-8")
