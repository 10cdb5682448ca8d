"""Business rules as properties: CPF/CNPJ acceptance (PER-1, CMP-1) and category depth (CAT-1).
(The ledger, nominal amounts and series are in `property_tests/rules/`.)"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from hypothesis import example, given
from hypothesis import strategies as st

from fixtures.factories import CategoryType
from fixtures.strategies import cnpjs, cpfs
from property_tests.client import Env
from property_tests.profiles import active, scaled
from property_tests.rows import Scope
from property_tests.rulechecks import check_category_depth, check_document

pytestmark = pytest.mark.rules

DIGITS = "0123456789"


@pytest.fixture(scope="module")
def scope(writable: Env) -> Iterator[Scope]:
    yield Scope(writable.a)


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
    """Random digit strings of `length`, valid ones and near misses."""
    valid = cpfs() if length == 11 else cnpjs()
    return st.one_of(st.text(DIGITS, min_size=length, max_size=length), valid, near(valid))


# RULE CMP-1
@active(max_examples=scaled(12, 200))
@given(number=documents(14))
@example(number="11111111111111").via("all-same digits pass the arithmetic but are refused")
def test_company_cnpj_accepted_iff_valid(scope: Scope, number: str) -> None:
    check_document(scope, "companies", number)


# RULE PER-1
@active(max_examples=scaled(12, 200))
@given(number=st.one_of(documents(11), documents(14)))
def test_person_document_accepted_iff_valid(scope: Scope, number: str) -> None:
    check_document(scope, "people", number)


# RULE CAT-1
@active()
@given(kind=st.sampled_from(("debit", "credit")),
       names=st.lists(st.text(st.characters(codec="utf-8", categories=("L", "N")),
                              min_size=1, max_size=40), min_size=4, max_size=4))
def test_a_fourth_category_level_is_422(scope: Scope, kind: CategoryType,
                                        names: list[str]) -> None:
    check_category_depth(scope, kind, names)
