"""The mutation tool (tools/mutation): which mutants it makes, that each changes one site,
and that a run kills the mutants a test notices and reports the ones it does not."""

import ast
import subprocess  # nosec B404: git init for a throwaway project
import textwrap
from pathlib import Path

import pytest

from tools.mutation import report
from tools.mutation.operators import Mutant, mutants, mutated
from tools.mutation.runner import run_mutants, sandboxes, warm
from tools.mutation.targets import Target

SOURCE = textwrap.dedent(
    '''
    """A module."""
    from typing import TYPE_CHECKING

    if TYPE_CHECKING:
        LIMIT = 0

    LIMIT = 10


    def clamp(n: int = 3, strict: bool = False) -> int:
        """Docstring."""
        if n > LIMIT and strict:
            raise ValueError(n)
        return min(n, LIMIT)
    '''
)


def by_operator(found: list[Mutant]) -> dict[str, list[Mutant]]:
    groups: dict[str, list[Mutant]] = {}
    for m in found:
        groups.setdefault(m.operator, []).append(m)
    return groups


def test_each_operator_makes_its_mutants_and_leaves_annotations_docstrings_and_imports() -> None:
    groups = by_operator(list(mutants(SOURCE)))
    assert sorted(groups) == [
        "and <-> or",
        "constant + 1",
        "negate comparison",
        "negate condition",
        "statement -> pass",
        "true <-> false",
    ]
    assert [m.after for m in groups["negate comparison"]] == ["if n <= LIMIT and strict:"]
    assert [m.after for m in groups["and <-> or"]] == ["if n > LIMIT or strict:"]
    assert [m.after for m in groups["negate condition"]] == ["if not (n > LIMIT and strict):"]
    # The default 3 (the module-level LIMIT = 10 is not a function's statement, but its
    # constant is behaviour); the TYPE_CHECKING block is left alone.
    assert {m.after for m in groups["constant + 1"]} == {
        "LIMIT = 11",
        "def clamp(n: int=4, strict: bool=False) -> int:",
    }
    assert [m.after for m in groups["true <-> false"]] == [
        "def clamp(n: int=3, strict: bool=True) -> int:"
    ]
    # Only statements inside functions, never the docstring.
    assert sorted(m.before for m in groups["statement -> pass"]) == [
        "raise ValueError(n)",
        "return min(n, LIMIT)",
    ]


def test_a_condition_that_is_one_comparison_is_negated_once_not_twice() -> None:
    found = list(mutants("def f(a, b):\n    if a == b:\n        return 1\n    return 2\n"))
    negations = [m for m in found if "negate" in m.operator]
    assert [m.operator for m in negations] == ["negate comparison"]


def test_each_mutant_compiles_and_differs_from_the_original_in_its_one_site() -> None:
    original = ast.dump(ast.parse(SOURCE))
    seen = set()
    for mutant in mutants(SOURCE):
        text = mutated(SOURCE, mutant.index)
        compile(text, "m.py", "exec")
        dumped = ast.dump(ast.parse(text))
        assert dumped != original, mutant
        seen.add(dumped)
    assert len(seen) == len(list(mutants(SOURCE))), "two mutants made the same change"


def test_a_repeated_change_gets_a_numbered_key_and_stale_equivalents_fail_the_module() -> None:
    source = "def f(x):\n    x.a()\n    x.a()\n"
    keys = report.keyed(list(mutants(source)))
    assert sorted(keys.values()) == [
        "f | statement -> pass | x.a() -> pass",
        "f | statement -> pass | x.a() -> pass #2",
    ]
    scored = {"score": 95.0, "stale_equivalents": []}
    assert report.passes(scored, 90)
    assert not report.passes({**scored, "score": 89.9}, 90)
    assert not report.passes({**scored, "stale_equivalents": ["gone"]}, 90)
    assert not report.passes({"broken": "its tests fail"}, 90)


@pytest.fixture
def tiny_project(tmp_path: Path) -> Path:
    """A project of one module and one test that checks only part of it."""
    (tmp_path / "tiny.py").write_text(
        "def double(n):\n    return n * 2\n\n\ndef unused(flag):\n    return not flag\n"
    )
    (tmp_path / "tests").mkdir()
    (tmp_path / "tests" / "test_tiny.py").write_text(
        "from tiny import double\n\n\ndef test_double():\n    assert double(2) == 4\n"
    )
    subprocess.run(["git", "init", "-q", str(tmp_path)], check=True)  # nosec B603 B607
    return tmp_path


def test_a_run_kills_what_the_tests_notice_and_reports_what_they_do_not(
    tiny_project: Path,
) -> None:
    warm()
    source = (tiny_project / "tiny.py").read_text()
    found = list(mutants(source))
    with sandboxes(tiny_project, 1) as copies:
        outcomes = list(
            run_mutants(copies, "tiny.py", source, found, ["tests/test_tiny.py"], timeout=60)
        )
        restored = (copies[0] / "tiny.py").read_text()
    verdicts = sorted((o.mutant.operator, o.mutant.after, o.verdict) for o in outcomes)
    assert verdicts == [
        ("constant + 1", "return n * 3", "killed"),
        ("statement -> pass", "pass", "killed"),  # return n * 2
        ("statement -> pass", "pass", "survived"),  # return not flag
    ]
    assert restored == source, "the sandbox keeps a mutant after its run"
    target = Target("tiny.py", ("tests/test_tiny.py",))
    result = report.result(
        target,
        tiny_project,
        outcomes=outcomes,
        keys=report.keyed(found),
        equivalent={},
        stale=[],
        baseline=0.1,
        seconds=1,
    )
    assert (result["run"], result["killed"], result["score"]) == (3, 2, 66.7)
    assert [s["before"] for s in result["survived"]] == ["return not flag"]


def test_a_change_to_a_decorators_argument_shows_the_decorator() -> None:
    source = "import dataclasses\n\n\n@dataclasses.dataclass(frozen=True)\nclass C:\n    x: int\n"
    (flip,) = [m for m in mutants(source) if m.operator == "true <-> false"]
    assert (flip.before, flip.after) == (
        "@dataclasses.dataclass(frozen=True)",
        "@dataclasses.dataclass(frozen=False)",
    )


def test_the_fingerprint_moves_with_the_module_and_its_tests_and_nothing_else(
    tiny_project: Path,
) -> None:
    target = Target("tiny.py", ("tests/test_tiny.py::test_double",))
    first = target.fingerprint(tiny_project)
    (tiny_project / "unrelated.py").write_text("x = 1\n")
    assert target.fingerprint(tiny_project) == first
    for changed in ("tiny.py", "tests/test_tiny.py"):
        path = tiny_project / changed
        original = path.read_text()
        path.write_text(original + "\n# edited\n")
        assert target.fingerprint(tiny_project) != first, changed
        path.write_text(original)
        assert target.fingerprint(tiny_project) == first
