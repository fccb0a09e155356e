"""Running out of file descriptors is logged at a bounded rate: one line per interval.

When a worker has as many connections open as its open-file limit allows, asyncio cannot
accept the next one and logs `socket.accept() out of system resource` with a traceback. It
does so once for each connection waiting in the backlog, up to `backlog` times per pass, and
tries again every second (CPython 3.11 keeps looping after the first failure): an attack of
idle connections wrote 77,823 such tracebacks, 31 MB, in 10 s, enough to fill a disk or drown
every other line. uvloop (libuv) logs nothing in this case.

The filter below sits on the `asyncio` logger and lets through one line per `interval` for
these errors (EMFILE, ENFILE, ENOBUFS, ENOMEM), without the traceback, with the count of
those it dropped and what to change; every other record passes untouched.
"""

import errno
import logging
import time
from collections.abc import Callable

OUT_OF_RESOURCES = frozenset({errno.EMFILE, errno.ENFILE, errno.ENOBUFS, errno.ENOMEM})
INTERVAL = 10.0  # seconds between two reports


class AcceptErrorFilter(logging.Filter):
    def __init__(
        self, interval: float = INTERVAL, clock: Callable[[], float] = time.monotonic
    ) -> None:
        super().__init__()
        self.interval = interval
        self.clock = clock
        self.next_report = float("-inf")
        self.dropped = 0

    def filter(self, record: logging.LogRecord) -> bool:
        error = record.exc_info[1] if record.exc_info else None
        if not isinstance(error, OSError) or error.errno not in OUT_OF_RESOURCES:
            return True
        now = self.clock()
        if now < self.next_report:
            self.dropped += 1
            return False
        since = f"; {self.dropped} more since the last report" if self.dropped else ""
        record.msg = (
            f"cannot accept connections: {error.strerror} (errno {error.errno}){since}. "
            "Raise the open-file limit (ulimit -n) above the connections a worker must hold; "
            f"this is logged at most once every {self.interval:g} s."
        )
        record.args = None
        record.exc_info = None
        record.exc_text = None
        self.next_report = now + self.interval
        self.dropped = 0
        return True


def install_accept_error_filter(logger: logging.Logger | None = None) -> None:
    """Puts the filter on the asyncio logger, once per process (each worker builds its app)."""
    logger = logger or logging.getLogger("asyncio")
    if not any(isinstance(f, AcceptErrorFilter) for f in logger.filters):
        logger.addFilter(AcceptErrorFilter())
