"""factsheet serve | migrate | seed | check-seed: the commands operators run.

Every failure an operator can cause ends in one line on stderr that names the setting or file
at fault, never a traceback, and in one of the EXIT_* codes (listed in the README's Commands
section).
"""

import argparse
import gc
import os
import signal
import sys
from collections.abc import Sequence
from pathlib import Path
from types import FrameType
from typing import TYPE_CHECKING

from app.resources import seed_path

if TYPE_CHECKING:
    from fastapi import FastAPI
    from sqlalchemy import Engine

    from app.seed_check import SeedProblem
    from app.settings import Settings

EXIT_OK = 0
# The command ran and failed: the seed file is unusable or invalid, or the database could not
# be used. Seeding changes nothing in either case.
EXIT_FAILED = 1
# The command never started: a wrong argument (argparse's own code), FACTSHEET_* setting or
# database URL.
EXIT_USAGE = 2
EXIT_INTERRUPTED = 130  # Ctrl-C, as a shell reports a SIGINT


class ConfigurationError(Exception):
    """A setting the command cannot run with; the message names it."""


def _settings() -> "Settings":
    from pydantic import ValidationError

    from app.settings import describe_invalid_settings, get_settings

    try:
        return get_settings()
    except ValidationError as exc:
        raise ConfigurationError(describe_invalid_settings(exc)) from None


def _database_url() -> str:
    from app.db import UnsupportedDatabaseURL, check_database_url

    url = _settings().resolved_database_url
    try:
        check_database_url(url)
    except UnsupportedDatabaseURL as exc:
        raise ConfigurationError(f"FACTSHEET_DATABASE_URL: {exc}") from None
    return url


def _engine() -> "Engine":
    from app.db import make_engine

    # A server that never answers would otherwise hold the command forever.
    return make_engine(_database_url(), connect_timeout=_settings().db_connect_timeout)


def _shown_database(url: str) -> str:
    """The URL without its password, a SQLite file as an absolute path."""
    from sqlalchemy.engine import make_url

    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite" and parsed.database not in (None, "", ":memory:"):
        parsed = parsed.set(database=str(Path(parsed.database or "").absolute()))
    return parsed.render_as_string(hide_password=True)


def _seed_file(args: argparse.Namespace) -> Path:
    # Absolute, so that the line naming it settles which copy was read (checkout or bundled).
    return Path(args.path).absolute() if getattr(args, "path", None) else seed_path()


def _report_problems(path: Path, problems: "Sequence[SeedProblem]", outcome: str = "") -> None:
    for problem in problems:
        print(f"error: {problem}", file=sys.stderr)
    print(f"{path}: {len(problems)} problem(s){outcome}", file=sys.stderr)


def cmd_migrate(_: argparse.Namespace) -> int:
    from app.migrate import upgrade

    engine = _engine()
    try:
        upgrade(engine)
    finally:
        engine.dispose()
    print("database migrated to head")
    return EXIT_OK


def cmd_seed(args: argparse.Namespace) -> int:
    from app.migrate import upgrade
    from app.seed import SeedInvalid, sync_seed
    from app.seed_check import SeedFileError, load_seed_file

    path = _seed_file(args)
    try:
        data = load_seed_file(path)
    except SeedFileError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return EXIT_FAILED
    engine = _engine()
    try:
        upgrade(engine)
        report = sync_seed(engine, data)
    except SeedInvalid as exc:
        _report_problems(path, exc.problems, "; the database was not changed")
        return EXIT_FAILED
    finally:
        engine.dispose()
    print(f"seeded from {path}: {report.summary()}")
    return EXIT_OK


def cmd_check_seed(args: argparse.Namespace) -> int:
    from app.seed_check import SeedFileError, check_seed, load_seed_file

    path = _seed_file(args)
    try:
        problems = check_seed(load_seed_file(path))
    except SeedFileError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return EXIT_FAILED
    if problems:
        _report_problems(path, problems)
        return EXIT_FAILED
    print(f"{path}: ok")
    return EXIT_OK


def _exit_zero(_signum: int, _frame: FrameType | None) -> None:
    # Straight out, as the signal itself would have done: a normal interpreter exit would
    # wait for request threads that outlived the graceful timeout (and for the database pool
    # timeout they may be stuck in once the engine is disposed).
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(0)


def served_app() -> "FastAPI":
    """The app as `serve` runs it in each worker: create_app, with the garbage collector
    paused while it builds. Start-up allocates some 200,000 objects that live as long as the
    process (modules, routes, schemas) and almost no garbage (about 1,500 objects), yet the
    collector would scan them over and over, and twice in full: a few hundred milliseconds of
    every cold start. Frozen afterwards, they are left out of every later collection too,
    under load included; the little garbage start-up made is kept with them."""
    gc.disable()
    try:
        from app.main import create_app

        return create_app()
    finally:
        gc.freeze()
        gc.enable()


def cmd_serve(args: argparse.Namespace) -> int:
    # Paused for the imports and checks before uvicorn starts, as served_app does for the
    # app itself (see there): they are most of a cold start's work.
    gc.disable()
    try:
        return _serve(args)
    finally:
        gc.enable()


def _serve(args: argparse.Namespace) -> int:
    import uvicorn

    from app.db import make_engine
    from app.db_wait import DatabaseNotAnswering, wait_for_database
    from app.migrate import upgrade
    from app.seed import SeedInvalid, seed_if_empty
    from app.settings import get_settings

    # Workers are separate processes that build their settings from the environment.
    for name in ("host", "port", "workers", "log_level"):
        value = getattr(args, name)
        if value is not None:
            os.environ[f"FACTSHEET_{name.upper()}"] = str(value)
    get_settings.cache_clear()
    settings = _settings()
    url = _database_url()
    path = seed_path()
    print(f"database {_shown_database(url)}, seed file {path}", flush=True)
    engine = make_engine(url, connect_timeout=settings.db_connect_timeout)
    try:
        wait_for_database(engine, settings.db_startup_timeout, lambda line: print(line, flush=True))
        upgrade(engine)
        report = seed_if_empty(engine, path)
    except SeedInvalid as exc:
        _report_problems(path, exc.problems, "; the database was left empty")
        return EXIT_FAILED
    except DatabaseNotAnswering as exc:
        print(f"error: {exc}", file=sys.stderr)
        return EXIT_FAILED
    except Exception as exc:
        # Imported only here: app.seed_check brings jsonschema (some 30 ms and 3 MB), which a
        # start on a database that holds data never needs.
        from app.seed_check import SeedFileError

        if not isinstance(exc, SeedFileError):
            raise
        print(f"error: {exc}", file=sys.stderr)
        return EXIT_FAILED
    finally:
        engine.dispose()
    if report is not None:
        print(f"loaded seed.json into an empty database: {report.summary()}", flush=True)
    # uvicorn shuts down gracefully on SIGTERM, then restores this handler and re-raises the
    # signal so that the process dies of it (-15, a failure to some supervisors). A clean
    # graceful shutdown exits 0 instead, as it already does with several workers.
    signal.signal(signal.SIGTERM, _exit_zero)
    gc.enable()  # served_app pauses it again while it builds the app
    uvicorn.run(
        "app.cli:served_app",
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
        # uvicorn's protocols with the request head bounded on h11 and httptools alike, and
        # refused with 431, whatever the packets (app.http_protocols reads the bound here).
        http="app.http_protocols:AutoHTTPProtocol",
        h11_max_incomplete_event_size=settings.max_header_bytes,
        # uvicorn would rewrite the client and scheme from X-Forwarded-* itself, trusting
        # 127.0.0.1 by default; app.client_address decides that, from
        # FACTSHEET_TRUSTED_PROXIES. And no `server: uvicorn` to tell strangers.
        proxy_headers=False,
        server_header=False,
    )
    return EXIT_OK


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

    url = make_url(_database_url())
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
    except ConfigurationError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return EXIT_USAGE
    except (OSError, SQLAlchemyError) as exc:
        # A read-only directory, a full disk, an unreachable server: say so and exit 1.
        print(f"error: {_storage_error(exc)}", file=sys.stderr)
        return EXIT_FAILED
    except KeyboardInterrupt:
        return EXIT_INTERRUPTED
    return result


if __name__ == "__main__":
    raise SystemExit(main())
