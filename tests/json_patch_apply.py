"""Applying an RFC 6902 JSON Patch (add, remove, replace, test), written apart from
app.json_patch so that tests can check that what `diff` produces does what it says."""

import copy
from typing import Any


class PatchError(Exception):
    """An operation that cannot be applied: a missing target, a bad index, a failed test."""


def same(a: Any, b: Any) -> bool:
    """Equality with exact Python types at every level: 1, 1.0 and True all differ."""
    if type(a) is not type(b):
        return False
    if isinstance(a, dict):
        return a.keys() == b.keys() and all(same(a[key], b[key]) for key in a)
    if isinstance(a, list):
        return len(a) == len(b) and all(same(x, y) for x, y in zip(a, b, strict=True))
    return bool(a == b)


def apply_patch(doc: Any, ops: list[dict[str, Any]]) -> Any:
    """Return a new document: `doc` with `ops` applied in order. `doc` is left alone."""
    result = copy.deepcopy(doc)
    for op in ops:
        result = _apply(result, op)
    return result


def _tokens(path: str) -> list[str]:
    if path == "":
        return []
    if not path.startswith("/"):
        raise PatchError(f"{path!r} is not a JSON Pointer")
    return [token.replace("~1", "/").replace("~0", "~") for token in path[1:].split("/")]


def _index(container: list[Any], token: str, *, insert: bool) -> int:
    if not token.isdigit() or not token.isascii() or (token != "0" and token.startswith("0")):
        raise PatchError(f"{token!r} is not an array index")
    index = int(token)
    if index > len(container) or (index == len(container) and not insert):
        raise PatchError(f"index {index} is out of range")
    return index


def _resolve(doc: Any, tokens: list[str]) -> Any:
    for token in tokens:
        if isinstance(doc, dict):
            if token not in doc:
                raise PatchError(f"no member {token!r}")
            doc = doc[token]
        elif isinstance(doc, list):
            doc = doc[_index(doc, token, insert=False)]
        else:
            raise PatchError(f"cannot descend into {doc!r}")
    return doc


def _apply(doc: Any, op: dict[str, Any]) -> Any:
    kind, tokens = op["op"], _tokens(op["path"])
    if kind == "test":
        if not same(_resolve(doc, tokens), op["value"]):
            raise PatchError(f"test failed at {op['path']!r}")
        return doc
    if not tokens:
        if kind in ("add", "replace"):
            return copy.deepcopy(op["value"])
        raise PatchError(f"cannot {kind} the whole document")
    parent, last = _resolve(doc, tokens[:-1]), tokens[-1]
    if isinstance(parent, dict):
        if kind != "add" and last not in parent:
            raise PatchError(f"no member {last!r}")
        if kind == "remove":
            del parent[last]
        elif kind in ("add", "replace"):
            parent[last] = copy.deepcopy(op["value"])
        else:
            raise PatchError(f"unsupported op {kind!r}")
    elif isinstance(parent, list):
        if kind == "add":
            index = len(parent) if last == "-" else _index(parent, last, insert=True)
            parent.insert(index, copy.deepcopy(op["value"]))
        elif kind == "remove":
            del parent[_index(parent, last, insert=False)]
        elif kind == "replace":
            parent[_index(parent, last, insert=False)] = copy.deepcopy(op["value"])
        else:
            raise PatchError(f"unsupported op {kind!r}")
    else:
        raise PatchError(f"cannot {kind} inside {parent!r}")
    return doc
