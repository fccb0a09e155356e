"""Every success response in the document has an example, and every example is what the
API answers for seed.json: remade here from the seed and compared with the committed file."""

import json
from typing import Any

from fastapi.testclient import TestClient

from app.openapi_examples import EXAMPLES_PATH, WITHOUT_EXAMPLES
from tests.api.test_openapi import operations, resolve
from tools.openapi_examples import build_examples


def test_every_success_response_has_an_example_in_every_media_type(client: TestClient) -> None:
    """Pages for people excepted (app.openapi_examples.WITHOUT_EXAMPLES)."""
    document = client.get("/openapi.json").json()
    pages = 0
    for path, method, operation in operations(document):
        responses = operation["responses"]
        ok = responses.get("200") or responses.get("201")
        if ok is None:
            assert method == "delete" and "204" in responses, (method, path)
            continue
        content = ok["content"]
        for media_type, entry in content.items():
            if media_type in WITHOUT_EXAMPLES:
                assert "examples" not in entry, (method, path, media_type)
                pages += 1
                continue
            (example,) = entry.get("examples", {}).values()
            assert resolve(document, example)["value"], (method, path, media_type)
    assert pages > 0, "no page in the document: the exception above tests nothing"


def test_the_examples_are_the_api_s_answers_for_the_seed() -> None:
    committed: dict[str, Any] = json.loads(EXAMPLES_PATH.read_text(encoding="utf-8"))
    fresh = build_examples()
    stale = sorted(
        name for name in committed.keys() | fresh.keys() if committed.get(name) != fresh.get(name)
    )
    assert stale == [], (
        "The examples no longer match seed.json or the API; remake them with "
        "`.venv/bin/python -m tools.openapi_examples` and review the diff."
    )
