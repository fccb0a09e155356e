"""Which SQLite file a connection reads, so that a file replaced at its path is noticed.

A database rebuilt elsewhere and moved into place (os.replace, mv) is a new file at the old
path, while every open connection keeps reading the old one: without a check, requests on
pooled connections answer from the old file and those on new connections from the new one.
Each connection therefore remembers the file (device and inode) it opened; a checkout whose
file is no longer the one at the path is refused as disconnected, and the pool opens a new
connection in its place. The data revision carries the file too (app.revision), so cached
answers from the old file are dropped, and /readyz fails until they are.

A path with no file at all keeps the connections it has: they still read the deleted file
whole, which beats opening (and so creating) an empty database there.
"""

import os
from typing import Any

from sqlalchemy import Engine, event
from sqlalchemy.exc import DisconnectionError

FILE_KEY = "sqlite_file"  # in each pool record's info: the identity of the file it opened
_BEFORE_KEY = "sqlite_file_before"
_UNKNOWN = "unknown"  # replaced while the connection opened: it matches no file


def identity(path: str) -> str | None:
    """Device and inode of the file at `path` (what a connection opened now would read), or
    None when there is none."""
    try:
        status = os.stat(path)
    except OSError:
        return None
    return f"{status.st_dev}:{status.st_ino}"


def replaced(path: str, opened: str | None) -> bool:
    """Whether another file than `opened` is now at `path`."""
    current = identity(path)
    return opened is not None and current is not None and current != opened


def follow_replacements(engine: Engine, path: str) -> None:
    """Record each connection's file, and refuse a checkout once its file was replaced."""

    @event.listens_for(engine, "do_connect")
    def _before_open(_dialect: Any, record: Any, _cargs: Any, _cparams: Any) -> None:
        record.info[_BEFORE_KEY] = identity(path)

    @event.listens_for(engine, "connect")
    def _opened(_dbapi_connection: Any, record: Any) -> None:
        before, after = record.info.pop(_BEFORE_KEY, None), identity(path)
        # No file before: SQLite created the one now there.
        record.info[FILE_KEY] = after if before in (None, after) else _UNKNOWN

    @event.listens_for(engine, "checkout")
    def _still_there(_dbapi_connection: Any, record: Any, _proxy: Any) -> None:
        if replaced(path, record.info.get(FILE_KEY)):
            raise DisconnectionError(f"the database file {path} was replaced")
