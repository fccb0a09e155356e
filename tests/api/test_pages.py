"""HTML is one more format at the same URLs: a browser gets a page, a program keeps the
bytes it always got. Checked over HTTP as each kind of client asks: headers, caching,
errors, the forms' empty fields, the stylesheet and the charts."""

import html
import re
import xml.etree.ElementTree as ET
from typing import Any

import pytest
from fastapi.testclient import TestClient

from app.security import API_CSP, PAGE_CSP

# What Chromium sends when it navigates to a URL.
BROWSER = "text/html,application/xhtml+xml,application/xml;q=0.9,image/avif,image/webp,*/*;q=0.8"
PROGRAMS = [None, "*/*", "application/json"]
RESOURCES = [
    "/v1/nris?kind=youth&limit=3",
    "/v1/nris/nri-001",
    "/v1/milestones?status=past",
    "/v1/milestones/ms-019",
    "/v1/organisations/org-002/milestones",
    "/v1/fact-sheet",
    "/v1/search?q=ICANN",
    "/v1/changes?limit=2",
    "/v1/calls-to-action/2",
]
SVG_NS = "{http://www.w3.org/2000/svg}"


def get(client: TestClient, url: str, accept: str | None, **headers: str) -> Any:
    if accept is not None:
        headers["Accept"] = accept
    return client.get(url, headers=headers)


@pytest.fixture
def pages(client: TestClient, seeded: dict[str, Any]) -> TestClient:
    return client


@pytest.mark.parametrize("url", RESOURCES)
def test_programs_get_the_same_json_whatever_they_accept(pages: TestClient, url: str) -> None:
    answers = [get(pages, url, accept) for accept in PROGRAMS]
    assert [a.status_code for a in answers] == [200, 200, 200]
    assert {a.headers["content-type"] for a in answers} == {"application/json"}
    assert len({a.content for a in answers}) == 1
    assert answers[0].headers["content-security-policy"] == API_CSP


@pytest.mark.parametrize("url", RESOURCES)
def test_a_browser_gets_a_page_with_the_page_policy(pages: TestClient, url: str) -> None:
    page = get(pages, url, BROWSER)
    assert page.status_code == 200
    assert page.headers["content-type"] == "text/html; charset=utf-8"
    assert page.text.lower().startswith("<!doctype html>")
    assert page.headers.get_list("content-security-policy") == [PAGE_CSP]
    assert page.headers["vary"] == "Accept, Accept-Encoding"
    again = get(pages, url, BROWSER, **{"If-None-Match": page.headers["etag"]})
    assert again.status_code == 304
    program = get(pages, url, None)
    assert program.headers["etag"] != page.headers["etag"]


@pytest.mark.parametrize("url", ["/v1/nris", "/v1/nris/nri-001", "/v1/fact-sheet"])
def test_the_html_suffix_names_the_page_whatever_accept_says(pages: TestClient, url: str) -> None:
    path, _, query = url.partition("?")
    by_accept = get(pages, url, BROWSER)
    records = set(re.findall(r'href="(/v1/[^"?]+)"', by_accept.text))
    for accept in [None, "application/json"]:
        by_suffix = get(pages, f"{path}.html{'?' + query if query else ''}", accept)
        assert by_suffix.status_code == 200
        assert by_suffix.headers["content-type"] == "text/html; charset=utf-8"
        # The same page; its own links (the cursors, the form) keep the suffix.
        assert set(re.findall(r'href="(/v1/[^"?]+)"', by_suffix.text)) >= records - {path}


def test_the_cache_keeps_a_page_and_the_json_of_one_url_apart(pages: TestClient) -> None:
    """The response cache keys on how Accept ranks the formats: a page stored first must not
    be handed to a program, nor the JSON to a browser."""
    url = "/v1/nris/nri-001"
    page = get(pages, url, BROWSER)
    for _ in range(2):
        assert get(pages, url, None).json()["id"] == "nri-001"
        assert get(pages, url, BROWSER).content == page.content


def test_a_page_shows_the_records_the_json_holds(pages: TestClient) -> None:
    data = get(pages, "/v1/nris?kind=youth&limit=5", None).json()
    page = get(pages, "/v1/nris?kind=youth&limit=5", BROWSER).text
    for record in data["data"]:
        assert f'href="/v1/nris/{record["id"]}"' in page
    assert data["links"]["next"] is not None
    assert 'rel="next"' in page


def test_a_record_page_shows_its_provenance(pages: TestClient) -> None:
    record = get(pages, "/v1/milestones/ms-019", None).json()
    page = get(pages, "/v1/milestones/ms-019", BROWSER).text
    assert record["source_url"] in page.replace("&amp;", "&")
    assert record["conflicts"], "ms-019 has a date conflict between sources"
    assert "25 March 2025" in page  # the value the record does not use, shown as a conflict


def test_a_browser_gets_a_404_page_and_a_program_the_problem(pages: TestClient) -> None:
    for url in ["/no-such-page", "/v1/nris/no-such-nri", "/v1/nris/no-such-nri.html"]:
        page = get(pages, url, BROWSER)
        assert page.status_code == 404
        assert page.headers["content-type"] == "text/html; charset=utf-8"
        # A shared cache may hold the problem for a minute; it must never hold the page.
        assert page.headers["cache-control"] == "no-store"
        assert page.headers["vary"] == "Accept"
        assert page.headers.get_list("content-security-policy") == [PAGE_CSP]
        assert "404" in page.text
    problem = get(pages, "/v1/nris/no-such-nri", None)
    assert problem.status_code == 404
    assert problem.headers["content-type"] == "application/problem+json"
    assert problem.json()["type"] == "/problems/not-found"


def test_a_bad_filter_is_a_400_page_naming_the_parameter(pages: TestClient) -> None:
    page = get(pages, "/v1/nris?kind=martian", BROWSER)
    assert page.status_code == 400
    assert page.headers["content-type"] == "text/html; charset=utf-8"
    assert "kind" in page.text and "martian" not in page.headers["content-type"]


def test_empty_form_fields_mean_no_filter_on_html_urls_only(pages: TestClient) -> None:
    page = get(pages, "/v1/nris.html?kind=&region=Africa&q=&limit=200", None)
    assert page.status_code == 200
    africa = get(pages, "/v1/nris?region=Africa&limit=200", None).json()["data"]
    others = get(pages, "/v1/nris?region=Europe&limit=200", None).json()["data"]
    assert all(f'href="/v1/nris/{r["id"]}"' in page.text for r in africa)
    assert not any(f'href="/v1/nris/{r["id"]}"' in page.text for r in others)
    assert get(pages, "/v1/nris?kind=&region=Africa", None).status_code == 400


def test_the_stylesheet_is_immutable_under_its_content_hash(pages: TestClient) -> None:
    page = get(pages, "/", BROWSER).text
    (href,) = re.findall(r'<link rel="stylesheet" href="(/static/site\.[0-9a-f]{12}\.css)"', page)
    css = pages.get(href)
    assert css.status_code == 200
    assert css.headers["content-type"] == "text/css; charset=utf-8"
    assert css.headers["cache-control"] == "public, max-age=31536000, immutable"
    assert pages.get("/static/site.000000000000.css").status_code == 404
    (icon,) = re.findall(r'<link rel="icon" href="(/static/icon\.[0-9a-f]{12}\.svg)"', page)
    answer = pages.get(icon)
    assert answer.headers["content-type"] == "image/svg+xml"
    assert answer.headers["cache-control"] == "public, max-age=31536000, immutable"


def test_the_landing_page_is_for_everyone_who_accepts_html(pages: TestClient) -> None:
    for accept in [BROWSER, None, "*/*"]:
        landing = get(pages, "/", accept)
        assert landing.status_code == 200
        assert landing.headers["content-type"] == "text/html; charset=utf-8"
    assert get(pages, "/", "application/json").status_code == 406
    text = get(pages, "/", BROWSER).text
    for link in ["/v1/milestones.ics", "/docs", "/openapi.json", "/v1/nris.csv"]:
        assert f'href="{link}"' in text
    assert text.count("<svg") == 2


@pytest.mark.parametrize("collection", ["nris", "milestones"])
def test_a_summary_chart_is_an_accessible_svg_of_the_summary(
    pages: TestClient, collection: str
) -> None:
    summary = get(pages, f"/v1/{collection}/summary", None).json()
    chart = get(pages, f"/v1/{collection}/summary.svg?facet=kind", None)
    assert chart.status_code == 200
    assert chart.headers["content-type"] == "image/svg+xml; charset=utf-8"
    root = ET.fromstring(chart.content)
    assert root.tag == f"{SVG_NS}svg"
    assert root.find(f"{SVG_NS}title") is not None
    desc = root.find(f"{SVG_NS}desc")
    assert desc is not None and desc.text is not None
    for label, count in summary["facets"]["kind"].items():
        assert f"{label}: {count}" in desc.text
    again = get(
        pages,
        f"/v1/{collection}/summary.svg?facet=kind",
        None,
        **{"If-None-Match": chart.headers["etag"]},
    )
    assert again.status_code == 304


def test_a_chart_of_an_unknown_facet_is_a_400(pages: TestClient) -> None:
    problem = get(pages, "/v1/nris/summary.svg?facet=colour", None)
    assert problem.status_code == 400
    assert problem.json()["errors"][0]["name"] == "facet"


def test_a_feed_item_link_leads_a_browser_to_the_record_page(pages: TestClient) -> None:
    feed = pages.get("/v1/milestones.feed.json").json()
    url = feed["items"][0]["url"]
    page = get(pages, url, BROWSER)
    assert page.status_code == 200
    assert page.headers["content-type"] == "text/html; charset=utf-8"
    record = get(pages, url, None).json()
    assert re.search(r"<h1[^>]*>" + re.escape(html.escape(record["title"])), page.text)


def test_head_of_a_page_has_the_get_headers(pages: TestClient) -> None:
    page = get(pages, "/v1/nris/nri-001", BROWSER)
    head = pages.head("/v1/nris/nri-001", headers={"Accept": BROWSER})
    assert head.status_code == 200
    assert head.headers["etag"] == page.headers["etag"]
    assert head.headers["content-type"] == page.headers["content-type"]


@pytest.mark.parametrize(
    "url", ["/v1/nris?kind=youth&limit=3", "/v1/nris/nri-001", "/v1/search?q=ICANN"]
)
def test_the_json_suffix_gives_a_browser_the_json(pages: TestClient, url: str) -> None:
    """A page's "JSON" link: a browser following it must get JSON, not the page again."""
    path, _, query = url.partition("?")
    suffixed = f"{path}.json{'?' + query if query else ''}"
    page = get(pages, url, BROWSER).text
    assert f'href="{html.escape(suffixed)}"' in page
    as_json = get(pages, suffixed, BROWSER)
    assert as_json.status_code == 200
    assert as_json.headers["content-type"] == "application/json"
    plain = get(pages, url, None).json()
    if "data" in plain:
        assert as_json.json()["data"] == plain["data"]
        assert as_json.json()["links"]["self"].startswith(f"{path}.json")
    else:
        assert as_json.json() == plain


def test_a_suffixed_record_url_is_not_read_as_an_id(pages: TestClient) -> None:
    """`/v1/nris/{nri_id}` would match `nri-001.html` too: the suffix routes come first."""
    for suffix, media_type in [(".html", "text/html"), (".json", "application/json")]:
        answer = get(pages, f"/v1/nris/nri-001{suffix}", None)
        assert answer.status_code == 200
        assert answer.headers["content-type"].startswith(media_type)


@pytest.mark.parametrize(
    "url",
    [
        "/v1/search.html?q=%3Cscript%3Ealert(1)%3C/script%3E",
        "/v1/nris.html?country=%22%3E%3Cscript%3Ealert(1)%3C/script%3E",
        "/v1/nris.html?q=%22%3E%3Cimg%20src=x%20onerror=alert(1)%3E",
        "/no-such-page/%3Cscript%3Ealert(1)%3C/script%3E.html",
    ],
)
def test_what_a_client_sends_is_shown_as_text_never_as_markup(pages: TestClient, url: str) -> None:
    """Queries are echoed in forms, search headings and error pages: always escaped."""
    page = get(pages, url, BROWSER)
    assert page.headers["content-type"] == "text/html; charset=utf-8"
    assert "<script" not in page.text.lower()
    assert "<img src=x" not in page.text.lower()


@pytest.mark.parametrize(
    "url",
    [
        "/v1/search.html?q=youth&fields=collection,id,title",
        "/v1/nris.html?fields=kind",
        "/v1/milestones.html?fields=kind&limit=3",
    ],
)
def test_a_page_shows_whole_records_whatever_fields_asks(pages: TestClient, url: str) -> None:
    """`fields` shapes JSON and CSV; a page needs its records' titles and links (found by
    the contract fuzzer: the search page failed on hits without `link`)."""
    page = get(pages, url, None)
    assert page.status_code == 200
    assert re.search(r'<a href="/v1/[a-z-]+/[^"]+">', page.text)
    assert get(pages, url.replace("fields=", "fields=nonsense,"), None).status_code == 400
