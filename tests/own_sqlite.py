"""Tests whose subject does not depend on the database backend, and that run on a SQLite
database of their own (or on none) whatever FACTSHEET_TEST_DATABASE_URL says: the pages in a
browser, the installed wheel, the generated client, the linted OpenAPI document. The suite's
SQLite run covers them; its PostgreSQL run skips them instead of repeating them unchanged,
which keeps CI within its time."""

import pytest

from tests.conftest import PG_URL

own_sqlite = pytest.mark.skipif(
    bool(PG_URL),
    reason="does not depend on the backend (own SQLite database): the SQLite run covers it",
)
