"""The characters no text of this API may carry, and the one way to drop them.

Control characters other than tab, line feed and carriage return: PostgreSQL refuses NUL
outright, RFC 5545 forbids controls in calendar TEXT, they corrupt CSV cells, and in a
terminal ESC starts a command. UTF-16 surrogates: JSON can spell them (`\\ud800`), but no
UTF-8 database can store them. check-seed refuses both in the data; the output formats drop
them too, so they stay safe whatever the source of a record.
"""

import re

FORBIDDEN_CHARACTERS = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ud800-\udfff]")


def without_controls(text: str) -> str:
    """`text` with the forbidden characters dropped."""
    return FORBIDDEN_CHARACTERS.sub("", text)
