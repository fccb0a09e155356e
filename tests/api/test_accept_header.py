"""The Accept header over HTTP: every operation answers in a media type it declares and the
header allows, or with a 406 problem; a path suffix names the format itself and wins."""

import pytest
from fastapi.testclient import TestClient

PROBLEM = "application/problem+json"


def media_type(content_type: str) -> str:
    return content_type.split(";")[0]


@pytest.mark.parametrize(
    ("url", "accept", "answered_as"),
    [
        ("/v1/nris", None, "application/json"),
        ("/v1/nris", "application/json", "application/json"),
        ("/v1/nris", "text/csv", "text/csv"),
        ("/v1/nris", "text/csv;q=0, */*", "application/json"),
        ("/v1/nris", "garbage", "application/json"),
        ("/v1/nris/summary", None, "application/json"),
        ("/v1/nris/summary", "application/json", "application/json"),
        ("/v1/nris/summary", "application/*;q=0.1, image/png", "application/json"),
        ("/v1/nris/summary", "text", "application/json"),
        ("/v1/feeds/recent", None, "application/atom+xml"),
        # JSON Feed also answers plain application/json where no JSON list is on offer.
        ("/v1/feeds/recent", "application/json", "application/feed+json"),
        ("/v1/feeds/recent", "image/png, application/json;q=0.5", "application/feed+json"),
        ("/v1/milestones", "text/calendar", "text/calendar"),
    ],
)
def test_an_operation_answers_in_the_format_the_accept_header_allows(
    client: TestClient, url: str, accept: str | None, answered_as: str
) -> None:
    response = client.get(url, headers={"Accept": accept} if accept is not None else {})
    assert response.status_code == 200, response.text
    assert media_type(response.headers["content-type"]) == answered_as


@pytest.mark.parametrize(
    ("url", "accept", "named"),
    [
        ("/v1/nris/summary", "image/png", "application/json"),
        ("/v1/nris/summary", "text/csv", "application/json"),
        ("/v1/nris/summary", "application/json;q=0", "application/json"),
        ("/v1/nris", "image/png", "application/json, text/csv"),
        ("/v1/nris", "application/json;q=0, text/*;q=0", "application/json, text/csv"),
        ("/v1/feeds/recent", "text/csv", "application/atom+xml"),
    ],
)
def test_an_accept_header_that_allows_none_of_an_operations_formats_is_a_406_problem(
    client: TestClient, url: str, accept: str, named: str
) -> None:
    response = client.get(url, headers={"Accept": accept})
    assert response.status_code == 406
    assert response.headers["content-type"] == PROBLEM
    body = response.json()
    assert (body["type"], body["status"]) == ("/problems/not-acceptable", 406)
    assert named in body["detail"]


@pytest.mark.parametrize(
    ("url", "answered_as"),
    [
        ("/v1/nris.csv", "text/csv"),
        ("/v1/milestones.ics", "text/calendar"),
        ("/v1/feeds/recent.feed.json", "application/feed+json"),
    ],
)
def test_a_suffix_names_the_format_whatever_accept_says(
    client: TestClient, url: str, answered_as: str
) -> None:
    for accept in ("image/png", "application/json", "*/*;q=0"):
        response = client.get(url, headers={"Accept": accept})
        assert response.status_code == 200, (accept, response.text)
        assert media_type(response.headers["content-type"]) == answered_as
