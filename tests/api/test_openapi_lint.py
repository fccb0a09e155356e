"""The served document passes Spectral (`spectral:oas`) and Redocly (`recommended`) with no
error and no warning. Both are pinned in tools/openapi-lint (package.json and its lockfile;
`npm ci --prefix tools/openapi-lint` installs them), with their rulesets beside them."""

import json
import os
import subprocess  # nosec B404: runs the pinned linters on a file this test wrote
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from tests.own_sqlite import own_sqlite

pytestmark = own_sqlite

LINT_DIR = Path(__file__).resolve().parents[2] / "tools" / "openapi-lint"
BIN = LINT_DIR / "node_modules" / ".bin"
QUIET = {"REDOCLY_TELEMETRY": "off", "REDOCLY_SUPPRESS_UPDATE_NOTICE": "true"}


def linter(name: str) -> Path:
    path = BIN / name
    if not path.exists():
        reason = f"{name} is not installed: run `npm ci --prefix tools/openapi-lint`"
        if os.environ.get("CI"):
            pytest.fail(reason)  # CI installs it; a missing linter there is a broken build
        pytest.skip(reason)
    return path


@pytest.fixture
def served(client: TestClient, tmp_path: Path) -> Path:
    path = tmp_path / "openapi.json"
    path.write_bytes(client.get("/openapi.json").content)
    return path


def run(*command: str | Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(  # nosec B603: fixed argv, no shell
        [str(part) for part in command],
        capture_output=True,
        text=True,
        cwd=LINT_DIR,
        env={**os.environ, **QUIET},
        timeout=300,
        check=False,
    )


def test_spectral_oas_finds_nothing(served: Path) -> None:
    spectral = linter("spectral")
    result = run(
        spectral,
        "lint",
        "--ruleset",
        LINT_DIR / ".spectral.yaml",
        "--format",
        "json",
        "--fail-severity",
        "hint",
        "--quiet",
        served,
    )
    found: list[dict[str, Any]] = json.loads(result.stdout or "null") or []
    problems = [f"{'.'.join(map(str, p['path']))}: {p['code']}: {p['message']}" for p in found]
    assert (result.returncode, problems) == (0, []), result.stderr[-2000:]


def test_redocly_recommended_finds_nothing(served: Path) -> None:
    redocly = linter("redocly")
    result = run(redocly, "lint", "--config", LINT_DIR / "redocly.yaml", "--format", "json", served)
    report = json.loads(result.stdout)
    problems = [f"{p['ruleId']}: {p['message']}" for p in report["problems"]]
    assert report["totals"] == {"errors": 0, "warnings": 0, "ignored": 0}, problems
    assert result.returncode == 0, result.stderr[-2000:]
