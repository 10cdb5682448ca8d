"""Transactions: RULES TRX-1 … TRX-5, their filters and default sort, and the live balance ACC-2,
through HTTP; plus the catalogue guards (ACC-4, CMP-5, CAT-4, CC-2) fed by real transactions."""

from __future__ import annotations

import uuid
from decimal import Decimal
from typing import Any

import pytest
from faker import Faker

from tests.domain.money_support import PAYABLES, RECEIVABLES, Books, count
from tests.domain.support import Api, problem


@pytest.fixture
def books(api_a: Api, fake: Faker) -> Books:
    return Books(api_a, fake)


# -- TRX-1 ---------------------------------------------------------------------------------


# RULE TRX-1, RULE G-8, RULE G-9
def test_create_posts_a_transaction(books: Books) -> None:
    row = books.trx(amount=1234.5, type="credit", occurred_at="2026-01-10T15:30:00Z",
                    description="Pix recebido")
    assert (row["amount"], row["type"], row["occurred_at"]) == ("1234.50", "credit", "2026-01-10")
    assert (row["company_id"], row["financial_account_id"]) == (books.company_id,
                                                                books.account_id)
    assert (row["auto_created"], row["transfer_id"], row["is_pending"]) == (False, None, False)
    assert books.api.read("transactions", row["id"]) == row


# RULE TRX-1
@pytest.mark.parametrize("missing", ["company_id", "financial_account_id", "amount", "type",
                                     "occurred_at"])
def test_create_requires_the_core_fields(books: Books, missing: str) -> None:
    body = books.trx_body()
    del body[missing]
    problem(books.api.post("transactions", body), 422, "validation_failed", field=missing)
    assert count(books.api, "transactions") == 0


# RULE TRX-1, RULE G-8
@pytest.mark.parametrize("amount", ["0", "0.00", 0, "-5.00", -1, "1.234"])
def test_amount_must_be_positive_cents(books: Books, amount: Any) -> None:
    problem(books.api.post("transactions", books.trx_body(amount=amount)), 422,
            "validation_failed", field="amount")


# RULE TRX-1
def test_type_is_debit_or_credit(books: Books) -> None:
    problem(books.api.post("transactions", books.trx_body(type="transfer")), 422,
            "validation_failed", field="type")


# RULE TRX-1, RULE G-3
def test_account_must_belong_to_the_company(books: Books, api_b: Api, fake: Faker) -> None:
    other_company = books.api.company(fake)
    other_account = books.api.account(fake, other_company["id"])
    body = books.trx_body(financial_account_id=other_account["id"])
    problem(books.api.post("transactions", body), 422, "validation_failed",
            field="financial_account_id")
    foreign_company = api_b.company(fake)
    foreign_account = api_b.account(fake, foreign_company["id"])
    problem(books.api.post("transactions",
                           books.trx_body(financial_account_id=foreign_account["id"])),
            422, "validation_failed", field="financial_account_id")
    problem(books.api.post("transactions", books.trx_body(company_id=foreign_company["id"])),
            422, "validation_failed", field="company_id")
    assert count(books.api, "transactions") == 0


# -- TRX-2 ---------------------------------------------------------------------------------


# RULE TRX-2
@pytest.mark.parametrize(("kind", "role", "category_type", "cost_center_type"), [
    ("debit", "is_supplier", "debit", "cost"),
    ("credit", "is_customer", "credit", "revenue"),
])
def test_names_find_or_create_with_the_polarity_of_the_type(
        books: Books, kind: str, role: str, category_type: str, cost_center_type: str) -> None:
    names = {"person_name": "Gráfica Aurora", "category_name": "Impressos",
             "cost_center_name": "Marketing"}
    first = books.trx(type=kind, **names)
    person = books.api.read("people", first["person_id"])
    assert person["name"] == "Gráfica Aurora" and person[role] is True
    assert books.api.read("categories", first["category_id"])["type"] == category_type
    assert books.api.read("cost_centers", first["cost_center_id"])["type"] == cost_center_type
    assert (first["person_name"], first["category_name"], first["cost_center_name"]) == (
        "Gráfica Aurora", "Impressos", "Marketing")
    # The same names again (any case) find the rows made the first time.
    again = books.trx(type=kind, person_name="gráfica aurora", category_name="IMPRESSOS",
                      cost_center_name="marketing")
    for ref in ("person_id", "category_id", "cost_center_id"):
        assert again[ref] == first[ref]
    assert count(books.api, "categories") == 1 and count(books.api, "cost_centers") == 1


# RULE TRX-2
def test_names_never_resolve_to_the_other_polarity(books: Books) -> None:
    credit = books.category("Serviços", "credit")
    revenue = books.cost_center("Loja", "revenue")
    row = books.trx(type="debit", category_name="Serviços", cost_center_name="Loja",
                    person_name=books.customer["name"])
    assert row["category_id"] != credit["id"]
    assert books.api.read("categories", row["category_id"])["type"] == "debit"
    assert row["cost_center_id"] != revenue["id"]
    assert books.api.read("cost_centers", row["cost_center_id"])["type"] == "cost"
    assert row["person_id"] != books.customer["id"]
    assert books.api.read("people", row["person_id"])["is_supplier"] is True


# RULE TRX-2, RULE G-12
@pytest.mark.parametrize("ref", ["person", "category", "cost_center"])
def test_id_and_name_together_is_400(books: Books, ref: str) -> None:
    existing = {"person": books.supplier, "category": books.category("Aluguel"),
                "cost_center": books.cost_center("Adm")}[ref]
    body = books.trx_body(type="debit", **{f"{ref}_id": existing["id"],
                                           f"{ref}_name": "Outro nome"})
    problem(books.api.post("transactions", body), 400, "ambiguous_reference",
            field=f"{ref}_name")
    row = books.trx()
    r = books.api.patch("transactions", row["id"], {f"{ref}_id": existing["id"],
                                                    f"{ref}_name": "Outro nome"})
    problem(r, 400, "ambiguous_reference", field=f"{ref}_name")
    assert books.api.read("transactions", row["id"]) == row
    assert count(books.api, "people") == 2 and count(books.api, "transactions") == 1


# RULE TRX-2, RULE G-12
def test_a_refused_create_finds_or_creates_nothing(books: Books, fake: Faker) -> None:
    other_account = books.api.account(fake, books.api.company(fake)["id"])
    body = books.trx_body(person_name="Fornecedor Novo", category_name="Nova",
                          financial_account_id=other_account["id"])
    problem(books.api.post("transactions", body), 422, "validation_failed",
            field="financial_account_id")
    body = books.trx_body(person_name="Fornecedor Novo", category_id=str(uuid.uuid4()))
    problem(books.api.post("transactions", body), 422, "validation_failed", field="category_id")
    assert count(books.api, "people") == 2 and count(books.api, "categories") == 0


# RULE TRX-2, RULE G-3
def test_references_of_another_company_are_422(books: Books, fake: Faker) -> None:
    other = books.api.company(fake)
    stranger = books.api.person(fake, other["id"])
    problem(books.api.post("transactions", books.trx_body(person_id=stranger["id"])),
            422, "validation_failed", field="person_id")


# -- TRX-3 ---------------------------------------------------------------------------------


# RULE TRX-3, RULE G-7
def test_server_controlled_fields_are_ignored_on_create(books: Books) -> None:
    row = books.trx(auto_created=True, transfer_id=str(uuid.uuid4()), id=str(uuid.uuid4()),
                    workspace_id=str(uuid.uuid4()), created_at="2020-01-01T00:00:00Z")
    assert (row["auto_created"], row["transfer_id"]) == (False, None)
    assert books.api.read("transactions", row["id"])["created_at"] != "2020-01-01T00:00:00Z"


# RULE TRX-3, RULE G-7
def test_patch_drops_read_only_fields_and_writes_the_rest(books: Books, fake: Faker) -> None:
    row = books.trx(type="debit", amount="10.00", notes="antes")
    other_company = books.api.company(fake)
    r = books.api.patch("transactions", row["id"], {
        "id": str(uuid.uuid4()), "workspace_id": str(uuid.uuid4()),
        "company_id": other_company["id"], "financial_account_id": books.account2()["id"],
        "auto_created": True, "transfer_id": str(uuid.uuid4()),
        "created_at": "2020-01-01T00:00:00Z", "amount": "12.34", "description": "depois",
    })
    assert r.status_code == 200, r.text
    out = r.json()
    for kept in ("id", "workspace_id", "company_id", "financial_account_id", "auto_created",
                 "transfer_id", "created_at", "notes", "type", "occurred_at"):
        assert out[kept] == row[kept], kept
    assert (out["amount"], out["description"]) == ("12.34", "depois")
    assert books.api.read("transactions", row["id"]) == out


# -- TRX-4 ---------------------------------------------------------------------------------


# RULE TRX-4, RULE PAY-6
def test_an_auto_created_transaction_cannot_be_deleted(books: Books) -> None:
    bill = books.bill(PAYABLES, amount="100.00")
    trx_id = books.settle(PAYABLES, bill["id"])["transaction_id"]
    problem(books.api.delete("transactions", trx_id), 422, "validation_failed")
    assert books.api.read("transactions", trx_id)["auto_created"] is True
    books.api.patch("payables", bill["id"], {"status": "pending"})
    problem(books.api.get("transactions", trx_id), 404, "not_found")


# -- TRX-5 ---------------------------------------------------------------------------------


@pytest.mark.parametrize(("side", "field", "value"), [
    (PAYABLES, "amount", "1.00"), (PAYABLES, "type", "credit"), (PAYABLES, "is_pending", True),
    (PAYABLES, "occurred_at", "2026-02-01"), (RECEIVABLES, "amount", "999.99"),
    (RECEIVABLES, "type", "debit"),
])
@pytest.mark.rule("TRX-5")
# RULE TRX-5, RULE PAY-5
def test_money_fields_of_an_auto_transaction_belong_to_its_source(
        books: Books, side: Any, field: str, value: Any) -> None:
    bill = books.bill(side, amount="103.00")
    settled = books.settle(side, bill["id"])
    trx_id = settled["transaction_id"]
    before, balance = books.api.read("transactions", trx_id), books.balance()
    body = problem(books.api.patch("transactions", trx_id, {field: value, "notes": "x"}), 422,
                   "owned_by_source", field=field)
    assert body["source"] == {"type": side.resource[:-1], "id": bill["id"]}
    assert bill["id"] in body["detail"]
    # Nothing was written: not the money field, not the descriptive one sent with it.
    assert books.api.read("transactions", trx_id) == before
    assert books.balance() == balance
    assert books.api.read(side.resource, bill["id"])["status"] == side.settled


@pytest.mark.rule("TRX-5")
# RULE TRX-5
def test_descriptive_fields_of_an_auto_transaction_stay_editable(books: Books) -> None:
    bill = books.bill(PAYABLES, amount="103.00")
    trx_id = books.settle(PAYABLES, bill["id"])["transaction_id"]
    before = books.api.read("transactions", trx_id)
    center = books.cost_center("Obras")
    # The current money values may be sent back unchanged (a client PATCHing what it read).
    r = books.api.patch("transactions", trx_id, {
        "description": "Aluguel pago", "notes": "conferido", "classified": True,
        "bank_description": "PAG BOLETO", "cost_center_id": center["id"],
        "amount": before["amount"], "type": before["type"], "is_pending": False,
        "occurred_at": before["occurred_at"],
        "financial_account_id": before["financial_account_id"]})
    assert r.status_code == 200, r.text
    out = r.json()
    assert (out["description"], out["notes"], out["classified"], out["cost_center_id"]) == (
        "Aluguel pago", "conferido", True, center["id"])
    for kept in ("amount", "type", "is_pending", "occurred_at", "financial_account_id"):
        assert out[kept] == before[kept], kept
    assert books.balance() == Books.OPENING - Decimal("103.00")
    # Its account is a money field too (TRX-5 is more specific than TRX-3's drop): refused.
    moved = books.api.patch("transactions", trx_id,
                            {"financial_account_id": books.account2()["id"]})
    assert moved.status_code == 422 and moved.json()["code"] == "owned_by_source", moved.text
    assert books.api.read("transactions", trx_id)["financial_account_id"] == \
        before["financial_account_id"]


@pytest.mark.rule("TRX-5")
# RULE TRX-5: a manual transaction keeps its money fields editable.
def test_a_manual_transaction_money_fields_stay_editable(books: Books) -> None:
    row = books.trx(type="debit", amount="10.00")
    r = books.api.patch("transactions", row["id"], {"amount": "11.00", "type": "credit",
                                                    "is_pending": True})
    assert r.status_code == 200, r.text
    assert (r.json()["amount"], r.json()["type"], r.json()["is_pending"]) == (
        "11.00", "credit", True)


# RULE TRX-4, RULE G-10
def test_a_manual_transaction_is_deleted_then_404(books: Books) -> None:
    row = books.trx()
    assert books.api.delete("transactions", row["id"]).status_code == 204
    problem(books.api.get("transactions", row["id"]), 404, "not_found")
    problem(books.api.delete("transactions", row["id"]), 404, "not_found")
    assert count(books.api, "transactions") == 0


# -- filters and sort ----------------------------------------------------------------------


@pytest.fixture
def ledger(books: Books, fake: Faker) -> dict[str, Any]:
    """Three transactions that differ in every filtered field."""
    api = books.api
    person = books.supplier
    category = books.category("Aluguel")
    center = books.cost_center("Adm")
    other_account = books.account2()
    other_company = api.company(fake)
    foreign_account = api.account(fake, other_company["id"])
    t1 = books.trx(type="debit", amount="10.00", occurred_at="2026-01-05",
                   person_id=person["id"], category_id=category["id"],
                   cost_center_id=center["id"])
    t2 = books.trx(type="credit", amount="20.00", occurred_at="2026-01-06",
                   financial_account_id=other_account["id"])
    t3 = api.create("transactions", {
        "company_id": other_company["id"], "financial_account_id": foreign_account["id"],
        "type": "debit", "amount": "10", "occurred_at": "2026-01-07"})
    return {"t1": t1["id"], "t2": t2["id"], "t3": t3["id"], "company": books.company_id,
            "account": books.account_id, "person": person["id"], "category": category["id"],
            "center": center["id"]}


FILTERS = {
    "company_id": ("company", {"t1", "t2"}),
    "type": ("debit", {"t1", "t3"}),
    "financial_account_id": ("account", {"t1"}),
    "person_id": ("person", {"t1"}),
    "category_id": ("category", {"t1"}),
    "cost_center_id": ("center", {"t1"}),
    "occurred_at": ("2026-01-06", {"t2"}),
    "amount": ("10", {"t1", "t3"}),
}


# RULE G-4 (TRX filters)
@pytest.mark.parametrize("param", sorted(FILTERS))
def test_each_filter_selects_its_rows(books: Books, ledger: dict[str, Any], param: str) -> None:
    value, expected = FILTERS[param]
    assert books.api.ids("transactions", **{param: ledger.get(value, value)}) == {
        ledger[name] for name in expected}


# RULE G-4 (TRX default sort)
def test_default_sort_is_newest_occurred_at_first(books: Books, ledger: dict[str, Any]) -> None:
    rows = books.api.rows("transactions")
    assert [r["id"] for r in rows] == [ledger["t3"], ledger["t2"], ledger["t1"]]
    ascending = books.api.rows("transactions", sort="occurred_at")
    assert [r["id"] for r in ascending] == [ledger["t1"], ledger["t2"], ledger["t3"]]


# -- ACC-2: the live balance ---------------------------------------------------------------


# RULE ACC-2
def test_balance_is_seed_plus_posted_credits_minus_debits(books: Books) -> None:
    other = books.account2(balance="50.00")
    books.trx(type="credit", amount="200.50")
    books.trx(type="debit", amount="50.25")
    books.trx(type="credit", amount="999.00", is_pending=True)
    books.trx(type="debit", amount="7.00", financial_account_id=other["id"])
    assert books.balance() == Decimal("1150.25")
    assert books.balance(other["id"]) == Decimal("43.00")
    assert books.api.read("accounts", books.account_id)["balance"] == "1150.25"
    # Lists omit the balance; only GET /accounts/{id} shows it.
    assert all("balance" not in row for row in books.api.rows("accounts"))


# RULE ACC-2
def test_balance_follows_patches_and_deletes(books: Books) -> None:
    row = books.trx(type="credit", amount="100.00")
    assert books.balance() == Decimal("1100.00")
    books.api.patch("transactions", row["id"], {"amount": "40.00"})
    assert books.balance() == Decimal("1040.00")
    books.api.patch("transactions", row["id"], {"type": "debit"})
    assert books.balance() == Decimal("960.00")
    books.api.patch("transactions", row["id"], {"is_pending": True})
    assert books.balance() == Decimal("1000.00")
    books.api.patch("transactions", row["id"], {"is_pending": False})
    assert books.balance() == Decimal("960.00")
    books.api.delete("transactions", row["id"])
    assert books.balance() == Decimal("1000.00")


# RULE ACC-2, RULE PAY-5, RULE PAY-6
def test_balance_includes_auto_created_transactions(books: Books) -> None:
    payable = books.bill(PAYABLES, amount="100.00")
    receivable = books.bill(RECEIVABLES, amount="300.00")
    books.settle(PAYABLES, payable["id"], interest_amount="5.00", discount_amount="2.00")
    assert books.balance() == Decimal("897.00")
    books.settle(RECEIVABLES, receivable["id"])
    assert books.balance() == Decimal("1197.00")
    books.api.patch("payables", payable["id"], {"status": "pending"})
    assert books.balance() == Decimal("1300.00")
    assert books.api.delete("receivables", receivable["id"]).status_code == 204
    assert books.balance() == Decimal("1000.00")


# -- catalogue guards fed by real transactions ---------------------------------------------


# RULE ACC-4
def test_an_account_with_a_transaction_is_in_use(books: Books) -> None:
    books.trx()
    body = problem(books.api.delete("accounts", books.account_id), 422, "in_use")
    assert body["usage"] == {"transactions": 1, "payables": 0, "receivables": 0}


# RULE CMP-5
def test_a_company_with_money_rows_cannot_be_deleted(books: Books) -> None:
    books.trx()
    books.trx()
    books.bill(PAYABLES)
    body = problem(books.api.delete("companies", books.company_id), 409, "conflict")
    assert body["details"] == {"transactions": 2, "payables": 1, "receivables": 0, "people": 2}


# RULE CAT-4
def test_deleting_a_category_nulls_it_on_transactions(books: Books) -> None:
    category = books.category("Energia")
    row = books.trx(category_id=category["id"])
    assert books.api.delete("categories", category["id"]).status_code == 204
    out = books.api.read("transactions", row["id"])
    assert (out["category_id"], out["category_name"]) == (None, None)


# RULE CC-2
def test_a_cost_center_on_a_transaction_is_in_use(books: Books) -> None:
    center = books.cost_center("Adm")
    books.trx(cost_center_id=center["id"])
    body = problem(books.api.delete("cost_centers", center["id"]), 422, "in_use")
    assert body["usage"]["transactions"] == 1
