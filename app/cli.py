"""factsheet serve | migrate | seed | check-seed: the commands operators run."""

import argparse
import os
import signal
import sys
from collections.abc import Sequence
from pathlib import Path
from types import FrameType
from typing import TYPE_CHECKING

from app.resources import seed_path

if TYPE_CHECKING:
    from sqlalchemy import Engine


def _engine() -> "Engine":
    from app.db import make_engine
    from app.settings import get_settings

    return make_engine(get_settings().resolved_database_url)


def cmd_migrate(_: argparse.Namespace) -> int:
    from app.migrate import upgrade

    engine = _engine()
    try:
        upgrade(engine)
    finally:
        engine.dispose()
    print("database migrated to head")
    return 0


def cmd_seed(args: argparse.Namespace) -> int:
    from app.migrate import upgrade
    from app.seed import SeedInvalid, sync_seed
    from app.seed_check import load_seed_file

    path = Path(args.path) if args.path else seed_path()
    try:
        data = load_seed_file(path)
    except (OSError, ValueError) as exc:
        print(f"error: cannot read {path}: {exc}", file=sys.stderr)
        return 2
    engine = _engine()
    try:
        upgrade(engine)
        report = sync_seed(engine, data)
    except SeedInvalid as exc:
        for problem in exc.problems:
            print(f"error: {problem}", file=sys.stderr)
        print(
            f"{path}: {len(exc.problems)} problem(s); the database was not changed", file=sys.stderr
        )
        return 1
    finally:
        engine.dispose()
    print(f"seeded from {path}: {report.summary()}")
    return 0


def cmd_check_seed(args: argparse.Namespace) -> int:
    from app.seed_check import check_seed_file

    path = Path(args.path) if args.path else seed_path()
    problems = check_seed_file(path)
    for problem in problems:
        print(f"error: {problem}", file=sys.stderr)
    if problems:
        print(f"{path}: {len(problems)} problem(s)", file=sys.stderr)
        return 1
    print(f"{path}: ok")
    return 0


def _exit_zero(_signum: int, _frame: FrameType | None) -> None:
    # Straight out, as the signal itself would have done: a normal interpreter exit would
    # wait for request threads that outlived the graceful timeout (and for the database pool
    # timeout they may be stuck in once the engine is disposed).
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(0)


def cmd_serve(args: argparse.Namespace) -> int:
    import uvicorn

    from app.migrate import upgrade
    from app.seed import seed_if_empty
    from app.settings import get_settings

    # Workers are separate processes that build their settings from the environment.
    for name in ("host", "port", "workers", "log_level"):
        value = getattr(args, name)
        if value is not None:
            os.environ[f"FACTSHEET_{name.upper()}"] = str(value)
    get_settings.cache_clear()
    settings = get_settings()
    engine = _engine()
    try:
        upgrade(engine)
        report = seed_if_empty(engine, seed_path())
    finally:
        engine.dispose()
    if report is not None:
        print(f"loaded seed.json into an empty database: {report.summary()}", flush=True)
    # uvicorn shuts down gracefully on SIGTERM, then restores this handler and re-raises the
    # signal so that the process dies of it (-15, a failure to some supervisors). A clean
    # graceful shutdown exits 0 instead, as it already does with several workers.
    signal.signal(signal.SIGTERM, _exit_zero)
    uvicorn.run(
        "app.main:create_app",
        factory=True,
        host=settings.host,
        port=settings.port,
        workers=settings.workers,
        log_level=settings.log_level,
        # The app writes its own JSON access log (FACTSHEET_ACCESS_LOG); uvicorn's text one
        # would only repeat it.
        access_log=False,
        timeout_graceful_shutdown=settings.graceful_timeout,
        # A slow or idle client holds a connection; these bound how long and how many wait.
        # No limit_concurrency: uvicorn's 503 is bare text; app.concurrency sheds load instead.
        timeout_keep_alive=settings.timeout_keep_alive,
        backlog=settings.backlog,
    )
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="factsheet", description="The WSIS+20 fact sheet API and its data."
    )
    commands = parser.add_subparsers(dest="command", required=True)

    serve = commands.add_parser(
        "serve", help="migrate, load seed.json into an empty database, and serve the API"
    )
    serve.add_argument("--host", help="interface to bind (FACTSHEET_HOST, default 127.0.0.1)")
    serve.add_argument("--port", type=int, help="port (FACTSHEET_PORT, default 8000)")
    serve.add_argument("--workers", type=int, help="worker processes (FACTSHEET_WORKERS)")
    serve.add_argument(
        "--log-level",
        choices=["critical", "error", "warning", "info", "debug"],
        help="FACTSHEET_LOG_LEVEL, default info",
    )
    serve.set_defaults(func=cmd_serve)

    migrate = commands.add_parser("migrate", help="upgrade the database schema to head")
    migrate.set_defaults(func=cmd_migrate)

    seed = commands.add_parser(
        "seed", help="bring the database in line with a seed file (default: the bundled one)"
    )
    seed.add_argument("path", nargs="?", help="seed file (default: the bundled seed.json)")
    seed.set_defaults(func=cmd_seed)

    check = commands.add_parser("check-seed", help="validate a seed file; exit 1 on problems")
    check.add_argument("path", nargs="?", help="seed file (default: the bundled seed.json)")
    check.set_defaults(func=cmd_check_seed)
    return parser


def _storage_error(exc: BaseException) -> str:
    """One line an operator can act on, instead of a driver traceback."""
    from sqlalchemy.engine import make_url

    from app.settings import get_settings

    url = make_url(get_settings().resolved_database_url)
    reason = getattr(exc, "orig", None) or exc  # the driver's own words
    hint = ""
    if url.get_backend_name() == "sqlite":
        where = Path(url.database or "").parent
        hint = f" (check that {where} exists and is writable, and that its disk is not full)"
    return f"cannot use the database {url.render_as_string(hide_password=True)}: {reason}{hint}"


def main(argv: Sequence[str] | None = None) -> int:
    from sqlalchemy.exc import SQLAlchemyError

    args = build_parser().parse_args(argv)
    try:
        result: int = args.func(args)
    except (OSError, SQLAlchemyError) as exc:
        # A read-only directory, a full disk, an unreachable server: say so and exit 1.
        print(f"error: {_storage_error(exc)}", file=sys.stderr)
        return 1
    return result


if __name__ == "__main__":
    raise SystemExit(main())
