"""mock.strictjson: JSON read one way, or refused with a reason."""

from __future__ import annotations

import json
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from mock.strictjson import JsonRefused, loads


def test_plain_json_reads_as_json() -> None:
    assert loads(b'{"a": [1, "\\u00e9", {"b": null}]}', max_depth=4) == \
        {"a": [1, "é", {"b": None}]}


@pytest.mark.parametrize(("raw", "words"), [
    (b'"\\ud800"', "lone UTF-16 surrogate"),
    (b'{"a": "x\\udfff"}', "lone UTF-16 surrogate"),
    (b'"\xed\xa0\x80"', "UTF-8"),
    (b'"\xff"', "UTF-8"),
    (b"[NaN]", "not valid JSON"),
    (b'{"a": 1, "a": 2}', "appears twice"),
    (b'[{"x": {"a": 1, "b": 2, "a": 3}}]', "appears twice"),
    (b"[" * 5 + b"]" * 5, "nested more than 4 levels"),
    (b"[" * 100_000 + b"]" * 100_000, "nested more than 4 levels"),
])
def test_refused_as_malformed(raw: bytes, words: str) -> None:
    with pytest.raises(JsonRefused) as refused:
        loads(raw, max_depth=4)
    assert words in refused.value.reason
    assert refused.value.kind == "malformed"


def test_nul_is_refused_where_it_is() -> None:
    with pytest.raises(JsonRefused) as refused:
        loads(b'{"a": [1, {"b": "x\\u0000"}]}', max_depth=8)
    assert refused.value.kind == "invalid"
    assert refused.value.field == "a.1.b"


def test_depth_counts_containers_only() -> None:
    assert loads(b"[[[1]]]", max_depth=3) == [[[1]]]
    with pytest.raises(JsonRefused):
        loads(b"[[[[1]]]]", max_depth=3)


def _typed(value: Any) -> Any:
    """The value with every leaf's type beside it (1, 1.0 and True are equal otherwise)."""
    if isinstance(value, dict):
        return ("dict", [(k, _typed(v)) for k, v in value.items()])
    if isinstance(value, list):
        return ("list", [_typed(v) for v in value])
    return (type(value).__name__, value)


_text = st.text(st.characters(exclude_categories=["Cs"], exclude_characters="\x00"))
_json_values = st.recursive(
    st.none() | st.booleans() | st.integers(-(2**70), 2**70)
    | st.floats(allow_nan=False, allow_infinity=False) | _text,
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(_text, inner, max_size=4),
    max_leaves=20)


@settings(max_examples=300)
@given(value=_json_values, ascii_only=st.booleans(), indent=st.sampled_from([None, 0, 2]))
def test_the_value_is_what_json_reads(value: Any, ascii_only: bool, indent: int | None) -> None:
    """Whether the second parse is skipped or not, the answer is `json`'s value, type for type
    (a float, and an integer past 64 bits, included)."""
    raw = json.dumps(value, ensure_ascii=ascii_only, indent=indent).encode()
    assert _typed(loads(raw, max_depth=64)) == _typed(json.loads(raw))


@pytest.mark.parametrize("raw", [
    b'{"a": 1, "\\u0061": 2}',  # equal once unescaped
    b'{"x\\"": 1, "x\\"" : 2}',
    b'{"k": "v\\" : ", "k": 3}',  # a value that looks like a key
    b'[{"a": {}}, {"b": 1, "b": 1}]',
])
def test_duplicate_keys_are_found_however_they_are_written(raw: bytes) -> None:
    with pytest.raises(JsonRefused, match="appears twice"):
        loads(raw, max_depth=8)


def test_keys_are_counted_in_the_text_not_in_its_strings() -> None:
    from mock.strictjson import _keys_in_text

    assert _keys_in_text(b'{"a": "b:", "c" :{"d\\"":"e\\\\"}, "f": ["g", "h"]}') == 4


def _problems(value: Any, max_depth: int, depth: int = 1, parts: tuple[str, ...] = ()
              ) -> set[tuple[str, str]]:
    """Every (kind, field) a value should be refused for, by a plain recursive walk (a field
    is the keys and indexes to it, joined by dots; the body itself is "body")."""
    found: set[tuple[str, str]] = set()
    path = ".".join(parts) or "body"
    if isinstance(value, str):
        return {("invalid", path)} if "\x00" in value else found
    if not isinstance(value, dict | list):
        return found
    if depth > max_depth:
        found.add(("malformed", path))
    items = value.items() if isinstance(value, dict) else enumerate(value)
    for key, child in items:
        if isinstance(key, str) and "\x00" in key:
            found.add(("invalid", path))
        found |= _problems(child, max_depth, depth + 1, (*parts, str(key)))
    return found


_with_nul = st.text(st.sampled_from("ab\x00"), max_size=3)
_nul_values = st.recursive(
    st.none() | st.integers() | _with_nul,
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(_with_nul, inner, max_size=3),
    max_leaves=12)


@settings(max_examples=300)
@given(value=_nul_values, max_depth=st.integers(1, 4))
def test_a_refusal_names_one_of_the_places_at_fault(value: Any, max_depth: int) -> None:
    """Accepted exactly when the plain walk finds nothing; else refused for one of the things
    it finds, with its kind and field."""
    raw = json.dumps(value).encode()
    problems = _problems(value, max_depth)
    try:
        loads(raw, max_depth=max_depth)
    except JsonRefused as refused:
        if refused.kind == "malformed":  # depth: the message says so; the field is a place
            assert "levels deep" in str(refused)
        assert (refused.kind, refused.field) in problems
    else:
        assert not problems
