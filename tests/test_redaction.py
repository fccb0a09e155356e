"""A token pasted into a URL never reaches the access log (app.redaction): the line's `query`
holds the token's shape, masked. The problem's `instance`, which masks it the same way, is
tests/api/test_write_auth.py's. Plus app.redaction.redact on its own."""

import json
import logging
from collections.abc import Iterator
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import Engine

from app.observability import ACCESS_LOGGER
from app.redaction import MASK, redact
from app.tokens import PREFIX, TOKEN_PATTERN, new_token, well_formed
from tests.conftest import FakeClock
from tests.editing import make_token

Line = dict[str, Any]


class Lines(logging.Handler):
    """The access log's lines as written (`raw`) and parsed (`lines`)."""

    def __init__(self) -> None:
        super().__init__()
        self.raw: list[str] = []
        self.lines: list[Line] = []

    def emit(self, record: logging.LogRecord) -> None:
        message = record.getMessage()
        self.raw.append(message)
        self.lines.append(json.loads(message))


@pytest.fixture
def access_log(app: FastAPI) -> Iterator[Lines]:
    """The access log of the `app` fixture's requests (the app configured the logger)."""
    handler = Lines()
    logger = logging.getLogger(ACCESS_LOGGER)
    logger.addHandler(handler)
    try:
        yield handler
    finally:
        logger.removeHandler(handler)


@pytest.fixture
def token(engine: Engine, clock: FakeClock, seeded: dict[str, Any]) -> str:
    """A real editor's token, good for writing milestones."""
    return make_token(engine, "ann", clock.now)


def logged(log: Lines, request_id: str) -> tuple[Line, str]:
    """The one line of the request sent with `request_id`, parsed and as written."""
    found = [
        (line, raw)
        for line, raw in zip(log.lines, log.raw, strict=True)
        if line["request_id"] == request_id
    ]
    assert len(found) == 1, log.raw
    return found[0]


# --------------------------------------------------------------------------- the access log


def test_a_token_in_the_query_string_of_a_write_is_masked_in_the_access_log(
    client: TestClient, access_log: Lines, token: str
) -> None:
    response = client.patch(
        f"/v1/milestones/ms-001?access_token={token}", json={}, headers={"X-Request-ID": "w-1"}
    )
    assert response.status_code == 400

    line, raw = logged(access_log, "w-1")

    assert line["query"] == f"access_token={MASK}"
    assert (line["method"], line["path"], line["status"]) == ("PATCH", "/v1/milestones/ms-001", 400)
    assert token not in raw
    assert token[len(PREFIX) :] not in raw


def test_a_token_among_other_parameters_is_masked_and_the_rest_kept(
    client: TestClient, access_log: Lines, token: str
) -> None:
    client.get(
        f"/v1/milestones?limit=2&access_token={token}&sort=id", headers={"X-Request-ID": "r-1"}
    )

    line, raw = logged(access_log, "r-1")

    assert line["query"] == f"limit=2&access_token={MASK}&sort=id"
    assert token not in raw


def test_a_token_shaped_search_term_and_a_cut_short_token_are_masked_too(
    client: TestClient, access_log: Lines, seeded: dict[str, Any]
) -> None:
    # Masked by their shape, whatever the parameter: the log cannot tell which are tokens.
    whole, cut = new_token(), new_token()[:12]
    response = client.get(f"/v1/search?q={whole}", headers={"X-Request-ID": "s-1"})
    assert response.status_code == 200
    client.get(f"/v1/milestones?access_token={cut}", headers={"X-Request-ID": "s-2"})

    assert logged(access_log, "s-1")[0]["query"] == f"q={MASK}"
    assert logged(access_log, "s-2")[0]["query"] == f"access_token={MASK}"
    assert not [raw for raw in access_log.raw if whole in raw or cut in raw]


def test_the_line_written_to_stdout_holds_the_mask_not_the_token(
    client: TestClient, token: str, capsys: pytest.CaptureFixture[str]
) -> None:
    # Without a handler of the test's: the app's own (which skips the LogRecord) writes it.
    capsys.readouterr()
    client.get(f"/v1/milestones?access_token={token}", headers={"X-Request-ID": "o-1"})

    out = capsys.readouterr().out
    written = [json.loads(text) for text in out.splitlines() if '"request_id":"o-1"' in text]
    assert [line["query"] for line in written] == [f"access_token={MASK}"]
    assert token not in out


def test_a_token_pasted_into_the_path_is_masked_in_the_access_log(
    client: TestClient, access_log: Lines, token: str
) -> None:
    response = client.get(f"/v1/milestones/{token}", headers={"X-Request-ID": "p-1"})
    assert response.status_code == 400  # not a milestone id
    assert token not in response.text

    line, raw = logged(access_log, "p-1")

    assert line["path"] == f"/v1/milestones/{MASK}"
    assert token not in raw


def test_a_percent_encoded_token_is_masked_in_the_access_log(
    client: TestClient, access_log: Lines, token: str
) -> None:
    body = token[len(PREFIX) :]
    client.get(f"/v1/milestones?access_token=wsis20%5F{body}", headers={"X-Request-ID": "e-1"})

    line, raw = logged(access_log, "e-1")

    assert body not in raw, line["query"]


# --------------------------------------------------------------------------- redact


def test_the_mask_has_the_prefix_and_is_no_token() -> None:
    assert MASK.startswith(PREFIX)
    assert TOKEN_PATTERN.fullmatch(MASK) is None
    assert not well_formed(MASK)


@pytest.mark.parametrize(
    "text",
    [
        "",
        "/v1/milestones?limit=2&sort=-start_date",
        "q=wsis20",
        "q=wsis20_",  # the prefix alone carries nothing
        "q=WSIS20_ABCdef123",  # not our prefix: tokens are case-sensitive
        f"access_token={MASK}",  # already masked
    ],
)
def test_text_without_a_token_is_left_as_it_is(text: str) -> None:
    assert redact(text) == text


def test_a_whole_token_is_masked() -> None:
    token = new_token()
    assert redact(token) == MASK
    assert redact(f"access_token={token}") == f"access_token={MASK}"


@pytest.mark.parametrize("length", [len(PREFIX) + 1, len(PREFIX) + 5, len(PREFIX) + 30])
def test_a_cut_short_token_is_masked(length: int) -> None:
    assert redact(f"access_token={new_token()[:length]}") == f"access_token={MASK}"


def test_the_token_ends_at_the_first_character_no_token_has() -> None:
    token = new_token()
    text = f"/v1/x/{token}?access_token={token}&limit=2#{token}.csv"
    assert redact(text) == f"/v1/x/{MASK}?access_token={MASK}&limit=2#{MASK}.csv"


def test_every_token_in_the_text_is_masked() -> None:
    tokens = [new_token() for _ in range(3)]
    text = "&".join(f"t{i}={t}" for i, t in enumerate(tokens))
    assert redact(text) == f"t0={MASK}&t1={MASK}&t2={MASK}"


def test_a_token_glued_to_other_text_is_masked_from_its_prefix_on() -> None:
    token = new_token()
    assert redact(f"x{token}") == f"x{MASK}"
    assert redact(f"q=geneva{token}") == f"q=geneva{MASK}"


def test_redacting_twice_is_redacting_once() -> None:
    text = f"a={new_token()}&b={new_token()[:9]}"
    once = redact(text)
    assert redact(once) == once
    assert PREFIX + "[" in once
