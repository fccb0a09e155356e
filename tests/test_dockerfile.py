"""The Dockerfile, read as data: what it copies exists, it builds the way pyproject.toml needs,
it runs as a non-root user, keeps SQLite on /data, checks /healthz, and starts the server
with the command the README's quickstart gives. No Docker daemon is needed."""

import json
import os
import re
import shlex
import shutil
import subprocess
import sys
import tomllib
import zipfile
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import Any

import pytest

from tests.test_cli import free_port, stop, wait_until_ready

ROOT = Path(__file__).resolve().parents[1]
DOCKERFILE = ROOT / "Dockerfile"
README = ROOT / "README.md"
PYPROJECT = ROOT / "pyproject.toml"


@dataclass(frozen=True)
class Instruction:
    keyword: str
    args: str

    def exec_form(self) -> list[str] | None:
        """The JSON array form (`CMD ["a", "b"]`), or None for the shell form."""
        if not self.args.startswith("["):
            return None
        value = json.loads(self.args)
        assert isinstance(value, list) and all(isinstance(v, str) for v in value)
        return value


def parse_dockerfile(text: str) -> list[Instruction]:
    """Logical instructions: continuation lines joined, comments and blank lines dropped."""
    instructions: list[Instruction] = []
    pending = ""
    for raw in text.splitlines():
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        if line.endswith("\\"):
            pending += line[:-1].strip() + " "
            continue
        logical = (pending + line).strip()
        pending = ""
        keyword, _, args = logical.partition(" ")
        instructions.append(Instruction(keyword.upper(), args.strip()))
    assert not pending, "the Dockerfile ends inside a continued line"
    return instructions


@pytest.fixture(scope="module")
def instructions() -> list[Instruction]:
    assert DOCKERFILE.is_file(), "no Dockerfile at the repository root"
    return parse_dockerfile(DOCKERFILE.read_text(encoding="utf-8"))


def of(instructions: list[Instruction], keyword: str) -> list[Instruction]:
    return [i for i in instructions if i.keyword == keyword]


def position(instructions: list[Instruction], keyword: str, needle: str) -> int:
    """Index of the first `keyword` instruction whose arguments contain `needle`."""
    for index, instruction in enumerate(instructions):
        if instruction.keyword == keyword and needle in instruction.args:
            return index
    raise AssertionError(f"no {keyword} containing {needle!r}")


def copy_paths(instruction: Instruction) -> tuple[list[str], str]:
    """(sources, destination) of a COPY, flags such as --chown left out."""
    parts = instruction.exec_form() or shlex.split(instruction.args)
    parts = [p for p in parts if not p.startswith("--")]
    assert len(parts) >= 2, instruction
    return parts[:-1], parts[-1]


def env_values(instructions: list[Instruction]) -> dict[str, str]:
    values: dict[str, str] = {}
    for instruction in of(instructions, "ENV"):
        parts = shlex.split(instruction.args)
        if parts and "=" not in parts[0]:  # legacy `ENV KEY value`
            values[parts[0]] = " ".join(parts[1:])
            continue
        for part in parts:
            key, _, value = part.partition("=")
            values[key] = value
    return values


def final_user(instructions: list[Instruction]) -> str:
    users = of(instructions, "USER")
    assert users, "the image has no USER instruction, so it runs as root"
    return users[-1].args.split(":")[0]


def readme_serve_command() -> list[str]:
    """The serve command of the README's quickstart, without any venv path: the words of
    the `&&`-separated step of a fenced code block that runs `factsheet serve`."""
    text = README.read_text(encoding="utf-8")
    match = re.search(r"^## Quickstart\s*$(.*?)(?=^## |\Z)", text, re.M | re.S)
    if match is None:
        pytest.fail("README.md has no '## Quickstart' section yet (the lead is writing it)")
    blocks = re.findall(r"^```[^\n]*\n(.*?)^```", match.group(1), re.M | re.S)
    steps = [
        step.strip()
        for block in blocks
        for line in block.splitlines()
        for step in line.split("&&")
        if re.search(r"(^|[\s/])factsheet\s+serve\b", step)
    ]
    if not steps:
        pytest.fail(
            "README.md's quickstart has no code block that runs `factsheet serve` yet; "
            "the Dockerfile's CMD must match it"
        )
    assert len(set(steps)) == 1, f"the quickstart serves in more than one way: {steps}"
    words = shlex.split(steps[0])
    return [os.path.basename(words[0]), *words[1:]]


# --------------------------------------------------------------------------- base image


def test_there_is_one_stage_from_python_3_11_slim(instructions: list[Instruction]) -> None:
    froms = of(instructions, "FROM")
    assert len(froms) == 1, [f.args for f in froms]
    assert froms[0].args == "python:3.11-slim"
    assert instructions[0].keyword in ("FROM", "ARG")


# --------------------------------------------------------------------------- COPY


def test_every_copy_source_exists_in_the_repository(instructions: list[Instruction]) -> None:
    copies = of(instructions, "COPY")
    assert copies
    missing = [
        source
        for copy in copies
        for source in copy_paths(copy)[0]
        if not list(ROOT.glob(source.rstrip("/")))
    ]
    assert missing == []


def test_nothing_copies_the_whole_build_context(instructions: list[Instruction]) -> None:
    """Copying `.` would put .venv, data/ and any local database into the image."""
    sources = [s.rstrip("/") for c in of(instructions, "COPY") for s in copy_paths(c)[0]]
    assert [s for s in sources if s in ("", ".", "*")] == []


def test_copies_everything_the_wheel_build_needs_before_installing_the_project(
    instructions: list[Instruction],
) -> None:
    pyproject: dict[str, Any] = tomllib.loads(PYPROJECT.read_text(encoding="utf-8"))
    wheel = pyproject["tool"]["hatch"]["build"]["targets"]["wheel"]
    needed = {
        "pyproject.toml",
        pyproject["project"]["readme"],
        *wheel["packages"],
        *wheel.get("force-include", {}),
    }
    install = position(instructions, "RUN", "--no-deps .")
    copied = {
        source.rstrip("/")
        for copy in of(instructions[:install], "COPY")
        for source in copy_paths(copy)[0]
    }
    assert needed - copied == set()


def test_dependencies_are_installed_from_the_runtime_lock_before_the_code_is_copied(
    instructions: list[Instruction],
) -> None:
    dependencies = position(instructions, "RUN", "pip install")
    code = position(instructions, "COPY", "app")
    assert dependencies < code
    early = {s for c in of(instructions[:dependencies], "COPY") for s in copy_paths(c)[0]}
    # Only the lock: the dependency layer is rebuilt when it changes, not on every edit.
    assert early == {"requirements-runtime.lock"}
    install = shlex.split(instructions[dependencies].args)
    assert install[:2] == ["pip", "install"]
    assert {"--no-cache-dir", "--require-hashes"} <= set(install)
    assert install[install.index("-r") + 1] == "requirements-runtime.lock"


def test_the_project_itself_brings_no_unlocked_dependency(
    instructions: list[Instruction],
) -> None:
    project = instructions[position(instructions, "RUN", "--no-deps .")].args
    assert "pip check" in project


# --------------------------------------------------------------------------- runtime


def test_runs_as_a_user_that_is_not_root(instructions: list[Instruction]) -> None:
    user = final_user(instructions)
    assert user not in ("root", "0")
    created = " ".join(i.args for i in of(instructions, "RUN"))
    assert re.search(rf"\buseradd\b[^&]*\b{re.escape(user)}\b", created), "user never created"
    assert position(instructions, "USER", user) < position(instructions, "CMD", "")


def test_sqlite_lives_on_the_data_volume_owned_by_the_user(
    instructions: list[Instruction],
) -> None:
    env = env_values(instructions)
    assert env["FACTSHEET_DATABASE_URL"] == "sqlite:////data/factsheet.db"
    volumes = [v for i in of(instructions, "VOLUME") for v in i.exec_form() or i.args.split()]
    assert volumes == ["/data"]
    user = final_user(instructions)
    chown = position(instructions, "RUN", f"chown {user}")
    assert "/data" in instructions[chown].args
    # Ownership set after VOLUME would be thrown away.
    assert chown < position(instructions, "VOLUME", "/data")


def test_listens_on_all_interfaces_on_port_8000(instructions: list[Instruction]) -> None:
    assert env_values(instructions)["FACTSHEET_HOST"] == "0.0.0.0"
    assert [e.args for e in of(instructions, "EXPOSE")] == ["8000"]


def _healthcheck_command(instructions: list[Instruction]) -> str:
    checks = of(instructions, "HEALTHCHECK")
    assert len(checks) == 1
    _, _, command = checks[0].args.partition("CMD ")
    assert command, "HEALTHCHECK has no CMD"
    return command.strip()


def test_healthcheck_requests_healthz_with_python_not_curl(
    instructions: list[Instruction],
) -> None:
    command = _healthcheck_command(instructions)
    assert "/healthz" in command
    assert "urllib" in command
    assert not re.search(r"\b(curl|wget)\b", command)


def test_cmd_is_the_serve_command_of_the_readme_quickstart(
    instructions: list[Instruction],
) -> None:
    cmds = of(instructions, "CMD")
    assert len(cmds) == 1
    assert cmds[0].exec_form() is not None, "CMD must use the exec (JSON) form to get signals"
    assert instructions[-1] == cmds[0]
    assert cmds[0].exec_form() == readme_serve_command()


# --------------------------------------------------------------------------- exercised


@pytest.mark.slow
def test_healthcheck_command_passes_against_the_server_and_fails_without_it(
    instructions: list[Instruction], tmp_path: Path
) -> None:
    command = _healthcheck_command(instructions).replace("python ", f"{sys.executable} ", 1)
    env = {k: v for k, v in os.environ.items() if not k.startswith("FACTSHEET_")}
    port = free_port()

    def healthcheck() -> int:
        checked = subprocess.run(
            ["sh", "-c", command],
            env={**env, "FACTSHEET_PORT": str(port)},
            capture_output=True,
            timeout=30,
        )
        return checked.returncode

    assert healthcheck() != 0  # nothing listens yet
    log_path = tmp_path / "server.log"
    server_env = {**env, "FACTSHEET_DATABASE_URL": f"sqlite:///{tmp_path / 'f.db'}"}
    with (
        log_path.open("wb") as log,
        subprocess.Popen(
            [sys.executable, "-m", "app", "serve", "--host", "127.0.0.1", "--port", str(port)],
            cwd=tmp_path,
            env=server_env,
            stdout=log,
            stderr=subprocess.STDOUT,
        ) as process,
    ):
        try:
            wait_until_ready(f"http://127.0.0.1:{port}", process, log_path)
            assert healthcheck() == 0
        finally:
            stop(process)


def emulate_copies(instructions: list[Instruction], image: Path) -> Path:
    """Replay WORKDIR and COPY up to the project install into `image` (the image's root);
    returns the directory that install runs in."""
    workdir = PurePosixPath("/")
    for instruction in instructions:
        if instruction.keyword == "WORKDIR":
            workdir = workdir / instruction.args
        elif instruction.keyword == "RUN" and "--no-deps ." in instruction.args:
            return image / workdir.relative_to("/")
        elif instruction.keyword == "COPY":
            sources, destination = copy_paths(instruction)
            target = image / (workdir / destination).relative_to("/")
            for source in sources:
                origin = ROOT / source.rstrip("/")
                if origin.is_dir():  # Docker copies a directory's contents
                    shutil.copytree(origin, target, dirs_exist_ok=True)
                elif destination.endswith("/") or len(sources) > 1:
                    target.mkdir(parents=True, exist_ok=True)
                    shutil.copy2(origin, target / origin.name)
                else:
                    target.parent.mkdir(parents=True, exist_ok=True)
                    shutil.copy2(origin, target)
    raise AssertionError("no RUN installs the project (pip install --no-deps .)")


@pytest.mark.slow
def test_sources_copied_into_the_image_alone_build_a_complete_wheel(
    instructions: list[Instruction], tmp_path: Path
) -> None:
    source = emulate_copies(instructions, tmp_path / "image")
    out = tmp_path / "dist"
    built = subprocess.run(
        [sys.executable, "-m", "build", "--wheel", "--outdir", str(out), str(source)],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert built.returncode == 0, built.stderr
    (wheel,) = out.glob("*.whl")
    with zipfile.ZipFile(wheel) as archive:
        names = set(archive.namelist())
    versions = {
        f"app/bundled/migrations/versions/{p.name}" for p in ROOT.glob("migrations/versions/*.py")
    }
    assert versions
    assert {
        "app/bundled/seed.json",
        "app/bundled/migrations/env.py",
        "app/seed_schema.json",
        *versions,
    } <= names
