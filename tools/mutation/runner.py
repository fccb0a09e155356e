"""Runs a module's mutants against its tests, each in a forked child of one warm parent.

The parent imports the third-party libraries once (FastAPI, SQLAlchemy, pytest, ...) but
never `app`; each child writes nothing, imports `app` afresh from a private copy of the
project in which one module holds the mutant, and runs pytest with `-x`. A mutant is killed
when the tests fail (or time out, or cannot even import it) and survives when they pass.
"""

import importlib
import os
import shutil
import signal
import subprocess  # nosec B404: git, to list the files a sandbox copies
import sys
import tempfile
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import NoReturn

from tools.mutation.operators import Mutant, mutated

# Imported by the parent so that each child starts warm; `app` is not among them.
WARM = (
    "pytest",
    "fastapi",
    "starlette.testclient",
    "sqlmodel",
    "sqlalchemy",
    "pydantic",
    "pydantic_settings",
    "httpx",
    "hypothesis",
    "uvicorn",
    "orjson",
    "alembic.command",
    "jsonschema",
    "icalendar",
    "feedparser",
    "openapi_core",
    "prometheus_client",
)


# The parent imported pytest plugins (anyio, hypothesis) before pytest could rewrite their
# asserts; that is harmless here, and the suite turns warnings into errors.
WARNINGS = ("-W", "ignore::pytest.PytestAssertRewriteWarning")

# Each sandbox's last pytest output, relative to the sandbox (shown when the unchanged run fails).
LOG = ".mutation.log"


@dataclass(frozen=True)
class Outcome:
    mutant: Mutant
    verdict: str  # killed | survived | timeout | equivalent
    seconds: float


def warm() -> None:
    for name in WARM:
        try:
            importlib.import_module(name)
        except ImportError:  # an optional library: the child imports it if a test needs it
            pass


@contextmanager
def sandboxes(root: Path, count: int) -> Iterator[list[Path]]:
    """`count` private copies of the project (the files git tracks or would track)."""
    listed = subprocess.run(  # nosec B603 B607: a fixed git command
        ["git", "ls-files", "-co", "--exclude-standard", "-z"],
        cwd=root,
        check=True,
        capture_output=True,
    ).stdout.decode()
    files = [f for f in listed.split("\0") if f and (root / f).is_file()]
    base = Path(tempfile.mkdtemp(prefix="mutation-"))
    try:
        copies = []
        for n in range(count):
            copy = base / str(n)
            for name in files:
                target = copy / name
                target.parent.mkdir(parents=True, exist_ok=True)
                shutil.copy2(root / name, target)
            copies.append(copy)
        yield copies
    finally:
        shutil.rmtree(base, ignore_errors=True)


def run_tests(sandbox: Path, tests: Sequence[str], timeout: float) -> tuple[bool, float]:
    """Runs the tests once, unchanged, in a forked child: whether they passed, and seconds."""
    started = time.monotonic()
    pid = os.fork()
    if pid == 0:
        _child(sandbox, tests)
    [(_, verdict)] = _reap({pid: started}, timeout)
    return verdict == "survived", time.monotonic() - started


def _child(sandbox: Path, tests: Sequence[str]) -> NoReturn:
    """The forked child: runs pytest in the sandbox and exits with its status."""
    code = 3
    try:
        os.setpgid(0, 0)  # its own group, so a timeout also stops the servers tests start
        os.chdir(sandbox)
        sys.path.insert(0, str(sandbox))
        log = os.open(LOG, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        os.dup2(log, 1)
        os.dup2(log, 2)
        # Under a test runner sys.stdout may be a capture object, not file descriptor 1.
        sys.stdout = sys.stderr = open(log, "w", closefd=False)  # noqa: SIM115
        import pytest

        code = pytest.main(
            ["-x", "-q", "-p", "no:cacheprovider", "-o", "addopts=", *WARNINGS, *tests]
        )
    finally:
        os._exit(int(code))


def _kill(pid: int) -> None:
    try:
        os.killpg(pid, signal.SIGKILL)
    except ProcessLookupError:
        pass
    os.waitpid(pid, 0)


def run_mutants(
    sandboxes_: Sequence[Path],
    module: str,
    source: str,
    todo: Sequence[Mutant],
    tests: Sequence[str],
    timeout: float,
) -> Iterator[Outcome]:
    """Each mutant in its own child, as many at once as there are sandboxes."""
    free = list(sandboxes_)
    running: dict[int, tuple[Path, Mutant, float]] = {}
    queue = list(todo)
    try:
        while queue or running:
            while queue and free:
                sandbox = free.pop()
                mutant = queue.pop(0)
                _write(sandbox / module, mutated(source, mutant.index))
                pid = os.fork()
                if pid == 0:
                    _child(sandbox, tests)
                running[pid] = (sandbox, mutant, time.monotonic())
            finished = _reap({pid: started for pid, (_, _, started) in running.items()}, timeout)
            for pid, verdict in finished:
                sandbox, mutant, started = running.pop(pid)
                _write(sandbox / module, source)
                free.append(sandbox)
                yield Outcome(mutant, verdict, time.monotonic() - started)
    finally:
        for pid in list(running):
            _kill(pid)


def _reap(running: dict[int, float], timeout: float) -> list[tuple[int, str]]:
    """Waits until at least one child ends (or overruns): each with 'survived', 'killed'
    or 'timeout'."""
    while True:
        finished = []
        for pid, started in running.items():
            done, status = os.waitpid(pid, os.WNOHANG)
            if done:
                passed = os.waitstatus_to_exitcode(status) == 0
                finished.append((pid, "survived" if passed else "killed"))
            elif time.monotonic() - started > timeout:
                _kill(pid)
                finished.append((pid, "timeout"))
        if finished:
            return finished
        time.sleep(0.02)


def _write(path: Path, text: str) -> None:
    path.write_text(text)
    # A stale compiled copy must never stand in for the source just written.
    for cached in path.parent.glob(f"__pycache__/{path.stem}.*.pyc"):
        cached.unlink()
