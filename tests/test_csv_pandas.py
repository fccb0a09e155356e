"""The README's recipe for reading the CSV with pandas, run as the README writes it: Namibia's
country code `NA` stays a string, and a cell is missing exactly when the JSON value is null
(or an empty list)."""

import ast
import io
import re
from typing import Any
from urllib.parse import urlsplit

import pandas as pd  # type: ignore[import-untyped]  # pandas ships without type information
from fastapi.testclient import TestClient

from tests.api.test_formats import walk
from tests.conftest import ROOT

PYTHON_BLOCK = re.compile(r"^```python\n(.*?)^```", re.MULTILINE | re.DOTALL)


def readme_recipe() -> tuple[str, dict[str, Any]]:
    """(the path the README reads, the keyword arguments it gives `read_csv`)."""
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    calls = [
        node
        for block in PYTHON_BLOCK.findall(readme)
        for node in ast.walk(ast.parse(block))
        if isinstance(node, ast.Call)
        and isinstance(node.func, ast.Attribute)
        and node.func.attr == "read_csv"
    ]
    assert len(calls) == 1, "the README shows one read_csv recipe"
    (call,) = calls
    url = urlsplit(ast.literal_eval(call.args[0]))
    options = {str(keyword.arg): ast.literal_eval(keyword.value) for keyword in call.keywords}
    return url.path + (f"?{url.query}" if url.query else ""), options


def test_the_readme_recipe_reads_namibia_as_na_and_only_empty_cells_as_missing(
    client: TestClient, seeded: dict[str, Any]
) -> None:
    path, options = readme_recipe()
    assert path == "/v1/nris.csv"
    response = client.get(path)
    assert response.status_code == 200
    frame = pd.read_csv(io.BytesIO(response.content), **options)

    namibia = frame[frame["name"].str.startswith("Namibia")]
    assert list(namibia["country"]) == ["NA"]

    records = walk(client, "/v1/nris?limit=200")
    assert list(frame["id"]) == [record["id"] for record in records]
    missing = {
        (row["id"], column): bool(pd.isna(row[column]))
        for row in frame.to_dict("records")
        for column in frame.columns
    }
    unknown = {
        (record["id"], column): record[column] in (None, [])
        for record in records
        for column in frame.columns
    }
    assert missing == unknown
    # Not vacuous: the data has unknown values (founding years, websites), read as missing.
    assert sum(missing.values()) > 0
