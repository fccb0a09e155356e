"""Response examples in the OpenAPI document: real answers of the API for seed.json.

openapi_examples.json beside this module holds, for the 200 response of every operation
and each media type it declares, the body the API sends for one request when seed.json is
loaded (tools/openapi_examples.py makes it, and a test remakes it and compares, so the
examples cannot drift from the data). Each goes under components/examples once and the
operations reference it. A representation that has a URL of its own (`/v1/milestones.csv`)
is shown by the answer at that URL, also where a route offers it by Accept
(`/v1/milestones` with `Accept: text/csv`), so no body is held twice.
"""

import json
from pathlib import Path
from typing import Any

from app.api.formats import ALL_FORMATS, HTML, JSON

EXAMPLES_PATH = Path(__file__).with_name("openapi_examples.json")
FORMATS = {f.media_type: f for f in ALL_FORMATS}
# A page for people has no example: it would be a whole page, many times the size of the
# data it shows, for every list, record and search in the document.
WITHOUT_EXAMPLES = frozenset({HTML.media_type})
# (path, media type) of one 200 representation.
Representation = tuple[str, str]


def _source(paths: dict[str, Any], path: str, media_type: str) -> Representation:
    """Where the representation's example comes from: its own URL when it has one, except
    JSON, whose example is what the plain URL answers (`/v1/nris`, not `/v1/nris.json`)."""
    fmt = FORMATS.get(media_type)
    if fmt is JSON:
        base = path.removesuffix(JSON.suffix)
        return (base if base in paths else path), media_type
    if fmt and fmt.suffix and not path.endswith(fmt.suffix) and path + fmt.suffix in paths:
        return path + fmt.suffix, media_type
    return path, media_type


def example_names(document: dict[str, Any]) -> dict[Representation, tuple[str, Representation]]:
    """(path, media type) of every 200 representation -> its example's name, and the
    representation the example is taken from."""
    paths = document.get("paths", {})
    names = {}
    for path, item in paths.items():
        # Writes answer with the record as GET shows it; their examples are GET's.
        for operation in [item["get"]] if "get" in item else []:
            for media_type in operation.get("responses", {}).get("200", {}).get("content", {}):
                if media_type in WITHOUT_EXAMPLES:
                    continue
                source_path, _ = source = _source(paths, path, media_type)
                fmt = FORMATS.get(media_type)
                operation_id = paths[source_path]["get"]["operationId"]
                names[path, media_type] = (f"{operation_id}.{fmt.name if fmt else 'json'}", source)
    return names


def document_examples(document: dict[str, Any], path: Path = EXAMPLES_PATH) -> None:
    if not path.exists():
        return
    examples: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    names = example_names(document)
    used: dict[str, Any] = {}
    for url_path, item in document.get("paths", {}).items():
        for operation in [item["get"]] if "get" in item else []:
            ok = operation.get("responses", {}).get("200", {})
            content = {}
            for media_type, entry in ok.get("content", {}).items():
                name, _ = names.get((url_path, media_type), ("", ("", "")))
                if name in examples:
                    used[name] = examples[name]
                    ref = {"$ref": f"#/components/examples/{name}"}
                    entry = {**entry, "examples": {"seed": ref}}
                content[media_type] = entry
            if content:
                # New objects: FastAPI may share one response declaration between routes.
                ok["content"] = content
    document.setdefault("components", {})["examples"] = dict(sorted(used.items()))
