"""Two JSON change formats, one for each direction of an edit.

Editors send changes to a record as RFC 7396 merge patches: a partial document where
`null` deletes a member, which is easy to write by hand. The revision history shows what
each change actually did as an RFC 6902 JSON Patch: a list of add, remove and replace
operations, each at an RFC 6901 JSON Pointer. `merge_patch` applies the first;
`diff` derives the second from the record before and after.

Pure functions on JSON-like values (dict, list, str, int, float, bool, None), standard
library only. Neither function mutates its arguments nor returns anything that shares
structure with them.
"""

import copy
from typing import Any

__all__ = ["diff", "merge_patch", "pointer"]


def merge_patch(target: Any, patch: Any) -> Any:
    """Apply an RFC 7396 merge patch to `target` and return the result (section 2)."""
    if not isinstance(patch, dict):
        return copy.deepcopy(patch)
    source: dict[str, Any] = target if isinstance(target, dict) else {}
    result: dict[str, Any] = {}
    # Members keep the target's order; members the patch adds come after, in its order.
    for key, value in source.items():
        if key not in patch:
            result[key] = copy.deepcopy(value)
        elif patch[key] is not None:
            result[key] = merge_patch(value, patch[key])
    for key, value in patch.items():
        if key not in source and value is not None:
            result[key] = merge_patch(None, value)
    return result


def pointer(*parts: str | int) -> str:
    """An RFC 6901 JSON Pointer to `parts`, escaped: pointer("a/b", 0) == "/a~1b/0"."""
    return "".join("/" + str(part).replace("~", "~0").replace("/", "~1") for part in parts)


def diff(old: Any, new: Any, path: str = "") -> list[dict[str, Any]]:
    """An RFC 6902 JSON Patch that turns `old` into `new`.

    `path` is the (already escaped) pointer at which `old` sits; the root is "". Values of
    different JSON types always differ, so 1 -> true is a replace even though Python has
    1 == True; 1 and 1.0 are the same JSON number.
    """
    if _same(old, new):
        return []
    if isinstance(old, dict) and isinstance(new, dict):
        return _diff_objects(old, new, path)
    if isinstance(old, list) and isinstance(new, list):
        return _diff_arrays(old, new, path)
    return [{"op": "replace", "path": path, "value": copy.deepcopy(new)}]


def _diff_objects(old: dict[str, Any], new: dict[str, Any], path: str) -> list[dict[str, Any]]:
    ops: list[dict[str, Any]] = [
        {"op": "remove", "path": path + pointer(key)} for key in old if key not in new
    ]
    ops += [
        {"op": "add", "path": path + pointer(key), "value": copy.deepcopy(value)}
        for key, value in new.items()
        if key not in old
    ]
    for key, value in old.items():
        if key in new:
            ops += diff(value, new[key], path + pointer(key))
    return ops


def _diff_arrays(old: list[Any], new: list[Any], path: str) -> list[dict[str, Any]]:
    if len(old) == len(new):
        ops: list[dict[str, Any]] = []
        for index, (before, after) in enumerate(zip(old, new, strict=True)):
            ops += diff(before, after, path + pointer(index))
        return ops
    if len(old) < len(new) and _same(old, new[: len(old)]):
        return [
            {"op": "add", "path": path + pointer(index), "value": copy.deepcopy(new[index])}
            for index in range(len(old), len(new))
        ]
    if len(new) < len(old) and _same(new, old[: len(new)]):
        # From the end, so that each index is still valid when its turn comes.
        return [
            {"op": "remove", "path": path + pointer(index)}
            for index in range(len(old) - 1, len(new) - 1, -1)
        ]
    return [{"op": "replace", "path": path, "value": copy.deepcopy(new)}]


def _kind(value: Any) -> str:
    # bool before int: True is an int in Python but not a number in JSON.
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int | float):
        return "number"
    if isinstance(value, str):
        return "string"
    if isinstance(value, list):
        return "array"
    if isinstance(value, dict):
        return "object"
    return type(value).__qualname__


def _same(a: Any, b: Any) -> bool:
    """JSON equality: like ==, except that values of different JSON types never match."""
    if _kind(a) != _kind(b):
        return False
    if isinstance(a, dict):
        return a.keys() == b.keys() and all(_same(a[key], b[key]) for key in a)
    if isinstance(a, list):
        return len(a) == len(b) and all(_same(x, y) for x, y in zip(a, b, strict=True))
    return bool(a == b)
