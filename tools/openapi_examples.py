"""Build app/openapi_examples.json: the OpenAPI document's response examples.

Every example is what the API answers for one request when seed.json is loaded, so none is
made up and none can drift from the data: tests/api/test_openapi_examples.py builds them
again and fails, naming this command, when the file differs:

    .venv/bin/python -m tools.openapi_examples

The data is loaded, and "today" is, at midnight UTC of the data's version date, so the
timestamps, milestone statuses and upcoming feed are those of the day the data was curated.
"""

import datetime as dt
import json
import tempfile
from pathlib import Path
from typing import Any
from urllib.parse import quote

from fastapi import FastAPI
from fastapi.testclient import TestClient

from app.api.formats import SUFFIXES
from app.main import create_app
from app.migrate import upgrade
from app.openapi_examples import EXAMPLES_PATH, example_names
from app.resources import seed_path
from app.seed import sync_seed
from app.seed_check import load_seed_file
from app.settings import Settings

# The query each list's examples are made with, in every format: filters that keep the
# example to a few records, all on one page (a `next` link holds a cursor signed with the
# database's own key, different for every database). Keyed by the path without a suffix.
QUERIES = {
    "/v1/milestones": "kind=summit",
    "/v1/milestones/summary": "kind=summit",
    "/v1/organisations": "kind=regional internet registry",
    "/v1/organisations/{organisation_id}/milestones": "kind=announcement",
    "/v1/nris": "country=KE",
    "/v1/nris/summary": "kind=youth",
    "/v1/action-lines": "parent=C7",
    "/v1/facts": "as_of=2003",
    "/v1/search": "q=Tunis&collection=milestones",
    "/v1/changes": "collection=calls-to-action",
}


def _instant(seed: dict[str, Any]) -> dt.datetime:
    day = dt.date.fromisoformat(seed["dataset"]["version"])
    return dt.datetime(day.year, day.month, day.day, tzinfo=dt.UTC)


def _url(path: str, operation: dict[str, Any]) -> str:
    url = path
    for parameter in operation.get("parameters", []):
        if parameter.get("in") == "path":
            examples = parameter.get("examples") or parameter["schema"]["examples"]
            value = str(examples[0])
            url = url.replace("{" + parameter["name"] + "}", quote(value, safe=""))
    base = next((path.removesuffix(s) for s in SUFFIXES if path.endswith(s)), path)
    query = QUERIES.get(base)
    return f"{url}?{quote(query, safe='=&')}" if query else url


def build_examples(seed_file: Path | None = None) -> dict[str, Any]:
    """Example name -> {"summary": the request, "value": the body}, for the 200 response of
    every operation in every media type it declares."""
    seed = load_seed_file(seed_file or seed_path())
    assert isinstance(seed, dict)
    instant = _instant(seed)
    examples: dict[str, Any] = {}
    # A migrated database file, as in production: /readyz then answers as it would there.
    with tempfile.TemporaryDirectory() as folder:
        url = f"sqlite:///{Path(folder) / 'examples.db'}"
        settings = Settings(
            database_url=url, rate_limit_enabled=False, access_log=False, _env_file=None
        )
        app = create_app(settings, clock=lambda: instant)
        upgrade(app.state.engine)
        sync_seed(app.state.engine, seed, now=instant)
        try:
            _collect(app, examples)
        finally:
            app.state.engine.dispose()
    return examples


def _collect(app: FastAPI, examples: dict[str, Any]) -> None:
    # The address the README's quickstart serves on: feeds and calendars hold absolute links.
    with TestClient(app, base_url="http://localhost:8000") as client:
        document = client.get("/openapi.json").json()
        sources = {source: name for name, source in example_names(document).values()}
        for (path, media_type), name in sources.items():
            url = _url(path, document["paths"][path]["get"])
            response = client.get(url, headers={"Accept": media_type})
            assert response.status_code == 200, (url, media_type, response.text[:300])
            json_body = media_type == "application/json" or media_type.endswith("+json")
            examples[name] = {
                "summary": f"GET {url}",
                "value": response.json() if json_body else response.text,
            }


def dumps(examples: dict[str, Any]) -> str:
    return json.dumps(examples, indent=1, ensure_ascii=False, sort_keys=True) + "\n"


def main() -> None:
    EXAMPLES_PATH.write_text(dumps(build_examples()), encoding="utf-8")
    print(f"wrote {EXAMPLES_PATH}")


if __name__ == "__main__":
    main()
