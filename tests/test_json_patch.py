import copy
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from app.json_patch import diff, merge_patch, pointer
from tests.json_patch_apply import PatchError, apply_patch, same

# RFC 7396 Appendix A: target, patch, result.
RFC_7396_EXAMPLES: list[tuple[Any, Any, Any]] = [
    ({"a": "b"}, {"a": "c"}, {"a": "c"}),
    ({"a": "b"}, {"b": "c"}, {"a": "b", "b": "c"}),
    ({"a": "b"}, {"a": None}, {}),
    ({"a": "b", "b": "c"}, {"a": None}, {"b": "c"}),
    ({"a": ["b"]}, {"a": "c"}, {"a": "c"}),
    ({"a": "c"}, {"a": ["b"]}, {"a": ["b"]}),
    ({"a": {"b": "c"}}, {"a": {"b": "d", "c": None}}, {"a": {"b": "d"}}),
    ({"a": [{"b": "c"}]}, {"a": [1]}, {"a": [1]}),
    (["a", "b"], ["c", "d"], ["c", "d"]),
    ({"a": "b"}, ["c"], ["c"]),
    ({"a": "foo"}, None, None),
    ({"a": "foo"}, "bar", "bar"),
    ({"e": None}, {"a": 1}, {"e": None, "a": 1}),
    ([1, 2], {"a": "b", "c": None}, {"a": "b"}),
    ({}, {"a": {"bb": {"ccc": None}}}, {"a": {"bb": {}}}),
]


@pytest.mark.parametrize(("target", "patch", "result"), RFC_7396_EXAMPLES)
def test_merge_patch_matches_rfc_7396_appendix_a(target: Any, patch: Any, result: Any) -> None:
    assert same(merge_patch(target, patch), result)


def test_merge_patch_matches_rfc_7396_section_3_example() -> None:
    target = {
        "title": "Goodbye!",
        "author": {"givenName": "John", "familyName": "Doe"},
        "tags": ["example", "sample"],
        "content": "This will be unchanged",
    }
    patch = {
        "title": "Hello!",
        "phoneNumber": "+01-123-456-7890",
        "author": {"familyName": None},
        "tags": ["example"],
    }
    assert same(
        merge_patch(target, patch),
        {
            "title": "Hello!",
            "author": {"givenName": "John"},
            "tags": ["example"],
            "content": "This will be unchanged",
            "phoneNumber": "+01-123-456-7890",
        },
    )


@pytest.mark.parametrize(("target", "patch", "result"), RFC_7396_EXAMPLES)
def test_merge_patch_leaves_its_arguments_alone(target: Any, patch: Any, result: Any) -> None:
    target_before, patch_before = copy.deepcopy(target), copy.deepcopy(patch)
    merged = merge_patch(target, patch)
    assert same(target, target_before) and same(patch, patch_before)
    _scribble(merged)  # the result shares nothing with the arguments
    assert same(target, target_before) and same(patch, patch_before)


def test_merge_patch_result_shares_nothing_with_untouched_or_inserted_members() -> None:
    target = {"keep": {"x": [1]}, "change": {"y": [1], "drop": 0}, "list": [[0]]}
    patch = {"change": {"z": [2], "drop": None}, "new": {"w": [3]}}
    target_before, patch_before = copy.deepcopy(target), copy.deepcopy(patch)
    merged = merge_patch(target, patch)
    assert same(
        merged,
        {
            "keep": {"x": [1]},
            "change": {"y": [1], "z": [2]},
            "list": [[0]],
            "new": {"w": [3]},
        },
    )
    _scribble(merged)
    assert same(target, target_before) and same(patch, patch_before)


def _scribble(value: Any) -> None:
    if isinstance(value, dict):
        for member in value.values():
            _scribble(member)
        value["scribbled"] = True
    elif isinstance(value, list):
        for item in value:
            _scribble(item)
        value.append("scribbled")


def test_pointer_escapes_tilde_before_slash() -> None:
    assert pointer() == ""
    assert pointer("a/b", "m~n", 0, "~1", "") == "/a~1b/m~0n/0/~01/"


def test_diff_of_equal_documents_is_empty() -> None:
    doc = {"a": [1, {"b": None}], "c": "d", "e": True}
    assert diff(doc, copy.deepcopy(doc)) == []


def test_diff_adds_appended_list_items_at_the_next_indexes() -> None:
    assert diff({"tags": ["a"]}, {"tags": ["a", "b", "c"]}) == [
        {"op": "add", "path": "/tags/1", "value": "b"},
        {"op": "add", "path": "/tags/2", "value": "c"},
    ]


def test_diff_removes_dropped_list_items_from_the_end() -> None:
    assert diff(["a", "b", "c"], ["a"]) == [
        {"op": "remove", "path": "/2"},
        {"op": "remove", "path": "/1"},
    ]


def test_diff_replaces_a_list_that_is_not_extended_or_shortened() -> None:
    assert diff({"l": [1, 2]}, {"l": [0, 1, 2]}) == [
        {"op": "replace", "path": "/l", "value": [0, 1, 2]}
    ]


def test_diff_recurses_into_lists_of_the_same_length() -> None:
    assert diff([{"a": 1}, 2], [{"a": 1}, 3]) == [{"op": "replace", "path": "/1", "value": 3}]


def test_diff_removes_a_dropped_key_and_adds_a_new_one() -> None:
    assert diff({"a": 1, "b": 2, "c": {"d": 3}}, {"b": 2, "c": {"d": 4}, "e": 5}) == [
        {"op": "remove", "path": "/a"},
        {"op": "add", "path": "/e", "value": 5},
        {"op": "replace", "path": "/c/d", "value": 4},
    ]


def test_diff_escapes_slash_and_tilde_in_keys() -> None:
    assert diff({"a/b": 1, "m~n": 2}, {"a/b": 3}) == [
        {"op": "remove", "path": "/m~0n"},
        {"op": "replace", "path": "/a~1b", "value": 3},
    ]


def test_diff_tells_bool_from_int() -> None:
    assert diff({"a": 1}, {"a": True}) == [{"op": "replace", "path": "/a", "value": True}]
    assert diff([0], [False]) == [{"op": "replace", "path": "/0", "value": False}]
    assert diff([1], [True, 2]) == [{"op": "replace", "path": "", "value": [True, 2]}]


def test_diff_treats_int_and_float_of_the_same_value_as_the_same_number() -> None:
    assert diff({"a": 1}, {"a": 1.0}) == []


def test_diff_replaces_the_root_at_the_empty_pointer() -> None:
    assert diff({"a": 1}, ["a"]) == [{"op": "replace", "path": "", "value": ["a"]}]
    assert diff(None, {}) == [{"op": "replace", "path": "", "value": {}}]


def test_diff_values_share_nothing_with_the_new_document() -> None:
    new = {"a": {"b": [1]}}
    ops = diff({}, new)
    ops[0]["value"]["b"].append(2)
    assert new == {"a": {"b": [1]}}


def test_apply_patch_appends_inserts_and_tests() -> None:
    doc = {"l": [1, 3], "x/y": {"~": 0}}
    ops: list[dict[str, Any]] = [
        {"op": "add", "path": "/l/-", "value": 4},
        {"op": "add", "path": "/l/1", "value": 2},
        {"op": "test", "path": "/x~1y/~0", "value": 0},
        {"op": "replace", "path": "/x~1y/~0", "value": 1},
        {"op": "remove", "path": "/l/0"},
    ]
    assert apply_patch(doc, ops) == {"l": [2, 3, 4], "x/y": {"~": 1}}
    assert doc == {"l": [1, 3], "x/y": {"~": 0}}
    with pytest.raises(PatchError):
        apply_patch(doc, [{"op": "test", "path": "/x~1y/~0", "value": False}])


KEYS = st.one_of(st.text(max_size=4), st.text(alphabet="a0/~1", max_size=4))
JSON = st.recursive(
    st.none() | st.booleans() | st.integers(-3, 3) | st.text(alphabet="ab", max_size=2),
    lambda children: st.lists(children, max_size=4) | st.dictionaries(KEYS, children, max_size=4),
    max_leaves=12,
)


@settings(max_examples=200)
@given(JSON, JSON)
def test_diff_applied_to_old_gives_new(old: Any, new: Any) -> None:
    old_before, new_before = copy.deepcopy(old), copy.deepcopy(new)
    assert same(apply_patch(old, diff(old, new)), new)
    assert same(old, old_before) and same(new, new_before)


@settings(max_examples=200)
@given(JSON, JSON, st.lists(JSON, max_size=3))
def test_diff_applied_to_old_gives_an_edited_old(old: Any, patch: Any, extra: list[Any]) -> None:
    # Random pairs rarely share structure; editing old makes diff recurse and touch lists.
    new = merge_patch(old, patch)
    if isinstance(new, list):
        new = new + extra
    assert same(apply_patch(old, diff(old, new)), new)
    assert same(apply_patch(new, diff(new, old)), old)


@settings(max_examples=200)
@given(JSON)
def test_diff_of_a_value_with_itself_is_empty(value: Any) -> None:
    assert diff(value, value) == []
    assert diff(value, copy.deepcopy(value)) == []


@settings(max_examples=200)
@given(JSON, JSON.filter(lambda patch: not isinstance(patch, dict)))
def test_merge_patch_that_is_not_an_object_replaces_the_target(target: Any, patch: Any) -> None:
    assert same(merge_patch(target, patch), patch)


@settings(max_examples=200)
@given(st.dictionaries(KEYS, JSON, max_size=4))
def test_empty_merge_patch_leaves_an_object_unchanged(target: dict[str, Any]) -> None:
    assert same(merge_patch(target, {}), target)
