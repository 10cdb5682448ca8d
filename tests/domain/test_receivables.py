"""Receivables: what differs from payables (REC), every receivable filter and the default sort.

The mirrored rules PAY-1 … PAY-10 run for receivables too, from `test_payables.py` (its `side`
fixture covers both); this file holds what only the receive side has.
"""

from __future__ import annotations

from decimal import Decimal

import pytest
from faker import Faker

from tests.domain.money_support import (
    RECEIVABLES,
    Books,
    bill_filters,
    check_default_sort,
    check_filter,
    count,
)
from tests.domain.support import Api, problem


@pytest.fixture
def books(api_a: Api, fake: Faker) -> Books:
    return Books(api_a, fake)


# RULE PAY-5 (REC: `received`, a credit), RULE ACC-2
def test_receiving_creates_a_credit_transaction(books: Books) -> None:
    row = books.bill(RECEIVABLES, amount="250.00")
    out = books.api.patch("receivables", row["id"], {
        "status": "received", "payment_date": "2026-01-05",
        "financial_account_id": books.account_id, "interest_amount": "2.50"}).json()
    assert (out["status"], out["nominal_amount"]) == ("received", "252.50")
    trx = books.api.read("transactions", out["transaction_id"])
    assert (trx["type"], trx["amount"], trx["auto_created"]) == ("credit", "252.50", True)
    assert books.balance() == Books.OPENING + Decimal("252.50")
    assert books.api.ids("receivables", status="received") == {row["id"]}


# RULE PAY-4 (REC: `paid` is the payables' word)
def test_paid_is_not_a_receivable_status(books: Books) -> None:
    row = books.bill(RECEIVABLES)
    problem(books.api.patch("receivables", row["id"], {
        "status": "paid", "payment_date": "2026-01-05",
        "financial_account_id": books.account_id}), 422, "validation_failed", field="status")
    assert count(books.api, "transactions") == 0


# RULE PAY-1, RULE PER-2 (REC: customer / credit / revenue)
def test_names_resolve_to_a_customer_a_credit_category_and_a_revenue_center(
        books: Books) -> None:
    row = books.api.create("receivables", books.bill_body(
        RECEIVABLES, person_id=None, person_name=books.supplier["name"],
        category_name="Consultoria", cost_center_name="Serviços"))
    # The supplier of that name is not a customer: a customer is created instead.
    assert row["person_id"] != books.supplier["id"]
    person = books.api.read("people", row["person_id"])
    assert (person["is_customer"], person["is_supplier"]) == (True, False)
    assert books.api.read("categories", row["category_id"])["type"] == "credit"
    assert books.api.read("cost_centers", row["cost_center_id"])["type"] == "revenue"
    problem(books.api.post("receivables", books.bill_body(
        RECEIVABLES, person_id=books.supplier["id"])), 422, "validation_failed",
        field="person_id")


# RULES PAY / REC: receivables carry no payment-instruction fields
def test_receivables_carry_no_payment_instructions(books: Books) -> None:
    row = books.bill(RECEIVABLES, barcode="3419", operation_kind="payment")
    for name in ("barcode", "operation_kind", "tax_data", "pix_key", "scheduled_to"):
        assert name not in row
    assert "barcode" not in books.api.rows("receivables")[0]


# RULE G-4 (REC filters)
@pytest.mark.parametrize("param", sorted(bill_filters(RECEIVABLES)))
def test_each_receivable_filter_selects_its_rows(books: Books, param: str) -> None:
    check_filter(books, RECEIVABLES, param)


# RULE G-4 (REC default sort `due_date`)
def test_receivables_sort_by_due_date_by_default(books: Books) -> None:
    check_default_sort(books, RECEIVABLES)
