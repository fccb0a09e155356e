"""Server processes: free ports, core pinning, readiness, /proc figures, and stopping by PID."""

import http.client
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO

from bench.metrics import cpu_ticks, rss_kib

REPO = Path(__file__).resolve().parent.parent
HOST = "127.0.0.1"
SERVER_CORE = 0
LOAD_CORE = 1
CLOCK_TICKS = os.sysconf("SC_CLK_TCK")


def http_stack(maps: str) -> str:
    """The HTTP parser and event loop a uvicorn process runs, from the text of its
    /proc/PID/maps: uvicorn imports httptools' parser and uvloop's loop (both C extensions,
    so mapped files) only when it uses them; otherwise it runs h11 and asyncio."""
    files = {line.split(maxsplit=5)[5] for line in maps.splitlines() if len(line.split()) >= 6}
    http = "httptools" if any("/httptools/parser/parser." in f for f in files) else "h11"
    loop = "uvloop" if any("/uvloop/loop." in f for f in files) else "asyncio"
    return f"{http}/{loop}"


def taskset_path() -> str | None:
    return shutil.which("taskset")


def pinned(command: Sequence[str], core: int | None) -> list[str]:
    """The command under `taskset -c core`, or as it is when pinning is off."""
    tool = taskset_path()
    if core is None or tool is None:
        return list(command)
    return [tool, "-c", str(core), *command]


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((HOST, 0))
        port: int = sock.getsockname()[1]
        return port


def child_env(extra: dict[str, str]) -> dict[str, str]:
    """The caller's environment without its FACTSHEET_* settings, plus ours."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("FACTSHEET_")}
    env.update(extra)
    return env


def bin_command(name: str, module: str) -> list[str]:
    """A console script of this venv, or `python -m module` when it is missing."""
    script = Path(sys.executable).parent / name
    return [str(script)] if script.exists() else [sys.executable, "-m", module]


@dataclass
class Response:
    status: int
    headers: list[tuple[str, str]]
    body: bytes


def http_get(port: int, path: str, headers: dict[str, str] | None = None) -> Response:
    """One GET sending only Host and the given headers, as wrk does."""
    conn = http.client.HTTPConnection(HOST, port, timeout=10)
    try:
        conn.putrequest("GET", path, skip_accept_encoding=True)
        for name, value in (headers or {}).items():
            conn.putheader(name, value)
        conn.endheaders()
        reply = conn.getresponse()
        return Response(reply.status, reply.getheaders(), reply.read())
    finally:
        conn.close()


@dataclass
class Server:
    name: str
    command: list[str]
    port: int
    env: dict[str, str]
    cwd: Path
    log_path: Path
    proc: subprocess.Popen[bytes] | None = None
    started_at: float = 0.0
    _log: IO[bytes] | None = field(default=None, repr=False)

    @property
    def pid(self) -> int:
        if self.proc is None:
            raise RuntimeError(f"{self.name} is not running")
        return self.proc.pid

    def start(self) -> None:
        log = self.log_path.open("wb")
        self._log = log
        self.started_at = time.monotonic()
        self.proc = subprocess.Popen(
            self.command, cwd=self.cwd, env=self.env, stdout=log, stderr=subprocess.STDOUT
        )

    def wait_for_200(self, path: str, timeout: float, poll: float = 0.005) -> float:
        """Seconds from process start to the first 200 on path."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc is not None and self.proc.poll() is not None:
                raise RuntimeError(f"{self.name} exited early:\n{self.log_tail()}")
            try:
                if http_get(self.port, path).status == 200:
                    return time.monotonic() - self.started_at
            except OSError:
                pass
            time.sleep(poll)
        raise RuntimeError(f"{self.name}: no 200 on {path} within {timeout} s\n{self.log_tail()}")

    def cpu_seconds(self) -> float:
        return cpu_ticks(Path(f"/proc/{self.pid}/stat").read_text()) / CLOCK_TICKS

    def rss_kib(self) -> int:
        return rss_kib(Path(f"/proc/{self.pid}/status").read_text())

    def http_stack(self) -> str:
        """What this running server uses, as http_stack reads it from its own /proc."""
        return http_stack(Path(f"/proc/{self.pid}/maps").read_text())

    def log_tail(self, lines: int = 20) -> str:
        try:
            text = self.log_path.read_text(errors="replace")
        except OSError:
            return ""
        return "\n".join(text.splitlines()[-lines:])

    def stop(self, grace: float = 10.0) -> None:
        """SIGTERM to this process's own PID, SIGKILL if it lingers."""
        proc = self.proc
        if proc is not None and proc.poll() is None:
            os.kill(proc.pid, signal.SIGTERM)
            try:
                proc.wait(timeout=grace)
            except subprocess.TimeoutExpired:
                os.kill(proc.pid, signal.SIGKILL)
                proc.wait(timeout=grace)
        if self._log is not None:
            self._log.close()
            self._log = None


def uvicorn_server(
    name: str,
    target: str,
    app_dir: Path,
    workdir: Path,
    env: dict[str, str],
    pin: bool,
    date_header: bool = True,
) -> Server:
    """`uvicorn target --factory` as `factsheet serve` runs the API: uvicorn's own choice of
    HTTP parser and loop (httptools and uvloop when installed), no `server` header, no
    proxy-header rewriting, no uvicorn access log."""
    port = free_port()
    command = [
        *bin_command("uvicorn", "uvicorn"),
        target,
        "--factory",
        "--host",
        HOST,
        "--port",
        str(port),
        "--workers",
        "1",
        "--no-access-log",
        "--no-server-header",
        "--no-proxy-headers",
        "--log-level",
        "warning",
        "--app-dir",
        str(app_dir),
    ]
    if not date_header:
        command.append("--no-date-header")
    return _server(name, command, port, workdir, env, pin)


def _server(
    name: str, command: list[str], port: int, workdir: Path, env: dict[str, str], pin: bool
) -> Server:
    """A server process to start: pinned to the server core, logging to <name>.log."""
    return Server(
        name=name,
        command=pinned(command, SERVER_CORE if pin else None),
        port=port,
        env=child_env(env),
        cwd=workdir,
        log_path=workdir / f"{name}.log",
    )


def api_server(name: str, workdir: Path, env: dict[str, str], pin: bool) -> Server:
    """The API as it is deployed: `factsheet serve` (one worker, in this process), with
    every setting at its default except those in env. Its stdout, where the JSON access log
    goes, is the server's log file."""
    port = free_port()
    command = [*bin_command("factsheet", "app.cli"), "serve", "--host", HOST, "--port", str(port)]
    return _server(name, command, port, workdir, env, pin)
