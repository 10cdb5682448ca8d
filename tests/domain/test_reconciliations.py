"""Reconciliation groups and transfers as data: made by the admin surface and the demo seed,
shown by the public API (`is_reconciled`, `reconciliation`, `transfer_id`); deleting a
reconciled bill dissolves its group (RULE PAY-9)."""

from __future__ import annotations

import uuid
from decimal import Decimal
from typing import Any

import pytest
from faker import Faker

from fixtures import tokens
from tests.domain.money_support import PAYABLES, RECEIVABLES, BillSide, Books
from tests.domain.support import Api, problem


@pytest.fixture
def books(api_a: Api, fake: Faker) -> Books:
    return Books(api_a, fake)


def reconcile(client: Any, **body: Any) -> Any:
    return client.post("/__mock/reconcile", json=body)


def settled(books: Books, side: BillSide, amount: str = "100.00") -> dict[str, Any]:
    row = books.bill(side, amount=amount)
    return books.settle(side, row["id"])


@pytest.mark.rule("PAY-8")
# RULE PAY-8: the detail carries the group; the list row says `is_reconciled`.
@pytest.mark.parametrize("side", [PAYABLES, RECEIVABLES], ids=str)
def test_a_reconciled_bill_shows_its_group(books: Books, side: BillSide) -> None:
    bill = settled(books, side)
    assert books.api.read(side.resource, bill["id"])["reconciliation"] is None
    r = reconcile(books.api.client, **{f"{side.resource[:-1]}_ids": [bill["id"]]})
    assert r.status_code == 201, r.text
    group = r.json()
    detail = books.api.read(side.resource, bill["id"])
    assert detail["is_reconciled"] is True
    assert detail["reconciliation"] == {"id": group["id"],
                                        "transaction_ids": [bill["transaction_id"]],
                                        "reconciled_at": group["reconciled_at"]}
    listed = {r["id"]: r for r in books.api.rows(side.resource)}
    assert listed[bill["id"]]["is_reconciled"] is True


@pytest.mark.rule("PAY-9")
# RULE PAY-9: "Dissolves any reconciliation the payable is part of".
def test_deleting_a_reconciled_bill_dissolves_the_group(books: Books) -> None:
    first, second = settled(books, PAYABLES), settled(books, PAYABLES, "30.00")
    manual = books.trx(type="debit", amount="5.00")
    group = reconcile(books.api.client, payable_ids=[first["id"], second["id"]],
                      transaction_ids=[first["transaction_id"], second["transaction_id"],
                                       manual["id"]]).json()
    assert sorted(group["transaction_ids"]) == sorted(
        [first["transaction_id"], second["transaction_id"], manual["id"]])
    assert books.api.delete("payables", first["id"]).status_code == 204
    after = books.api.read("payables", second["id"])
    assert (after["is_reconciled"], after["reconciliation"]) == (False, None)
    # The manual transaction stays (PAY-9) and is free to be reconciled again.
    assert books.api.read("transactions", manual["id"])["id"] == manual["id"]
    again = reconcile(books.api.client, payable_ids=[second["id"]],
                      transaction_ids=[manual["id"]])
    assert again.status_code == 201, again.text


def test_deleting_a_reconciled_transaction_dissolves_the_group(books: Books) -> None:
    bill = books.bill(PAYABLES, amount="5.00")
    manual = books.trx(type="debit", amount="5.00")
    reconcile(books.api.client, payable_ids=[bill["id"]], transaction_ids=[manual["id"]])
    assert books.api.delete("transactions", manual["id"]).status_code == 204
    assert books.api.read("payables", bill["id"])["reconciliation"] is None


def test_reconcile_refuses_what_cannot_be_a_group(books: Books, fake: Faker,
                                                  api_b: Api) -> None:
    client = books.api.client
    bill = settled(books, PAYABLES)
    pending = books.bill(PAYABLES, amount="10.00")
    problem(reconcile(client, payable_ids=[pending["id"]]), 422, "validation_failed",
            field="transaction_ids")  # nothing paid it: no transaction to match
    problem(reconcile(client, transaction_ids=[bill["transaction_id"]]), 422,
            "validation_failed", field="payable_ids")
    problem(reconcile(client, payable_ids=[str(uuid.uuid4())]), 422, "validation_failed",
            field="payable_ids[0]")
    other = Books(api_b, fake)  # tenant B's bill is missing for tenant A (G-3)
    foreign = settled(other, PAYABLES)
    problem(reconcile(client, payable_ids=[foreign["id"]]), 422, "validation_failed",
            field="payable_ids[0]")
    other_company = books.api.company(fake)
    account = books.api.account(fake, other_company["id"])
    elsewhere = books.api.create("transactions", {
        "company_id": other_company["id"], "financial_account_id": account["id"],
        "type": "debit", "amount": "1.00", "occurred_at": "2026-01-10"})
    problem(reconcile(client, payable_ids=[bill["id"]], transaction_ids=[elsewhere["id"]]),
            422, "validation_failed", field="transaction_ids")
    assert reconcile(client, payable_ids=[bill["id"]]).status_code == 201
    problem(reconcile(client, payable_ids=[bill["id"]]), 409, "conflict")
    assert client.post("/__mock/reconcile", content=b"[", headers={
        "Content-Type": "application/json"}).status_code == 400


# -- transfers --------------------------------------------------------------------------------


def test_a_transfer_is_two_transactions_sharing_a_transfer_id(books: Books) -> None:
    savings = books.account2(balance="0.00")
    r = books.api.client.post("/__mock/transfers", json={
        "from_account_id": books.account_id, "to_account_id": savings["id"],
        "amount": "250.00", "occurred_at": "2026-01-12"})
    assert r.status_code == 201, r.text
    out = r.json()
    debit, credit = out["transactions"]
    assert debit["transfer_id"] == credit["transfer_id"] == out["transfer_id"]
    assert (debit["type"], debit["financial_account_id"]) == ("debit", books.account_id)
    assert (credit["type"], credit["financial_account_id"]) == ("credit", savings["id"])
    assert books.api.read("transactions", credit["id"]) == credit
    # RULE ACC-2: the money moved.
    assert books.balance() == Books.OPENING - Decimal("250.00")
    assert books.balance(savings["id"]) == Decimal("250.00")
    # One movement: deleting either leg deletes both.
    assert books.api.delete("transactions", credit["id"]).status_code == 204
    problem(books.api.get("transactions", debit["id"]), 404, "not_found")
    assert books.balance() == Books.OPENING


def test_a_transfer_needs_two_accounts_of_the_workspace(books: Books) -> None:
    post = books.api.client.post
    body = {"from_account_id": books.account_id, "to_account_id": books.account_id,
            "amount": "1.00", "occurred_at": "2026-01-12"}
    problem(post("/__mock/transfers", json=body), 422, "validation_failed",
            field="to_account_id")
    problem(post("/__mock/transfers", json=body | {"to_account_id": str(uuid.uuid4())}), 422,
            "validation_failed", field="to_account_id")
    problem(post("/__mock/transfers", json=body | {"amount": "0"}), 422, "validation_failed")


# -- the demo seed ----------------------------------------------------------------------------


def test_the_demo_seed_has_reconciled_bills_and_transfers(api_a: Api) -> None:
    seeded = api_a.client.post("/__mock/seed", json={"tenant": tokens.TENANT_A})
    assert seeded.status_code == 200, seeded.text
    for resource in ("payables", "receivables"):
        reconciled = [r for r in api_a.rows(resource) if r["is_reconciled"]]
        assert len(reconciled) >= 2, resource
        for row in reconciled:
            group = api_a.read(resource, row["id"])["reconciliation"]
            assert group["transaction_ids"], (resource, row["id"])
            for trx_id in group["transaction_ids"]:
                assert api_a.read("transactions", trx_id)["company_id"] == row["company_id"]
    legs: dict[str, list[dict[str, Any]]] = {}
    for row in api_a.rows("transactions"):
        if row["transfer_id"]:
            legs.setdefault(row["transfer_id"], []).append(row)
    assert len(legs) == 2
    for pair in legs.values():
        assert sorted(t["type"] for t in pair) == ["credit", "debit"]
        assert len({t["amount"] for t in pair}) == 1
