"""The lock files stay in step with pyproject.toml: every dependency the project declares is
pinned, to a version its specifier allows, with hashes. A dependency added to pyproject.toml
without regenerating the locks (README: "Supply chain") fails here, not in CI's install or
in a production image."""

import re
import tomllib
from pathlib import Path

import pytest
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name
from packaging.version import Version

ROOT = Path(__file__).resolve().parents[1]
PYPROJECT = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
PIN = re.compile(r"^([A-Za-z0-9._-]+)==([^\s\\;]+)")


def pins(lock: str) -> dict[str, tuple[Version, int]]:
    """name -> (pinned version, number of hashes) for each requirement of a lock file."""
    text = (ROOT / lock).read_text(encoding="utf-8")
    found: dict[str, tuple[Version, int]] = {}
    for block in re.split(r"\n(?=\S)", text):
        match = PIN.match(block)
        if match:
            name = canonicalize_name(match[1])
            found[name] = (Version(match[2]), block.count("--hash=sha256:"))
    return found


def declared(*extras: str) -> list[Requirement]:
    project = PYPROJECT["project"]
    names = list(project["dependencies"])
    for extra in extras:
        names += project["optional-dependencies"][extra]
    return [Requirement(name) for name in names]


@pytest.mark.parametrize(
    ("lock", "extras"), [("requirements-runtime.lock", ()), ("requirements.lock", ("test",))]
)
def test_every_declared_dependency_is_pinned_within_its_specifier(
    lock: str, extras: tuple[str, ...]
) -> None:
    pinned = pins(lock)
    problems = []
    requirements = list(declared(*extras))
    assert "fastapi" in {canonicalize_name(r.name) for r in requirements}, requirements
    for requirement in requirements:
        name = canonicalize_name(requirement.name)
        if name not in pinned:
            problems.append(f"{name} is not in {lock}")
            continue
        version, _ = pinned[name]
        if not requirement.specifier.contains(version, prereleases=True):
            problems.append(f"{name}=={version} does not satisfy {requirement}")
        for extra in requirement.extras:  # psycopg[binary] needs psycopg-binary too
            if name == "psycopg" and extra == "binary":
                assert "psycopg-binary" in pinned, lock
    assert problems == []


@pytest.mark.parametrize("lock", ["requirements-runtime.lock", "requirements.lock"])
def test_every_pin_carries_hashes(lock: str) -> None:
    pinned = pins(lock)
    assert pinned
    assert [name for name, (_, hashes) in pinned.items() if hashes == 0] == []


def test_the_runtime_lock_holds_no_test_tooling() -> None:
    runtime = set(pins("requirements-runtime.lock"))
    test_only = {canonicalize_name(r.name) for r in declared("test")} - {
        canonicalize_name(r.name) for r in declared()
    }
    assert runtime & test_only == set()


def test_ci_installs_from_the_lock_with_hashes_and_runs_bandit() -> None:
    lines = (ROOT / ".ci" / "run").read_text(encoding="utf-8").splitlines()
    ci = "\n".join(line for line in lines if not line.lstrip().startswith("#"))
    assert "pip install --quiet --require-hashes -r requirements.lock" in ci
    assert "pip install --quiet --no-deps -e ." in ci
    assert "bandit -c pyproject.toml -r app" in ci
    # pip-audit needs the network CI lacks; a step that audits nothing must not pass for one.
    assert "pip-audit" not in ci
