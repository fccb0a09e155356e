"""Storage that fails under the database: a read-only directory and a full disk give a clear
error (one line, no traceback, non-zero exit, no hang) or a 503, never corruption.

The tests run as root in CI, and root writes through chmod 0555, so the read-only directory
and the full disk are real file systems: a small tmpfs, remounted read-only or filled up.
They are skipped, saying why, where mounting is not permitted."""

import errno
import os
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from app.main import create_app
from app.settings import Settings
from tests.conftest import TEST_HOSTS
from tests.test_cli import clean_env, free_port
from tools.crash_test import digest, integrity, synthetic_seed

ROOT = Path(__file__).resolve().parents[1]
COMMAND_TIMEOUT = 120  # seconds: a hang fails the test instead of the suite
pytestmark = pytest.mark.slow


def _mount(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(["mount", *args], capture_output=True, text=True, timeout=30)


@contextmanager
def tmpfs(path: Path, size: str) -> Iterator[Path]:
    """A tmpfs of `size` at `path`, unmounted afterwards whatever happens."""
    if os.geteuid() != 0:
        pytest.skip("mounting a tmpfs needs root; chmod alone does not stop root writing")
    path.mkdir(parents=True, exist_ok=True)
    mounted = _mount("-t", "tmpfs", "-o", f"size={size},mode=0755", "tmpfs", str(path))
    if mounted.returncode != 0:
        pytest.skip(f"mounting a tmpfs is not permitted here: {mounted.stderr.strip()}")
    try:
        yield path
    finally:
        unmounted = subprocess.run(["umount", str(path)], capture_output=True, timeout=30)
        if unmounted.returncode != 0:  # still busy: detach it now, it goes when released
            subprocess.run(["umount", "-l", str(path)], capture_output=True, timeout=30)


def remount(path: Path, mode: str) -> None:
    remounted = _mount("-o", f"remount,{mode}", str(path))
    assert remounted.returncode == 0, remounted.stderr


def factsheet(
    args: list[str], database: Path, cwd: Path, **settings: str
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "app", *args],
        env=clean_env(database_url=f"sqlite:///{database}", **settings),
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=COMMAND_TIMEOUT,
    )


def assert_clear_failure(result: subprocess.CompletedProcess[str], *words: str) -> None:
    """Non-zero, one `error:` line naming the problem, no traceback."""
    assert result.returncode != 0, result.stdout
    assert "Traceback" not in result.stderr, result.stderr
    lines = [line for line in result.stderr.splitlines() if line.startswith("error:")]
    assert lines, result.stderr
    assert all(word in lines[-1] for word in words), lines[-1]


def fill(directory: Path, leave: int) -> Path:
    """Fill the file system of `directory` until only about `leave` bytes are free."""
    filler = directory / "filler"
    chunk = b"\0" * 65536
    with filler.open("wb") as out:
        for _ in range(1_000_000):  # bounded: at most 64 GB, far more than any tmpfs here
            free = os.statvfs(directory).f_bavail * os.statvfs(directory).f_frsize
            if free <= leave:
                break
            try:
                out.write(chunk[: max(4096, min(len(chunk), free - leave))])
                out.flush()
            except OSError as exc:
                assert exc.errno == errno.ENOSPC
                break
    return filler


def api_reads(database: Path) -> tuple[int, int, str]:
    """(status of /readyz, status of /v1/nris, its content type) from an app started on the
    database as it is."""
    settings = Settings(
        database_url=f"sqlite:///{database}",
        rate_limit_enabled=False,
        access_log=False,
        allowed_hosts=TEST_HOSTS,
        _env_file=None,
    )
    app = create_app(settings)
    try:
        with TestClient(app) as client:
            ready = client.get("/readyz")
            nris = client.get("/v1/nris", params={"limit": 5})
            return ready.status_code, nris.status_code, nris.headers["content-type"]
    finally:
        app.state.engine.dispose()


# --------------------------------------------------------------------------- read-only


def test_migrate_and_serve_in_a_read_only_directory_fail_clearly(tmp_path: Path) -> None:
    with tmpfs(tmp_path / "ro", "1m") as directory:
        remount(directory, "ro")
        database = directory / "factsheet.db"
        assert_clear_failure(
            factsheet(["migrate"], database, tmp_path), "cannot use the database", str(database)
        )
        served = factsheet(["serve", "--port", str(free_port())], database, tmp_path)
        assert_clear_failure(served, "cannot use the database", "writable")
        assert not database.exists()


def test_a_seeded_database_made_read_only_fails_clearly_and_stays_intact(
    tmp_path: Path,
) -> None:
    with tmpfs(tmp_path / "ro", "16m") as directory:
        database = directory / "factsheet.db"
        seeded = factsheet(["seed"], database, tmp_path)
        assert seeded.returncode == 0, seeded.stderr
        before = digest(database)
        remount(directory, "ro")
        assert_clear_failure(factsheet(["migrate"], database, tmp_path), "cannot use the database")
        assert_clear_failure(
            factsheet(["seed", str(ROOT / "seed.json")], database, tmp_path),
            "cannot use the database",
        )
        served = factsheet(["serve", "--port", str(free_port())], database, tmp_path)
        assert_clear_failure(served, "cannot use the database")
        # SQLite cannot open a WAL database where it cannot create its -shm file, not even to
        # read it: check the files once writable again, before anything else opens them.
        remount(directory, "rw")
        assert integrity(database) == ("ok", 0)
        assert digest(database) == before


# --------------------------------------------------------------------------- full disk


def test_a_full_disk_during_seed_fails_clearly_keeps_the_data_and_the_reads(
    tmp_path: Path, seed_data: dict[str, Any]
) -> None:
    big = tmp_path / "big.json"
    big.write_text(__import__("json").dumps(synthetic_seed(seed_data, facts=5_000)))
    with tmpfs(tmp_path / "full", "32m") as directory:
        database = directory / "factsheet.db"
        seeded = factsheet(["seed"], database, tmp_path)
        assert seeded.returncode == 0, seeded.stderr
        before = digest(database)
        fill(directory, leave=256 * 1024)

        result = factsheet(["seed", str(big)], database, tmp_path)

        assert_clear_failure(result, "cannot use the database", "full")
        assert integrity(database) == ("ok", 0)
        assert digest(database) == before
        # Still full: the API starts and answers reads (or says 503), it does not hang.
        ready, listed, content_type = api_reads(database)
        assert (ready, listed) in ((200, 200), (503, 503)), (ready, listed)
        if listed == 503:
            assert content_type == "application/problem+json"
