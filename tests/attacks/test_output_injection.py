"""Output a spreadsheet or a parser can be fooled by. A record whose text starts like a
formula is exported to CSV as text, never as a formula; control characters never reach a
CSV cell or a calendar line, even when they got into the database by a way other than the
seed; and check-seed refuses what either backend would refuse to store."""

import copy
import csv
import io
import json
import sqlite3
import subprocess
import sys
from pathlib import Path
from typing import Any

import httpx
import icalendar
import pytest

from app.characters import FORBIDDEN_CHARACTERS
from tests.attacks.conftest import Serve, server_env

ROOT = Path(__file__).resolve().parents[2]
FORMULAS = {
    "nri-017": '=HYPERLINK("http://attacker.example/","click")',
    "nri-018": "+1+cmd|' /C calc'!A0",
    "nri-019": "-2+3+cmd|' /C calc'!A0",
    "nri-020": "@SUM(1+1)*cmd|' /C calc'!A0",
    "nri-021": "\tTabbed",
}
CONTROLS = "Esc\x1b[31mRed\x0bVertical\x00Nul\x7fDel\x85Next"


def run_app(env: dict[str, str], cwd: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "app", *args],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )


def csv_rows(text: str) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(text, newline="")))


@pytest.fixture
def formula_seed(tmp_path: Path) -> Path:
    data: dict[str, Any] = json.loads((ROOT / "seed.json").read_text())
    for nri in data["nris"]:
        if nri["id"] in FORMULAS:
            nri["name"] = FORMULAS[nri["id"]]
    path = tmp_path / "formulas.json"
    path.write_text(json.dumps(data))
    return path


def test_csv_cells_that_start_like_a_formula_are_exported_as_text(
    serve: Serve, database_url: str, tmp_path: Path, formula_seed: Path
) -> None:
    env = server_env(database_url, {})
    assert run_app(env, tmp_path, "migrate").returncode == 0
    seeded = run_app(env, tmp_path, "seed", str(formula_seed))
    assert seeded.returncode == 0, seeded.stderr
    server = serve()
    response = httpx.get(f"{server.base_url}/v1/nris.csv", timeout=10)
    assert response.status_code == 200
    names = {row["id"]: row["name"] for row in csv_rows(response.text)}
    assert {i: names[i] for i in FORMULAS} == {i: "'" + name for i, name in FORMULAS.items()}
    # No cell at all starts like a formula, and numbers are left as numbers.
    for row in csv_rows(response.text):
        assert not any(v.startswith(("=", "+", "-", "@", "\t", "\r")) for v in row.values()), row
    years = [row["established_year"] for row in csv_rows(response.text)]
    assert any(y.isdigit() for y in years)
    # The JSON keeps the value as it is: only the spreadsheet format is neutralised.
    record = httpx.get(f"{server.base_url}/v1/nris/nri-019", timeout=10).json()
    assert record["name"] == FORMULAS["nri-019"]


def test_control_characters_in_the_database_never_reach_csv_or_calendars(
    serve: Serve, database_url: str, tmp_path: Path
) -> None:
    if not database_url.startswith("sqlite"):
        pytest.skip("PostgreSQL refuses NUL in text, so it cannot hold the attack's data")
    env = server_env(database_url, {})
    assert run_app(env, tmp_path, "migrate").returncode == 0
    assert run_app(env, tmp_path, "seed", str(ROOT / "seed.json")).returncode == 0
    # Written behind the API's back, as a careless import or a future editor might.
    with sqlite3.connect(database_url.removeprefix("sqlite:///")) as db:
        db.execute("UPDATE nri SET name = ? WHERE id = 'nri-017'", (CONTROLS,))
        db.execute("UPDATE milestone SET title = ? WHERE id = 'ms-019'", (CONTROLS,))
    server = serve()
    as_csv = httpx.get(f"{server.base_url}/v1/nris.csv", timeout=10)
    names = {row["id"]: row["name"] for row in csv_rows(as_csv.text)}
    assert names["nri-017"] == "Esc[31mRedVerticalNulDelNext"
    assert FORBIDDEN_CHARACTERS.search(as_csv.text) is None
    calendar = httpx.get(f"{server.base_url}/v1/milestones.ics", timeout=10)
    assert calendar.status_code == 200
    assert FORBIDDEN_CHARACTERS.search(calendar.text) is None
    parsed = icalendar.Calendar.from_ical(calendar.content)
    summaries = [str(e["SUMMARY"]) for e in parsed.walk("VEVENT")]
    assert any(s.startswith("Esc[31mRedVerticalNulDelNext") for s in summaries), summaries


@pytest.mark.parametrize(
    ("text", "code"),
    [("A\x00B", "U+0000"), ("A\x1bB", "U+001B"), ("A\x0bB", "U+000B"), ("A\ud800B", "U+D800")],
)
def test_check_seed_refuses_what_either_backend_would(tmp_path: Path, text: str, code: str) -> None:
    data: dict[str, Any] = json.loads((ROOT / "seed.json").read_text())
    changed = copy.deepcopy(data)
    (nri,) = [n for n in changed["nris"] if n["id"] == "nri-017"]
    nri["notes"] = text
    path = tmp_path / "bad.json"
    path.write_text(json.dumps(changed))  # JSON spells NUL, ESC and surrogates as \u escapes
    env = server_env("sqlite:///" + str(tmp_path / "unused.db"), {})
    result = run_app(env, tmp_path, "check-seed", str(path))
    assert result.returncode == 1
    assert f"nris[nri-017].notes: contains the control character or surrogate {code}" in (
        result.stdout + result.stderr
    )
    refused = run_app(env, tmp_path, "seed", str(path))
    assert refused.returncode == 1
