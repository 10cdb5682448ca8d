"""mock.pagination: keyset cursors signed and bound to their query (RULE G-4)."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from mock.pagination import CursorCodec, InvalidCursor, Position, _b64, _unb64

TENANT = "a0a0a0a0-0000-4000-8000-00000000000a"
# What `mock.store.key_to_json` gives: a flag and text (a decimal as text), a date, a number.
keys = st.tuples(st.sampled_from([0, 1]),
                 st.one_of(st.text(), st.integers(-(2**63), 2**63 - 1), st.none()))


@given(key=keys, row_id=st.uuids().map(str), q=st.text())
def test_a_cursor_reads_back_only_for_its_own_query(key: tuple[int, object], row_id: str,
                                                   q: str) -> None:
    codec = CursorCodec()
    binding = codec.binding(TENANT, "taxes", "name", {"q": q})
    cursor = codec.encode(Position(list(key), row_id), binding)
    assert codec.decode(cursor, binding) == Position(list(key), row_id)
    for other in (codec.binding(TENANT, "taxes", "-name", {"q": q}),
                  codec.binding(TENANT, "taxes", "name", {"q": q + "x"}),
                  codec.binding("b0b0b0b0-0000-4000-8000-00000000000b", "taxes", "name",
                                {"q": q})):
        with pytest.raises(InvalidCursor):
            codec.decode(cursor, other)
    with pytest.raises(InvalidCursor):  # another process's secret
        CursorCodec().decode(cursor, binding)


def test_an_edited_or_malformed_cursor_is_refused() -> None:
    codec = CursorCodec(b"k" * 32)
    binding = codec.binding(TENANT, "taxes", "name", {})
    payload, signature = codec.encode(Position([0, "a"], "id-1"), binding).split(".")
    edited = _b64(_unb64(payload).replace(b"id-1", b"id-2"))
    for cursor in (f"{edited}.{signature}", payload, "a.b.c", "", "%%%.%%%"):
        with pytest.raises(InvalidCursor):
            codec.decode(cursor, binding)


def test_the_binding_does_not_depend_on_the_order_of_the_filters() -> None:
    one = CursorCodec.binding(TENANT, "transactions", "name", {"type": "debit", "q": "São"})
    two = CursorCodec.binding(TENANT, "transactions", "name", {"q": "São", "type": "debit"})
    assert one == two != CursorCodec.binding(TENANT, "transactions", "name", {"q": "Sao"})
