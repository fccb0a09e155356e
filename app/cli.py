"""factsheet serve | migrate | seed | check-seed | export | tokens: the commands operators run.

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
    import datetime as dt

    from fastapi import FastAPI
    from sqlalchemy import Engine

    from app.models.token import ApiToken
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
        report = sync_seed(engine, data, overwrite_edits=args.overwrite_edits)
    except SeedInvalid as exc:
        outcome = "; the database was not changed"
        # A valid file can still fail once the edited records it keeps are put in it (an
        # edit naming an organisation the file dropped): say so, or the file gets the blame.
        if not exc.in_the_file:
            outcome = (
                " once the records editors changed are kept in it; the database was not "
                "changed; fix those records through the API, or run with --overwrite-edits "
                "to replace them with the seed file's"
            )
        _report_problems(path, exc.problems, outcome)
        return EXIT_FAILED
    finally:
        engine.dispose()
    print(f"seeded from {path}: {report.summary()}")
    for conflict in report.conflicts:
        print(f"  {conflict}")
    kept = sum(conflict.kept == "edit" for conflict in report.conflicts)
    if kept:
        print(
            f"kept the editors' version of {kept} record(s) the seed file also changed; run "
            "with --overwrite-edits to replace them with the seed file's, or `factsheet "
            "export` to write the edits into a seed file"
        )
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


def _missing_sqlite_file(url: str) -> Path | None:
    """The SQLite file `url` names when there is none: connecting would create it empty."""
    from sqlalchemy.engine import make_url

    parsed = make_url(url)
    if parsed.get_backend_name() != "sqlite" or parsed.query.get("uri"):
        return None
    if parsed.database in (None, "", ":memory:"):
        return None
    path = Path(parsed.database or "").absolute()
    return None if path.exists() else path


def cmd_export(args: argparse.Namespace) -> int:
    from sqlalchemy import select

    from app.export import (
        DATASET,
        DATASET_ID,
        NothingToExport,
        dumps_document,
        export_document,
        write_atomically,
    )
    from app.migrate import current_revision, head_revision

    # Export only reads: it never migrates, nor creates a database. A database at another
    # schema revision than this code's would be read wrongly or not at all, so it is refused
    # with the command that fixes it rather than a driver's "no such table".
    url = _database_url()
    missing = _missing_sqlite_file(url)
    if missing is not None:
        print(f"error: no database at {missing}: nothing to export", file=sys.stderr)
        return EXIT_FAILED
    engine = _engine()
    try:
        at, head = current_revision(engine), head_revision()
        if at != head:
            print(
                f"error: the database {_shown_database(url)} is at schema revision "
                f"{at or '(none)'}, this factsheet reads {head}: run `factsheet migrate` first",
                file=sys.stderr,
            )
            return EXIT_FAILED
        # The document and its data revision from one transaction (one snapshot): what
        # export_to does, but it does not say which revision it read.
        with engine.connect() as connection, connection.begin():
            document = export_document(connection)
            query = select(DATASET.c.revision).where(DATASET.c.id == DATASET_ID)
            revision = connection.execute(query).scalar_one()
    except NothingToExport as exc:
        print(f"error: {exc}", file=sys.stderr)
        return EXIT_FAILED
    finally:
        engine.dispose()
    body = dumps_document(document)
    if args.path in (None, "-"):
        try:
            sys.stdout.flush()
            sys.stdout.buffer.write(body)
            sys.stdout.buffer.flush()
        except BrokenPipeError:
            # The reader went away (`factsheet export | head`): no traceback, and none at exit.
            os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
            print("error: the output was closed before the export was written", file=sys.stderr)
            return EXIT_FAILED
        return EXIT_OK
    path = Path(args.path).absolute()
    try:
        write_atomically(path, body)
    except OSError as exc:
        # Not a storage error of the database, which main() would report.
        print(f"error: cannot write {path}: {exc.strerror or exc}", file=sys.stderr)
        return EXIT_FAILED
    print(f"exported data revision {revision} to {path}", file=sys.stderr)
    return EXIT_OK


def _utc(moment: "dt.datetime | None") -> str:
    import datetime as dt

    if moment is None:
        return "never"
    return moment.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _token_scope(token: "ApiToken") -> str:
    if token.scope == "admin":
        return "scope admin"
    return f"scope {token.scope}: {', '.join(token.collections)}"


def cmd_tokens_create(args: argparse.Namespace) -> int:
    from sqlmodel import Session

    from app.api.clock import system_clock
    from app.collections import editable
    from app.migrate import upgrade
    from app.tokens import TokenError, create_token, parse_lifetime

    known = [c.name for c in editable()]
    collections = [c.strip() for c in (args.collections or "").split(",") if c.strip()]
    try:
        lifetime = parse_lifetime(args.expires)
    except TokenError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return EXIT_USAGE
    engine = _engine()
    try:
        upgrade(engine)
        with Session(engine) as session:
            row, token = create_token(
                session,
                name=args.name,
                scope=args.scope,
                collections=collections,
                lifetime=lifetime,
                now=system_clock(),
                known_collections=known,
            )
            shown = f"{_token_scope(row)}; expires {_utc(row.expires_at)}"
    except TokenError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return EXIT_USAGE
    finally:
        engine.dispose()
    # The token alone on stdout, so that `TOKEN=$(factsheet tokens create ...)` takes it.
    print(token)
    print(
        f"made token {row.name} ({shown}); it is shown only now: keep it secret",
        file=sys.stderr,
    )
    return EXIT_OK


def cmd_tokens_list(_: argparse.Namespace) -> int:
    from sqlmodel import Session

    from app.api.clock import system_clock
    from app.migrate import upgrade
    from app.tokens import list_tokens, status

    engine = _engine()
    try:
        upgrade(engine)
        with Session(engine) as session:
            now = system_clock()
            rows = [
                [
                    str(token.id),
                    token.name,
                    token.scope,
                    "*" if token.scope == "admin" else ",".join(token.collections),
                    f"{token.hint}…",
                    _utc(token.created_at),
                    _utc(token.expires_at),
                    status(token, now),
                ]
                for token in list_tokens(session)
            ]
    finally:
        engine.dispose()
    header = ["id", "name", "scope", "collections", "hint", "created", "expires", "status"]
    widths = [max(len(row[i]) for row in [header, *rows]) for i in range(len(header))]
    for row in [header, *rows]:
        print(
            "  ".join(cell.ljust(width) for cell, width in zip(row, widths, strict=True)).rstrip()
        )
    return EXIT_OK


def cmd_tokens_revoke(args: argparse.Namespace) -> int:
    from sqlmodel import Session

    from app.api.clock import system_clock
    from app.migrate import upgrade
    from app.tokens import TokenError, revoke_token

    engine = _engine()
    try:
        upgrade(engine)
        with Session(engine) as session:
            revoke_token(session, args.name, system_clock())
    except TokenError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return EXIT_FAILED
    finally:
        engine.dispose()
    print(f"revoked token {args.name}")
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
    seed.add_argument(
        "--overwrite-edits",
        action="store_true",
        help="replace records editors changed through the API with the seed file's "
        "(by default they are kept, and listed)",
    )
    seed.set_defaults(func=cmd_seed)

    check = commands.add_parser("check-seed", help="validate a seed file; exit 1 on problems")
    check.add_argument("path", nargs="?", help="seed file (default: the bundled seed.json)")
    check.set_defaults(func=cmd_check_seed)

    export = commands.add_parser(
        "export", help="write the database as a seed file, editors' changes included"
    )
    export.add_argument(
        "path", nargs="?", help="file to write, atomically (default, or -: standard output)"
    )
    export.set_defaults(func=cmd_export)

    tokens = commands.add_parser("tokens", help="make, list and revoke the editors' tokens")
    token_commands = tokens.add_subparsers(dest="tokens_command", required=True)
    create = token_commands.add_parser(
        "create", help="make a token and print it (it is shown only this once)"
    )
    create.add_argument("--name", required=True, help="who the token speaks for; unique")
    create.add_argument("--scope", required=True, choices=["write", "admin"])
    create.add_argument(
        "--collections",
        help="comma-separated collections a write token may change (nris,milestones)",
    )
    create.add_argument(
        "--expires", default="90d", help="lifetime: 90d, 12h, 30m or never (default 90d)"
    )
    create.set_defaults(func=cmd_tokens_create)
    listing = token_commands.add_parser("list", help="list the tokens, never their secrets")
    listing.set_defaults(func=cmd_tokens_list)
    revoke = token_commands.add_parser("revoke", help="stop a token from working, for good")
    revoke.add_argument("name", help="the token's name")
    revoke.set_defaults(func=cmd_tokens_revoke)
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
