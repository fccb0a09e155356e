"""Routes made from one handler (app.api.format_routes): the path answers in the format the
Accept header picks, `path + suffix` in that format alone, and the handler gets the solved
parameters and the format either way. A handler that reads no data gets no session."""

import dataclasses
from collections.abc import Iterator

import pytest
from fastapi import APIRouter, FastAPI, Request
from fastapi.testclient import TestClient
from starlette.responses import Response

from app.api.format_routes import REQUEST, SESSION, Docs, add_format_routes, endpoint, parameter
from app.api.formats import CSV, JSON, Format

DOCS = {
    "negotiated": Docs("Echo a word", "The word, in the format Accept asks for."),
    "csv": Docs("Echo a word as CSV", "The word, as CSV."),
}


def echo(request: Request, fmt: Format, word: str) -> Response:
    return Response(f"{fmt.name}:{word}", media_type=fmt.media_type)


@pytest.fixture
def echo_client() -> Iterator[TestClient]:
    router = APIRouter()
    params = [REQUEST, parameter("word", str)]
    add_format_routes(
        router, "/echo", name="echo", formats=(JSON, CSV), handle=echo, params=params, docs=DOCS
    )
    app = FastAPI()
    app.include_router(router)
    with TestClient(app) as client:
        yield client


def test_a_handler_without_a_session_answers_by_accept_and_by_suffix(
    echo_client: TestClient,
) -> None:
    word = {"word": "kite"}
    assert echo_client.get("/echo", params=word).text == "json:kite"
    by_accept = echo_client.get("/echo", params=word, headers={"Accept": "text/csv"})
    assert by_accept.text == "csv:kite"
    by_suffix = echo_client.get("/echo.csv", params=word)
    assert (by_suffix.status_code, by_suffix.text) == (200, "csv:kite")


def test_a_session_without_the_request_is_refused_when_the_endpoint_is_made() -> None:
    # The session is opened on the app's engine, which only the request leads to: without
    # REQUEST every call would fail, so the route is not made at all.
    with pytest.raises(AssertionError, match="SESSION needs REQUEST"):
        endpoint(echo, [SESSION, parameter("word", str)])


def test_docs_are_values_the_routes_sharing_them_cannot_change() -> None:
    docs = Docs("Echo a word", "The word.")
    assert docs == Docs("Echo a word", "The word.")
    assert hash(docs) == hash(Docs("Echo a word", "The word."))
    with pytest.raises(dataclasses.FrozenInstanceError):
        docs.summary = "Something else"  # type: ignore[misc]
