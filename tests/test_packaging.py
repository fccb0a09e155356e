"""The wheel is the product: built from this tree, installed into a clean venv, and run from a
directory that has nothing to do with the checkout, it must still find its seed, its
migrations and its schema."""

import importlib.util
import os
import subprocess
import sys
import venv
import zipfile
from pathlib import Path

import httpx
import pytest

from tests.own_sqlite import own_sqlite
from tests.test_cli import free_port, stop, wait_until_ready

pytestmark = [pytest.mark.slow, own_sqlite]

ROOT = Path(__file__).resolve().parents[1]
BUILD_TIMEOUT = 300  # seconds; build isolation may fetch hatchling
INSTALL_TIMEOUT = 600  # seconds; pip fetches the dependencies
COMMAND_TIMEOUT = 120


def _run(args: list[str], cwd: Path, timeout: float) -> subprocess.CompletedProcess[str]:
    return subprocess.run(args, cwd=cwd, capture_output=True, text=True, timeout=timeout)


def _hatchling_available() -> bool:
    return importlib.util.find_spec("hatchling") is not None


@pytest.fixture(scope="module")
def wheel(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("dist")
    built = _run(
        [sys.executable, "-m", "build", "--wheel", "--outdir", str(out), str(ROOT)],
        ROOT,
        BUILD_TIMEOUT,
    )
    if built.returncode != 0 and _hatchling_available():
        # Offline: build with the hatchling of this environment instead of a fresh one.
        built = _run(
            [sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation"]
            + ["--wheel-dir", str(out), str(ROOT)],
            ROOT,
            BUILD_TIMEOUT,
        )
    assert built.returncode == 0, f"building the wheel failed:\n{built.stdout}\n{built.stderr}"
    wheels = sorted(out.glob("wsis_factsheet_api-*.whl"))
    assert len(wheels) == 1, wheels
    return wheels[0]


@pytest.fixture(scope="module")
def wheel_names(wheel: Path) -> list[str]:
    with zipfile.ZipFile(wheel) as archive:
        return archive.namelist()


@pytest.fixture(scope="module")
def installed(wheel: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A fresh venv (no system site-packages) with only the wheel and its dependencies."""
    home = tmp_path_factory.mktemp("venv")
    venv.create(home, with_pip=True, clear=True)
    python = home / "bin" / "python"
    result = _run(
        [str(python), "-m", "pip", "install", "--disable-pip-version-check", str(wheel)],
        home,
        INSTALL_TIMEOUT,
    )
    assert result.returncode == 0, f"pip install failed:\n{result.stdout}\n{result.stderr}"
    return home


def _env_without_project_settings() -> dict[str, str]:
    """No FACTSHEET_* (so FACTSHEET_DATA_DIR is unset) and nothing that points at the checkout."""
    drop = ("FACTSHEET_", "PYTHONPATH", "VIRTUAL_ENV")
    return {k: v for k, v in os.environ.items() if not k.startswith(drop)}


# --------------------------------------------------------------------------- the wheel


def test_wheel_contains_the_seed_migrations_and_schema(wheel_names: list[str]) -> None:
    names = set(wheel_names)
    assert {
        "app/bundled/seed.json",
        "app/bundled/migrations/env.py",
        "app/bundled/migrations/script.py.mako",
        "app/seed_schema.json",
        "app/cli.py",
        "app/__main__.py",
    } <= names
    versions = sorted(p.name for p in (ROOT / "migrations" / "versions").glob("*.py"))
    assert versions
    bundled = sorted(
        n.rsplit("/", 1)[1] for n in names if n.startswith("app/bundled/migrations/versions/")
    )
    assert bundled == versions


def test_wheel_bundles_the_seed_byte_for_byte(wheel: Path) -> None:
    with zipfile.ZipFile(wheel) as archive:
        assert archive.read("app/bundled/seed.json") == (ROOT / "seed.json").read_bytes()


def test_wheel_holds_only_the_app_package_without_bytecode(wheel_names: list[str]) -> None:
    top = {n.split("/", 1)[0] for n in wheel_names}
    assert {t for t in top if not t.endswith(".dist-info")} == {"app"}
    assert [n for n in wheel_names if "__pycache__" in n or n.endswith(".pyc")] == []


def test_wheel_declares_the_factsheet_console_script(wheel: Path, wheel_names: list[str]) -> None:
    entry_points = next(n for n in wheel_names if n.endswith(".dist-info/entry_points.txt"))
    with zipfile.ZipFile(wheel) as archive:
        text = archive.read(entry_points).decode()
    assert "[console_scripts]" in text
    assert "factsheet = app.cli:main" in text


# --------------------------------------------------------------------------- installed


def test_installed_check_seed_validates_the_bundled_seed(installed: Path, tmp_path: Path) -> None:
    result = subprocess.run(
        [str(installed / "bin" / "factsheet"), "check-seed"],
        cwd=tmp_path,
        env=_env_without_project_settings(),
        capture_output=True,
        text=True,
        timeout=COMMAND_TIMEOUT,
    )
    assert result.returncode == 0, result.stderr
    checked = Path(result.stdout.strip().removesuffix(": ok"))
    assert checked.parts[-3:] == ("app", "bundled", "seed.json")
    assert checked.is_relative_to(installed)


def test_installed_wheel_serves_from_another_directory_with_its_database_under_data(
    installed: Path, tmp_path: Path
) -> None:
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    port = free_port()
    base_url = f"http://127.0.0.1:{port}"
    log_path = tmp_path / "server.log"
    command = [str(installed / "bin" / "factsheet"), "serve", "--port", str(port)]
    env = {**_env_without_project_settings(), "FACTSHEET_HOST": "127.0.0.1"}
    with (
        log_path.open("wb") as log,
        subprocess.Popen(
            command, cwd=elsewhere, env=env, stdout=log, stderr=subprocess.STDOUT
        ) as process,
    ):
        try:
            wait_until_ready(base_url, process, log_path)
            response = httpx.get(
                f"{base_url}/v1/nris", params={"kind": "youth", "limit": 5}, timeout=5
            )
        finally:
            stop(process)
    assert response.status_code == 200
    body = response.json()
    assert len(body["data"]) == 5
    assert body["meta"]["total"] == 42
    assert (elsewhere / "data" / "factsheet.db").is_file()
    assert "loaded seed.json into an empty database" in log_path.read_text()
