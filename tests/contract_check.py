"""Every request a test sends through the `client` fixture, and every answer, is held
against the served OpenAPI document by openapi-core, an independent validator: statuses,
headers, media types, and JSON bodies against their schemas. The suite's HTTP tests thereby
double as contract tests of the document.

Two principled exceptions:

* the request is validated only when the server accepted it (2xx or 304). Tests of 4xx
  answers send invalid requests on purpose (an unknown parameter, a bad date, a limit of
  500), and the document, rightly, does not allow them; their answers are still validated;
* exchanges the document does not describe are skipped: paths outside it (/openapi.json,
  /docs, /metrics) and methods it does not list (tests of 405, HEAD and OPTIONS).

On `.html` URLs the empty query parameters are left out of the request checked, as the
server drops them before routing (app.form_query: a browser sends every field of a form).

Bodies that are not JSON (CSV, Atom, RSS, iCalendar) are declared as strings: they are
read as text and checked as one, with their status, headers and media type; their own tests
parse them.
"""

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from fastapi import FastAPI
from httpx2 import Request, Response
from openapi_core import Config, OpenAPI
from openapi_core.datatypes import RequestParameters
from openapi_core.deserializing.media_types.util import json_loads, plain_loads
from openapi_core.templating.paths.exceptions import OperationNotFound, PathNotFound
from werkzeug.datastructures import Headers, ImmutableMultiDict

# openapi-core reads application/json and a few others; these are the API's other types.
READERS: dict[str, Callable[[bytes], Any]] = {
    "application/problem+json": json_loads,
    "application/feed+json": json_loads,
    "application/merge-patch+json": json_loads,  # PATCH bodies (RFC 7396)
    "text/csv": plain_loads,
    "text/calendar": plain_loads,
    # As text, not parsed: the document declares the feeds as strings.
    "application/atom+xml": plain_loads,
    "application/rss+xml": plain_loads,
    "text/html": plain_loads,
    "image/svg+xml": plain_loads,
}
HTML_SUFFIX = ".html"


class OpenAPIRequest:
    """An httpx request as openapi-core reads one (openapi_core.protocols.Request). Its
    `parameters` is an attribute: openapi-core fills in the path parameters it finds."""

    def __init__(self, request: Request) -> None:
        url = request.url
        self.host_url = f"{url.scheme}://{url.netloc.decode()}"
        self.path = url.path
        self.method = request.method.lower()
        query = url.params.multi_items()
        if url.path.endswith(HTML_SUFFIX):
            # As app.form_query drops them before routing (a form sends its empty fields).
            query = [(name, value) for name, value in query if value]
        self.parameters = RequestParameters(
            query=ImmutableMultiDict(query),
            header=Headers(request.headers.multi_items()),
        )
        self.body: bytes | None = request.content or None
        self.content_type = request.headers.get("content-type", "")


@dataclass(frozen=True)
class OpenAPIResponse:
    """An httpx response as openapi-core reads one (openapi_core.protocols.Response)."""

    response: Response

    @property
    def status_code(self) -> int:
        return self.response.status_code

    @property
    def content_type(self) -> str:
        return self.response.headers.get("content-type", "")

    @property
    def headers(self) -> Headers:
        return Headers(self.response.headers.multi_items())

    @property
    def data(self) -> bytes | None:
        return self.response.content or None


def check_exchange(openapi: OpenAPI, response: Response) -> None:
    """Validate one exchange; an AssertionError says what the document does not allow."""
    request = OpenAPIRequest(response.request)
    where = f"{response.request.method} {response.request.url} -> {response.status_code}"
    result = openapi.unmarshal_response(request, OpenAPIResponse(response))
    if any(isinstance(e, PathNotFound | OperationNotFound) for e in result.errors):
        return  # outside the document, see above
    assert not result.errors, f"{where}: response: {_explain(result.errors)}"
    if response.status_code < 300 or response.status_code == 304:
        accepted = openapi.unmarshal_request(request)
        assert not accepted.errors, f"{where}: request: {_explain(accepted.errors)}"


def _explain(errors: Any) -> str:
    parts = []
    for error in errors:
        causes = [str(e) for e in getattr(error, "schema_errors", [])]
        cause = error.__cause__
        if cause is not None:
            causes.append(repr(cause)[:500])
        parts.append(f"{error!r} {causes}")
    return "; ".join(parts)


def contract_hook(app: FastAPI) -> Callable[[Response], None]:
    """An httpx response hook that validates each exchange against `app`'s document."""

    def check(response: Response) -> None:
        response.read()
        check_exchange(_validator(app), response)

    return check


_validators: list[OpenAPI] = []


def _validator(app: FastAPI) -> OpenAPI:
    """Built once: every app the suite makes serves the same document, and reading it
    (about a second) per test would cost minutes."""
    if not _validators:
        config = Config(extra_media_type_deserializers=READERS)
        _validators.append(OpenAPI.from_dict(app.openapi(), config=config))
    return _validators[0]
