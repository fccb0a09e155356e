"""The `factsheet` command (and `python -m app`) as operators run it: real subprocesses, a
temporary SQLite file, and a real server on a free port of 127.0.0.1."""

import copy
import json
import os
import signal
import socket
import sqlite3
import subprocess
import sys
import time
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

import httpx
import pytest

from app.db import make_engine
from app.migrate import current_revision, head_revision

ROOT = Path(__file__).resolve().parents[1]
SEED_PATH = ROOT / "seed.json"
BIN = Path(sys.executable).parent
COMMAND_TIMEOUT = 120  # seconds for one migrate/seed/check-seed run
READY_TIMEOUT = 20.0  # seconds for a server to answer /readyz
STOP_TIMEOUT = 30.0  # seconds for a server to exit after SIGTERM

ENTRY_POINTS = {
    "python -m app": [sys.executable, "-m", "app"],
    "factsheet": [str(BIN / "factsheet")],
}


def clean_env(**factsheet: str) -> dict[str, str]:
    """The current environment without any FACTSHEET_* setting, plus the ones given."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("FACTSHEET_")}
    env.update({f"FACTSHEET_{k.upper()}": v for k, v in factsheet.items()})
    return env


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def wait_until_ready(
    base_url: str, process: "subprocess.Popen[Any]", log: Path, timeout: float = READY_TIMEOUT
) -> None:
    """Poll /readyz until it answers 200; fail early if the server process exits."""
    deadline = time.monotonic() + timeout
    last = "no answer"
    while time.monotonic() < deadline:
        if process.poll() is not None:
            pytest.fail(f"server exited with {process.returncode}:\n{log.read_text()}")
        try:
            response = httpx.get(f"{base_url}/readyz", timeout=2.0)
            if response.status_code == 200:
                return
            last = f"{response.status_code} {response.text}"
        except httpx.TransportError as exc:
            last = repr(exc)
        time.sleep(0.2)
    pytest.fail(f"/readyz not 200 within {timeout} s (last: {last}):\n{log.read_text()}")


def stop(process: "subprocess.Popen[Any]", timeout: float = STOP_TIMEOUT) -> int:
    """SIGTERM the process we started, by its PID, and wait (bounded) for it to exit."""
    if process.poll() is None:
        process.terminate()
        try:
            process.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=timeout)
    return process.returncode


@pytest.fixture
def db_path(tmp_path: Path) -> Path:
    return tmp_path / "db" / "factsheet.db"


@pytest.fixture
def env(db_path: Path) -> dict[str, str]:
    return clean_env(database_url=f"sqlite:///{db_path}")


def run(
    args: list[str],
    env: Mapping[str, str],
    cwd: Path,
    entry: str = "python -m app",
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [*ENTRY_POINTS[entry], *args],
        env=env,
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=COMMAND_TIMEOUT,
    )


def sqlite_dump(path: Path) -> list[str]:
    """The whole database as SQL text: schema and every row."""
    conn = sqlite3.connect(path)
    try:
        return list(conn.iterdump())
    finally:
        conn.close()


def broken_seed(tmp_path: Path) -> Path:
    data = json.loads(SEED_PATH.read_text(encoding="utf-8"))
    broken = copy.deepcopy(data)
    for milestone in broken["milestones"]:
        if milestone["id"] == "ms-019":
            milestone["end_date"] = "2025-03-01"
    path = tmp_path / "broken.json"
    path.write_text(json.dumps(broken), encoding="utf-8")
    return path


# --------------------------------------------------------------------------- help


@pytest.mark.parametrize("entry", list(ENTRY_POINTS))
def test_help_lists_every_command(entry: str, env: dict[str, str], tmp_path: Path) -> None:
    result = run(["--help"], env, tmp_path, entry)
    assert result.returncode == 0, result.stderr
    for command in ("serve", "migrate", "seed", "check-seed"):
        assert command in result.stdout


def test_no_command_is_a_usage_error(env: dict[str, str], tmp_path: Path) -> None:
    result = run([], env, tmp_path)
    assert result.returncode == 2
    assert "usage: factsheet" in result.stderr


# --------------------------------------------------------------------------- migrate


@pytest.mark.parametrize("entry", list(ENTRY_POINTS))
def test_migrate_brings_an_empty_database_to_head(
    entry: str, env: dict[str, str], db_path: Path, tmp_path: Path
) -> None:
    result = run(["migrate"], env, tmp_path, entry)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "database migrated to head"
    engine = make_engine(f"sqlite:///{db_path}")
    try:
        assert current_revision(engine) == head_revision()
    finally:
        engine.dispose()


def test_migrate_twice_is_harmless(env: dict[str, str], db_path: Path, tmp_path: Path) -> None:
    assert run(["migrate"], env, tmp_path).returncode == 0
    before = sqlite_dump(db_path)
    result = run(["migrate"], env, tmp_path)
    assert result.returncode == 0, result.stderr
    assert sqlite_dump(db_path) == before


def test_without_a_database_url_the_database_is_created_under_data_of_the_cwd(
    tmp_path: Path,
) -> None:
    result = run(["migrate"], clean_env(), tmp_path)
    assert result.returncode == 0, result.stderr
    assert (tmp_path / "data" / "factsheet.db").is_file()


# --------------------------------------------------------------------------- seed


def test_seed_loads_the_bundled_file_and_a_second_run_says_no_changes(
    env: dict[str, str], db_path: Path, tmp_path: Path, seed_data: dict[str, Any]
) -> None:
    first = run(["seed"], env, tmp_path)
    assert first.returncode == 0, first.stderr
    assert f"nris: +{len(seed_data['nris'])} ~0 -0" in first.stdout
    assert first.stdout.rstrip().endswith("(data revision 1)")
    before = sqlite_dump(db_path)

    second = run(["seed"], env, tmp_path, "factsheet")
    assert second.returncode == 0, second.stderr
    assert second.stdout.rstrip().endswith(": no changes (data revision 1)")
    assert sqlite_dump(db_path) == before


def test_seed_with_an_edited_file_reports_the_one_update(
    env: dict[str, str], tmp_path: Path
) -> None:
    assert run(["seed"], env, tmp_path).returncode == 0
    data = json.loads(SEED_PATH.read_text(encoding="utf-8"))
    data["nris"][0]["name"] = "Renamed IGF"
    edited = tmp_path / "edited.json"
    edited.write_text(json.dumps(data), encoding="utf-8")
    result = run(["seed", str(edited)], env, tmp_path)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == f"seeded from {edited}: nris: +0 ~1 -0 (data revision 2)"


def test_seed_with_a_broken_file_exits_1_and_leaves_the_database_unchanged(
    env: dict[str, str], db_path: Path, tmp_path: Path
) -> None:
    assert run(["seed"], env, tmp_path).returncode == 0
    before = sqlite_dump(db_path)
    broken = broken_seed(tmp_path)
    result = run(["seed", str(broken)], env, tmp_path, "factsheet")
    assert result.returncode == 1
    assert "milestones[ms-019].end_date" in result.stderr
    assert "the database was not changed" in result.stderr
    assert result.stdout == ""
    assert sqlite_dump(db_path) == before


def test_seed_with_a_broken_file_leaves_a_new_database_without_data(
    env: dict[str, str], db_path: Path, tmp_path: Path
) -> None:
    result = run(["seed", str(broken_seed(tmp_path))], env, tmp_path)
    assert result.returncode == 1
    conn = sqlite3.connect(db_path)
    try:
        assert conn.execute("SELECT count(*) FROM dataset").fetchone() == (0,)
        assert conn.execute("SELECT count(*) FROM nri").fetchone() == (0,)
    finally:
        conn.close()


@pytest.mark.parametrize(
    ("content", "reason"),
    [(None, "cannot read: No such file"), ("{not json", "invalid JSON at line 1, column 2")],
    ids=["missing", "not-json"],
)
def test_seed_with_an_unreadable_file_exits_1_in_one_line_without_touching_the_database(
    env: dict[str, str], db_path: Path, tmp_path: Path, content: str | None, reason: str
) -> None:
    path = tmp_path / "seed.json"
    if content is not None:
        path.write_text(content, encoding="utf-8")
    result = run(["seed", str(path)], env, tmp_path)
    assert result.returncode == 1
    [line] = result.stderr.splitlines()
    assert line.startswith(f"error: {path}: {reason}")
    assert line.count(str(path)) == 1
    assert not db_path.exists()


def test_seed_and_check_seed_name_the_default_file_they_read(
    env: dict[str, str], tmp_path: Path
) -> None:
    # In a checkout (or an editable install, as the tests run) the default is the checkout's
    # seed.json; the line settles which copy was read.
    seeded = run(["seed"], env, tmp_path)
    assert seeded.returncode == 0, seeded.stderr
    assert seeded.stdout.startswith(f"seeded from {SEED_PATH}: ")
    checked = run(["check-seed"], env, tmp_path, "factsheet")
    assert checked.stdout == f"{SEED_PATH}: ok\n"


# --------------------------------------------------------------------------- check-seed


@pytest.mark.parametrize("entry", list(ENTRY_POINTS))
def test_check_seed_on_the_bundled_file_exits_0_and_prints_ok(
    entry: str, env: dict[str, str], tmp_path: Path
) -> None:
    result = run(["check-seed"], env, tmp_path, entry)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip().endswith("seed.json: ok")
    assert result.stderr == ""


def test_check_seed_on_the_real_file_by_path_exits_0(env: dict[str, str], tmp_path: Path) -> None:
    result = run(["check-seed", str(SEED_PATH)], env, tmp_path)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == f"{SEED_PATH}: ok"


def test_check_seed_on_a_broken_copy_exits_1_naming_record_and_field(
    env: dict[str, str], db_path: Path, tmp_path: Path
) -> None:
    broken = broken_seed(tmp_path)
    result = run(["check-seed", str(broken)], env, tmp_path, "factsheet")
    assert result.returncode == 1
    assert result.stderr.splitlines() == [
        "error: milestones[ms-019].end_date: end_date 2025-03-01 is before start_date 2025-03-27",
        f"{broken}: 1 problem(s)",
    ]
    assert result.stdout == ""
    assert not db_path.exists()  # checking never opens the database


# --------------------------------------------------------------------------- serve


@pytest.fixture
def server_log(tmp_path: Path) -> Path:
    return tmp_path / "server.log"


@pytest.fixture
def server(
    env: dict[str, str], tmp_path: Path, server_log: Path
) -> Iterator[tuple[str, "subprocess.Popen[bytes]"]]:
    """`factsheet serve` on an empty database and a free port; stopped by its PID."""
    port = free_port()
    with (
        server_log.open("wb") as log,
        subprocess.Popen(
            [str(BIN / "factsheet"), "serve", "--host", "127.0.0.1", "--port", str(port)],
            env=env,
            cwd=tmp_path,
            stdout=log,
            stderr=subprocess.STDOUT,
        ) as process,
    ):
        try:
            yield f"http://127.0.0.1:{port}", process
        finally:
            stop(process)


@pytest.mark.slow
def test_serve_on_an_empty_database_migrates_seeds_and_answers(
    server: tuple[str, "subprocess.Popen[bytes]"],
    server_log: Path,
    db_path: Path,
    seed_data: dict[str, Any],
) -> None:
    base_url, process = server
    wait_until_ready(base_url, process, server_log)

    response = httpx.get(f"{base_url}/v1/nris", params={"kind": "youth", "limit": 5}, timeout=5)
    assert response.status_code == 200
    body = response.json()
    assert len(body["data"]) == 5
    assert {nri["kind"] for nri in body["data"]} == {"youth"}
    assert body["links"]["next"]
    assert body["meta"]["total"] == sum(nri["kind"] == "youth" for nri in seed_data["nris"])

    # uvicorn shuts down gracefully, then re-raises SIGTERM so the parent sees it.
    assert stop(process) in (0, -signal.SIGTERM)
    log = server_log.read_text()
    assert f"database sqlite:///{db_path}, seed file {SEED_PATH}\n" in log
    assert "loaded seed.json into an empty database" in log
    assert f"nris: +{len(seed_data['nris'])} ~0 -0" in log
    assert "Application shutdown complete" in log


@pytest.mark.slow
def test_serve_answers_readyz_with_the_head_revision(
    server: tuple[str, "subprocess.Popen[bytes]"], server_log: Path
) -> None:
    base_url, process = server
    wait_until_ready(base_url, process, server_log)
    ready = httpx.get(f"{base_url}/readyz", timeout=5)
    body = ready.json()
    assert body.pop("pool")["size"] == 5  # the default db_pool_size
    load = body.pop("load")
    assert load.pop("connections") >= 1  # this probe's own, at least
    assert load == {"in_flight": 0, "limit": 1000, "clients": 0, "per_client": 100}
    assert body == {"status": "ok", "database": "ok", "migration": head_revision()}
    assert httpx.get(f"{base_url}/healthz", timeout=5).json() == {"status": "ok"}
