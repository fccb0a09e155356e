"""Editors' tokens never leave the server in what it echoes or logs: a token pasted into a
URL (`?access_token=...`, which the API refuses) is masked in a problem's `instance` and in
the access log."""

import re

# Any text shaped like a token (app.tokens.PREFIX and its characters), whole or cut short,
# percent-encoded or not (`wsis20%5F...`, `%41` for a letter).
TOKEN_SHAPE = re.compile(r"wsis20(?:_|%5[Ff])(?:[0-9A-Za-z]|%[0-9A-Fa-f]{2})+")
MASK = "wsis20_[redacted]"


def redact(text: str) -> str:
    return TOKEN_SHAPE.sub(MASK, text) if "wsis20" in text else text
