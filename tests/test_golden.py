"""Golden responses: every file under tests/golden/responses/ holds a request and the answer a
seeded app gave it (see tests/golden/record.py). Each is replayed against a fresh app built
the same way and must get the same status, headers and body, byte for byte. The set of files
and the exchanges of tests/golden/exchanges.py must match, so none is skipped silently.

A difference here is a change of behaviour. Re-record (`python -m tests.golden.record`) only
when an issue asks for that change, and review the diff of the files it rewrites."""

import difflib
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from tests.golden.exchanges import exchanges
from tests.golden.record import RESPONSES, Record, golden_client, openapi_document, replay

RECORDED = sorted(RESPONSES.glob("*.json"))
DIFF_LINES = 40


@pytest.fixture(scope="module")
def golden() -> Iterator[TestClient]:
    with golden_client() as client:
        yield client


def _lines(record: Record) -> list[str]:
    body: str = record["body"]
    if not record["body_base64"]:
        try:
            parsed: Any = json.loads(body)
        except ValueError:
            pass
        else:
            return json.dumps(parsed, indent=2, sort_keys=True, ensure_ascii=False).splitlines()
    return body.splitlines()


def explain(expected: Record, actual: Record) -> str:
    lines = [f"{expected['request']['method']} {expected['request']['target']}"]
    if expected["status"] != actual["status"]:
        lines.append(f"status: recorded {expected['status']}, now {actual['status']}")
    recorded, now = expected["headers"], actual["headers"]
    for name in sorted(set(recorded) | set(now)):
        if recorded.get(name) != now.get(name):
            lines.append(f"header {name}: recorded {recorded.get(name)!r}, now {now.get(name)!r}")
    if (expected["body"], expected["body_base64"]) != (actual["body"], actual["body_base64"]):
        diff = list(
            difflib.unified_diff(
                _lines(expected), _lines(actual), "recorded", "now", n=2, lineterm=""
            )
        )
        lines += diff[:DIFF_LINES]
        if len(diff) > DIFF_LINES:
            lines.append(f"... {len(diff) - DIFF_LINES} more lines of diff")
        if not diff:
            lines.append("body: differs only in formatting")
    return "\n".join(lines)


def test_every_exchange_is_recorded_and_every_recording_is_an_exchange(
    golden: TestClient,
) -> None:
    wanted = exchanges(openapi_document(golden))
    names = {exchange.name for exchange in wanted}
    recorded = {path.stem for path in RECORDED}
    assert not names - recorded, f"exchanges without a recording: {sorted(names - recorded)}"
    assert not recorded - names, f"recordings of no exchange: {sorted(recorded - names)}"
    for exchange in wanted:
        if exchange.follow is not None:
            continue
        request = json.loads((RESPONSES / f"{exchange.name}.json").read_text("utf-8"))["request"]
        assert (request["method"], request["target"]) == (exchange.method, exchange.target)
        sent = {name.lower(): value for name, value in exchange.headers.items()}
        assert sent.items() <= request["headers"].items(), exchange.name


@pytest.mark.parametrize("path", RECORDED, ids=[path.stem for path in RECORDED])
def test_the_response_is_the_recorded_one(golden: TestClient, path: Path) -> None:
    expected: Record = json.loads(path.read_text(encoding="utf-8"))
    actual = replay(golden, expected)
    assert actual == expected, explain(expected, actual)
