"""The HTML pages as a browser gets them: Chromium, driven by Playwright, opens every kind
of page the API serves to people (the landing page, each list, a record of each collection,
the fact sheet, search results, the 404 page, and the two SVG charts opened directly) from a
real server process. Each page loads without a console error, without a Content Security
Policy violation and without a request to another origin; axe-core finds no violation, in
the light scheme and in the dark one; nothing scrolls sideways on a 375 px wide phone; Tab
reaches the skip link first and then the header, visibly; the headings nest without a
gap; a feed item's link opens a page; and the landing page with everything it loads weighs
at most 60 KB on the wire. Screenshots of every kind at 1280 and 375 px go to
FACTSHEET_TEST_SCREENSHOTS_DIR (default build/screenshots) for a person to look at."""

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

import feedparser
import httpx
import pytest

from tests.own_sqlite import own_sqlite

if TYPE_CHECKING:
    from playwright.sync_api import (
        Browser,
        BrowserContext,
        ConsoleMessage,
        Page,
        Request,
        Response,
    )

pytestmark = [pytest.mark.slow, own_sqlite]


@dataclass(frozen=True)
class PageType:
    path: str
    status: int = 200
    media_type: str = "text/html"

    @property
    def is_html(self) -> bool:
        return self.media_type == "text/html"


SVG = "image/svg+xml"
PAGE_TYPES = {
    "landing": PageType("/"),
    "milestones": PageType("/v1/milestones"),
    "organisations": PageType("/v1/organisations"),
    "nris": PageType("/v1/nris"),
    "calls-to-action": PageType("/v1/calls-to-action"),
    "action-lines": PageType("/v1/action-lines"),
    "facts": PageType("/v1/facts"),
    "changes": PageType("/v1/changes"),
    "milestone": PageType("/v1/milestones/ms-019"),
    "organisation": PageType("/v1/organisations/org-002"),
    "nri": PageType("/v1/nris/nri-001"),
    "call-to-action": PageType("/v1/calls-to-action/2"),
    "action-line": PageType("/v1/action-lines/C1"),
    "fact": PageType("/v1/facts/fs-calls"),
    "fact-sheet": PageType("/v1/fact-sheet"),
    "search": PageType("/v1/search?q=ICANN"),
    "not-found": PageType("/no-such-page", status=404),
    "nris-chart": PageType("/v1/nris/summary.svg?facet=kind", media_type=SVG),
    "milestones-chart": PageType("/v1/milestones/summary.svg?facet=kind", media_type=SVG),
}
HTML_PAGE_TYPES = [name for name, page_type in PAGE_TYPES.items() if page_type.is_html]

# The policy every page is sent with: its stylesheet and images from its own origin, forms
# sent there, no script at all.
PAGE_POLICY = {
    "default-src": ["'none'"],
    "style-src": ["'self'"],
    "img-src": ["'self'"],
    "form-action": ["'self'"],
    "base-uri": ["'none'"],
    "frame-ancestors": ["'none'"],
}
PHONE_WIDTH = 375
DESKTOP_WIDTH = 1280
HEIGHT = 800
LANDING_PAGE_BUDGET = 60 * 1024  # bytes on the wire, the document and all it loads
# What Chromium sends over HTTPS, where the site is served in production (over plain HTTP it
# leaves out br and zstd).
BROWSER_ACCEPT_ENCODING = "gzip, deflate, br, zstd"

# Installed before any of the page's own content is parsed (by the DevTools protocol, which
# the policy does not bind): records every violation the page's policy reports.
WATCH_POLICY = """
window.__policyViolations = [];
document.addEventListener("securitypolicyviolation", (event) => {
  window.__policyViolations.push(
    `${event.effectiveDirective} blocked ${event.blockedURI || "inline"} in ${event.sourceFile}`
  );
});
"""
RUN_AXE = """async () => {
  const results = await axe.run(document);
  return results.violations.map((v) => ({
    id: v.id,
    impact: v.impact,
    help: v.help,
    targets: v.nodes.map((n) => n.target.join(" ")),
  }));
}"""
FOCUSED = """() => {
  const el = document.activeElement;
  const style = getComputedStyle(el);
  const box = el.getBoundingClientRect();
  return {
    tag: el.tagName.toLowerCase(),
    href: el.getAttribute("href"),
    text: el.textContent.trim(),
    inHeader: el.closest("header, [role=banner]") !== null,
    focusVisible: el.matches(":focus-visible"),
    outline: style.outlineStyle !== "none" && parseFloat(style.outlineWidth) > 0,
    boxShadow: style.boxShadow !== "none",
    onScreen: box.width > 1 && box.height > 1 && box.right > 0 && box.bottom > 0
      && box.left < innerWidth && box.top < innerHeight,
  };
}"""
HEADING_LEVELS = """() => Array.from(
  document.querySelectorAll("h1, h2, h3, h4, h5, h6"), (h) => Number(h.tagName[1])
)"""


@dataclass
class Visit:
    page: "Page"
    response: "Response"
    errors: list[str] = field(default_factory=list)  # console errors and uncaught exceptions
    policy: list[str] = field(default_factory=list)  # console reports of policy violations
    requests: list["Request"] = field(default_factory=list)

    def policy_violations(self) -> list[str]:
        reported: list[str] = self.page.evaluate("() => window.__policyViolations || []")
        return self.policy + reported


Open = Callable[..., Visit]


@pytest.fixture
def open_page(browser: "Browser", site: str) -> Iterator[Open]:
    """Opens a path of the site in a fresh browser context (no cache, no cookies) and
    returns what the browser saw while loading it."""
    contexts: list[BrowserContext] = []

    def open_(path: str, *, width: int = DESKTOP_WIDTH, dark: bool = False) -> Visit:
        context = browser.new_context(
            viewport={"width": width, "height": HEIGHT},
            color_scheme="dark" if dark else "light",
        )
        contexts.append(context)
        page = context.new_page()
        page.add_init_script(WATCH_POLICY)
        errors: list[str] = []
        policy: list[str] = []
        requests: list[Request] = []
        url = site + path

        def on_console(message: "ConsoleMessage") -> None:
            text = f"{message.type}: {message.text} ({message.location.get('url')})"
            if "Content Security Policy" in message.text:
                policy.append(text)
            # A 404 page's own status is logged as a failed resource: that one is expected.
            own_status = message.location.get("url") == url and "status of 404" in message.text
            if message.type == "error" and not own_status:
                errors.append(text)

        page.on("console", on_console)
        page.on("pageerror", lambda error: errors.append(f"uncaught: {error}"))
        page.on("request", lambda request: requests.append(request))
        response = page.goto(url, wait_until="load")
        assert response is not None, url
        return Visit(page, response, errors, policy, requests)

    yield open_
    for context in contexts:
        context.close()


def open_page_type(open_page: Open, name: str, **options: Any) -> Visit:
    """Opens a kind of page and checks it came with its status and media type."""
    page_type = PAGE_TYPES[name]
    visit = open_page(page_type.path, **options)
    media_type = visit.response.headers.get("content-type", "").split(";")[0]
    assert (visit.response.status, media_type) == (page_type.status, page_type.media_type), (
        visit.page.url
    )
    return visit


def axe_violations(page: "Page", axe_source: str) -> list[dict[str, Any]]:
    """axe-core's violations on the page. Its source is evaluated through the DevTools
    protocol: a <script> tag would be refused by the page's policy, as it should be."""
    page.evaluate(axe_source)
    violations: list[dict[str, Any]] = page.evaluate(RUN_AXE)
    return violations


def described(violations: list[dict[str, Any]]) -> str:
    return "\n".join(
        f"{v['id']} ({v['impact']}): {v['help']}\n    " + "\n    ".join(v["targets"])
        for v in violations
    )


def parsed_policy(value: str) -> dict[str, list[str]]:
    directives = (part.split() for part in value.split(";") if part.strip())
    return {name: sources for name, *sources in directives}


# --------------------------------------------------------------------------- every page


@pytest.mark.parametrize("name", PAGE_TYPES)
def test_page_loads_without_error_policy_violation_or_other_origin(
    open_page: Open, site: str, name: str
) -> None:
    visit = open_page_type(open_page, name)
    response = visit.response
    policies = [
        h["value"]
        for h in response.headers_array()
        if h["name"].lower() == "content-security-policy"
    ]
    assert len(policies) == 1, policies
    policy = parsed_policy(policies[0])
    assert policy["default-src"] == ["'none'"]
    assert "script-src" not in policy and "'unsafe-inline'" not in policies[0]
    if PAGE_TYPES[name].is_html:
        assert policy == PAGE_POLICY
    assert visit.errors == []
    assert visit.policy_violations() == []
    origin = urlsplit(site).netloc
    elsewhere = [r.url for r in visit.requests if urlsplit(r.url).netloc != origin]
    assert elsewhere == []
    assert [r.url for r in visit.requests if r.failure] == []


@pytest.mark.parametrize("name", PAGE_TYPES)
def test_axe_finds_no_violation(open_page: Open, axe_source: str, name: str) -> None:
    visit = open_page_type(open_page, name)
    violations = axe_violations(visit.page, axe_source)
    assert violations == [], f"{visit.page.url}\n{described(violations)}"


def test_axe_finds_no_violation_on_the_landing_page_in_the_dark_scheme(
    open_page: Open, axe_source: str
) -> None:
    visit = open_page_type(open_page, "landing", dark=True)
    assert visit.page.evaluate("() => matchMedia('(prefers-color-scheme: dark)').matches")
    violations = axe_violations(visit.page, axe_source)
    assert violations == [], f"{visit.page.url} (dark)\n{described(violations)}"


# Pages only: a chart is an image, drawn at its own size for an <img> whose page sets how
# wide it is shown (the landing page draws the same charts inline, to the screen's width).
@pytest.mark.parametrize("name", HTML_PAGE_TYPES)
def test_nothing_scrolls_sideways_on_a_375_px_screen(open_page: Open, name: str) -> None:
    visit = open_page_type(open_page, name, width=PHONE_WIDTH)
    scroll_width = visit.page.evaluate("() => document.documentElement.scrollWidth")
    assert scroll_width <= PHONE_WIDTH, visit.page.url


@pytest.mark.parametrize("name", PAGE_TYPES)
def test_screenshots_at_1280_and_375_px(open_page: Open, screenshots_dir: Path, name: str) -> None:
    for width in (DESKTOP_WIDTH, PHONE_WIDTH):
        visit = open_page_type(open_page, name, width=width)
        path = screenshots_dir / f"{name}-{width}.png"
        # A chart opened directly fits the viewport; Playwright's full-page capture waits
        # forever on an SVG document (it measures an HTML body).
        visit.page.screenshot(path=path, full_page=PAGE_TYPES[name].is_html)
        assert path.stat().st_size > 0


# --------------------------------------------------------------------------- HTML pages


@pytest.mark.parametrize("name", HTML_PAGE_TYPES)
def test_tab_reaches_the_skip_link_then_the_header_visibly(open_page: Open, name: str) -> None:
    page = open_page_type(open_page, name).page
    page.keyboard.press("Tab")
    skip = page.evaluate(FOCUSED)
    assert skip["tag"] == "a" and (skip["href"] or "").startswith("#"), skip
    target = skip["href"][1:]
    assert page.evaluate("(id) => document.getElementById(id) !== null", target), skip
    page.keyboard.press("Tab")
    header_link = page.evaluate(FOCUSED)
    assert header_link["tag"] == "a" and header_link["inHeader"], header_link
    for focused in (skip, header_link):
        assert focused["focusVisible"] and focused["onScreen"], focused
        assert focused["outline"] or focused["boxShadow"], focused


@pytest.mark.parametrize("name", HTML_PAGE_TYPES)
def test_headings_start_at_one_h1_and_go_down_one_level_at_a_time(
    open_page: Open, name: str
) -> None:
    levels: list[int] = open_page_type(open_page, name).page.evaluate(HEADING_LEVELS)
    assert levels[:1] == [1] and levels.count(1) == 1, levels
    jumps = [(a, b) for a, b in zip(levels, levels[1:], strict=False) if b > a + 1]
    assert jumps == [], levels


# --------------------------------------------------------------------------- feeds, weight


@pytest.mark.parametrize("feed", ["/v1/feeds/recent.rss", "/v1/milestones.rss"])
def test_a_feed_items_link_opens_the_records_page(open_page: Open, site: str, feed: str) -> None:
    parsed = feedparser.parse(httpx.get(site + feed, timeout=10).content)
    assert parsed.entries, feed
    link: str = parsed.entries[0].link
    record = httpx.get(link, headers={"Accept": "application/json"}, timeout=10).json()
    assert link.startswith(f"{site}/"), link
    visit = open_page(link.removeprefix(site))
    assert visit.page.url == link
    assert visit.response.status == 200
    assert visit.response.headers["content-type"].split(";")[0] == "text/html"
    assert " ".join(visit.page.inner_text("h1").split()) == record["title"]


def test_the_landing_page_weighs_at_most_60_kb_on_the_wire(open_page: Open, site: str) -> None:
    """Each URL the page loaded, fetched again as the browser asked for it and with the
    compression a browser accepts over HTTPS: the bytes of the bodies as sent."""
    visit = open_page_type(open_page, "landing")
    sizes: dict[str, int] = {}
    for request in visit.requests:
        headers = {
            "Accept": request.all_headers().get("accept", "*/*"),
            "Accept-Encoding": BROWSER_ACCEPT_ENCODING,
        }
        with httpx.stream("GET", request.url, headers=headers, timeout=10) as response:
            assert response.status_code == 200, request.url
            sizes[request.url] = sum(len(chunk) for chunk in response.iter_raw())
    total = sum(sizes.values())
    breakdown = "\n".join(f"{size:>8} {url}" for url, size in sizes.items())
    print(f"\nlanding page: {total} bytes on the wire\n{breakdown}")
    assert total <= LANDING_PAGE_BUDGET, breakdown
