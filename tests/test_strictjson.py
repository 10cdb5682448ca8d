"""mock.strictjson: JSON read one way, or refused with a reason."""

from __future__ import annotations

import pytest

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
