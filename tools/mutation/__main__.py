"""python -m tools.mutation: mutation testing of the core modules (README, "Mutation testing").

    python -m tools.mutation                   every core module, then REPORT.md
    python -m tools.mutation app/paging.py     one module (the report keeps the others)
    python -m tools.mutation --changed         only modules whose source or tests changed
                                               since the committed report

Exit status 1 when a module scores under the threshold, when a listed equivalent mutant no
longer exists (the list must stay true), or when a module's tests fail unchanged.
"""

import argparse
import os
import signal
import sys
import time
from pathlib import Path

from tools.mutation import report as reports
from tools.mutation.operators import mutants
from tools.mutation.runner import LOG, Outcome, run_mutants, run_tests, sandboxes, warm
from tools.mutation.targets import Target, load_targets

ROOT = Path(__file__).resolve().parents[2]
THRESHOLD = 90.0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m tools.mutation", description=__doc__)
    parser.add_argument("modules", nargs="*", help="module paths (default: every core module)")
    parser.add_argument(
        "--changed", action="store_true", help="only modules changed since the report"
    )
    parser.add_argument("--jobs", type=int, default=2, help="mutants run at once (default 2)")
    parser.add_argument("--out", type=Path, default=reports.HERE, help="where the report goes")
    parser.add_argument("--threshold", type=float, default=THRESHOLD, help="minimum score, percent")
    args = parser.parse_args(argv)
    # A stopped run (SIGTERM, as from `kill` or a CI timeout) still removes its sandboxes and
    # its running children: the exit unwinds through their `finally` blocks.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))

    targets = load_targets(ROOT)
    unknown = [m for m in args.modules if m not in targets]
    if unknown:
        parser.error(f"not a core module: {', '.join(unknown)} (see tools/mutation/targets/)")
    chosen = [targets[m] for m in args.modules] if args.modules else list(targets.values())
    previous = reports.load(ROOT / args.out)
    if args.changed:
        chosen = [t for t in chosen if _fingerprint(previous, t) != t.fingerprint(ROOT)]
        print(f"changed since the report: {', '.join(t.module for t in chosen) or 'none'}")

    # The core modules are measured on the embedded default; a PostgreSQL URL in the
    # environment would make the same mutants run slower and against another backend.
    os.environ.pop("FACTSHEET_TEST_DATABASE_URL", None)
    warm()
    results = dict(previous)
    failed = False
    with sandboxes(ROOT, max(1, args.jobs)) as copies:
        for target in chosen:
            result = _run(target, copies)
            results[target.module] = result
            # Written after each module, so that an interrupted run keeps what it measured.
            reports.write(ROOT / args.out, results, args.threshold)
            print(reports.summary_line(target.module, result), flush=True)
            failed |= not reports.passes(result, args.threshold)
    for module, result in sorted(results.items()):
        if module not in {t.module for t in chosen} and not reports.passes(result, args.threshold):
            print(f"{module}: the committed report is under the threshold")
            failed = True
    return 1 if failed else 0


def _fingerprint(previous: dict[str, dict[str, object]], target: Target) -> object:
    return previous.get(target.module, {}).get("fingerprint")


def _run(target: Target, copies: list[Path]) -> dict[str, object]:
    source = (ROOT / target.module).read_text()
    found = list(mutants(source))
    keys = reports.keyed(found)  # mutant index -> key
    equivalent = {key: reason for key, reason in target.equivalent.items() if key in keys.values()}
    stale = sorted(set(target.equivalent) - set(keys.values()))
    passed, baseline = run_tests(copies[0], target.tests, timeout=600)
    if not passed:
        print((copies[0] / LOG).read_text()[-3000:], file=sys.stderr)
        return reports.broken(target, "its tests fail on the unchanged module", ROOT)
    timeout = 3 * baseline + 10
    todo = [m for m in found if keys[m.index] not in equivalent]
    started = time.monotonic()
    outcomes: list[Outcome] = []
    for outcome in run_mutants(copies, target.module, source, todo, target.tests, timeout):
        outcomes.append(outcome)
        print(f"  {len(outcomes)}/{len(todo)} mutants", end="\r", file=sys.stderr, flush=True)
    return reports.result(
        target,
        ROOT,
        outcomes=outcomes,
        keys=keys,
        equivalent=equivalent,
        stale=stale,
        baseline=baseline,
        seconds=time.monotonic() - started,
    )


if __name__ == "__main__":
    sys.exit(main())
