"""The renderers' own guards, fast: CSV cells never start like a formula and never carry
control characters; calendar TEXT never carries them either (the attack over a real server
is tests/attacks/test_output_injection.py)."""

import datetime as dt

import pytest

from app.feeds import csvtable
from app.feeds.ical import escape_text


@pytest.mark.parametrize(
    ("value", "cell"),
    [
        ("=1+1", "'=1+1"),
        ("+1", "'+1"),
        ("-1", "'-1"),
        ("@A1", "'@A1"),
        ("\tx", "'\tx"),
        ("\rx", "'\rx"),
        (["=a", "b"], "'=a | b"),
        ("a=b", "a=b"),
        ("", ""),
        (-1, "-1"),
        (-2.5, "-2.5"),
        (2025, "2025"),
        (True, "true"),
        (None, ""),
        (dt.date(2025, 12, 17), "2025-12-17"),
        ("A\x1b[31mB\x00C\x0bD\x7fE\x85F", "A[31mBCDEF"),
        ("line\r\nbreak\ttab", "line\r\nbreak\ttab"),
    ],
)
def test_a_csv_cell_is_text_a_spreadsheet_will_not_run(value: object, cell: str) -> None:
    assert csvtable.cell(value) == cell


def test_a_formula_hidden_behind_a_control_character_is_still_neutralised() -> None:
    assert csvtable.cell("\x00=1+1") == "'=1+1"


def test_calendar_text_drops_control_characters_and_keeps_its_escapes() -> None:
    assert escape_text("a\x1b;b,\x00c\nd") == "a\\;b\\,c\\nd"
