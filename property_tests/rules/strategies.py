"""Strategies the rule checks share: CPF/CNPJ-shaped digit strings, valid or nearly so
(RULE CMP-1, RULE PER-1)."""

from __future__ import annotations

from hypothesis import strategies as st

from fixtures.strategies import cnpjs, cpfs

DIGITS = "0123456789"


def near(valid: st.SearchStrategy[str]) -> st.SearchStrategy[str]:
    """A valid number with one digit changed (almost always invalid)."""
    @st.composite
    def edited(draw: st.DrawFn) -> str:
        number = draw(valid)
        at = draw(st.integers(0, len(number) - 1))
        digit = draw(st.sampled_from([d for d in DIGITS if d != number[at]]))
        return number[:at] + digit + number[at + 1:]
    return edited()


def documents(length: int) -> st.SearchStrategy[str]:
    """Random digit strings of `length` (11: CPF, 14: CNPJ), valid ones and near misses."""
    valid = cpfs() if length == 11 else cnpjs()
    return st.one_of(st.text(DIGITS, min_size=length, max_size=length), valid, near(valid))
