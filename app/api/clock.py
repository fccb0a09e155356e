"""The injected clock: the one way the API reads the current time.

The app gets a `Clock` from `create_app` (the system clock in production, a fake one in
tests), so every answer that depends on the moment (milestone status, Last-Modified of
pages computed against today) can be reproduced for any instant.
"""

import datetime as dt
from collections.abc import Callable
from typing import Annotated

from fastapi import Depends, Request

from app.models.base import utc_now

Clock = Callable[[], dt.datetime]
"""Returns the current instant, timezone-aware in UTC."""

system_clock: Clock = utc_now


def utc_date(clock: Clock) -> dt.date:
    """Today's UTC date by `clock`: milestone status turns at UTC midnight, wherever the
    server runs."""
    return clock().astimezone(dt.UTC).date()


def today(request: Request) -> dt.date:
    """Today's UTC date by the app's clock."""
    return utc_date(request.app.state.clock)


TodayDep = Annotated[dt.date, Depends(today)]
