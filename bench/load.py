"""Running the load generator: wrk when it is on PATH, else bench.loadgen."""

import json
import shutil
import subprocess
import sys
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

from bench.metrics import LoadResult, parse_wrk
from bench.procs import LOAD_CORE, REPO, pinned

Kind = Literal["wrk", "python"]
SLACK_S = 30  # on top of the duration, before a stuck generator is killed


def wrk_version() -> str | None:
    tool = shutil.which("wrk")
    if tool is None:
        return None
    done = subprocess.run([tool, "--version"], capture_output=True, text=True, timeout=10)
    text = (done.stdout + done.stderr).strip()
    first = text.splitlines()[0] if text else "unknown"
    # "wrk debian/4.1.0-3+b2 [epoll] Copyright (C) 2012 Will Glozer"
    return first.split(" Copyright")[0].removeprefix("wrk ").strip()


@dataclass(frozen=True)
class LoadGenerator:
    kind: Kind
    pin: bool

    @classmethod
    def choose(cls, wanted: str, pin: bool) -> "LoadGenerator":
        if wanted == "wrk" or (wanted == "auto" and shutil.which("wrk")):
            if shutil.which("wrk") is None:
                raise RuntimeError("wrk is not on PATH")
            return cls("wrk", pin)
        return cls("python", pin)

    def command(
        self, url: str, connections: int, duration: int, headers: Sequence[str]
    ) -> list[str]:
        if self.kind == "wrk":
            command = [
                shutil.which("wrk") or "wrk",
                "-t1",
                f"-c{connections}",
                f"-d{duration}s",
                "--latency",
            ]
        else:
            command = [
                sys.executable,
                "-m",
                "bench.loadgen",
                "--connections",
                str(connections),
                "--duration",
                str(duration),
            ]
        for header in headers:
            command += ["-H", header]
        command.append(url)
        return pinned(command, LOAD_CORE if self.pin else None)

    def run(self, url: str, connections: int, duration: int, headers: Sequence[str]) -> LoadResult:
        done = subprocess.run(
            self.command(url, connections, duration, headers),
            cwd=REPO,
            capture_output=True,
            text=True,
            timeout=duration + SLACK_S,
            check=False,
        )
        if done.returncode != 0:
            raise RuntimeError(f"{self.kind} failed ({done.returncode}):\n{done.stderr}")
        if self.kind == "wrk":
            return parse_wrk(done.stdout)
        return LoadResult(**json.loads(done.stdout))
