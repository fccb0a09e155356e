"""The mutation report: report.json (what --changed compares) and REPORT.md (for people)."""

import json
from collections import Counter
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

from tools.mutation.operators import Mutant
from tools.mutation.runner import Outcome
from tools.mutation.targets import Target

HERE = Path("tools/mutation")
COMMAND = "python -m tools.mutation"


def keyed(found: Sequence[Mutant]) -> dict[int, str]:
    """Mutant index -> a key that survives edits elsewhere in the module; a repeated key
    (the same change to the same statement twice in one scope) gets `#2`, `#3`, ..."""
    seen: Counter[str] = Counter()
    keys = {}
    for mutant in found:
        seen[mutant.key] += 1
        nth = seen[mutant.key]
        keys[mutant.index] = mutant.key if nth == 1 else f"{mutant.key} #{nth}"
    return keys


def result(
    target: Target,
    root: Path,
    *,
    outcomes: Iterable[Outcome],
    keys: dict[int, str],
    equivalent: dict[str, str],
    stale: list[str],
    baseline: float,
    seconds: float,
) -> dict[str, Any]:
    outcomes = sorted(outcomes, key=lambda o: o.mutant.index)
    verdicts = Counter(o.verdict for o in outcomes)
    run = len(outcomes)
    killed = verdicts["killed"] + verdicts["timeout"]
    return {
        "fingerprint": target.fingerprint(root),
        "tests": list(target.tests),
        "mutants": len(keys),
        "equivalent": [{"mutant": k, "reason": r} for k, r in sorted(equivalent.items())],
        "run": run,
        "killed": killed,
        "timeouts": verdicts["timeout"],
        "survived": [_described(o.mutant, keys) for o in outcomes if o.verdict == "survived"],
        "stale_equivalents": stale,
        "score": round(100 * killed / run, 1) if run else 100.0,
        "baseline_seconds": round(baseline, 1),
        "seconds": round(seconds),
    }


def broken(target: Target, why: str, root: Path) -> dict[str, Any]:
    return {"fingerprint": target.fingerprint(root), "tests": list(target.tests), "broken": why}


def _described(mutant: Mutant, keys: dict[int, str]) -> dict[str, Any]:
    return {
        "line": mutant.line,
        "scope": mutant.scope,
        "operator": mutant.operator,
        "before": mutant.before,
        "after": mutant.after,
        "mutant": keys[mutant.index],
    }


def passes(result: dict[str, Any], threshold: float) -> bool:
    if "broken" in result or result["stale_equivalents"]:
        return False
    return bool(result["score"] >= threshold)


def summary_line(module: str, result: dict[str, Any]) -> str:
    if "broken" in result:
        return f"{module}: not measured, {result['broken']}"
    line = (
        f"{module}: {result['killed']}/{result['run']} killed, {result['score']}% "
        f"({len(result['equivalent'])} equivalent excluded, {result['seconds']} s)"
    )
    if result["stale_equivalents"]:
        line += f"; {len(result['stale_equivalents'])} listed equivalent mutants no longer exist"
    return line


def load(directory: Path) -> dict[str, dict[str, Any]]:
    path = directory / "report.json"
    if not path.exists():
        return {}
    modules: dict[str, dict[str, Any]] = json.loads(path.read_text())["modules"]
    return modules


def write(directory: Path, results: dict[str, dict[str, Any]], threshold: float) -> None:
    directory.mkdir(parents=True, exist_ok=True)
    ordered = dict(sorted(results.items()))
    document = {"command": COMMAND, "threshold": threshold, "modules": ordered}
    (directory / "report.json").write_text(json.dumps(document, indent=1) + "\n")
    (directory / "REPORT.md").write_text(_markdown(ordered, threshold))


def _markdown(results: dict[str, dict[str, Any]], threshold: float) -> str:
    lines = [
        "# Mutation report",
        "",
        f'Written by `{COMMAND}` (README, "Mutation testing"); do not edit by hand. Each',
        "module's mutants run against the tests listed for it in `targets/`; a mutant is",
        "killed when those tests fail (a timeout counts as killed). The score leaves out the",
        "equivalent mutants listed below, each with the reason it cannot be told apart.",
        f"Threshold: {threshold:g}%.",
        "",
        "| module | mutants | equivalent | run | killed | survived | score |",
        "|---|---:|---:|---:|---:|---:|---:|",
    ]
    for module, r in results.items():
        if "broken" in r:
            lines.append(f"| `{module}` | | | | | | not measured: {r['broken']} |")
            continue
        lines.append(
            f"| `{module}` | {r['mutants']} | {len(r['equivalent'])} | {r['run']} | {r['killed']} "
            f"| {len(r['survived'])} | {r['score']}% |"
        )
    for module, r in results.items():
        if "broken" in r:
            continue
        tests = ", ".join(f"`{t}`" for t in r["tests"])
        lines += ["", f"## `{module}`", "", f"Tests: {tests}.", ""]
        lines.append(f"Unchanged run {r['baseline_seconds']} s; all mutants {r['seconds']} s.")
        if r["survived"]:
            lines += ["", "Survivors:", ""]
            for s in r["survived"]:
                lines.append(f"- line {s['line']} in `{s['scope']}`, {s['operator']}:")
                lines.append(f"  `{s['before']}` → `{s['after']}`")
        if r["equivalent"]:
            lines += ["", "Equivalent (excluded from the score):", ""]
            for e in r["equivalent"]:
                lines.append(f"- `{e['mutant']}`: {e['reason']}")
        if r["stale_equivalents"]:
            lines += ["", "Listed as equivalent but no longer produced (remove from targets/):", ""]
            lines += [f"- `{k}`" for k in r["stale_equivalents"]]
    return "\n".join(lines) + "\n"
