"""The live balance against a plain ledger (RULE ACC-2), as a Hypothesis state machine.

Any sequence of transaction creates / patches / deletes, patches of auto-created transactions
(TRX-5: refused when they touch a money field) and payable / receivable creates, settlements,
edits, reverts, cancels and deletes — through HTTP — leaves every account's
`GET /accounts/{id}` balance equal to `opening seed + Σ credits − Σ debits` of a plain-Python
model of the posted transactions, auto-created ones (PAY-5) included.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Any

import pytest
from hypothesis import settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    Bundle,
    RuleBasedStateMachine,
    consumes,
    invariant,
    rule,
    run_state_machine_as_test,
)

from mock.store import Store

CENT = Decimal("0.01")
OPENINGS = (Decimal("1000.00"), Decimal("0.00"))
SIDES = {"payables": ("paid", "debit"), "receivables": ("received", "credit")}

# Money as the API takes it (G-8): a two-place string or a JSON number, exact either way.
cents = st.integers(min_value=1, max_value=2_000_000).map(lambda c: Decimal(c) * CENT)
small_cents = st.integers(min_value=0, max_value=5_000).map(lambda c: Decimal(c) * CENT)
as_json = st.sampled_from(["string", "number"])
account_index = st.integers(min_value=0, max_value=len(OPENINGS) - 1)


def wire(amount: Decimal, form: str) -> Any:
    return f"{amount:.2f}" if form == "string" else float(amount)


@dataclass
class ManualTrx:
    id: str
    account: int
    type: str
    amount: Decimal
    pending: bool


@dataclass
class ModelBill:
    id: str
    resource: str
    amount: Decimal
    interest: Decimal
    discount: Decimal
    account: int | None
    status: str = "pending"

    @property
    def nominal(self) -> Decimal:
        return self.amount + self.interest - self.discount

    @property
    def settled(self) -> bool:
        return self.status == SIDES[self.resource][0]


class LedgerBooks(RuleBasedStateMachine):
    """The mock and a plain ledger side by side; every rule updates both."""

    manual = Bundle("manual")
    bills = Bundle("bills")

    def __init__(self, client: Any, store: Store, headers: dict[str, str]) -> None:
        super().__init__()
        store.reset()
        self.client, self.headers = client, headers
        company = self.call("POST", "/companies", 201,
                            {"name": "Ledger Ltda", "cnpj": "11222333000181"})
        self.company_id = company["id"]
        self.accounts = [
            self.call("POST", "/accounts", 201, {"company_id": self.company_id,
                                                 "name": f"Conta {n}", "type": "checking",
                                                 "balance": f"{opening:.2f}"})["id"]
            for n, opening in enumerate(OPENINGS)]
        self.person_id = self.call("POST", "/people", 201, {
            "company_id": self.company_id, "name": "Parceiro", "is_supplier": True,
            "is_customer": True})["id"]
        self.trx: dict[str, ManualTrx] = {}
        self.bill_rows: dict[str, ModelBill] = {}

    def call(self, method: str, path: str, status: int, body: Any = None) -> Any:
        r = self.client.request(method, f"/v1{path}", headers=self.headers, json=body)
        assert r.status_code == status, (method, path, body, r.status_code, r.text)
        return r.json() if r.content else None

    # -- transactions ------------------------------------------------------------------

    @rule(target=manual, account=account_index, kind=st.sampled_from(["debit", "credit"]),
          amount=cents, form=as_json, pending=st.booleans())
    def create_transaction(self, account: int, kind: str, amount: Decimal, form: str,
                           pending: bool) -> str:
        row = self.call("POST", "/transactions", 201, {
            "company_id": self.company_id, "financial_account_id": self.accounts[account],
            "type": kind, "amount": wire(amount, form), "occurred_at": "2026-01-10",
            "is_pending": pending})
        self.trx[row["id"]] = ManualTrx(row["id"], account, kind, amount, pending)
        return str(row["id"])

    @rule(trx_id=manual, amount=st.none() | cents, kind=st.none() | st.sampled_from(
        ["debit", "credit"]), pending=st.none() | st.booleans())
    def patch_transaction(self, trx_id: str, amount: Decimal | None, kind: str | None,
                          pending: bool | None) -> None:
        body: dict[str, Any] = {}
        model = self.trx[trx_id]
        if amount is not None:
            body["amount"], model.amount = f"{amount:.2f}", amount
        if kind is not None:
            body["type"], model.type = kind, kind
        if pending is not None:
            body["is_pending"], model.pending = pending, pending
        out = self.call("PATCH", f"/transactions/{trx_id}", 200, body)
        assert (Decimal(out["amount"]), out["type"]) == (model.amount, model.type)

    @rule(trx_id=consumes(manual))
    def delete_transaction(self, trx_id: str) -> None:
        self.call("DELETE", f"/transactions/{trx_id}", 204)
        self.call("DELETE", f"/transactions/{trx_id}", 404)
        del self.trx[trx_id]

    # -- payables and receivables ------------------------------------------------------

    @rule(target=bills, resource=st.sampled_from(sorted(SIDES)), amount=cents,
          interest=small_cents, discount=small_cents, account=st.none() | account_index)
    def create_bill(self, resource: str, amount: Decimal, interest: Decimal, discount: Decimal,
                    account: int | None) -> str:
        body: dict[str, Any] = {
            "company_id": self.company_id, "person_id": self.person_id, "description": "NF",
            "amount": f"{amount:.2f}", "due_date": "2026-02-10",
            "interest_amount": f"{interest:.2f}", "discount_amount": f"{discount:.2f}"}
        if account is not None:
            body["financial_account_id"] = self.accounts[account]
        if amount + interest - discount < 0:
            # RULE PAY-7: a negative nominal amount is refused, and nothing is written.
            self.call("POST", f"/{resource}", 422, body)
            return "00000000-0000-4000-8000-000000000000"
        row = self.call("POST", f"/{resource}", 201, body)
        self.bill_rows[row["id"]] = ModelBill(row["id"], resource, amount, interest, discount,
                                              account)
        return str(row["id"])

    def _bill(self, bill_id: str) -> ModelBill | None:
        return self.bill_rows.get(bill_id)

    @rule(bill_id=bills, account=st.none() | account_index)
    def settle(self, bill_id: str, account: int | None) -> None:
        bill = self._bill(bill_id)
        if bill is None:
            return
        settled_word, _ = SIDES[bill.resource]
        body: dict[str, Any] = {"status": settled_word, "payment_date": "2026-01-20"}
        if account is not None:
            body["financial_account_id"] = self.accounts[account]
        target = account if account is not None else bill.account
        ok = bill.status != "cancelled" and target is not None and bill.nominal > 0
        out = self.call("PATCH", f"/{bill.resource}/{bill_id}", 200 if ok else 422, body)
        if ok:
            bill.status, bill.account = settled_word, target
            assert out["transaction_id"] is not None

    @rule(bill_id=bills, amount=cents, discount=st.none() | small_cents)
    def edit_bill(self, bill_id: str, amount: Decimal, discount: Decimal | None) -> None:
        bill = self._bill(bill_id)
        if bill is None:
            return
        body: dict[str, Any] = {"amount": f"{amount:.2f}"}
        new_discount = bill.discount if discount is None else discount
        if discount is not None:
            body["discount_amount"] = f"{discount:.2f}"
        nominal = amount + bill.interest - new_discount
        ok = nominal > 0 if bill.settled else nominal >= 0
        self.call("PATCH", f"/{bill.resource}/{bill_id}", 200 if ok else 422, body)
        if ok:
            bill.amount, bill.discount = amount, new_discount

    @rule(bill_id=bills)
    def revert(self, bill_id: str) -> None:
        bill = self._bill(bill_id)
        if bill is None:
            return
        out = self.call("PATCH", f"/{bill.resource}/{bill_id}", 200, {"status": "pending"})
        assert out["transaction_id"] is None
        bill.status = "pending"

    @rule(bill_id=bills)
    def cancel(self, bill_id: str) -> None:
        bill = self._bill(bill_id)
        if bill is None:
            return
        # RULE PAY-6: only from pending (or already cancelled).
        ok = not bill.settled
        self.call("PATCH", f"/{bill.resource}/{bill_id}", 200 if ok else 422,
                  {"status": "cancelled"})
        if ok:
            bill.status = "cancelled"

    @rule(bill_id=bills)
    def delete_auto_transaction(self, bill_id: str) -> None:
        bill = self._bill(bill_id)
        if bill is None or not bill.settled:
            return
        row = self.call("GET", f"/{bill.resource}/{bill_id}", 200)
        # RULE TRX-4: the auto transaction cannot be deleted directly.
        self.call("DELETE", f"/transactions/{row['transaction_id']}", 422)

    @rule(bill_id=bills, amount=st.none() | cents, kind=st.none() | st.sampled_from(
        ["debit", "credit"]), pending=st.none() | st.booleans(),
        day=st.none() | st.sampled_from(["2026-01-20", "2026-03-03"]), notes=st.text(max_size=5))
    def patch_auto_transaction(self, bill_id: str, amount: Decimal | None, kind: str | None,
                               pending: bool | None, day: str | None, notes: str) -> None:
        bill = self._bill(bill_id)
        if bill is None or not bill.settled:
            return
        trx_id = self.call("GET", f"/{bill.resource}/{bill_id}", 200)["transaction_id"]
        trx = self.call("GET", f"/transactions/{trx_id}", 200)
        body: dict[str, Any] = {"notes": notes}
        for name, value in (("amount", None if amount is None else f"{amount:.2f}"),
                            ("type", kind), ("is_pending", pending), ("occurred_at", day)):
            if value is not None:
                body[name] = value
        current = {"amount": trx["amount"], "type": trx["type"],
                   "is_pending": trx["is_pending"], "occurred_at": trx["occurred_at"]}
        changes = any(body[k] != current[k] for k in current if k in body)
        # RULE TRX-5: the money fields belong to the bill; descriptive fields stay editable.
        out = self.call("PATCH", f"/transactions/{trx['id']}", 422 if changes else 200, body)
        if changes:
            assert out["code"] == "owned_by_source" and out["source"]["id"] == bill_id

    @rule(bill_id=consumes(bills))
    def delete_bill(self, bill_id: str) -> None:
        bill = self.bill_rows.pop(bill_id, None)
        if bill is None:
            return
        self.call("DELETE", f"/{bill.resource}/{bill_id}", 204)
        self.call("GET", f"/{bill.resource}/{bill_id}", 404)

    # -- the invariant -----------------------------------------------------------------

    def expected(self, account: int) -> Decimal:
        total = OPENINGS[account]
        posted = [(t.type, t.amount) for t in self.trx.values()
                  if t.account == account and not t.pending]
        posted += [(SIDES[b.resource][1], b.nominal) for b in self.bill_rows.values()
                   if b.settled and b.account == account]
        for kind, amount in posted:
            total += amount if kind == "credit" else -amount
        return total

    @invariant()
    def balances_match_the_ledger(self) -> None:
        for n, account_id in enumerate(self.accounts):
            got = self.call("GET", f"/accounts/{account_id}", 200)["balance"]
            assert Decimal(got) == self.expected(n), (n, got, self.expected(n))

    @invariant()
    def one_auto_transaction_per_settled_bill(self) -> None:
        settled = sum(b.settled for b in self.bill_rows.values())
        page = self.call("GET", "/transactions?limit=100", 200)["data"]
        assert sum(t["auto_created"] for t in page) == settled
        # RULE TRX-5: each one still carries its bill's nominal amount, type and account.
        autos = {t["id"]: t for t in page if t["auto_created"]}
        for bill in self.bill_rows.values():
            if bill.settled:
                row = self.call("GET", f"/{bill.resource}/{bill.id}", 200)
                trx = autos[row["transaction_id"]]
                assert (Decimal(trx["amount"]), trx["type"], trx["is_pending"]) == (
                    bill.nominal, SIDES[bill.resource][1], False)
                assert bill.account is not None
                assert trx["financial_account_id"] == self.accounts[bill.account]


@pytest.mark.rule("ACC-2", "PAY-5", "PAY-6", "PAY-9", "TRX-4", "TRX-5")
# RULE ACC-2, RULE PAY-5, RULE PAY-6, RULE PAY-9, RULE TRX-4, RULE TRX-5
def test_balances_follow_a_plain_ledger(client: Any, store: Store,
                                        auth_a: dict[str, str]) -> None:
    run_state_machine_as_test(
        # Hypothesis calls any factory of a machine; its stub says a class.
        lambda: LedgerBooks(client, store, auth_a),  # type: ignore[arg-type]
        settings=settings(max_examples=30, stateful_step_count=20, deadline=None),
    )
