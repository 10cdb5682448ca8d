"""Payables and receivables: one implementation of the mirrored rules PAY-1 … PAY-10 (REC).

`payables.py` and `receivables.py` only name their side: status word, polarity, scope and the
payment-instruction fields payables carry.
"""

from __future__ import annotations

import calendar
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import ROUND_DOWN, Decimal
from typing import Any

from mock.domain import transactions
from mock.domain.base import (
    Row,
    flag,
    name_of,
    pick,
    public,
    reference,
    require,
    required_text,
    row_base,
    text,
    touch,
)
from mock.domain.errors import ValidationFailed
from mock.domain.links import Allocation, TaxCharge
from mock.domain.references import Polarity, resolve
from mock.domain.values import CENT, money, new_id, parse_business_date, parse_money, parse_uuid
from mock.store import Filter, TableSpec, TenantStore

PERIOD_MONTHS = {"monthly": 1, "bimonthly": 2, "quarterly": 3, "semiannual": 6, "annual": 12}
PERIOD_DAYS = {"weekly": 7, "biweekly": 14}
RECURRING_OCCURRENCES = 12
MONEY_FIELDS = ("amount", "interest_amount", "discount_amount", "ticket_amount")


@dataclass(frozen=True)
class Side:
    """What differs between payables and receivables."""

    resource: str
    settled: str  # "paid" | "received"
    polarity: Polarity
    transaction_type: str  # "debit" | "credit"
    extra_fields: tuple[str, ...] = ()


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
        return self.amount + self.interest_amount - self.discount_amount


def _date(value: Any, name: str) -> str | None:
    return None if value is None else parse_business_date(value, name)


def _money(value: Any, name: str) -> Decimal:
    return Decimal("0.00") if value is None else parse_money(value, name)


def _positive(value: Any, name: str) -> Decimal:
    return parse_money(value, name, positive=True)


def _account(value: Any, name: str) -> str | None:
    return None if value is None else parse_uuid(value, name)


def _period(value: Any, name: str) -> str | None:
    if value in (None, ""):
        return None
    if value not in PERIOD_MONTHS and value not in PERIOD_DAYS:
        raise ValidationFailed("unknown recurrence_period", field=name)
    return str(value)


WRITABLE = {
    "description": required_text, "amount": _positive, "due_date": _date,
    "competence_date": _date, "type": text, "payment_method_kind": text,
    "financial_account_id": _account, "expected_account_id": _account, "document": text,
    "document_date": _date, "document_number": text, "notes": text, "ir_relevant": flag,
    "interest_amount": _money, "discount_amount": _money, "ticket_amount": _money,
}


def table_spec(resource: str) -> TableSpec:
    return TableSpec(
        resource=resource,
        sorts={"due_date": "text", "amount": "decimal", "payment_date": "text",
               "competence_date": "text", "created_at": "text", "updated_at": "text"},
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
        indexes=("transaction_id",),
    )


def _add_period(start: str, period: str, steps: int) -> str:
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


def _allocations(ts: TenantStore, body: dict[str, Any], amount: Decimal, company_id: str,
                 ) -> list[tuple[str, Decimal, Decimal | None]]:
    """RULE PAY-2: rateio shares add up to the amount, or their percentages to 100."""
    items = body.get("cost_centers") or []
    if not isinstance(items, list):
        raise ValidationFailed("cost_centers must be a list", field="cost_centers")
    out: list[tuple[str, Decimal, Decimal | None]] = []
    by_pct = bool(items) and all(i.get("amount") in (None, 0, "0", "0.00") for i in items)
    for n, item in enumerate(items):
        where = f"cost_centers[{n}]"
        center = reference(ts, "cost_centers", item.get("cost_center_id"),
                           f"{where}.cost_center_id")
        if center.company_id != company_id:
            raise ValidationFailed("cost center of another company",
                                   field=f"{where}.cost_center_id")
        if by_pct:
            pct = parse_money(item.get("percentage"), f"{where}.percentage")
            out.append((center.id, (amount * pct / 100).quantize(CENT), pct))
        else:
            share = parse_money(item.get("amount"), f"{where}.amount", positive=True)
            pct = item.get("percentage")
            out.append((center.id, share,
                        None if pct is None else parse_money(pct, f"{where}.percentage")))
    if out and by_pct:
        if sum(p for _, _, p in out if p is not None) != 100:
            raise ValidationFailed("rateio percentages must add up to 100", field="cost_centers")
        # Rounding leftovers go to the last share so the amounts add up exactly too.
        last_id, last_amount, last_pct = out[-1]
        out[-1] = (last_id, last_amount + amount - sum(a for _, a, _ in out), last_pct)
    elif out and sum(a for _, a, _ in out) != amount:
        raise ValidationFailed("rateio amounts must add up to the amount", field="cost_centers")
    return out


def _tax_charges(ts: TenantStore, body: dict[str, Any]) -> list[tuple[str, Decimal, bool]]:
    items = body.get("tax_charges") or []
    if not isinstance(items, list):
        raise ValidationFailed("tax_charges must be a list", field="tax_charges")
    out = []
    for n, item in enumerate(items):
        where = f"tax_charges[{n}]"
        tax = reference(ts, "taxes", item.get("tax_id"), f"{where}.tax_id")
        out.append((tax.id, parse_money(item.get("amount", 0), f"{where}.amount"),
                    flag(item.get("withholding", False), f"{where}.withholding")))
    return out


def create(side: Side, ts: TenantStore, body: dict[str, Any], *,
           row_id: str | None = None) -> Bill:
    require(body, "company_id", "description", "amount", "due_date")
    company = reference(ts, "companies", body["company_id"], "company_id")
    if body.get("person_id") is None and body.get("person_name") in (None, ""):
        # RULE PAY-1: a person is required, by id or by name.
        raise ValidationFailed("person_id or person_name is required", field="person_id")
    if body.get("status") not in (None, "pending"):
        # RULE PAY-4: rows start pending; `draft` is never accepted.
        raise ValidationFailed("a new row starts pending", field="status")
    fields = pick(body, WRITABLE)
    refs = resolve(ts, body, company.id, side.polarity)
    _check_person_role(ts, side, refs.get("person_id"))
    for account_field in ("financial_account_id", "expected_account_id"):
        if fields.get(account_field):
            reference(ts, "accounts", fields[account_field], account_field)
    total = fields["amount"]
    period = _period(body.get("recurrence_period"), "recurrence_period")
    installments = body.get("total_installments") or 1
    if not isinstance(installments, int) or isinstance(installments, bool) or installments < 1:
        raise ValidationFailed("total_installments must be a positive integer",
                               field="total_installments")
    # RULE PAY-3: installments split the amount; a recurrence repeats it.
    if installments > 1:
        amounts, kind = split(total, installments), "installment"
    elif period is not None:
        amounts, kind = [total] * RECURRING_OCCURRENCES, "recurring"
    else:
        amounts, kind = [total], fields.get("type") or "normal"
    allocations = _allocations(ts, body, total, company.id)
    charges = _tax_charges(ts, body)
    group_id = new_id() if len(amounts) > 1 else None
    extra = {f: body.get(f) for f in side.extra_fields if f in body}
    first: Bill | None = None
    for n, share in enumerate(amounts):
        base = row_base(ts, row_id if n == 0 else None)
        row = Bill(
            **base, company_id=company.id, description=fields["description"], amount=share,
            due_date=_add_period(fields["due_date"], period or "monthly", n),
            competence_date=fields.get("competence_date"), type=kind,
            person_id=refs.get("person_id"), category_id=refs.get("category_id"),
            cost_center_id=refs.get("cost_center_id"),
            payment_method_kind=fields.get("payment_method_kind"),
            financial_account_id=fields.get("financial_account_id"),
            expected_account_id=fields.get("expected_account_id"),
            document=fields.get("document"), document_date=fields.get("document_date"),
            document_number=fields.get("document_number"), notes=fields.get("notes"),
            ir_relevant=fields.get("ir_relevant", False), recurrence_period=period,
            total_installments=len(amounts), installment_number=n + 1, group_id=group_id,
            status="pending", payment_date=None,
            interest_amount=fields.get("interest_amount", Decimal("0.00")),
            discount_amount=fields.get("discount_amount", Decimal("0.00")),
            ticket_amount=fields.get("ticket_amount", Decimal("0.00")),
            transaction_id=None, is_reconciled=False, extra=dict(extra),
        )
        ts[side.resource].insert(row)
        _attach_children(ts, side, row, allocations, charges, share / total)
        first = first or row
    assert first is not None
    return first


def _attach_children(ts: TenantStore, side: Side, row: Bill,
                     allocations: list[tuple[str, Decimal, Decimal | None]],
                     charges: list[tuple[str, Decimal, bool]], ratio: Decimal) -> None:
    shares = [(cc, (amt * ratio).quantize(CENT), pct) for cc, amt, pct in allocations]
    if shares:
        # Keep each installment's rateio adding up to its own amount.
        cc, amt, pct = shares[-1]
        shares[-1] = (cc, amt + row.amount - sum(a for _, a, _ in shares), pct)
    for cc, amt, pct in shares:
        ts["allocations"].insert(Allocation(id=new_id(), owner=side.resource, owner_id=row.id,
                                            cost_center_id=cc, amount=amt, percentage=pct))
    for tax_id, amt, withholding in charges:
        ts["tax_charges"].insert(TaxCharge(id=new_id(), owner=side.resource, owner_id=row.id,
                                           tax_id=tax_id, amount=amt, withholding=withholding))


def _check_person_role(ts: TenantStore, side: Side, person_id: str | None) -> None:
    if person_id is None:
        return
    person = ts["people"].get(person_id)
    if person is not None and not getattr(person, side.polarity.person_flag):
        # RULE PER-2: only suppliers on payables, only customers on receivables.
        role = "supplier" if side.polarity.person_flag == "is_supplier" else "customer"
        raise ValidationFailed(f"person_id must be a {role}", field="person_id")


def update(side: Side, ts: TenantStore, row: Bill, body: dict[str, Any]) -> Bill:
    # RULE PAY-10: response-only fields are not in WRITABLE and so are dropped.
    changes = pick(body, WRITABLE)
    refs = resolve(ts, body, row.company_id, side.polarity)
    _check_person_role(ts, side, refs.get("person_id"))
    changes.update(refs)
    for account_field in ("financial_account_id", "expected_account_id"):
        if changes.get(account_field):
            reference(ts, "accounts", changes[account_field], account_field)
    if body.get("payment_date") is not None:
        changes["payment_date"] = parse_business_date(body["payment_date"], "payment_date")
    extra = {f: body[f] for f in side.extra_fields if f in body}
    if extra:
        changes["extra"] = {**row.extra, **extra}
    status = body.get("status", row.status)
    if status not in ("pending", side.settled, "cancelled"):
        raise ValidationFailed(f"status must be pending, {side.settled} or cancelled",
                               field="status")
    table = ts[side.resource]
    table.update(row, {**changes, "updated_at": touch(ts)})
    if status != row.status:
        _transition(side, ts, row, status)
    elif status == side.settled and row.transaction_id:
        # Amount edits on a settled row keep its transaction equal to nominal_amount.
        trx = ts["transactions"].get(row.transaction_id)
        if trx is not None:
            ts["transactions"].update(trx, {"amount": row.nominal_amount,
                                            "occurred_at": row.payment_date or trx.occurred_at})
    return row


def _transition(side: Side, ts: TenantStore, row: Bill, status: str) -> None:
    table = ts[side.resource]
    if status == side.settled:
        # RULE PAY-5: settle needs payment_date and an account; creates one auto transaction.
        if row.status == "cancelled":
            raise ValidationFailed("a cancelled row cannot be settled", field="status")
        if row.payment_date is None:
            raise ValidationFailed("payment_date is required to settle", field="payment_date")
        if row.financial_account_id is None:
            raise ValidationFailed("financial_account_id is required to settle",
                                   field="financial_account_id")
        trx = transactions.create(ts, {
            "company_id": row.company_id, "financial_account_id": row.financial_account_id,
            "amount": str(row.nominal_amount), "type": side.transaction_type,
            "occurred_at": row.payment_date, "description": row.description,
            "person_id": row.person_id, "category_id": row.category_id,
            "cost_center_id": row.cost_center_id,
        }, auto_created=True)
        table.update(row, {"status": status, "transaction_id": trx.id})
    elif status == "pending":
        # RULE PAY-6: back to pending removes the auto transaction.
        _drop_transaction(ts, row)
        table.update(row, {"status": "pending", "transaction_id": None, "payment_date": None})
    else:
        if row.status == side.settled:
            # RULE PAY-6: revert a settled row to pending before cancelling it.
            raise ValidationFailed(f"a {side.settled} row must be reverted to pending before it "
                                   "is cancelled", field="status")
        table.update(row, {"status": "cancelled"})


def _drop_transaction(ts: TenantStore, row: Bill) -> None:
    if row.transaction_id:
        trx = ts["transactions"].get(row.transaction_id)
        if trx is not None and trx.auto_created:
            ts["transactions"].delete(trx)


def delete(side: Side, ts: TenantStore, row: Bill) -> None:
    # RULE PAY-9: hard delete; the auto transaction goes too, manual ones stay.
    _drop_transaction(ts, row)
    for resource in ("allocations", "tax_charges", "attachment_links"):
        for child in list(ts[resource].where(owner_id=row.id)):
            ts[resource].delete(child)
    ts[side.resource].delete(row)


ROW_FIELDS = ("id", "workspace_id", "company_id", "description", "due_date", "competence_date",
              "type", "person_id", "category_id", "cost_center_id", "payment_method_kind",
              "financial_account_id", "expected_account_id", "document", "document_date",
              "document_number", "notes", "ir_relevant", "recurrence_period",
              "total_installments", "installment_number", "group_id", "status",
              "payment_date", "transaction_id", "is_reconciled", "created_at", "updated_at")


def view(side: Side, ts: TenantStore, row: Bill, *, detail: bool = False) -> dict[str, Any]:
    out = public(row, ROW_FIELDS)
    for name in MONEY_FIELDS:
        out[name] = money(getattr(row, name))
    out["nominal_amount"] = money(row.nominal_amount)
    for f in side.extra_fields:
        out[f] = row.extra.get(f)
    # RULE PAY-8: denormalised names and counts on every row.
    out["person_name"] = name_of(ts, "people", row.person_id)
    out["category_name"] = name_of(ts, "categories", row.category_id)
    out["cost_center_name"] = name_of(ts, "cost_centers", row.cost_center_id)
    allocations = list(ts["allocations"].where(owner_id=row.id))
    charges = list(ts["tax_charges"].where(owner_id=row.id))
    out["tax_charges_count"] = len(charges)
    out["cost_center_allocations_count"] = len(allocations)
    out["attachments_count"] = ts["attachment_links"].count(owner_id=row.id)
    if detail:
        out["cost_center_allocations"] = [
            {"cost_center_id": a.cost_center_id,
             "cost_center_name": name_of(ts, "cost_centers", a.cost_center_id),
             "amount": money(a.amount),
             "percentage": None if a.percentage is None else f"{a.percentage:.2f}"}
            for a in allocations
        ]
        out["tax_charges"] = [
            {"id": c.id, "tax_id": c.tax_id, "tax_name": name_of(ts, "taxes", c.tax_id),
             "amount": money(c.amount), "withholding": c.withholding}
            for c in charges
        ]
        out["reconciliation"] = None
    return out

