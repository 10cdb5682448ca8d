"""Business rules a sequence of HTTP calls can show: the ledger, nominal amounts, series,
documents and category depth.

- RULE ACC-2, TRX-5: `LedgerMachine` posts, edits and deletes transactions and settles,
  edits, reverts, cancels and deletes payables and receivables on one account, and edits the
  descriptive fields of auto transactions (bound with `auto_edits`, also their money fields:
  422), with a `Ledger` model beside it; after every step the account's balance is seed +
  credits − debits, its transactions are the model's, and every settled bill has exactly one
  auto transaction of its `nominal_amount`.
- RULE PAY-7: `check_nominal` — `nominal_amount = amount + interest − discount` everywhere.
- RULE PAY-3: `check_series` — installments add up to the total, the remainder cent last.
- RULE CMP-1, PER-1: `check_document` — a document is accepted iff its check digits hold.
- RULE CAT-1: `check_category_depth` — three levels, the fourth is 422.
"""

from __future__ import annotations

import calendar
import datetime as dt
from collections import Counter
from decimal import ROUND_DOWN, Decimal
from typing import Any, ClassVar

from hypothesis import strategies as st
from hypothesis.stateful import (
    Bundle,
    RuleBasedStateMachine,
    consumes,
    initialize,
    invariant,
    precondition,
    rule,
)

from contract.documents import is_valid_cnpj, is_valid_cpf
from fixtures import factories
from fixtures.factories import CategoryType, CostCenterType
from property_tests.client import JSON, Api, Env
from property_tests.model import Bill, Ledger
from property_tests.rows import Scope, token, unique_cnpj, unique_cpf

CENT = Decimal("0.01")
PERIOD_MONTHS = {"monthly": 1, "bimonthly": 2, "quarterly": 3, "semiannual": 6, "annual": 12}
PERIOD_DAYS = {"weekly": 7, "biweekly": 14}


def money(cents: int) -> str:
    return factories.money_str(Decimal(cents) / 100)


def cents_of(value: str | Decimal) -> int:
    return int(Decimal(value) * 100)


def expect(response: Any, status: int, what: str) -> JSON:
    assert response.status_code == status, (
        f"{what}: expected {status}, got {response.status_code}: {response.text[:400]}")
    return response.json() if response.content else {}


# -- payables, receivables and their transactions ----------------------------------------------

SIDES = ("payables", "receivables")
SETTLED = {"payables": "paid", "receivables": "received"}
# RULE PAY-5: settling posts a debit (payables) or a credit (receivables).
TRANSACTION_TYPE = {"payables": "debit", "receivables": "credit"}
# RULE PAY-1, PAY-11: (category type, cost center type) of each side.
POLARITY: dict[str, tuple[CategoryType, CostCenterType]] = {
    "payables": ("debit", "cost"), "receivables": ("credit", "revenue")}
SETTLE_DATE = "2026-01-20"


def names_field(response: Any, field: str) -> bool:
    """Whether a problem's `errors` name `field`, or a path inside it (`cost_centers[0]…`)."""
    try:
        errors = response.json().get("errors") or []
    except ValueError:
        return False
    named = [str(e.get("field", "")) for e in errors if isinstance(e, dict)]
    return any(f == field or f.startswith((f"{field}[", f"{field}.")) for f in named)


def settle(api: Api, resource: str, bill_id: str, account_id: str,
           date: str = SETTLE_DATE) -> JSON:
    """PATCH a bill to paid/received on `account_id` (RULE PAY-5); the 200 row."""
    return expect(api.patch(resource, bill_id, {
        "status": SETTLED[resource], "payment_date": date, "financial_account_id": account_id}),
        200, f"settle {resource}/{bill_id}")


# -- RULE ACC-2 --------------------------------------------------------------------------------

AMOUNTS = st.integers(1, 5_000_000)  # cents
SMALL = st.integers(0, 50_000)
PAYMENT_DATES = st.dates(dt.date(2025, 6, 1), dt.date(2026, 6, 1)).map(dt.date.isoformat)


class LedgerMachine(RuleBasedStateMachine):
    """One account of tenant A and the money that moves through it."""

    env: ClassVar[Env]
    # RULE TRX-5: also PATCH the money fields of auto transactions (each must be 422).
    auto_edits: ClassVar[bool] = False
    manual = Bundle("manual")
    bills = Bundle("bills")

    @classmethod
    def bind(cls, env: Env, *, auto_edits: bool = False) -> type[LedgerMachine]:
        bound = type(cls.__name__, (cls,), {"env": env, "auto_edits": auto_edits})
        bound.__qualname__ = cls.__qualname__
        return bound

    def __init__(self) -> None:
        super().__init__()
        self.api: Api = self.env.a
        self.ledger = Ledger(Decimal("0.00"))
        self.account_id = ""
        self.spare_account_id = ""  # a second account of the company: nothing may move there
        self.company_id = ""
        self.person_id = ""
        self.ids: dict[str, str] = {}  # model key -> row id
        self.auto_ids: dict[str, str] = {}  # settled bill -> its auto transaction (PAY-5)

    @initialize(seed=st.integers(0, 100_000_000), faker_seed=st.integers(0, 2**16))
    def open_account(self, seed: int, faker_seed: int) -> None:
        fake = factories.make_faker(faker_seed)
        self.company_id = self.api.create("companies", factories.make_company(
            fake, cnpj=unique_cnpj()))["id"]
        self.person_id = self.api.create("people", factories.make_person(
            fake, self.company_id, supplier=True, customer=True, kind="natural",
            document_number=unique_cpf()))["id"]
        account = self.api.create("accounts", factories.make_account(
            fake, self.company_id, balance=money(seed)))
        self.account_id = account["id"]
        self.spare_account_id = self.api.create("accounts", factories.make_account(
            fake, self.company_id, balance="0.00"))["id"]
        self.ledger = Ledger(Decimal(money(seed)))
        assert Decimal(account["balance"]) == self.ledger.seed, (
            f"POST /accounts balance {account['balance']}: the opening seed is {money(seed)}")

    # -- transactions --------------------------------------------------------------------------

    @rule(target=manual, kind=st.sampled_from(("debit", "credit")), amount=AMOUNTS,
          pending=st.booleans(), date=PAYMENT_DATES)
    def post_transaction(self, kind: str, amount: int, pending: bool, date: str) -> str:
        row = self.api.create("transactions", factories.make_transaction(
            factories.make_faker(amount), self.company_id, self.account_id, type=kind,
            amount=money(amount), is_pending=pending, occurred_at=date,
            competence_date=factories.month_start(date)))
        self.ledger.transactions[row["id"]] = (kind, Decimal(money(amount)), pending)
        return str(row["id"])

    @rule(trx=manual, kind=st.none() | st.sampled_from(("debit", "credit")),
          amount=st.none() | AMOUNTS, pending=st.none() | st.booleans(),
          date=st.none() | PAYMENT_DATES)
    def edit_transaction(self, trx: str, kind: str | None, amount: int | None,
                         pending: bool | None, date: str | None) -> None:
        body: JSON = {} if date is None else {"occurred_at": date}
        if kind is not None:
            body["type"] = kind
        if amount is not None:
            body["amount"] = money(amount)
        if pending is not None:
            body["is_pending"] = pending
        row = expect(self.api.patch("transactions", trx, body), 200, f"PATCH {body}")
        old_kind, old_amount, old_pending = self.ledger.transactions[trx]
        self.ledger.transactions[trx] = (
            kind or old_kind, Decimal(money(amount)) if amount is not None else old_amount,
            old_pending if pending is None else pending)
        assert Decimal(row["amount"]) == self.ledger.transactions[trx][1]

    @rule(trx=consumes(manual))
    def delete_transaction(self, trx: str) -> None:
        expect(self.api.delete("transactions", trx), 204, "DELETE a manual transaction")
        del self.ledger.transactions[trx]

    # -- payables and receivables --------------------------------------------------------------

    @rule(target=bills, resource=st.sampled_from(("payables", "receivables")), amount=AMOUNTS,
          interest=SMALL, discount=SMALL)
    def add_bill(self, resource: str, amount: int, interest: int, discount: int) -> str:
        discount = min(discount, amount + interest - 1)  # keeps nominal_amount positive
        make = factories.make_payable if resource == "payables" else factories.make_receivable
        row = self.api.create(resource, make(
            factories.make_faker(amount), self.company_id, self.person_id, amount=money(amount),
            interest_amount=money(interest), discount_amount=money(discount)))
        bill = Bill(resource, Decimal(money(amount)), Decimal(money(interest)),
                    Decimal(money(discount)))
        assert Decimal(row["nominal_amount"]) == bill.nominal, (
            f"PAY-7: nominal_amount {row['nominal_amount']} != {bill.nominal}")
        self.ledger.bills[row["id"]] = bill
        return str(row["id"])

    @rule(bill_id=bills, date=PAYMENT_DATES)
    def settle(self, bill_id: str, date: str) -> None:
        bill = self.ledger.bills[bill_id]
        body = {"status": bill.settled, "payment_date": date,
                "financial_account_id": self.account_id}
        response = self.api.patch(bill.resource, bill_id, body)
        if bill.status == "cancelled":
            expect(response, 422, "settling a cancelled bill")
            return
        row = expect(response, 200, f"settle {bill.resource}")
        bill.status = bill.settled
        assert row["status"] == bill.settled and row["transaction_id"], (
            f"PAY-5: a settled row has status {bill.settled} and its transaction: {row}")
        self.auto_ids[bill_id] = str(row["transaction_id"])

    @rule(bill_id=bills)
    def revert(self, bill_id: str) -> None:
        """Back to pending removes the auto transaction (PAY-6)."""
        bill = self.ledger.bills[bill_id]
        if bill.status != bill.settled:
            return
        row = expect(self.api.patch(bill.resource, bill_id, {"status": "pending"}), 200,
                     "revert to pending")
        bill.status = "pending"
        self.auto_ids.pop(bill_id, None)
        assert row["transaction_id"] is None, f"PAY-6: a reverted row keeps {row['transaction_id']}"

    @rule(bill_id=bills)
    def cancel(self, bill_id: str) -> None:
        bill = self.ledger.bills[bill_id]
        response = self.api.patch(bill.resource, bill_id, {"status": "cancelled"})
        if bill.status == bill.settled:
            expect(response, 422, "cancelling a settled bill (revert it first, PAY-6)")
            return
        expect(response, 200, "cancel")
        bill.status = "cancelled"

    @rule(bill_id=bills, amount=AMOUNTS, interest=SMALL, discount=SMALL)
    def edit_pending_bill(self, bill_id: str, amount: int, interest: int, discount: int) -> None:
        bill = self.ledger.bills[bill_id]
        if bill.status != "pending":
            return
        discount = min(discount, amount + interest - 1)
        body = {"amount": money(amount), "interest_amount": money(interest),
                "discount_amount": money(discount)}
        row = expect(self.api.patch(bill.resource, bill_id, body), 200, "edit a pending bill")
        bill.amount, bill.interest, bill.discount = (Decimal(money(amount)),
                                                     Decimal(money(interest)),
                                                     Decimal(money(discount)))
        assert Decimal(row["nominal_amount"]) == bill.nominal, (
            f"PAY-7 after PATCH: nominal_amount {row['nominal_amount']} != {bill.nominal}")

    @rule(bill_id=bills, amount=AMOUNTS, interest=SMALL, discount=SMALL)
    def edit_settled_bill(self, bill_id: str, amount: int, interest: int,
                          discount: int) -> None:
        """The source's amounts move its auto transaction with them (TRX-5)."""
        bill = self.ledger.bills[bill_id]
        if bill.status != bill.settled:
            return
        discount = min(discount, amount + interest - 1)
        body = {"amount": money(amount), "interest_amount": money(interest),
                "discount_amount": money(discount)}
        row = expect(self.api.patch(bill.resource, bill_id, body), 200, "edit a settled bill")
        self.auto_ids[bill_id] = str(row["transaction_id"])
        bill.amount, bill.interest, bill.discount = (Decimal(money(amount)),
                                                     Decimal(money(interest)),
                                                     Decimal(money(discount)))

    def auto_transaction_of(self, bill_id: str) -> str | None:
        """The bill's auto transaction; a pending bill is settled first (a cancelled one has
        none), so the auto-transaction rules always have one to work on."""
        if self.ledger.bills[bill_id].status == "pending":
            self.settle(bill_id, SETTLE_DATE)
        return self.auto_ids.get(bill_id)

    @rule(bill_id=bills, note=st.text(st.characters(codec="utf-8", categories=("L", "N")),
                                      min_size=1, max_size=30))
    def describe_auto_transaction(self, bill_id: str, note: str) -> None:
        """Descriptive fields of an auto transaction stay editable (TRX-5)."""
        trx = self.auto_transaction_of(bill_id)
        if trx is None:
            return
        row = expect(self.api.patch("transactions", trx, {"description": note, "notes": note}),
                     200, "TRX-5: PATCH the description of an auto transaction")
        assert row["description"] == note, f"TRX-5: description not written: {row}"

    @precondition(lambda self: self.auto_edits)
    @rule(resource=st.sampled_from(("payables", "receivables")), bill_amount=AMOUNTS,
          field=st.sampled_from(("amount", "type", "is_pending", "occurred_at",
                                 "financial_account_id")), amount=AMOUNTS)
    def patch_auto_transaction(self, resource: str, bill_amount: int, field: str,
                               amount: int) -> None:
        """The money fields of an auto transaction belong to its source: 422 naming it.
        Settles a bill of its own first, so it needs nothing drawn before it."""
        bill_id = str(self.add_bill(resource, bill_amount, 0, 0))
        trx = self.auto_transaction_of(bill_id)
        assert trx is not None, f"PAY-5: the settled {resource}/{bill_id} has no transaction"
        bill = self.ledger.bills[bill_id]
        kind = "credit" if bill.resource == "payables" else "debit"  # the wrong one
        # A value other than the current one: re-sending the current value changes nothing.
        value = {"amount": money(bill_amount + amount), "type": kind, "is_pending": True,
                 "occurred_at": "2025-07-04", "financial_account_id": self.spare_account_id}
        response = self.api.patch("transactions", trx, {field: value[field]})
        expect(response, 422, f"TRX-5: PATCH {field} of the auto transaction of {bill_id}")
        assert bill_id in response.text, (
            f"TRX-5: the refusal names the source {bill_id}: {response.text[:300]}")

    @rule(bill_id=consumes(bills))
    def delete_bill(self, bill_id: str) -> None:
        """A hard delete takes its auto transaction with it (PAY-9)."""
        bill = self.ledger.bills.pop(bill_id)
        self.auto_ids.pop(bill_id, None)
        expect(self.api.delete(bill.resource, bill_id), 204, f"DELETE {bill.resource}")

    # -- what must hold after every step -------------------------------------------------------

    @invariant()
    def balance_is_seed_plus_credits_minus_debits(self) -> None:
        row = expect(self.api.read("accounts", self.account_id), 200, "GET the account")
        assert Decimal(row["balance"]) == self.ledger.balance(), (
            f"ACC-2: balance {row['balance']} != seed {self.ledger.seed} + credits − debits "
            f"= {self.ledger.balance()}")

    @precondition(lambda self: self.auto_edits)
    @invariant()
    def nothing_moves_to_the_spare_account(self) -> None:
        row = expect(self.api.read("accounts", self.spare_account_id), 200, "GET the account")
        assert Decimal(row["balance"]) == 0, (
            f"TRX-5: the spare account's balance moved to {row['balance']}")

    @invariant()
    def transactions_are_the_model(self) -> None:
        """The account's transactions: the manual ones, and exactly one auto transaction per
        settled bill, of its `nominal_amount` and its side's type (PAY-5, TRX-5); none for the
        others (PAY-6, PAY-9)."""
        rows = self.api.walk("transactions", {"financial_account_id": self.account_id}).rows
        seen = Counter((r["type"], Decimal(r["amount"]), bool(r["is_pending"])) for r in rows)
        model = Counter(self.ledger.transactions.values())
        autos = {str(r["id"]): r for r in rows if r["auto_created"]}
        assert sorted(autos) == sorted(self.auto_ids.values()), (
            f"TRX-5: auto transactions {sorted(autos)}, one per settled bill expected: "
            f"{self.auto_ids}")
        for bill_id, trx_id in self.auto_ids.items():
            bill, trx = self.ledger.bills[bill_id], autos[trx_id]
            kind = "debit" if bill.resource == "payables" else "credit"
            model[(kind, bill.nominal, False)] += 1
            assert (trx["type"], Decimal(trx["amount"]), trx["is_pending"]) == (
                kind, bill.nominal, False), (
                f"TRX-5: the auto transaction of {bill.resource}/{bill_id} is {trx['type']} "
                f"{trx['amount']} (pending {trx['is_pending']}); the bill is {kind} "
                f"{bill.nominal}")
        assert seen == model, (f"the account's transactions differ from the model: "
                               f"listed-only {seen - model}, missing {model - seen}")


# -- RULE PAY-7 --------------------------------------------------------------------------------


def check_nominal(scope: Scope, resource: str, amount: int, interest: int, discount: int,
                  new_interest: int, new_discount: int) -> None:
    """`nominal_amount` is amount + interest − discount on POST, GET, the list and after a
    PATCH; it is derived, never stored from the request (RULE PAY-7)."""
    api = scope.api
    marker = token()
    body = scope.body(resource, 0, amount=money(amount), interest_amount=money(interest),
                      discount_amount=money(discount), document_number=marker)
    created = api.create(resource, body)
    row_id = str(created["id"])
    try:
        expected = money(amount + interest - discount)
        listed = api.walk(resource, {"document_number": marker}).rows
        got = {"POST": created["nominal_amount"],
               "GET": expect(api.read(resource, row_id), 200, "GET")["nominal_amount"],
               "list": [r["nominal_amount"] for r in listed if r["id"] == row_id]}
        assert got == {"POST": expected, "GET": expected, "list": [expected]}, (
            f"PAY-7: {amount}+{interest}−{discount} cents should be nominal {expected}: {got}")
        patched = expect(api.patch(resource, row_id, {"interest_amount": money(new_interest),
                                                      "discount_amount": money(new_discount)}),
                         200, "PATCH interest and discount")
        expected = money(amount + new_interest - new_discount)
        again = expect(api.read(resource, row_id), 200, "GET")["nominal_amount"]
        assert patched["nominal_amount"] == again == expected, (
            f"PAY-7 after PATCH: {patched['nominal_amount']} / {again}, expected {expected}")
    finally:
        api.delete(resource, row_id)


# -- RULE PAY-3 --------------------------------------------------------------------------------


def step_date(start: str, period: str, steps: int) -> str:
    """`start` moved `steps` periods on; month ends clamp (Jan 31 + 1 month = Feb 28)."""
    day = dt.date.fromisoformat(start)
    if period in PERIOD_DAYS:
        return (day + dt.timedelta(days=PERIOD_DAYS[period] * steps)).isoformat()
    months = day.month - 1 + PERIOD_MONTHS[period] * steps
    year, month = day.year + months // 12, months % 12 + 1
    return day.replace(year=year, month=month,
                       day=min(day.day, calendar.monthrange(year, month)[1])).isoformat()


def check_series(scope: Scope, resource: str, amount: int, installments: int,
                 period: str | None, due_date: str) -> None:
    """An installment series adds up to the amount exactly, equal shares with the remainder
    cent(s) on the last; a recurrence repeats the amount; due dates step by the period."""
    api = scope.api
    body = scope.body(resource, 0, amount=money(amount), due_date=due_date,
                      competence_date=factories.month_start(due_date))
    if installments > 1:
        body["total_installments"] = installments
    if period is not None:
        body["recurrence_period"] = period
    first = api.create(resource, body)
    group = first.get("group_id")
    rows: list[JSON] = []
    try:
        assert group, f"PAY-3: a series has a group_id: {first}"
        rows = sorted(api.walk(resource, {"group_id": group}).rows,
                      key=lambda r: r["installment_number"])
        numbers = [r["installment_number"] for r in rows]
        assert first["installment_number"] == 1, "PAY-3: the response is the first row"
        assert numbers == list(range(1, len(rows) + 1)), f"installment numbers {numbers}"
        dues = [r["due_date"][:10] for r in rows]
        expected_dues = [step_date(due_date, period or "monthly", n) for n in range(len(rows))]
        assert dues == expected_dues, f"PAY-3: due dates {dues}, expected {expected_dues}"
        shares = [cents_of(r["amount"]) for r in rows]
        if installments > 1:
            share = int((Decimal(amount) / installments).to_integral_value(ROUND_DOWN))
            expected = [share] * (installments - 1) + [amount - share * (installments - 1)]
            assert shares == expected, (f"PAY-3: {installments} installments of {amount} "
                                        f"cents are {shares}, expected {expected}")
            assert sum(shares) == amount
        else:
            assert len(rows) > 1 and set(shares) == {amount}, (
                f"PAY-3: a {period} recurrence repeats the amount {amount}: {shares}")
    finally:
        for row in rows or [first]:
            api.delete(resource, str(row["id"]))


# -- RULE CMP-1, RULE PER-1 --------------------------------------------------------------------


def check_document(scope: Scope, resource: str, number: str) -> None:
    """POST a company (CNPJ) or a person (CPF or CNPJ): 201 iff `fixtures.documents` says
    the number is valid, 422 otherwise."""
    api = scope.api
    if resource == "companies":
        valid = is_valid_cnpj(number)
        body = factories.make_company(scope.fake, cnpj=number)
    else:
        valid = is_valid_cpf(number) if len(number) == 11 else is_valid_cnpj(number)
        body = factories.make_person(scope.fake, str(scope.company["id"]),
                                     document_number=number)
        del body["document_type"], body["kind"]  # inferred from the length (PER-1)
    response = api.post(resource, body)
    if response.status_code == 201:
        api.delete(resource, str(response.json()["id"]))
    assert response.status_code == (201 if valid else 422), (
        f"POST /{resource} with {number!r} ({'valid' if valid else 'invalid'} check digits): "
        f"{response.status_code} {response.text[:300]}")


# -- RULE CAT-1 --------------------------------------------------------------------------------


def check_category_depth(scope: Scope, kind: factories.CategoryType, names: list[str]
                         ) -> None:
    """Levels 1, 2, 3 are made with `level` set; a 4th is 422 and makes nothing."""
    api = scope.api
    company_id = str(scope.company["id"])
    made: list[str] = []
    try:
        parent: str | None = None
        for level, name in enumerate(names[:3], start=1):
            row = api.create("categories", factories.make_category(
                scope.fake, company_id, type=kind, parent_id=parent, name=name))
            made.append(str(row["id"]))
            assert row["level"] == level and row["parent_id"] == parent, (
                f"CAT-1: level {level} expected, got {row['level']} (parent {row['parent_id']})")
            parent = str(row["id"])
        fourth = api.post("categories", factories.make_category(
            scope.fake, company_id, type=kind, parent_id=parent, name=names[3]))
        if fourth.status_code == 201:
            made.append(str(fourth.json()["id"]))
        assert fourth.status_code == 422, (f"CAT-1: a 4th level must be 422, got "
                                           f"{fourth.status_code}: {fourth.text[:300]}")
        children = api.walk("categories", {"parent_id": parent}).ids
        assert children == [], f"CAT-1: the refused 4th level exists: {children}"
    finally:
        for row_id in reversed(made):
            api.delete("categories", row_id)
