"""The core modules: one file in targets/ each, naming the module, the tests that exercise
it and its equivalent mutants (each with the reason no test can tell it apart)."""

import hashlib
import tomllib
from dataclasses import dataclass, field
from pathlib import Path

TARGETS = Path(__file__).with_name("targets")


@dataclass(frozen=True)
class Target:
    module: str
    tests: tuple[str, ...]
    # An equivalent mutant changes no behaviour any test could see; key -> why.
    equivalent: dict[str, str] = field(default_factory=dict)

    def fingerprint(self, root: Path) -> str:
        """Changes when the module, its tests or the shared fixtures change."""
        digest = hashlib.sha256()
        files = [self.module, "tests/conftest.py", *(t.split("::")[0] for t in self.tests)]
        for name in sorted(set(files)):
            path = root / name
            if not path.exists():
                continue
            for part in sorted(path.rglob("*.py")) if path.is_dir() else [path]:
                digest.update(part.relative_to(root).as_posix().encode() + b"\0")
                digest.update(part.read_bytes())
        return digest.hexdigest()[:16]


def load_targets(root: Path) -> dict[str, Target]:
    targets = {}
    for path in sorted(TARGETS.glob("*.toml")):
        entry = tomllib.loads(path.read_text())
        module = entry["module"]
        if not (root / module).is_file():
            raise SystemExit(f"{path.name} names {module}, which does not exist")
        equivalent = {e["mutant"]: e["reason"] for e in entry.get("equivalent", [])}
        targets[module] = Target(module, tuple(entry["tests"]), equivalent)
    return targets
