"""Payables: RULES PAY-1 … PAY-11 and PER-2 through HTTP. Each mirrored rule runs for payables
and for its REC mirror (the `side` fixture); what only one side has lives in this file (payment
instructions) or in `test_receivables.py`. Also: every payable filter, the default sort, and
the catalogue guards (CC-2, TAX-3, ACC-4, CAT-4) fed by real payables."""

from __future__ import annotations

import uuid
from decimal import Decimal
from typing import Any

import pytest
from faker import Faker

from fixtures.files import pdf_bytes
from tests.domain.money_support import (
    PAYABLES,
    SIDES,
    BillSide,
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


@pytest.fixture(params=SIDES, ids=str)
def side(request: pytest.FixtureRequest) -> BillSide:
    out: BillSide = request.param
    return out


def cents(rows: list[dict[str, Any]], key: str = "amount") -> list[str]:
    return [r[key] for r in rows]


# -- PAY-1: the person and the find-or-create references -----------------------------------


# RULE PAY-1
def test_a_person_is_required(books: Books, side: BillSide) -> None:
    absent = books.bill_body(side)
    del absent["person_id"]
    for body in (absent, books.bill_body(side, person_id=None)):
        problem(books.api.post(side.resource, body), 422, "validation_failed", field="person_id")
    assert count(books.api, side.resource) == 0


# RULE PAY-1
def test_names_find_or_create_with_the_side_polarity(books: Books, side: BillSide) -> None:
    # Rows of the other polarity with the same names are never picked.
    wrong_person = books.api.person(books.fake, books.company_id, name="Zeta Serviços",
                                    **{"supplier": side.role == "is_customer",
                                       "customer": side.role == "is_supplier"})
    wrong_category = books.category("Consultoria",
                                    "credit" if side.category_type == "debit" else "debit")
    body = books.bill_body(side, person_id=None, person_name="Zeta Serviços",
                           category_name="Consultoria", cost_center_name="Projetos")
    first = books.api.create(side.resource, body)
    person = books.api.read("people", first["person_id"])
    assert first["person_id"] != wrong_person["id"] and person[side.role] is True
    category = books.api.read("categories", first["category_id"])
    assert first["category_id"] != wrong_category["id"]
    assert category["type"] == side.category_type
    center = books.api.read("cost_centers", first["cost_center_id"])
    assert center["type"] == side.cost_center_type
    assert (first["person_name"], first["category_name"], first["cost_center_name"]) == (
        "Zeta Serviços", "Consultoria", "Projetos")
    again = books.api.create(side.resource, books.bill_body(
        side, person_id=None, person_name="ZETA SERVIÇOS", category_name="consultoria",
        cost_center_name="projetos"))
    for ref in ("person_id", "category_id", "cost_center_id"):
        assert again[ref] == first[ref]
    # PATCH finds or creates too.
    patched = books.api.patch(side.resource, first["id"], {"cost_center_name": "Outro"}).json()
    assert patched["cost_center_name"] == "Outro" and patched["cost_center_id"] != center["id"]


# RULE PAY-1, RULE G-12
@pytest.mark.parametrize("ref", ["person", "category", "cost_center"])
def test_id_and_name_together_is_400(books: Books, side: BillSide, ref: str) -> None:
    existing = {"person": {"id": books.person_id(side)},
                "category": books.category("Aluguel", side.category_type),
                "cost_center": books.cost_center("Adm", side.cost_center_type)}[ref]
    both = {f"{ref}_id": existing["id"], f"{ref}_name": "Outro nome"}
    problem(books.api.post(side.resource, books.bill_body(side, **both)), 400,
            "ambiguous_reference", field=f"{ref}_name")
    row = books.bill(side)
    problem(books.api.patch(side.resource, row["id"], both), 400, "ambiguous_reference",
            field=f"{ref}_name")
    assert books.api.read(side.resource, row["id"]) == row
    assert count(books.api, side.resource) == 1 and count(books.api, "people") == 2


# RULE PAY-1, RULE G-12
def test_a_refused_request_creates_no_reference_rows(books: Books, side: BillSide) -> None:
    center = books.cost_center("Adm", side.cost_center_type)
    body = books.bill_body(side, person_id=None, person_name="Novo Parceiro",
                           category_name="Nova", amount="100.00",
                           cost_centers=[{"cost_center_id": center["id"], "amount": "99.00"}])
    problem(books.api.post(side.resource, body), 422, "validation_failed", field="cost_centers")
    row = books.bill(side)
    r = books.api.patch(side.resource, row["id"], {"person_name": "Novo Parceiro",
                                                   "status": side.settled})
    problem(r, 422, "validation_failed", field="payment_date")
    assert count(books.api, "people") == 2 and count(books.api, "categories") == 0
    assert count(books.api, side.resource) == 1


# RULE PAY-1
def test_the_person_cannot_be_removed(books: Books, side: BillSide) -> None:
    row = books.bill(side)
    problem(books.api.patch(side.resource, row["id"], {"person_id": None}), 422,
            "validation_failed", field="person_id")
    assert books.api.read(side.resource, row["id"])["person_id"] == row["person_id"]


# RULE PAY-1, RULE G-3
def test_references_of_another_company_or_tenant_are_422(books: Books, side: BillSide,
                                                         api_b: Api, fake: Faker) -> None:
    other = books.api.company(fake)
    stranger = books.api.person(fake, other["id"], supplier=True, customer=True)
    problem(books.api.post(side.resource, books.bill_body(side, person_id=stranger["id"])),
            422, "validation_failed", field="person_id")
    foreign = api_b.company(fake)
    foreign_category = api_b.create("categories", {"company_id": foreign["id"], "name": "X",
                                                   "type": side.category_type})
    problem(books.api.post(side.resource,
                           books.bill_body(side, category_id=foreign_category["id"])),
            422, "validation_failed", field="category_id")
    foreign_account = api_b.account(fake, foreign["id"])
    problem(books.api.post(side.resource,
                           books.bill_body(side, financial_account_id=foreign_account["id"])),
            422, "validation_failed", field="financial_account_id")
    assert count(books.api, side.resource) == 0


# -- PER-2 ---------------------------------------------------------------------------------


# RULE PER-2
def test_only_a_person_of_the_side_role_may_be_named(books: Books, side: BillSide,
                                                     fake: Faker) -> None:
    wrong = books.customer if side is PAYABLES else books.supplier
    problem(books.api.post(side.resource, books.bill_body(side, person_id=wrong["id"])),
            422, "validation_failed", field="person_id")
    row = books.bill(side)
    problem(books.api.patch(side.resource, row["id"], {"person_id": wrong["id"]}),
            422, "validation_failed", field="person_id")
    both = books.api.person(fake, books.company_id, supplier=True, customer=True)
    assert books.bill(side, person_id=both["id"])["person_id"] == both["id"]
    assert books.api.patch(side.resource, row["id"], {"person_id": both["id"]}).json()[
        "person_id"] == both["id"]


# -- PAY-2: rateio and tax charges ---------------------------------------------------------


# RULE PAY-2
def test_rateio_by_amount(books: Books, side: BillSide) -> None:
    a, b = (books.cost_center(n, side.cost_center_type) for n in ("A", "B"))
    row = books.bill(side, amount="100.00", cost_centers=[
        {"cost_center_id": a["id"], "amount": "60.00"},
        {"cost_center_id": b["id"], "amount": 40}])
    assert row["cost_center_allocations_count"] == 2
    assert [(x["cost_center_id"], x["amount"], x["percentage"], x["cost_center_name"])
            for x in row["cost_center_allocations"]] == [
        (a["id"], "60.00", None, "A"), (b["id"], "40.00", None, "B")]


# RULE PAY-2
def test_rateio_by_percentage_adds_up_to_the_amount(books: Books, side: BillSide) -> None:
    centers = [books.cost_center(n, side.cost_center_type) for n in ("A", "B", "C")]
    row = books.bill(side, amount="10.00", cost_centers=[
        {"cost_center_id": c["id"], "percentage": p}
        for c, p in zip(centers, ("33.33", "33.33", "33.34"), strict=True)])
    allocations = row["cost_center_allocations"]
    assert cents(allocations) == ["3.33", "3.33", "3.34"]
    assert cents(allocations, "percentage") == ["33.33", "33.33", "33.34"]


# RULE PAY-2, RULE G-12
@pytest.mark.parametrize("shares", [
    [{"amount": "60.00"}, {"amount": "39.99"}],
    [{"amount": "60.00"}, {"amount": "40.01"}],
    [{"percentage": "50"}, {"percentage": "49.99"}],
    [{"percentage": "60"}, {"percentage": "60"}],
    [{"amount": "50.00"}, {"percentage": "50"}],
], ids=["amount-short", "amount-over", "pct-short", "pct-over", "mixed"])
def test_rateio_that_does_not_add_up_is_422(books: Books, side: BillSide,
                                           shares: list[dict[str, Any]]) -> None:
    centers = [books.cost_center(n, side.cost_center_type) for n in ("A", "B")]
    body = books.bill_body(side, amount="100.00", cost_centers=[
        {"cost_center_id": c["id"], **s} for c, s in zip(centers, shares, strict=True)])
    problem(books.api.post(side.resource, body), 422, "validation_failed", field="cost_centers")
    row = books.bill(side, amount="100.00")
    patch = {"cost_centers": body["cost_centers"]}
    problem(books.api.patch(side.resource, row["id"], patch), 422, "validation_failed",
            field="cost_centers")
    assert count(books.api, side.resource) == 1
    assert books.api.read(side.resource, row["id"])["cost_center_allocations"] == []


# RULE PAY-2
def test_rateio_cost_centers_are_of_the_company(books: Books, side: BillSide,
                                                fake: Faker) -> None:
    other = books.api.company(fake)
    center = books.api.create("cost_centers", {"company_id": other["id"], "name": "X",
                                               "type": side.cost_center_type})
    body = books.bill_body(side, amount="10.00",
                           cost_centers=[{"cost_center_id": center["id"], "amount": "10.00"}])
    problem(books.api.post(side.resource, body), 422, "validation_failed",
            field="cost_centers[0].cost_center_id")


# -- PAY-11: polarity ----------------------------------------------------------------------

OTHER_CENTER = {"cost": "revenue", "revenue": "cost"}
OTHER_CATEGORY = {"debit": "credit", "credit": "debit"}


@pytest.mark.rule("PAY-11")
# RULE PAY-11
@pytest.mark.parametrize("where", ["cost_center_id", "category_id", "cost_centers"])
def test_references_of_the_other_polarity_are_422(books: Books, side: BillSide,
                                                  where: str) -> None:
    wrong_center = books.cost_center("Vendas", OTHER_CENTER[side.cost_center_type])
    right_center = books.cost_center("Obras", side.cost_center_type)
    wrong_category = books.category("Receita", OTHER_CATEGORY[side.category_type])
    fields: dict[str, Any] = {
        "cost_center_id": {"cost_center_id": wrong_center["id"]},
        "category_id": {"category_id": wrong_category["id"]},
        "cost_centers": {"cost_centers": [
            {"cost_center_id": right_center["id"], "amount": "4.00"},
            {"cost_center_id": wrong_center["id"], "amount": "6.00"}]},
    }[where]
    field = "cost_centers[1].cost_center_id" if where == "cost_centers" else where
    problem(books.api.post(side.resource, books.bill_body(side, amount="10.00", **fields)),
            422, "validation_failed", field=field)
    assert count(books.api, side.resource) == 0
    row = books.bill(side, amount="10.00")
    problem(books.api.patch(side.resource, row["id"], fields), 422, "validation_failed",
            field=field)
    after = books.api.read(side.resource, row["id"])
    assert (after["cost_center_id"], after["category_id"], after["cost_center_allocations"]) \
        == (None, None, [])


@pytest.mark.rule("PAY-11")
# RULE PAY-11: the side's own polarity is accepted everywhere, ids and names alike.
def test_references_of_the_side_polarity_are_accepted(books: Books, side: BillSide) -> None:
    center = books.cost_center("Obras", side.cost_center_type)
    category = books.category("Aluguel", side.category_type)
    row = books.bill(side, amount="10.00", cost_center_id=center["id"],
                     category_id=category["id"],
                     cost_centers=[{"cost_center_id": center["id"], "percentage": "100"}])
    assert (row["cost_center_id"], row["category_id"]) == (center["id"], category["id"])
    named = books.bill(side, amount="10.00", cost_center_name="Obras", category_name="Aluguel")
    assert (named["cost_center_id"], named["category_id"]) == (center["id"], category["id"])


# RULE PAY-2
def test_patch_replaces_the_rateio_and_keeps_it_adding_up(books: Books, side: BillSide) -> None:
    a, b = (books.cost_center(n, side.cost_center_type) for n in ("A", "B"))
    row = books.bill(side, amount="100.00", cost_centers=[
        {"cost_center_id": a["id"], "amount": "70.00"},
        {"cost_center_id": b["id"], "amount": "30.00"}])
    out = books.api.patch(side.resource, row["id"], {"amount": "50.00"}).json()
    assert cents(out["cost_center_allocations"]) == ["35.00", "15.00"]
    out = books.api.patch(side.resource, row["id"], {"cost_centers": [
        {"cost_center_id": b["id"], "percentage": "100"}]}).json()
    assert [(x["cost_center_id"], x["amount"]) for x in out["cost_center_allocations"]] == [
        (b["id"], "50.00")]
    out = books.api.patch(side.resource, row["id"], {"cost_centers": []}).json()
    assert out["cost_center_allocations_count"] == 0
    assert books.api.delete("cost_centers", a["id"]).status_code == 204


# RULE PAY-2, RULE G-3
def test_tax_charges_are_against_the_workspace_taxes(books: Books, side: BillSide,
                                                     api_b: Api) -> None:
    tax = books.tax("IRRF")
    row = books.bill(side, tax_charges=[{"tax_id": tax["id"], "amount": "1.50",
                                         "withholding": True}])
    assert row["tax_charges_count"] == 1
    charge = row["tax_charges"][0]
    assert (charge["tax_id"], charge["tax_name"], charge["amount"], charge["withholding"]) == (
        tax["id"], "IRRF", "1.50", True)
    foreign = api_b.create("taxes", {"name": "ISS"})
    for tax_id in (foreign["id"], str(uuid.uuid4())):
        body = books.bill_body(side, tax_charges=[{"tax_id": tax_id, "amount": "1.00"}])
        problem(books.api.post(side.resource, body), 422, "validation_failed",
                field="tax_charges[0].tax_id")
    out = books.api.patch(side.resource, row["id"], {"tax_charges": []}).json()
    assert (out["tax_charges_count"], out["tax_charges"]) == (0, [])


# -- PAY-3: series -------------------------------------------------------------------------


# RULE PAY-3
def test_installments_split_the_amount(books: Books, side: BillSide) -> None:
    first = books.bill(side, amount="100.00", total_installments=3, due_date="2026-01-31")
    rows = books.api.rows(side.resource, group_id=first["group_id"])
    assert first["installment_number"] == 1 and first["id"] == rows[0]["id"]
    assert first["group_id"] is not None
    assert [(r["installment_number"], r["amount"], r["due_date"]) for r in rows] == [
        (1, "33.33", "2026-01-31"), (2, "33.33", "2026-02-28"), (3, "33.34", "2026-03-31")]
    assert {(r["type"], r["total_installments"], r["status"]) for r in rows} == {
        ("installment", 3, "pending")}
    assert count(books.api, side.resource) == 3


# RULE PAY-3
def test_installments_step_by_the_recurrence_period(books: Books, side: BillSide) -> None:
    first = books.bill(side, amount="10.00", total_installments=4, recurrence_period="weekly",
                       due_date="2026-01-01")
    rows = books.api.rows(side.resource, group_id=first["group_id"])
    assert [(r["amount"], r["due_date"]) for r in rows] == [
        ("2.50", "2026-01-01"), ("2.50", "2026-01-08"), ("2.50", "2026-01-15"),
        ("2.50", "2026-01-22")]


# RULE PAY-3
def test_a_recurrence_repeats_the_full_amount(books: Books, side: BillSide) -> None:
    first = books.bill(side, amount="1500.00", recurrence_period="monthly",
                       due_date="2026-01-10", competence_date="2026-01-01")
    rows = books.api.rows(side.resource, group_id=first["group_id"])
    assert len(rows) == 12 and first["id"] == rows[0]["id"]
    assert {(r["amount"], r["type"], r["recurrence_period"]) for r in rows} == {
        ("1500.00", "recurring", "monthly")}
    assert [r["due_date"] for r in rows][:3] == ["2026-01-10", "2026-02-10", "2026-03-10"]
    assert rows[-1]["due_date"] == "2026-12-10"
    assert rows[-1]["competence_date"] == "2026-12-01"
    assert [r["installment_number"] for r in rows] == list(range(1, 13))


# RULE PAY-3, RULE PAY-2
def test_a_series_splits_its_rateio_and_tax_charges(books: Books, side: BillSide) -> None:
    a, b = (books.cost_center(n, side.cost_center_type) for n in ("A", "B"))
    tax = books.tax("ISS")
    first = books.bill(side, amount="100.00", total_installments=3, cost_centers=[
        {"cost_center_id": a["id"], "amount": "50.00"},
        {"cost_center_id": b["id"], "amount": "50.00"}],
        tax_charges=[{"tax_id": tax["id"], "amount": "10.00"}])
    details = [books.api.read(side.resource, r["id"])
               for r in books.api.rows(side.resource, group_id=first["group_id"])]
    for row in details:
        shares = [Decimal(x["amount"]) for x in row["cost_center_allocations"]]
        assert sum(shares) == Decimal(row["amount"]) and len(shares) == 2
    assert [r["tax_charges"][0]["amount"] for r in details] == ["3.33", "3.33", "3.34"]


# RULE PAY-3
def test_an_amount_too_small_for_its_installments_is_422(books: Books, side: BillSide) -> None:
    problem(books.api.post(side.resource,
                           books.bill_body(side, amount="0.02", total_installments=3)),
            422, "validation_failed", field="total_installments")
    assert count(books.api, side.resource) == 0


# -- PAY-4 ---------------------------------------------------------------------------------


# RULE PAY-4
def test_rows_start_pending_and_draft_is_never_accepted(books: Books, side: BillSide) -> None:
    assert books.bill(side)["status"] == "pending"
    for status in ("draft", side.settled, "cancelled"):
        problem(books.api.post(side.resource, books.bill_body(side, status=status)), 422,
                "validation_failed", field="status")
    row = books.bill(side)
    for status in ("draft", side.other_settled, "overdue"):
        problem(books.api.patch(side.resource, row["id"], {"status": status}), 422,
                "validation_failed", field="status")
    assert books.api.read(side.resource, row["id"])["status"] == "pending"
    assert count(books.api, side.resource) == 2


# -- PAY-5: settle -------------------------------------------------------------------------


# RULE PAY-5, RULE PAY-7
def test_settle_creates_one_auto_transaction_of_nominal_amount(books: Books,
                                                              side: BillSide) -> None:
    row = books.bill(side, amount="100.00")
    out = books.settle(side, row["id"], payment_date="2026-01-20T10:00:00Z",
                       interest_amount="5.50", discount_amount=2, ticket_amount="1.00")
    assert (out["status"], out["payment_date"]) == (side.settled, "2026-01-20")
    assert (out["interest_amount"], out["discount_amount"], out["ticket_amount"],
            out["nominal_amount"]) == ("5.50", "2.00", "1.00", "103.50")
    trx = books.api.read("transactions", out["transaction_id"])
    assert (trx["auto_created"], trx["type"], trx["amount"], trx["occurred_at"],
            trx["financial_account_id"], trx["person_id"]) == (
        True, side.transaction_type, "103.50", "2026-01-20", books.account_id,
        row["person_id"])
    # Settling again (same status) creates nothing more.
    again = books.settle(side, row["id"])
    assert again["transaction_id"] == out["transaction_id"]
    assert books.api.ids("transactions") == {out["transaction_id"]}
    assert books.api.read(side.resource, row["id"]) == again


# RULE PAY-5
def test_settle_uses_an_account_set_before(books: Books, side: BillSide) -> None:
    row = books.bill(side, financial_account_id=books.account_id)
    out = books.api.patch(side.resource, row["id"], {"status": side.settled,
                                                     "payment_date": "2026-01-02"}).json()
    assert books.api.read("transactions", out["transaction_id"])["financial_account_id"] == \
        books.account_id


# RULE PAY-5, RULE G-12
@pytest.mark.parametrize("missing", ["payment_date", "financial_account_id"])
def test_settle_without_a_date_or_an_account_is_422(books: Books, side: BillSide,
                                                    missing: str) -> None:
    row = books.bill(side)
    body = {"status": side.settled, "payment_date": "2026-01-20",
            "financial_account_id": books.account_id, "interest_amount": "3.00"}
    del body[missing]
    problem(books.api.patch(side.resource, row["id"], body), 422, "validation_failed",
            field=missing)
    assert books.api.read(side.resource, row["id"]) == row
    assert count(books.api, "transactions") == 0


# RULE PAY-5
def test_settle_on_an_account_of_another_company_is_422(books: Books, side: BillSide,
                                                       fake: Faker) -> None:
    other = books.api.account(fake, books.api.company(fake)["id"])
    row = books.bill(side)
    r = books.api.patch(side.resource, row["id"], {"status": side.settled,
                                                   "payment_date": "2026-01-20",
                                                   "financial_account_id": other["id"]})
    problem(r, 422, "validation_failed", field="financial_account_id")
    assert count(books.api, "transactions") == 0


# RULE PAY-5, RULE PAY-7, RULE ACC-2
def test_edits_on_a_settled_row_keep_its_transaction_equal_to_nominal(books: Books,
                                                                      side: BillSide) -> None:
    sign = -1 if side.transaction_type == "debit" else 1
    row = books.bill(side, amount="100.00")
    trx_id = books.settle(side, row["id"])["transaction_id"]
    other = books.account2(balance="0.00")
    out = books.api.patch(side.resource, row["id"], {
        "amount": "80.00", "interest_amount": "10.00", "discount_amount": "5.00",
        "payment_date": "2026-02-01", "financial_account_id": other["id"]}).json()
    assert (out["nominal_amount"], out["transaction_id"]) == ("85.00", trx_id)
    trx = books.api.read("transactions", trx_id)
    assert (trx["amount"], trx["occurred_at"], trx["financial_account_id"]) == (
        "85.00", "2026-02-01", other["id"])
    assert books.balance() == Books.OPENING
    assert books.balance(other["id"]) == sign * Decimal("85.00")
    # A settled row keeps an account and a positive nominal amount.
    problem(books.api.patch(side.resource, row["id"], {"financial_account_id": None}), 422,
            "validation_failed", field="financial_account_id")
    problem(books.api.patch(side.resource, row["id"], {"discount_amount": "90.00"}), 422,
            "validation_failed", field="discount_amount")
    assert books.api.read("transactions", trx_id)["amount"] == "85.00"


# -- PAY-6: revert and cancel --------------------------------------------------------------


# RULE PAY-6
def test_revert_to_pending_removes_the_auto_transaction(books: Books, side: BillSide) -> None:
    row = books.bill(side)
    trx_id = books.settle(side, row["id"], interest_amount="1.00")["transaction_id"]
    out = books.api.patch(side.resource, row["id"], {"status": "pending"}).json()
    assert (out["status"], out["transaction_id"], out["payment_date"]) == ("pending", None, None)
    assert out["interest_amount"] == "1.00"
    problem(books.api.get("transactions", trx_id), 404, "not_found")
    assert books.balance() == Books.OPENING
    # Settling again makes a new transaction.
    assert books.settle(side, row["id"])["transaction_id"] not in (None, trx_id)


# RULE PAY-6
def test_cancel_only_from_pending(books: Books, side: BillSide) -> None:
    settled = books.bill(side)
    trx_id = books.settle(side, settled["id"])["transaction_id"]
    problem(books.api.patch(side.resource, settled["id"], {"status": "cancelled"}), 422,
            "validation_failed", field="status")
    after = books.api.read(side.resource, settled["id"])
    assert (after["status"], after["transaction_id"]) == (side.settled, trx_id)
    assert books.api.read("transactions", trx_id)["auto_created"] is True

    pending = books.bill(side)
    assert books.api.patch(side.resource, pending["id"],
                           {"status": "cancelled"}).json()["status"] == "cancelled"
    r = books.api.patch(side.resource, pending["id"], {
        "status": side.settled, "payment_date": "2026-01-20",
        "financial_account_id": books.account_id})
    problem(r, 422, "validation_failed", field="status")
    assert books.api.patch(side.resource, pending["id"],
                           {"status": "pending"}).json()["status"] == "pending"
    assert count(books.api, "transactions") == 1


# -- PAY-7 ---------------------------------------------------------------------------------


# RULE PAY-7, RULE G-7
def test_nominal_amount_is_derived_and_read_only(books: Books, side: BillSide) -> None:
    row = books.bill(side, amount="200.00", interest_amount="10.10", discount_amount="0.20",
                     nominal_amount="1.00")
    assert row["nominal_amount"] == "209.90"
    out = books.api.patch(side.resource, row["id"], {"nominal_amount": "5.00",
                                                     "discount_amount": "9.90"}).json()
    assert out["nominal_amount"] == "200.20"
    problem(books.api.post(side.resource, books.bill_body(side, amount="10.00",
                                                          discount_amount="10.01")),
            422, "validation_failed", field="discount_amount")


# -- PAY-8 ---------------------------------------------------------------------------------


# RULE PAY-8, RULE G-11, RULE PER-5
def test_list_rows_carry_names_and_counts_and_detail_the_children(
        books: Books, side: BillSide, fake: Faker) -> None:
    category = books.category("Aluguel", side.category_type)
    a, b = (books.cost_center(n, side.cost_center_type) for n in ("A", "B"))
    tax = books.tax("IRRF")
    person = books.api.person(fake, books.company_id, supplier=True, customer=True)
    row = books.bill(side, amount="10.00", person_id=person["id"], category_id=category["id"],
                     cost_center_id=a["id"],
                     cost_centers=[{"cost_center_id": a["id"], "percentage": "50"},
                                   {"cost_center_id": b["id"], "percentage": "50"}],
                     tax_charges=[{"tax_id": tax["id"], "amount": "0.15"}])
    upload = books.api.client.post("/v1/attachments", headers=books.api.headers,
                                   files={"file": ("nf.pdf", pdf_bytes(), "application/pdf")})
    assert upload.status_code == 201, upload.text
    link = books.api.client.post(f"/v1/attachments/{upload.json()['id']}/links",
                                 headers=books.api.headers,
                                 json={"type": side.resource[:-1], "id": row["id"]})
    assert link.status_code == 201, link.text
    assert books.api.delete("people", person["id"]).status_code == 204

    listed = books.api.rows(side.resource)[0]
    assert (listed["person_name"], listed["category_name"], listed["cost_center_name"]) == (
        person["name"], "Aluguel", "A")
    assert (listed["cost_center_allocations_count"], listed["tax_charges_count"],
            listed["attachments_count"]) == (2, 1, 1)
    assert (listed["nominal_amount"], listed["interest_amount"]) == ("10.00", "0.00")
    for extra in ("cost_center_allocations", "tax_charges", "reconciliation"):
        assert extra not in listed
    detail = books.api.read(side.resource, row["id"])
    assert {k: v for k, v in detail.items()
            if k not in ("cost_center_allocations", "tax_charges", "reconciliation")} == listed
    assert detail["reconciliation"] is None
    assert cents(detail["cost_center_allocations"]) == ["5.00", "5.00"]
    assert detail["tax_charges"][0]["tax_name"] == "IRRF"


# -- PAY-9 ---------------------------------------------------------------------------------


# RULE PAY-9, RULE G-10
def test_delete_is_hard_and_removes_the_auto_transaction(books: Books, side: BillSide) -> None:
    center = books.cost_center("Adm", side.cost_center_type)
    tax = books.tax("ISS")
    row = books.bill(side, amount="10.00", tax_charges=[{"tax_id": tax["id"], "amount": "1"}],
                     cost_centers=[{"cost_center_id": center["id"], "amount": "10.00"}])
    trx_id = books.settle(side, row["id"])["transaction_id"]
    manual = books.trx()
    assert books.api.delete(side.resource, row["id"]).status_code == 204
    problem(books.api.get(side.resource, row["id"]), 404, "not_found")
    problem(books.api.delete(side.resource, row["id"]), 404, "not_found")
    problem(books.api.get("transactions", trx_id), 404, "not_found")
    assert books.api.ids("transactions") == {manual["id"]}
    assert books.api.ids(side.resource) == set()
    # Its rateio and tax charges went with it: neither holds the catalogue rows any more.
    assert books.api.delete("cost_centers", center["id"]).status_code == 204
    assert books.api.delete("taxes", tax["id"]).status_code == 204


# RULE PAY-9
def test_delete_removes_one_row_of_a_series(books: Books, side: BillSide) -> None:
    first = books.bill(side, amount="90.00", total_installments=3)
    assert books.api.delete(side.resource, first["id"]).status_code == 204
    rest = books.api.rows(side.resource, group_id=first["group_id"])
    assert [r["installment_number"] for r in rest] == [2, 3]


# -- PAY-10 --------------------------------------------------------------------------------


# RULE PAY-10, RULE G-7
def test_patch_drops_response_only_fields(books: Books, side: BillSide) -> None:
    row = books.bill(side, total_installments=2, amount="20.00")
    r = books.api.patch(side.resource, row["id"], {
        "id": str(uuid.uuid4()), "workspace_id": str(uuid.uuid4()),
        "company_id": str(uuid.uuid4()), "created_at": "2020-01-01T00:00:00Z",
        "transaction_id": str(uuid.uuid4()), "is_reconciled": True, "tax_charges_count": 9,
        "cost_center_allocations_count": 9, "attachments_count": 9, "group_id": None,
        "installment_number": 7, "total_installments": 2, "recurrence_period": None,
        "nominal_amount": "1.00", "notes": "nova nota"})
    assert r.status_code == 200, r.text
    out = r.json()
    assert out["notes"] == "nova nota"
    assert {k: v for k, v in out.items() if k not in ("notes", "updated_at")} == {
        k: v for k, v in row.items() if k not in ("notes", "updated_at")}
    assert count(books.api, side.resource) == 2


# -- payment instructions: payables only ---------------------------------------------------


# RULE G-8, RULE G-9 (payment-instruction fields of the seed)
def test_payment_instruction_fields_are_stored_in_response_shape(books: Books) -> None:
    row = books.bill(PAYABLES, operation_kind="pix_payment", pix_key="11222333000181",
                     pix_key_type="cnpj", beneficiary_name="Papelaria Horizonte",
                     beneficiary_document="11.222.333/0001-81",
                     scheduled_to="2026-02-01T12:00:00Z", tax_kind="darf",
                     tax_data={"tax_code": "0561", "total_amount": 450,
                               "expire_at": "2026-02-20", "jam_percentage": 2.5})
    assert (row["operation_kind"], row["pix_key_type"], row["beneficiary_document"],
            row["scheduled_to"]) == ("pix_payment", "cnpj", "11222333000181", "2026-02-01")
    assert row["tax_data"] == {"tax_code": "0561", "total_amount": "450.00",
                               "expire_at": "2026-02-20", "jam_percentage": "2.50"}
    assert row["barcode"] is None
    out = books.api.patch("payables", row["id"], {"barcode": "3419",
                                                  "tax_data": {"tax_code": "1708"}}).json()
    assert (out["barcode"], out["tax_data"], out["pix_key"]) == (
        "3419", {"tax_code": "1708"}, "11222333000181")
    problem(books.api.post("payables", books.bill_body(PAYABLES,
                                                       beneficiary_document="11222333000180")),
            422, "validation_failed", field="beneficiary_document")


# -- filters and sort ----------------------------------------------------------------------


# RULE G-4 (PAY filters)
@pytest.mark.parametrize("param", sorted(bill_filters(PAYABLES)))
def test_each_payable_filter_selects_its_rows(books: Books, param: str) -> None:
    check_filter(books, PAYABLES, param)


# RULE G-4 (PAY default sort `due_date`)
def test_payables_sort_by_due_date_by_default(books: Books) -> None:
    check_default_sort(books, PAYABLES)


# -- catalogue guards fed by real payables and receivables ---------------------------------


# RULE CC-2
def test_a_cost_center_on_a_bill_or_its_rateio_is_in_use(books: Books, side: BillSide) -> None:
    center = books.cost_center("Adm", side.cost_center_type)
    books.bill(side, amount="10.00", cost_center_id=center["id"],
               cost_centers=[{"cost_center_id": center["id"], "amount": "10.00"}])
    body = problem(books.api.delete("cost_centers", center["id"]), 422, "in_use")
    assert body["usage"][side.resource] == 1 and body["usage"]["allocations"] == 1


# RULE TAX-3
def test_a_tax_charged_on_a_bill_is_in_use(books: Books, side: BillSide) -> None:
    tax = books.tax("INSS")
    row = books.bill(side, tax_charges=[{"tax_id": tax["id"], "amount": "11.00"}])
    body = problem(books.api.delete("taxes", tax["id"]), 422, "in_use")
    assert row["id"] in str(body["usage"][side.resource])


# RULE ACC-4
def test_an_account_named_by_a_bill_is_in_use(books: Books, side: BillSide) -> None:
    books.bill(side, financial_account_id=books.account_id)
    body = problem(books.api.delete("accounts", books.account_id), 422, "in_use")
    assert body["usage"][side.resource] == 1


# RULE CAT-4
def test_deleting_a_category_nulls_it_on_bills(books: Books, side: BillSide) -> None:
    category = books.category("Energia", side.category_type)
    row = books.bill(side, category_id=category["id"])
    assert books.api.delete("categories", category["id"]).status_code == 204
    out = books.api.read(side.resource, row["id"])
    assert (out["category_id"], out["category_name"]) == (None, None)


# RULE CMP-5
def test_a_company_with_bills_cannot_be_deleted(books: Books, side: BillSide) -> None:
    books.bill(side)
    body = problem(books.api.delete("companies", books.company_id), 409, "conflict")
    assert body["details"][side.resource] == 1 and body["details"]["people"] == 2
