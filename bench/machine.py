"""The machine and software a run measured on."""

import importlib.metadata
import os
import platform
from pathlib import Path

from bench.load import wrk_version

PACKAGES = (
    "fastapi",
    "starlette",
    "uvicorn",
    "httptools",
    "uvloop",
    "sqlalchemy",
    "sqlmodel",
    "psycopg",
    "orjson",
    "pydantic",
)


def _read(path: str) -> str:
    try:
        return Path(path).read_text()
    except OSError:
        return ""


def load_average() -> str:
    return " ".join(_read("/proc/loadavg").split()[:3]) or "?"


def machine_info() -> dict[str, str]:
    cpu = next(
        (
            line.split(":", 1)[1].strip()
            for line in _read("/proc/cpuinfo").splitlines()
            if line.startswith("model name")
        ),
        platform.processor() or "?",
    )
    memory = "?"
    for line in _read("/proc/meminfo").splitlines():
        if line.startswith("MemTotal:"):
            memory = f"{int(line.split()[1]) / 1024 / 1024:.1f} GiB"
    return {
        "nproc": str(len(os.sched_getaffinity(0))),
        "cpu": cpu,
        "memory": memory,
        "kernel": platform.release(),
        "python": platform.python_version(),
        "load_start": load_average(),
    }


def versions() -> dict[str, str]:
    """Installed versions; which HTTP parser and loop a server ran is read from the server
    itself (bench.procs.http_stack), not guessed from what is installed."""
    found: dict[str, str] = {}
    for name in PACKAGES:
        try:
            found[name] = importlib.metadata.version(name)
        except importlib.metadata.PackageNotFoundError:
            found[name] = "not installed"
    found["wrk"] = wrk_version() or "not on PATH"
    return found
