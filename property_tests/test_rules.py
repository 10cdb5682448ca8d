"""Business rules as properties: the ledger (ACC-2), nominal amounts (PAY-7) and series (PAY-3).
CPF/CNPJ acceptance (CMP-1, PER-1) and category depth (CAT-1) are in `property_tests/rules/`."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from hypothesis import example, given
from hypothesis import strategies as st
from hypothesis.stateful import run_state_machine_as_test

from fixtures.strategies import business_dates
from property_tests.client import Env
from property_tests.profiles import active, scaled
from property_tests.rows import Scope
from property_tests.rulechecks import (
    PERIOD_DAYS,
    PERIOD_MONTHS,
    LedgerMachine,
    check_nominal,
    check_series,
)

pytestmark = pytest.mark.rules

BILLS = ("payables", "receivables")


@pytest.fixture(scope="module")
def scope(writable: Env) -> Iterator[Scope]:
    yield Scope(writable.a)


# RULE ACC-2, RULE PAY-5, RULE PAY-6, RULE PAY-7, RULE PAY-9, RULE TRX-4
@pytest.mark.rule("ACC-2")
def test_balance_is_seed_plus_credits_minus_debits(writable: Env) -> None:
    run_state_machine_as_test(LedgerMachine.bind(writable),
                              settings=active(max_examples=scaled(10, 80),
                                              stateful_step_count=scaled(25, 60)))


# RULE PAY-7
@pytest.mark.parametrize("resource", BILLS)
@active()
@given(amount=st.integers(1, 10**9), interest=st.integers(0, 10**7),
       discount=st.integers(0, 10**7), new_interest=st.integers(0, 10**7),
       new_discount=st.integers(0, 10**7))
def test_nominal_amount_is_amount_plus_interest_minus_discount(
        scope: Scope, resource: str, amount: int, interest: int, discount: int,
        new_interest: int, new_discount: int) -> None:
    check_nominal(scope, resource, amount, interest, min(discount, amount + interest - 1),
                  new_interest, min(new_discount, amount + new_interest - 1))


# RULE PAY-3
@pytest.mark.parametrize("resource", BILLS)
@active()
@given(amount=st.integers(1, 10**9), installments=st.integers(2, 24),
       period=st.none() | st.sampled_from(sorted({**PERIOD_MONTHS, **PERIOD_DAYS})),
       due_date=business_dates())
@example(amount=100, installments=3, period=None, due_date="2026-01-31")
def test_installments_add_up_to_the_amount(scope: Scope, resource: str, amount: int,
                                           installments: int, period: str | None,
                                           due_date: str) -> None:
    check_series(scope, resource, max(amount, installments), installments, period, due_date)


# RULE PAY-3
@pytest.mark.parametrize("resource", BILLS)
@active(max_examples=scaled(2, 20))
@given(period=st.sampled_from(sorted({**PERIOD_MONTHS, **PERIOD_DAYS})),
       amount=st.integers(1, 10**9), due_date=business_dates())
def test_recurrence_repeats_the_amount(scope: Scope, resource: str, period: str, amount: int,
                                       due_date: str) -> None:
    check_series(scope, resource, amount, 1, period, due_date)
