"""A real browser on the HTML pages: one `factsheet serve` process for the whole run (it
migrates an empty SQLite file and loads seed.json into it), started and stopped with
tests/test_cli.py's helpers, and Debian's Chromium driven by Playwright. Playwright never
downloads a browser here: it launches the Chromium the system has. axe-core comes from npm,
pinned in this folder's package-lock.json (`npm ci --prefix tests/browser`).

Without Chromium, Playwright or axe-core these tests skip, saying what to install; with CI
set they fail instead, since CI installs all three (.ci/run)."""

import os
import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING, NoReturn

import pytest

from tests.test_cli import ENTRY_POINTS, clean_env, free_port, stop, wait_until_ready

if TYPE_CHECKING:
    from playwright.sync_api import Browser

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[1]
AXE = HERE / "node_modules" / "axe-core" / "axe.min.js"
CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")


def missing(reason: str) -> NoReturn:
    if os.environ.get("CI"):
        pytest.fail(reason)  # CI installs it; a missing tool there is a broken build
    pytest.skip(reason)


@pytest.fixture(scope="package")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """The base URL of a served process on the seeded data. A browser loads many pages and
    files in a burst, so the per-client rate limit is off for it."""
    directory = tmp_path_factory.mktemp("site")
    port = free_port()
    log = directory / "server.log"
    env = clean_env(
        database_url=f"sqlite:///{directory / 'factsheet.db'}", rate_limit_enabled="false"
    )
    with log.open("wb") as out:
        process = subprocess.Popen(
            [*ENTRY_POINTS["factsheet"], "serve", "--port", str(port)],
            cwd=directory,
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    base_url = f"http://127.0.0.1:{port}"
    try:
        wait_until_ready(base_url, process, log)
        yield base_url
    finally:
        stop(process)


@pytest.fixture(scope="package")
def browser() -> "Iterator[Browser]":
    if CHROMIUM is None:
        missing("Chromium is not installed: apt-get install chromium")
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        missing("Playwright is not installed: pip install -e '.[test]'")
    with sync_playwright() as playwright:
        # --no-sandbox: Chromium's sandbox refuses to start as root, as in CI's container.
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox"])
        yield browser
        browser.close()


@pytest.fixture(scope="session")
def axe_source() -> str:
    if not AXE.is_file():
        missing("axe-core is not installed: run `npm ci --prefix tests/browser`")
    return AXE.read_text(encoding="utf-8")


@pytest.fixture(scope="session")
def screenshots_dir() -> Path:
    """Where the screenshots go: FACTSHEET_TEST_SCREENSHOTS_DIR, or build/screenshots."""
    directory = Path(
        os.environ.get("FACTSHEET_TEST_SCREENSHOTS_DIR") or ROOT / "build" / "screenshots"
    )
    directory.mkdir(parents=True, exist_ok=True)
    return directory
