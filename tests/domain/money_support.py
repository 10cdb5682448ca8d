"""Helpers of the money-flow tests (transactions, payables, receivables, balances), through HTTP.

`Books` is one company of tenant A with an account, a supplier and a customer; `BillSide` names
what differs between payables and receivables, so the mirrored rules run once per side.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from faker import Faker

from fixtures import factories
from tests.domain.support import Api


@dataclass(frozen=True)
class BillSide:
    """What differs between payables and receivables (RULES PAY / REC)."""

    resource: str
    settled: str  # the settled status word
    other_settled: str  # the other side's word, refused here
    transaction_type: str  # the auto transaction's type (PAY-5)
    role: str  # the person flag a row needs (PER-2)
    other_role: str
    category_type: str  # find-or-create polarity (PAY-1)
    cost_center_type: str

    def __str__(self) -> str:
        return self.resource


PAYABLES = BillSide("payables", "paid", "received", "debit", "is_supplier", "is_customer",
                    "debit", "cost")
RECEIVABLES = BillSide("receivables", "received", "paid", "credit", "is_customer",
                       "is_supplier", "credit", "revenue")
SIDES = (PAYABLES, RECEIVABLES)


class Books:
    """One company of the tenant with an account (opening balance 1000.00), a supplier and a
    customer, and shortcuts to the money rows the tests need."""

    OPENING = Decimal("1000.00")

    def __init__(self, api: Api, fake: Faker) -> None:
        self.api = api
        self.fake = fake
        self.company = api.company(fake)
        self.company_id: str = self.company["id"]
        self.account = api.account(fake, self.company_id, balance=str(self.OPENING))
        self.account_id: str = self.account["id"]
        self.supplier = api.person(fake, self.company_id, supplier=True, customer=False)
        self.customer = api.person(fake, self.company_id, supplier=False, customer=True)

    def person_id(self, side: BillSide) -> str:
        return str((self.supplier if side is PAYABLES else self.customer)["id"])

    def bill_body(self, side: BillSide, **overrides: Any) -> dict[str, Any]:
        make = factories.make_payable if side is PAYABLES else factories.make_receivable
        company_id = overrides.pop("company_id", self.company_id)
        person_id = overrides.pop("person_id", self.person_id(side))
        body = make(self.fake, company_id, person_id or "", **overrides)
        if person_id is None:
            body["person_id"] = None
        return body

    def bill(self, side: BillSide, **overrides: Any) -> dict[str, Any]:
        return self.api.create(side.resource, self.bill_body(side, **overrides))

    def trx_body(self, **overrides: Any) -> dict[str, Any]:
        company_id = overrides.pop("company_id", self.company_id)
        account_id = overrides.pop("financial_account_id", self.account_id)
        return factories.make_transaction(self.fake, company_id, account_id, **overrides)

    def trx(self, **overrides: Any) -> dict[str, Any]:
        return self.api.create("transactions", self.trx_body(**overrides))

    def settle(self, side: BillSide, bill_id: str, **fields: Any) -> dict[str, Any]:
        body = {"status": side.settled, "payment_date": "2026-01-20",
                "financial_account_id": self.account_id, **fields}
        r = self.api.patch(side.resource, bill_id, body)
        assert r.status_code == 200, r.text
        out: dict[str, Any] = r.json()
        return out

    def account2(self, **overrides: Any) -> dict[str, Any]:
        return self.api.account(self.fake, self.company_id, **overrides)

    def cost_center(self, name: str, type: str = "cost") -> dict[str, Any]:
        return self.api.create("cost_centers",
                               {"company_id": self.company_id, "name": name, "type": type})

    def category(self, name: str, type: str = "debit") -> dict[str, Any]:
        return self.api.create("categories",
                               {"company_id": self.company_id, "name": name, "type": type})

    def tax(self, name: str) -> dict[str, Any]:
        return self.api.create("taxes", {"name": name, "default_rate": "1.50"})

    def balance(self, account_id: str | None = None) -> Decimal:
        """RULE ACC-2: the live balance `GET /accounts/{id}` shows."""
        return Decimal(self.api.read("accounts", account_id or self.account_id)["balance"])


def count(api: Api, resource: str, **params: Any) -> int:
    return len(api.rows(resource, **params))


def bill_ledger(books: Books, side: BillSide) -> dict[str, str]:
    """Rows of `side` that differ in every list filter (names -> ids), for the filter tests:
    `b1` single and rich, `s1`/`s2` a 2-installment series (s1 settled), `b3` another
    company's, cancelled."""
    api, fake = books.api, books.fake
    category = books.category("Aluguel", side.category_type)
    center = books.cost_center("Adm", side.cost_center_type)
    other_account = books.account2()
    b1 = books.bill(side, amount="10.00", due_date="2026-03-01", competence_date="2026-03-01",
                    category_id=category["id"], cost_center_id=center["id"],
                    financial_account_id=books.account_id, payment_method_kind="pix",
                    document_number="111", ir_relevant=True)
    s1 = books.bill(side, amount="50.00", total_installments=2, due_date="2026-04-10",
                    competence_date="2026-04-01", payment_method_kind="bank_billet",
                    document_number="222")
    s2 = next(r for r in api.rows(side.resource, group_id=s1["group_id"])
              if r["installment_number"] == 2)
    books.settle(side, s1["id"], payment_date="2026-04-09",
                 financial_account_id=other_account["id"])
    company = api.company(fake)
    person = api.person(fake, company["id"], supplier=True, customer=True)
    make = factories.make_payable if side is PAYABLES else factories.make_receivable
    b3 = api.create(side.resource, make(fake, company["id"], person["id"], amount="10",
                                        due_date="2026-06-01", competence_date="2026-06-01",
                                        document_number="333", payment_method_kind="cash"))
    assert api.patch(side.resource, b3["id"], {"status": "cancelled"}).status_code == 200
    return {"b1": b1["id"], "s1": s1["id"], "s2": s2["id"], "b3": b3["id"],
            "company": books.company_id, "person": books.person_id(side),
            "category": category["id"], "center": center["id"], "account": books.account_id,
            "group": s1["group_id"]}


def bill_filters(side: BillSide) -> dict[str, tuple[Any, set[str]]]:
    """Every list filter of payables/receivables -> (value or ledger name, expected rows)."""
    return {
        "company_id": ("company", {"b1", "s1", "s2"}),
        "status": (side.settled, {"s1"}),
        "type": ("installment", {"s1", "s2"}),
        "person_id": ("person", {"b1", "s1", "s2"}),
        "category_id": ("category", {"b1"}),
        "cost_center_id": ("center", {"b1"}),
        "financial_account_id": ("account", {"b1"}),
        "payment_method_kind": ("pix", {"b1"}),
        "due_date": ("2026-05-10", {"s2"}),
        "payment_date": ("2026-04-09", {"s1"}),
        "competence_date": ("2026-03-01", {"b1"}),
        "amount": ("10", {"b1", "b3"}),
        "document_number": ("222", {"s1", "s2"}),
        "ir_relevant": ("true", {"b1"}),
        "group_id": ("group", {"s1", "s2"}),
    }


def check_filter(books: Books, side: BillSide, param: str) -> None:
    ledger = bill_ledger(books, side)
    value, expected = bill_filters(side)[param]
    got = books.api.ids(side.resource, **{param: ledger.get(value, value)})
    assert got == {ledger[name] for name in expected}, param
    # The other statuses, so `status` is proved for every value.
    if param == "status":
        assert books.api.ids(side.resource, status="pending") == {ledger["b1"], ledger["s2"]}
        assert books.api.ids(side.resource, status="cancelled") == {ledger["b3"]}


def check_default_sort(books: Books, side: BillSide) -> None:
    ledger = bill_ledger(books, side)
    assert [r["id"] for r in books.api.rows(side.resource)] == [
        ledger[n] for n in ("b1", "s1", "s2", "b3")]
    assert [r["id"] for r in books.api.rows(side.resource, sort="-due_date")] == [
        ledger[n] for n in ("b3", "s2", "s1", "b1")]
