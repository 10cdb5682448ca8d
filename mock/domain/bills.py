"""Payables and receivables: one implementation of the mirrored rules PAY-1 … PAY-11 (REC).

`Bills(side)` is the resource of one side (create / update / delete / view and its table);
`payables.py` and `receivables.py` each make one, naming what differs: status word, polarity,
and the payment-instruction fields payables carry.

Every write checks the whole request before it changes anything, so a refused request leaves
no trace (G-12): creates and updates first validate, then resolve `*_name` references (the only
step that may insert other rows), then write.
"""

from __future__ import annotations

import calendar
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import ROUND_DOWN, Decimal, InvalidOperation
from typing import Any

from mock.domain import reconciliations, transactions
from mock.domain.base import (
    Converter,
    Row,
    flag,
    name_of,
    one_of,
    pick,
    public,
    reference,
    refuse_changes,
    require,
    required_text,
    row_base,
    text,
    touch,
)
from mock.domain.errors import ValidationFailed
from mock.domain.links import Allocation, TaxCharge, children
from mock.domain.references import Polarity, check_polarity, resolve
from mock.domain.values import (
    CENT,
    money,
    new_id,
    optional_business_date,
    parse_business_date,
    parse_money,
    parse_uuid,
)
from mock.store import Filter, TableSpec, TenantStore

PERIOD_MONTHS = {"monthly": 1, "bimonthly": 2, "quarterly": 3, "semiannual": 6, "annual": 12}
PERIOD_DAYS = {"weekly": 7, "biweekly": 14}
# A recurrence without `total_installments` repeats the full amount this many times (PAY-3).
RECURRING_OCCURRENCES = 12
MAX_INSTALLMENTS = 360
KINDS = ("normal", "installment", "recurring")
MONEY_FIELDS = ("amount", "interest_amount", "discount_amount", "ticket_amount")
ZERO = Decimal("0.00")
HUNDRED = Decimal(100)


@dataclass(frozen=True)
class Side:
    """What differs between payables and receivables."""

    resource: str
    settled: str  # "paid" | "received"
    polarity: Polarity
    transaction_type: str  # "debit" | "credit"
    # Payment-instruction fields (payables only): name -> converter, stored in `Bill.extra`.
    extra_fields: Mapping[str, Converter] = field(default_factory=dict)

    @property
    def statuses(self) -> tuple[str, ...]:
        return ("pending", self.settled, "cancelled")


@dataclass(slots=True, kw_only=True)
class Bill(Row):
    company_id: str
    description: str
    amount: Decimal
    due_date: str
    competence_date: str | None
    type: str
    person_id: str | None
    category_id: str | None
    cost_center_id: str | None
    payment_method_kind: str | None
    financial_account_id: str | None
    expected_account_id: str | None
    document: str | None
    document_date: str | None
    document_number: str | None
    notes: str | None
    ir_relevant: bool
    recurrence_period: str | None
    total_installments: int
    installment_number: int
    group_id: str | None
    status: str
    payment_date: str | None
    interest_amount: Decimal
    discount_amount: Decimal
    ticket_amount: Decimal
    transaction_id: str | None
    is_reconciled: bool
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def nominal_amount(self) -> Decimal:
        # RULE PAY-7: derived, never stored or written.
        return nominal(self.amount, self.interest_amount, self.discount_amount)


def nominal(amount: Decimal, interest: Decimal, discount: Decimal) -> Decimal:
    """RULE PAY-7: `nominal_amount = amount + interest_amount − discount_amount`."""
    return amount + interest - discount


@dataclass(frozen=True)
class Share:
    """One rateio share as requested (PAY-2)."""

    cost_center_id: str
    amount: Decimal
    percentage: Decimal | None


def _money(value: Any, name: str) -> Decimal:
    return ZERO if value is None else parse_money(value, name)


def _positive(value: Any, name: str) -> Decimal:
    return parse_money(value, name, positive=True)


def _account(value: Any, name: str) -> str | None:
    return None if value is None else parse_uuid(value, name)


_kind = one_of(*KINDS)


def _period(value: Any, name: str) -> str | None:
    if value in (None, ""):
        return None
    if value not in PERIOD_MONTHS and value not in PERIOD_DAYS:
        raise ValidationFailed("unknown recurrence_period", field=name)
    return str(value)


# RULE PAY-10: only these (plus status, payment_date, the references and the children) are
# written; `id`, `created_at`, `transaction_id`, names, counts, `is_reconciled` are dropped.
WRITABLE: dict[str, Converter] = {
    "description": required_text, "amount": _positive, "due_date": parse_business_date,
    "competence_date": optional_business_date, "type": _kind, "payment_method_kind": text,
    "financial_account_id": _account, "expected_account_id": _account, "document": text,
    "document_date": optional_business_date, "document_number": text, "notes": text,
    "ir_relevant": flag,
    "interest_amount": _money, "discount_amount": _money, "ticket_amount": _money,
}


def table_spec(resource: str) -> TableSpec:
    return TableSpec(
        resource=resource,
        sorts={"due_date": "date", "amount": "decimal", "payment_date": "date",
               "competence_date": "date", "created_at": "text", "updated_at": "text"},
        # RULES PAY/REC: default sort `due_date`.
        default_sort="due_date",
        filters={
            "company_id": Filter("company_id"),
            "status": Filter("status"),
            "type": Filter("type"),
            "person_id": Filter("person_id"),
            "category_id": Filter("category_id"),
            "cost_center_id": Filter("cost_center_id"),
            "financial_account_id": Filter("financial_account_id"),
            "payment_method_kind": Filter("payment_method_kind"),
            "due_date": Filter("due_date", convert=str),
            "payment_date": Filter("payment_date", convert=str),
            "competence_date": Filter("competence_date", convert=str),
            "amount": Filter("amount", convert=lambda v: parse_money(v, "amount")),
            "document_number": Filter("document_number"),
            "ir_relevant": Filter("ir_relevant"),
            "group_id": Filter("group_id"),
        },
        # Guards look bills up by these (ACC-4 counts `expected_account_id` too).
        indexes=("transaction_id", "expected_account_id"),
    )


# -- series (PAY-3) ------------------------------------------------------------------------


def add_period(start: str, period: str, steps: int) -> str:
    """`start` moved `steps` periods on; month steps clamp to the month's last day."""
    day = date.fromisoformat(start)
    if period in PERIOD_DAYS:
        return (day + timedelta(days=PERIOD_DAYS[period] * steps)).isoformat()
    months = day.month - 1 + PERIOD_MONTHS[period] * steps
    year, month = day.year + months // 12, months % 12 + 1
    return day.replace(year=year, month=month,
                       day=min(day.day, calendar.monthrange(year, month)[1])).isoformat()


def split(total: Decimal, parts: int) -> list[Decimal]:
    """RULE PAY-3: equal shares to the cent; the remainder cent(s) go to the last."""
    share = (total / parts).quantize(CENT, rounding=ROUND_DOWN)
    return [share] * (parts - 1) + [total - share * (parts - 1)]


def _installments(body: Mapping[str, Any]) -> int:
    value = body.get("total_installments")
    if value is None or (value == 0 and not isinstance(value, bool)):
        # The export's template sends `0`: one installment, no series (as if not sent).
        return 1
    if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= MAX_INSTALLMENTS:
        raise ValidationFailed(f"total_installments must be an integer from 1 to "
                               f"{MAX_INSTALLMENTS}", field="total_installments")
    return value


def _series(total: Decimal, installments: int, period: str | None,
            kind: str | None) -> tuple[list[Decimal], str]:
    """RULE PAY-3: the rows' amounts and their `type`. Installments split the amount (the
    remainder cent to the last); a recurrence alone repeats it RECURRING_OCCURRENCES times."""
    if installments > 1:
        if total < CENT * installments:
            raise ValidationFailed("amount is too small to split into that many installments",
                                   field="total_installments")
        return split(total, installments), "installment"
    if period is not None:
        return [total] * RECURRING_OCCURRENCES, "recurring"
    return [total], kind or "normal"


# -- children: rateio and tax charges (PAY-2) ----------------------------------------------


def _items(body: Mapping[str, Any], name: str) -> list[dict[str, Any]]:
    items = body.get(name)
    if items is None:
        return []
    if not isinstance(items, list) or not all(isinstance(i, dict) for i in items):
        raise ValidationFailed(f"{name} must be a list of objects", field=name)
    return items


def _nonzero(value: Any) -> bool:
    """Whether a share sends an amount (the seed's template sends `0` for "none")."""
    if value is None:
        return False
    try:
        return isinstance(value, bool) or Decimal(str(value)) != 0
    except InvalidOperation:
        return True  # parse_money refuses it with the field named


def _empty_share(item: Mapping[str, Any]) -> bool:
    return ("amount" in item and "percentage" in item and not _nonzero(item["amount"])
            and not _nonzero(item["percentage"]))


def _allocations(ts: TenantStore, body: Mapping[str, Any], amount: Decimal,
                 company_id: str, polarity: Polarity) -> list[Share]:
    """RULE PAY-2: rateio shares add up to the amount, or their percentages to 100 (else 422);
    RULE PAY-11: every share's cost center has the side's polarity.

    A rateio is by amount when every share sends a non-zero `amount`, by percentage when none
    does; the two cannot be mixed. Percentage shares get their amounts computed, the rounding
    remainder on the last share so the amounts add up exactly too."""
    # The export's template sends a share of `amount: 0, percentage: 0`: it allocates nothing
    # and is dropped, so the template's rateio is "no rateio".
    items = [i for i in _items(body, "cost_centers")
             if not _empty_share(i)]
    if not items:
        return []
    by_amount = [_nonzero(i.get("amount")) for i in items]
    if any(by_amount) and not all(by_amount):
        raise ValidationFailed("rateio shares are all by amount or all by percentage",
                               field="cost_centers")
    shares: list[Share] = []
    for n, item in enumerate(items):
        where = f"cost_centers[{n}]"
        center = reference(ts, "cost_centers", item.get("cost_center_id"),
                           f"{where}.cost_center_id")
        if center.company_id != company_id:
            raise ValidationFailed("cost center of another company",
                                   field=f"{where}.cost_center_id")
        check_polarity("cost_center", center, polarity, f"{where}.cost_center_id")  # PAY-11
        pct = item.get("percentage")
        percentage = None if pct is None else parse_money(pct, f"{where}.percentage")
        if all(by_amount):
            share = parse_money(item["amount"], f"{where}.amount", positive=True)
        else:
            if percentage is None or percentage <= 0:
                raise ValidationFailed("a rateio share needs a positive amount or percentage",
                                       field=f"{where}.percentage")
            share = ZERO
        shares.append(Share(center.id, share, percentage))
    if all(by_amount):
        if sum(s.amount for s in shares) != amount \
                and "rateio_sum_unchecked" not in ts.faults:  # FAULT
            raise ValidationFailed(f"rateio amounts must add up to the amount ({money(amount)})",
                                   field="cost_centers")
        return shares
    if sum(s.percentage or ZERO for s in shares) != HUNDRED \
            and "rateio_sum_unchecked" not in ts.faults:  # FAULT
        raise ValidationFailed("rateio percentages must add up to 100", field="cost_centers")
    return _redistribute(shares, amount, amount)


def _redistribute(shares: list[Share], base: Decimal, amount: Decimal) -> list[Share]:
    """The shares scaled to `amount`: by percentage when they add up to 100, else in proportion
    to their amounts over `base`; rounded down, the remainder on the last share."""
    if not shares:
        return []
    by_pct = all(s.percentage is not None for s in shares) and \
        sum(s.percentage or ZERO for s in shares) == HUNDRED
    out = []
    for s in shares[:-1]:
        exact = amount * (s.percentage or ZERO) / HUNDRED if by_pct else amount * s.amount / base
        out.append(Share(s.cost_center_id, exact.quantize(CENT, rounding=ROUND_DOWN),
                         s.percentage))
    last = shares[-1]
    out.append(Share(last.cost_center_id, amount - sum(s.amount for s in out), last.percentage))
    return out


def _tax_charges(ts: TenantStore, body: Mapping[str, Any]) -> list[tuple[str, Decimal, bool]]:
    """RULE PAY-2: charges reference taxes of the workspace (another tenant's: 422, G-3)."""
    out = []
    for n, item in enumerate(_items(body, "tax_charges")):
        where = f"tax_charges[{n}]"
        tax = reference(ts, "taxes", item.get("tax_id"), f"{where}.tax_id")
        out.append((tax.id, parse_money(item.get("amount", 0), f"{where}.amount"),
                    flag(item.get("withholding", False), f"{where}.withholding")))
    return out


def _replace_children(ts: TenantStore, side: Side, row: Bill, shares: list[Share] | None,
                      charges: list[tuple[str, Decimal, bool]] | None) -> None:
    for resource, new in (("allocations", shares), ("tax_charges", charges)):
        if new is None:
            continue
        for child in list(ts[resource].where(owner_id=row.id)):
            ts[resource].delete(child)
    for n, s in enumerate(shares or ()):
        ts["allocations"].insert(Allocation(
            id=new_id(), owner=side.resource, owner_id=row.id, cost_center_id=s.cost_center_id,
            amount=s.amount, percentage=s.percentage, position=n))
    for n, (tax_id, amt, withholding) in enumerate(charges or ()):
        ts["tax_charges"].insert(TaxCharge(
            id=new_id(), owner=side.resource, owner_id=row.id, tax_id=tax_id, amount=amt,
            withholding=withholding, position=n))


def _stored_shares(ts: TenantStore, row: Bill) -> list[Share]:
    return [Share(a.cost_center_id, a.amount, a.percentage)
            for a in children(ts, "allocations", row.id)]


# -- create --------------------------------------------------------------------------------


def _check_accounts(ts: TenantStore, company_id: str, fields: Mapping[str, Any]) -> None:
    for name in ("financial_account_id", "expected_account_id"):
        if fields.get(name) is not None:
            account = reference(ts, "accounts", fields[name], name)
            if account.company_id != company_id:
                raise ValidationFailed(f"{name} belongs to another company", field=name)


def _check_nominal(amount: Decimal, interest: Decimal, discount: Decimal) -> None:
    if nominal(amount, interest, discount) < 0:
        raise ValidationFailed("discount_amount exceeds amount + interest_amount",
                               field="discount_amount")


def _polarity(side: Side, ts: TenantStore) -> Polarity:
    """The side's polarity for find-or-create by name (RULE PAY-1, PAY-11)."""
    if "name_ignores_polarity" in ts.faults and side.polarity.category_type == "credit":
        # FAULT: receivables find or create payables' categories and cost centers
        return Polarity(side.polarity.person_flag, "debit", "cost")
    return side.polarity


def _person_sent(body: Mapping[str, Any]) -> bool:
    return body.get("person_id") is not None or body.get("person_name") not in (None, "")


def create(side: Side, ts: TenantStore, body: dict[str, Any], *,
           row_id: str | None = None) -> Bill:
    require(body, "company_id", "description", "amount", "due_date")
    company = reference(ts, "companies", body["company_id"], "company_id")
    if not _person_sent(body) and "person_not_required" not in ts.faults:  # FAULT
        # RULE PAY-1: a person is required, by id or by name.
        raise ValidationFailed("person_id or person_name is required", field="person_id")
    status = "pending"
    if "new_bill_takes_status" in ts.faults and body.get("status") in side.statuses:  # FAULT
        status = str(body["status"])
    elif body.get("status") not in (None, "pending"):
        # RULE PAY-4: rows start pending; `draft` (or any other status) is never accepted.
        raise ValidationFailed("a new row starts pending; settle it with PATCH",
                               field="status")
    fields = pick(body, WRITABLE)
    extra = pick(body, side.extra_fields)
    _check_accounts(ts, company.id, fields)
    total = fields["amount"]
    interest = fields.get("interest_amount", ZERO)
    discount = fields.get("discount_amount", ZERO)
    period = _period(body.get("recurrence_period"), "recurrence_period")
    amounts, kind = _series(total, _installments(body), period, fields.get("type"))
    if kind == "installment" and "installment_remainder_dropped" in ts.faults:  # FAULT
        amounts = [amounts[0]] * len(amounts)
    # RULE PAY-7: no row of the series may have a negative nominal amount.
    _check_nominal(min(amounts), interest, discount)
    shares = _allocations(ts, body, total, company.id, side.polarity)
    charges = _tax_charges(ts, body)
    # RULE PAY-1, PER-2: last, so a refused request creates no find-or-create rows (G-12).
    refs = resolve(ts, body, company.id, _polarity(side, ts), bill=True)

    group_id = new_id() if len(amounts) > 1 else None
    step = period or "monthly"
    # Installments split each tax charge like the amount; a recurrence repeats it.
    charge_parts = [split(amt, len(amounts)) if kind == "installment" else [amt] * len(amounts)
                    for _, amt, _ in charges]
    first: Bill | None = None
    for n, share in enumerate(amounts):
        competence = fields.get("competence_date")
        if kind == "recurring" and competence is not None:
            competence = add_period(competence, step, n)
        row = Bill(
            **row_base(ts, row_id if n == 0 else None), company_id=company.id,
            description=fields["description"], amount=share,
            due_date=add_period(fields["due_date"], step, n), competence_date=competence,
            type=kind, person_id=refs.get("person_id"), category_id=refs.get("category_id"),
            cost_center_id=refs.get("cost_center_id"),
            payment_method_kind=fields.get("payment_method_kind"),
            financial_account_id=fields.get("financial_account_id"),
            expected_account_id=fields.get("expected_account_id"),
            document=fields.get("document"), document_date=fields.get("document_date"),
            document_number=fields.get("document_number"), notes=fields.get("notes"),
            ir_relevant=fields.get("ir_relevant", False), recurrence_period=period,
            total_installments=len(amounts), installment_number=n + 1, group_id=group_id,
            status=status, payment_date=None, interest_amount=interest,
            discount_amount=discount, ticket_amount=fields.get("ticket_amount", ZERO),
            transaction_id=None, is_reconciled=False, extra=dict(extra),
        )
        ts[side.resource].insert(row)
        row_charges = [(tax_id, parts[n], withholding)
                       for (tax_id, _, withholding), parts in zip(charges, charge_parts,
                                                                  strict=True)]
        _replace_children(ts, side, row, _redistribute(shares, total, share), row_charges)
        first = first or row
    assert first is not None
    # RULE PAY-3: the response is the first row of the series.
    return first


# -- update, settle, revert, cancel (PAY-5, PAY-6) -----------------------------------------


def _check_status(side: Side, row: Bill, status: Any, *, payment_date: str | None,
                  account_id: str | None, nominal_amount: Decimal,
                  faults: frozenset[str] = frozenset()) -> None:
    if status not in side.statuses:
        # RULE PAY-4: `draft` (and anything else) is refused.
        raise ValidationFailed(f"status must be one of {', '.join(side.statuses)}",
                               field="status")
    settling = status == side.settled and row.status != side.settled
    if settling and row.status == "cancelled":
        raise ValidationFailed(f"a cancelled row must be reverted to pending before it is "
                               f"{side.settled}", field="status")
    if status == side.settled:
        # RULE PAY-5: a payment date and an account, sent now or set before.
        if settling and payment_date is None:
            raise ValidationFailed(f"payment_date is required to mark the row {side.settled}",
                                   field="payment_date")
        if account_id is None:
            raise ValidationFailed(f"financial_account_id is required for a {side.settled} row",
                                   field="financial_account_id")
        if nominal_amount <= 0:
            raise ValidationFailed("nominal_amount must be greater than zero to settle",
                                   field="discount_amount")
    if status == "cancelled" and row.status == side.settled \
            and "cancel_settled_bill" not in faults:  # FAULT
        # RULE PAY-6: a settled row is reverted to pending before it is cancelled.
        raise ValidationFailed(f"a {side.settled} row must be reverted to pending before it is "
                               "cancelled", field="status")


# A series is made on create only: the export's update template carries these two, so a PATCH
# changing them is 422 rather than a silent no-op (its `0` / `""` mean "not sent"). Fields the
# update does not know (`company_id`, …) are dropped (PAY-10, G-7).
FIXED_AT_CREATE: dict[str, tuple[Any, ...]] = {
    "total_installments": (None, 0), "recurrence_period": (None, "")}


def update(side: Side, ts: TenantStore, row: Bill, body: dict[str, Any]) -> Bill:
    # RULE PAY-10: response-only fields are not in WRITABLE and so are dropped.
    refuse_changes(row, body, FIXED_AT_CREATE,
                   "a series is made on create; create a new series instead")
    changes = pick(body, WRITABLE)
    if body.get("payment_date") is not None:
        changes["payment_date"] = parse_business_date(body["payment_date"], "payment_date")
    extra = pick(body, side.extra_fields)
    _check_accounts(ts, row.company_id, changes)
    if "person_id" in body and not _person_sent(body):
        # RULE PAY-1: the person cannot be removed.
        raise ValidationFailed("a person is required", field="person_id")

    def after(name: str) -> Any:
        return changes[name] if name in changes else getattr(row, name)

    amount = after("amount")
    nominal_amount = nominal(amount, after("interest_amount"), after("discount_amount"))
    _check_nominal(amount, after("interest_amount"), after("discount_amount"))
    status = body.get("status", row.status)
    _check_status(side, row, status, payment_date=after("payment_date"),
                  account_id=after("financial_account_id"), nominal_amount=nominal_amount,
                  faults=ts.faults)
    shares = (_allocations(ts, body, amount, row.company_id, side.polarity)
              if "cost_centers" in body else None)
    if shares is None and amount != row.amount:
        # Keep the stored rateio adding up to the new amount.
        shares = _redistribute(_stored_shares(ts, row), row.amount, amount)
    charges = _tax_charges(ts, body) if "tax_charges" in body else None
    # RULE PAY-1, PER-2: references last, so a refused request creates nothing (G-12).
    changes.update(resolve(ts, body, row.company_id, _polarity(side, ts), bill=True))
    if "patch_writes_is_reconciled" in ts.faults and isinstance(body.get("is_reconciled"),
                                                                 bool):  # FAULT
        changes["is_reconciled"] = body["is_reconciled"]
    if extra:
        changes["extra"] = {**row.extra, **extra}

    was = row.status
    settling = status == side.settled and was != side.settled
    # One write of the row: a change of status goes with the other fields.
    changes["updated_at"] = touch(ts)
    if settling:
        changes.update(_settle(side, ts, after, nominal_amount))
    elif status == "pending" and was != "pending":
        # RULE PAY-6: back to pending removes the auto transaction.
        _drop_transaction(ts, row)
        changes.update({"status": "pending", "transaction_id": None, "payment_date": None})
    elif status == "cancelled" and was != "cancelled":
        # RULE PAY-6: cancelled from pending.
        changes["status"] = "cancelled"
    ts[side.resource].update(row, changes)
    _replace_children(ts, side, row, shares, charges)
    if status == side.settled and not settling:
        _sync(ts, row)
    return row


def _settle(side: Side, ts: TenantStore, after: Callable[[str], Any],
            nominal_amount: Decimal) -> dict[str, Any]:
    """RULE PAY-5: one auto transaction of `nominal_amount` (debit for payables, credit for
    receivables) on the row's account, dated `payment_date` (`after`: the row's fields as this
    update leaves them); the row's changes that settle it: its status, the transaction's id."""
    account_id, payment_date = after("financial_account_id"), after("payment_date")
    assert account_id is not None and payment_date is not None
    if "settle_without_transaction" in ts.faults:  # FAULT
        return {"status": side.settled}
    trx = transactions.create_auto(
        ts, company_id=after("company_id"), financial_account_id=account_id,
        amount=nominal_amount, type=side.transaction_type, occurred_at=payment_date,
        description=after("description"), person_id=after("person_id"),
        category_id=after("category_id"), cost_center_id=after("cost_center_id"),
    )
    return {"status": side.settled, "transaction_id": trx.id}


def _sync(ts: TenantStore, row: Bill) -> None:
    """Edits on a settled row keep its auto transaction equal to `nominal_amount`, on its
    account and payment date."""
    trx = ts["transactions"].get(row.transaction_id) if row.transaction_id else None
    if trx is None or not trx.auto_created:
        return
    wanted = {"amount": row.nominal_amount, "occurred_at": row.payment_date,
              "financial_account_id": row.financial_account_id}
    if "auto_transaction_drifts" in ts.faults:  # FAULT: the amount is not kept in step
        del wanted["amount"]
    changed = {k: v for k, v in wanted.items() if getattr(trx, k) != v}
    if changed:
        ts["transactions"].update(trx, {**changed, "updated_at": touch(ts)})


def _drop_transaction(ts: TenantStore, row: Bill) -> None:
    if row.transaction_id:
        trx = ts["transactions"].get(row.transaction_id)
        if trx is not None and trx.auto_created:
            ts["transactions"].delete(trx)


def delete(side: Side, ts: TenantStore, row: Bill) -> None:
    # RULE PAY-9: hard delete of this row only; it dissolves any reconciliation it is part of,
    # and its auto transaction goes too (manual ones stay).
    reconciliations.dissolve(ts, row.id)
    if "delete_keeps_auto_transaction" not in ts.faults:  # FAULT
        _drop_transaction(ts, row)
    for resource in ("allocations", "tax_charges", "attachment_links"):
        for child in list(ts[resource].where(owner_id=row.id)):
            ts[resource].delete(child)
    ts[side.resource].delete(row)


# -- view (PAY-8) --------------------------------------------------------------------------

ROW_FIELDS = ("id", "workspace_id", "company_id", "description", "due_date", "competence_date",
              "type", "person_id", "category_id", "cost_center_id", "payment_method_kind",
              "financial_account_id", "expected_account_id", "document", "document_date",
              "document_number", "notes", "ir_relevant", "recurrence_period",
              "total_installments", "installment_number", "group_id", "status",
              "payment_date", "transaction_id", "is_reconciled", "created_at", "updated_at")


def _percent(value: Decimal | None) -> str | None:
    return None if value is None else f"{value.quantize(CENT):f}"


def view(side: Side, ts: TenantStore, row: Bill, *, detail: bool = False) -> dict[str, Any]:
    out = public(row, ROW_FIELDS)
    for name in MONEY_FIELDS:
        out[name] = money(getattr(row, name))
    out["nominal_amount"] = money(row.nominal_amount)
    if "nominal_ignores_interest" in ts.faults:  # FAULT
        out["nominal_amount"] = money(row.amount - row.discount_amount)
    for name in side.extra_fields:
        out[name] = row.extra.get(name)
    # RULE PAY-8: denormalised names (soft-deleted people included, PER-5) and counts.
    out["person_name"] = name_of(ts, "people", row.person_id)
    out["category_name"] = name_of(ts, "categories", row.category_id)
    out["cost_center_name"] = name_of(ts, "cost_centers", row.cost_center_id)
    allocations = children(ts, "allocations", row.id)
    charges = children(ts, "tax_charges", row.id)
    out["tax_charges_count"] = len(charges)
    out["cost_center_allocations_count"] = len(allocations)
    out["attachments_count"] = ts["attachment_links"].count(owner_id=row.id)
    if "attachments_count_zero" in ts.faults:  # FAULT
        out["attachments_count"] = 0
    if detail:
        out["cost_center_allocations"] = [
            {"cost_center_id": a.cost_center_id,
             "cost_center_name": name_of(ts, "cost_centers", a.cost_center_id),
             "amount": money(a.amount), "percentage": _percent(a.percentage)}
            for a in allocations
        ]
        out["tax_charges"] = [
            {"id": c.id, "tax_id": c.tax_id, "tax_name": name_of(ts, "taxes", c.tax_id),
             "amount": money(c.amount), "withholding": c.withholding}
            for c in charges
        ]
        # RULE PAY-8: the reconciliation group (`null` when not reconciled).
        group = reconciliations.of(ts, row.id)
        out["reconciliation"] = None if group is None else {
            k: group[k] for k in ("id", "transaction_ids", "reconciled_at")}
    return out


class Bills:
    """The payables or the receivables resource: the mirrored rules bound to one `Side`.

    It has the shape every resource has (`mock.domain.base.Resource`): its table `SPEC` and
    `create`, `update`, `delete`, `view`."""

    def __init__(self, side: Side) -> None:
        self.side = side
        self.SPEC: TableSpec = table_spec(side.resource)

    def __repr__(self) -> str:
        return f"Bills({self.side.resource!r})"

    def create(self, ts: TenantStore, body: dict[str, Any], *,
               row_id: str | None = None) -> Bill:
        return create(self.side, ts, body, row_id=row_id)

    def update(self, ts: TenantStore, row: Bill, body: dict[str, Any]) -> Bill:
        return update(self.side, ts, row, body)

    def delete(self, ts: TenantStore, row: Bill) -> None:
        delete(self.side, ts, row)

    def view(self, ts: TenantStore, row: Bill, *, detail: bool = False) -> dict[str, Any]:
        return view(self.side, ts, row, detail=detail)
