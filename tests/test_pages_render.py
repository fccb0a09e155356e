"""The HTML views on hand-made payloads: hostile text stays text, dates are never more precise
than the data, gaps read "Unknown", sources' conflicts show, and every page keeps the rules the
page CSP and accessibility ask for (one h1, no skipped heading level, no style or script)."""

import datetime as dt
import hashlib
import re
from html.parser import HTMLParser
from typing import Any

import pytest

from app.collections.changes import CHANGES
from app.collections.milestones import MILESTONES
from app.collections.nris import NRIS
from app.pages import assets, views
from app.pages.display import date_range, precise_date

HOSTILE = "<script>alert(1)</script>"
STAMP = dt.datetime(2026, 12, 4, 9, 30, tzinfo=dt.UTC)


class Outline(HTMLParser):
    """Headings, inline styles and scripts of a page, as parsed."""

    def __init__(self) -> None:
        super().__init__()
        self.levels: list[int] = []
        self.styled: list[str] = []
        self.scripts = 0
        self.tags: list[tuple[str, dict[str, str | None]]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, dict(attrs)))
        if re.fullmatch(r"h[1-6]", tag):
            self.levels.append(int(tag[1]))
        if any(name == "style" for name, _ in attrs):
            self.styled.append(tag)
        if tag in ("script", "style"):
            self.scripts += 1


def outline(page: bytes) -> Outline:
    parser = Outline()
    parser.feed(page.decode("utf-8"))
    return parser


def milestone(**overrides: Any) -> dict[str, Any]:
    record: dict[str, Any] = {
        "id": "ms-027",
        "title": "WSIS+20 zero draft published",
        "kind": "consultation",
        "start_date": "2025-08",
        "end_date": None,
        "date_precision": "month",
        "status": "past",
        "location": None,
        "resolution": None,
        "organisations": [{"id": "org-011", "short_name": "ITU"}],
        "unlinked_organisations": [],
        "in_fact_sheet": False,
        "notes": None,
        "conflicts": [],
        "source_url": "https://example.org/zero-draft",
        "other_sources": [],
        "created_at": STAMP,
        "updated_at": STAMP,
    }
    return {**record, **overrides}


def nri(**overrides: Any) -> dict[str, Any]:
    record: dict[str, Any] = {
        "id": "nri-001",
        "name": "African IGF (AfIGF)",
        "kind": "regional",
        "country": None,
        "region": "Africa",
        "established_year": 2012,
        "recognised_year": None,
        "website": None,
        "evidence": "igf_secretariat_page",
        "notes": None,
        "conflicts": [],
        "source_url": "https://example.org/nris",
        "other_sources": [],
        "created_at": STAMP,
        "updated_at": STAMP,
    }
    return {**record, **overrides}


def list_payload(records: list[dict[str, Any]], **links: str) -> dict[str, Any]:
    return {
        "data": records,
        "links": {"self": "/v1/x", "next": links.get("next"), "prev": links.get("prev")},
        "meta": {"total": len(records), "limit": 50, "sort": "start_date"},
    }


SHEET: dict[str, Any] = {
    "id": "wsis-plus-20",
    "title": "Fact Sheet: WSIS+20",
    "publisher": "RIPE NCC",
    "source": "RIPE NCC fact sheet 'WSIS+20'",
    "source_url": None,
    "notes": None,
    "sections": [
        {
            "id": "vision",
            "position": 1,
            "heading": "Our Vision",
            "level": 1,
            "parent_id": None,
            "body": "",
            "footnotes": [],
        },
        {
            "id": "infrastructure",
            "position": 2,
            "heading": "The Internet as Global Infrastructure",
            "level": 2,
            "parent_id": "vision",
            "body": "First paragraph.\n\nSecond paragraph.",
            "footnotes": ["¹ See https://example.org/contributions for more."],
        },
    ],
    "calls_to_action": [
        {"number": 1, "title": "Safeguard the global Internet", "summary": "Keep it whole."}
    ],
}


def landing(**overrides: Any) -> bytes:
    arguments: dict[str, Any] = {
        "index": {
            "api_version": "0.1.0",
            "data": {
                "title": "WSIS+20 fact sheet data",
                "version": "2026-12-04",
                "curated_on": "2026-12-04",
                "description": "Sourced records.",
                "revision": 1,
                "changed_at": STAMP,
                "notes": ["The original web address of the fact sheet was not found."],
            },
            "collections": [{"name": "milestones", "href": "/v1/milestones", "count": 3}],
        },
        "fact_sheet": SHEET,
        "milestones": [
            milestone(
                id="ms-001",
                start_date="2003-12-10",
                end_date="2003-12-12",
                date_precision="day",
                status="past",
            ),
            milestone(
                id="ms-033",
                title="IGF 2026",
                start_date="2026",
                date_precision="year",
                status="ongoing",
            ),
            milestone(
                id="ms-038",
                title="Financing report",
                start_date="2027",
                date_precision="year",
                status="upcoming",
            ),
        ],
        "nri_summary": {
            "total": 3,
            "facets": {"kind": {"youth": 2, "national": 1}, "region": {"Africa": 3}},
        },
        "today": dt.date(2026, 12, 5),
        "charts": {"kind": '<svg role="img"><title>By kind</title></svg>', "region": ""},
    }
    return views.landing_page(**{**arguments, **overrides})


def every_page() -> dict[str, bytes]:
    hit = {
        "collection": "nris",
        "id": "nri-001",
        "title": "AfIGF",
        "snippet": "<mark>IGF</mark>",
        "link": "/v1/nris/nri-001",
    }
    return {
        "list": views.list_page(
            collection=MILESTONES,
            payload=list_payload([milestone()]),
            path="/v1/milestones",
            query=[],
            alternates=[],
        ),
        "changes": views.list_page(
            collection=CHANGES,
            payload=list_payload([]),
            path="/v1/changes",
            query=[],
            alternates=[],
        ),
        "record": views.record_page(collection=NRIS, record=nri(), alternates=[]),
        "search": views.search_page(payload=list_payload([hit]), query="IGF", alternates=[]),
        "fact sheet": views.fact_sheet_page(payload=SHEET, alternates=[]),
        "landing": landing(),
        "landing without data": landing(
            index={"api_version": "0.1.0", "data": None, "collections": []},
            fact_sheet=None,
            milestones=[],
            nri_summary={"total": 0, "facets": {}},
            charts={},
        ),
        "error": views.error_page(
            problem={
                "type": "/problems/not-found",
                "title": "Not Found",
                "status": 404,
                "detail": "No NRI.",
                "instance": "/x",
            }
        ),
    }


@pytest.mark.parametrize("name", list(every_page()))
def test_every_page_has_one_h1_and_never_skips_a_heading_level(name: str) -> None:
    levels = outline(every_page()[name]).levels
    assert levels[0] == 1 and levels.count(1) == 1
    assert all(after <= before + 1 for before, after in zip(levels, levels[1:], strict=False))


@pytest.mark.parametrize("name", list(every_page()))
def test_no_page_has_a_style_attribute_or_a_script(name: str) -> None:
    page = outline(every_page()[name])
    assert (page.styled, page.scripts) == ([], 0)


@pytest.mark.parametrize("name", list(every_page()))
def test_every_form_control_has_a_label(name: str) -> None:
    tags = outline(every_page()[name]).tags
    labelled = {attrs.get("for") for tag, attrs in tags if tag == "label"}
    controls = [attrs for tag, attrs in tags if tag in ("input", "select", "textarea")]
    assert controls and all(c.get("id") in labelled for c in controls)


def test_a_hostile_title_is_escaped_on_its_page_and_in_its_list() -> None:
    record = nri(name=HOSTILE, notes='"><img src=x>')
    pages = [
        views.record_page(collection=NRIS, record=record, alternates=[]),
        views.list_page(
            collection=NRIS,
            payload=list_payload([record]),
            path="/v1/nris",
            query=[("q", HOSTILE)],
            alternates=[],
        ),
    ]
    for page in pages:
        text = page.decode()
        assert "&lt;script&gt;alert(1)&lt;/script&gt;" in text
        assert "<script" not in text and "<img" not in text


@pytest.mark.parametrize(
    ("value", "precision", "shown"),
    [
        ("2025-03-27", "day", "27 March 2025"),
        ("2025-03", "month", "March 2025"),
        ("2025", "year", "2025"),
        ("2025-03-27", "month", "March 2025"),
        ("2025-03", "day", "March 2025"),  # the value itself has no day: none is made up
        (dt.date(2025, 3, 7), "day", "7 March 2025"),
    ],
)
def test_a_date_is_shown_as_precisely_as_it_is_known(
    value: str | dt.date, precision: str, shown: str
) -> None:
    assert precise_date(value, precision) == shown


@pytest.mark.parametrize(
    ("start", "end", "precision", "shown"),
    [
        ("2003-12-10", "2003-12-12", "day", "10–12 December 2003"),
        ("2006-10-30", "2006-11-02", "day", "30 October – 2 November 2006"),
        ("2025-12-30", "2026-01-02", "day", "30 December 2025 – 2 January 2026"),
        ("2025-07", "2025-08", "month", "July – August 2025"),
        ("2026", None, "year", "2026"),
    ],
)
def test_a_range_shares_what_both_ends_share(
    start: str, end: str | None, precision: str, shown: str
) -> None:
    assert date_range(start, end, precision) == shown


def test_a_month_precision_milestone_page_shows_no_day() -> None:
    page = views.record_page(collection=MILESTONES, record=milestone(), alternates=[]).decode()
    assert "<dt>Date</dt>\n<dd>\nAugust 2025\n</dd>" in page
    assert "End date" not in page  # one row for the dates: no "Unknown" end for one day
    assert "2025-08-01" not in page and "1 August" not in page


def test_a_missing_value_reads_unknown_and_links_stay_links() -> None:
    page = views.record_page(collection=NRIS, record=nri(), alternates=[]).decode()
    country = page.split("<dt>Country</dt>", 1)[1].split("</dd>", 1)[0]
    assert 'class="unknown">Unknown<' in country
    assert '<a class="url" href="https://example.org/nris">' in page


def test_a_milestones_organisations_link_to_their_pages() -> None:
    page = views.record_page(collection=MILESTONES, record=milestone(), alternates=[]).decode()
    assert '<a href="/v1/organisations/org-011">ITU</a>' in page


def test_conflicts_between_sources_are_shown_with_every_value_and_the_note() -> None:
    conflict = {
        "field": "established_year",
        "values": ["2012", "2011"],
        "note": "A blog says 2011. This record uses 2012.",
    }
    page = views.record_page(collection=NRIS, record=nri(conflicts=[conflict]), alternates=[])
    text = page.decode()
    assert "<strong>Established year</strong>: the sources give" in text
    assert "<q>2012</q> and <q>2011</q>" in text
    assert "A blog says 2011. This record uses 2012." in text


def test_a_record_without_conflicts_says_none_are_recorded() -> None:
    page = views.record_page(collection=NRIS, record=nri(), alternates=[]).decode()
    assert "No conflicts between sources are recorded for this NRI." in page
    assert "Listed on an IGF Secretariat page" in page


def test_a_snippets_marks_survive_while_other_markup_in_it_stays_escaped() -> None:
    hit = {
        "collection": "calls-to-action",
        "id": "2",
        "title": "Recognise <b>bodies</b>",
        "snippet": "the IETF, <mark>ICANN</mark> and &lt;b&gt;RIRs&lt;/b&gt;",
        "link": "/v1/calls-to-action/2",
    }
    page = views.search_page(payload=list_payload([hit]), query="ICANN", alternates=[]).decode()
    assert "<mark>ICANN</mark>" in page
    assert "&lt;b&gt;RIRs&lt;/b&gt;" in page and "<b>" not in page
    assert "Recognise &lt;b&gt;bodies&lt;/b&gt;" in page
    assert "The calls to action" in page  # the collection, as its label


def test_an_empty_search_shows_only_the_form() -> None:
    page = views.search_page(payload=list_payload([]), query=" ", alternates=[]).decode()
    assert 'id="search-q"' in page and "results" not in page


def test_the_list_form_has_a_control_per_filter_and_is_filled_from_the_query() -> None:
    query = [
        ("status", "past"),
        ("status", "ongoing"),
        ("from", "2025-01-01"),
        ("in_fact_sheet", "true"),
        ("sort", "-title"),
        ("limit", "20"),
    ]
    page = views.list_page(
        collection=MILESTONES,
        payload=list_payload([milestone()]),
        path="/v1/milestones",
        query=query,
        alternates=[],
    ).decode()
    assert '<form class="filters" action="/v1/milestones.html" method="get">' in page
    assert '<select id="filter-status" name="status" multiple' in page
    assert '<option value="past" selected>' in page and '<option value="ongoing" selected>' in page
    assert '<option value="">any</option>' in page
    assert '<input id="filter-from" name="from" type="date" value="2025-01-01"' in page
    assert '<option value="true" selected>yes</option>' in page
    assert '<option value="-title" selected>' in page
    assert 'name="limit" type="number" value="20" min="1" max="200"' in page
    assert '<a href="/v1/milestones/ms-027">WSIS+20 zero draft published</a>' in page
    assert "August 2025" in page


def test_pagination_and_alternates_are_plain_links() -> None:
    payload = list_payload([nri()], next="/v1/nris?cursor=abc&limit=1")
    alternates = [("JSON", "/v1/nris?kind=youth"), ("CSV", "/v1/nris.csv?kind=youth")]
    page = views.list_page(
        collection=NRIS,
        payload=payload,
        path="/v1/nris",
        query=[("kind", "youth")],
        alternates=alternates,
    ).decode()
    assert '<a rel="next" href="/v1/nris?cursor=abc&amp;limit=1">' in page
    assert 'rel="prev"' not in page
    assert '<a href="/v1/nris.csv?kind=youth">CSV</a>' in page
    assert '<link rel="alternate" type="text/csv" href="/v1/nris.csv?kind=youth"' in page


def test_a_change_without_a_page_is_listed_without_a_link() -> None:
    changes = [
        {
            "id": 1,
            "revision": 1,
            "at": STAMP,
            "collection": "nris",
            "record_id": "nri-001",
            "action": "updated",
            "title": "AfIGF",
            "href": "/v1/nris/nri-001",
        },
        {
            "id": 2,
            "revision": 1,
            "at": STAMP,
            "collection": "nris",
            "record_id": "nri-002",
            "action": "deleted",
            "title": "Gone IGF",
            "href": None,
        },
    ]
    page = views.list_page(
        collection=CHANGES,
        payload=list_payload(changes),
        path="/v1/changes",
        query=[],
        alternates=[],
    ).decode()
    assert '<a href="/v1/nris/nri-001">AfIGF</a>' in page
    assert '<th scope="row">Gone IGF</th>' in page
    assert "4 December 2026, 09:30 UTC" in page


def test_the_fact_sheet_keeps_its_outline_and_says_when_its_address_is_unknown() -> None:
    page = views.fact_sheet_page(payload=SHEET, alternates=[]).decode()
    assert '<h2 id="vision">Our Vision</h2>' in page
    assert '<h3 id="infrastructure">The Internet as Global Infrastructure</h3>' in page
    assert "<p>First paragraph.</p>\n<p>Second paragraph.</p>" in page
    assert '<a class="url" href="https://example.org/contributions">' in page
    assert "original web address of the fact sheet is not known" in page
    assert '<li value="1"><a href="/v1/calls-to-action/1">' in page


def test_the_landing_timeline_marks_each_status_in_words_and_in_style() -> None:
    page = landing().decode()
    items = re.findall(r'<li class="ms (\w+)">\s*<span class="status">(\w+)</span>', page)
    assert items == [("past", "Past"), ("ongoing", "Ongoing"), ("upcoming", "Upcoming")]
    assert '<time datetime="2003-12-10">10–12 December 2003</time>' in page
    assert '<time datetime="2026">2026</time>' in page


def test_the_landing_page_orders_the_timeline_by_date_whatever_it_is_given() -> None:
    later, earlier = (
        milestone(id="ms-2", start_date="2025-08"),
        milestone(id="ms-1", start_date="2024"),
    )
    page = landing(milestones=[later, earlier]).decode()
    assert page.index("/v1/milestones/ms-1") < page.index("/v1/milestones/ms-2")


def test_the_landing_page_charts_nris_beside_a_table_of_the_same_counts() -> None:
    page = landing().decode()
    assert '<svg role="img"><title>By kind</title></svg>' in page
    assert '<tr><th scope="row">youth</th><td class="number">2</td></tr>' in page
    assert '<tr><th scope="row">Africa</th><td class="number">3</td></tr>' in page


def test_the_landing_page_says_when_no_data_is_loaded() -> None:
    page = every_page()["landing without data"].decode()
    assert "No data is loaded yet" in page and "The fact sheet is not loaded." in page


def test_the_error_page_names_each_invalid_parameter() -> None:
    problem = {
        "type": "/problems/invalid-parameter",
        "title": "Invalid parameter",
        "status": 400,
        "detail": "Invalid value for: kind.",
        "instance": "/v1/nris",
        "errors": [{"name": "kind", "in": "query", "reason": "Input should be 'youth'"}],
    }
    page = views.error_page(problem=problem).decode()
    assert "<h1>400 Invalid parameter</h1>" in page
    assert "<li><code>kind</code> (in the query): Input should be &#39;youth&#39;</li>" in page
    assert '<a href="/docs">API docs</a>' in page


def test_the_stylesheet_is_named_by_its_hash_and_loads_nothing_else() -> None:
    digest = hashlib.sha256(assets.STYLESHEET).hexdigest()[:12]
    assert assets.STYLESHEET_URL == f"/static/site.{digest}.css"
    css = assets.STYLESHEET.decode()
    assert "@import" not in css and "url(" not in css and "@font-face" not in css
    assert "prefers-color-scheme: dark" in css and "@media print" in css
    assert f'href="{assets.STYLESHEET_URL}"' in landing().decode()


def test_section_levels_become_heading_ranks_that_never_skip() -> None:
    raw = [
        {"id": "a", "position": 1, "heading": "A", "level": 2},
        {"id": "b", "position": 2, "heading": "B", "level": 3},
        {"id": "c", "position": 3, "heading": "C", "level": 1},
    ]
    assert [s.rank for s in views.sections(raw)] == [2, 3, 2]
    assert [s.rank for s in views.sections(raw, top=3)] == [3, 4, 3]


def test_a_sub_list_form_has_no_control_for_the_filter_its_path_sets() -> None:
    def form(path: str) -> str:
        page = views.list_page(
            collection=MILESTONES,
            payload=list_payload([milestone()]),
            path=path,
            query=[],
            alternates=[],
        )
        return page.decode()

    assert 'name="organisation"' in form("/v1/milestones")
    sub_list = form("/v1/organisations/org-002/milestones")
    assert 'name="organisation"' not in sub_list and 'name="kind"' in sub_list
    assert 'action="/v1/organisations/org-002/milestones.html"' in sub_list
