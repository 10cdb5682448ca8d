"""Transactions (`finance.transactions`): RULES TRX-1 … TRX-5."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from mock.domain import reconciliations
from mock.domain.base import (
    Row,
    flag,
    name_of,
    one_of,
    pick,
    public,
    reference,
    require,
    row_base,
    text,
    touch,
)
from mock.domain.errors import OwnedBySource, ValidationFailed
from mock.domain.references import CREDIT, DEBIT, resolve
from mock.domain.values import money, optional_business_date, parse_business_date, parse_money
from mock.store import Filter, TableSpec, TenantStore, Total

TYPES = ("debit", "credit")


@dataclass(slots=True, kw_only=True)
class Transaction(Row):
    company_id: str
    financial_account_id: str
    description: str | None
    bank_description: str | None
    document: str | None
    document_date: str | None
    amount: Decimal
    occurred_at: str
    competence_date: str | None
    type: str
    category_id: str | None
    person_id: str | None
    cost_center_id: str | None
    payment_method_kind: str | None
    classified: bool
    notes: str | None
    is_pending: bool
    auto_created: bool
    transfer_id: str | None


def _amount(value: Any, field: str) -> Decimal:
    return parse_money(value, field, positive=True)


_type = one_of(*TYPES)


def posted_amount(trx: Transaction) -> Decimal:
    """RULE ACC-2: what a transaction adds to its account's balance: a credit its amount, a
    debit minus it, a pending one nothing."""
    if trx.is_pending:
        return Decimal(0)
    return trx.amount if trx.type == "credit" else -trx.amount


BALANCE = "balance"  # `SPEC`'s running sum of `posted_amount` per account


SPEC = TableSpec(
    resource="transactions",
    sorts={"occurred_at": "date", "amount": "decimal", "competence_date": "date",
           "created_at": "text", "updated_at": "text"},
    default_sort="-occurred_at",
    filters={
        "company_id": Filter("company_id"),
        "type": Filter("type", indexed=False),  # debit or credit: about half the rows each
        "financial_account_id": Filter("financial_account_id"),
        "person_id": Filter("person_id"),
        "category_id": Filter("category_id"),
        "cost_center_id": Filter("cost_center_id"),
        "occurred_at": Filter("occurred_at", convert=lambda v: str(v)),
        "amount": Filter("amount", convert=lambda v: parse_money(v, "amount")),
    },
    # A transfer's other leg, found when one is deleted (both go): null on every other row,
    # which an equality index leaves out, so it costs nothing on a large table.
    indexes=("transfer_id",),
    totals={BALANCE: Total("financial_account_id", posted_amount)},
)
FIELDS = ("id", "workspace_id", "company_id", "financial_account_id", "description",
          "bank_description", "document", "document_date", "occurred_at", "competence_date",
          "type", "category_id", "person_id", "cost_center_id", "payment_method_kind",
          "classified", "notes", "is_pending", "auto_created", "transfer_id", "created_at",
          "updated_at")
# RULE TRX-3: PATCH drops id, workspace_id, company_id, financial_account_id, auto_created,
# transfer_id and created_at — they are simply not in this map.
WRITABLE = {"description": text, "bank_description": text, "document": text,
            "document_date": optional_business_date, "amount": _amount,
            "occurred_at": parse_business_date,
            "competence_date": optional_business_date, "type": _type, "payment_method_kind": text,
            "classified": flag, "notes": text, "is_pending": flag}
# RULE TRX-5: the money fields of an auto-created transaction belong to its source payable or
# receivable, its account included. TRX-3 drops `financial_account_id` on the PATCH of a manual
# transaction; on an auto-created one, TRX-5 is the more specific rule: a different account is
# refused like the other money fields, not silently dropped.
SOURCE_OWNED = ("amount", "type", "is_pending", "occurred_at", "financial_account_id")
# Where a settlement stores the id of the transaction it created (PAY-5).
SOURCES = {"payables": "payable", "receivables": "receivable"}


def _references(ts: TenantStore, body: dict[str, Any]) -> dict[str, Any]:
    """The body the references are resolved from; with FAULT transaction_id_and_name_accepted,
    the `<x>_name` of an `<x>_id` + `<x>_name` pair is dropped instead of refused (TRX-2)."""
    if "transaction_id_and_name_accepted" not in ts.faults:
        return body
    return {k: v for k, v in body.items()
            if not (k.endswith("_name") and body.get(k.removesuffix("_name") + "_id"))}


def create(ts: TenantStore, body: dict[str, Any], *, row_id: str | None = None) -> Transaction:
    # RULE TRX-1: company, account of that company, amount > 0, type, occurred_at.
    require(body, "company_id", "financial_account_id", "amount", "type", "occurred_at")
    company = reference(ts, "companies", body["company_id"], "company_id")
    account = reference(ts, "accounts", body["financial_account_id"], "financial_account_id")
    if account.company_id != company.id \
            and "transaction_account_of_other_company" not in ts.faults:  # FAULT
        raise ValidationFailed("financial_account_id belongs to another company",
                               field="financial_account_id")
    fields = pick(body, WRITABLE)
    # RULE TRX-2: resolved last, so a refused body creates no find-or-create rows (G-12).
    refs = resolve(ts, _references(ts, body), company.id,
                   DEBIT if fields["type"] == "debit" else CREDIT)
    row = Transaction(
        **row_base(ts, row_id), company_id=company.id, financial_account_id=account.id,
        description=fields.get("description"), bank_description=fields.get("bank_description"),
        document=fields.get("document"), document_date=fields.get("document_date"),
        amount=fields["amount"], occurred_at=fields["occurred_at"],
        competence_date=fields.get("competence_date"), type=fields["type"],
        category_id=refs.get("category_id"), person_id=refs.get("person_id"),
        cost_center_id=refs.get("cost_center_id"),
        payment_method_kind=fields.get("payment_method_kind"),
        classified=fields.get("classified", False), notes=fields.get("notes"),
        is_pending=fields.get("is_pending", False),
        # RULE TRX-3: auto_created and transfer_id are server-controlled.
        auto_created=False, transfer_id=None,
    )
    ts["transactions"].insert(row)
    return row


def create_auto(ts: TenantStore, *, company_id: str, financial_account_id: str, amount: Decimal,
                type: str, occurred_at: str, description: str | None, person_id: str | None,
                category_id: str | None, cost_center_id: str | None) -> Transaction:
    """RULE PAY-5: the posted transaction a settlement creates. Its references were checked
    on the source row (a soft-deleted person stays valid there, PER-5), so none is re-read."""
    row = Transaction(
        **row_base(ts), company_id=company_id, financial_account_id=financial_account_id,
        description=description, bank_description=None, document=None, document_date=None,
        amount=amount, occurred_at=occurred_at, competence_date=None, type=type,
        category_id=category_id, person_id=person_id, cost_center_id=cost_center_id,
        payment_method_kind=None, classified=False, notes=None, is_pending=False,
        auto_created=True, transfer_id=None,
    )
    ts["transactions"].insert(row)
    return row


def source_of(ts: TenantStore, row: Transaction) -> tuple[str, str] | None:
    """(kind, id) of the payable or receivable whose settlement created `row`, if any."""
    if not row.auto_created:
        return None
    for resource, kind in SOURCES.items():
        for bill in ts[resource].where(transaction_id=row.id):
            return kind, bill.id
    return None


def _check_source_owned(ts: TenantStore, row: Transaction, changes: dict[str, Any]) -> None:
    """RULE TRX-5: a PATCH that would change a money field of an auto-created transaction is
    refused (422 `owned_by_source`, naming the source); sending the current value is fine."""
    if not row.auto_created or "auto_transaction_money_patchable" in ts.faults:  # FAULT
        return
    changed = [name for name in SOURCE_OWNED
               if name in changes and changes[name] != getattr(row, name)]
    source = source_of(ts, row) if changed else None
    if source is None:
        return
    kind, source_id = source
    raise OwnedBySource(
        f"{', '.join(changed)} of this transaction belong(s) to the {kind} {source_id} whose "
        f"settlement created it; change the {kind} (or revert it to pending) instead.",
        source={"type": kind, "id": source_id},
        errors=[{"field": name, "message": f"owned by {kind} {source_id}"} for name in changed],
    )


def update(ts: TenantStore, row: Transaction, body: dict[str, Any]) -> Transaction:
    changes = pick(body, WRITABLE)
    account = body.get("financial_account_id")
    _check_source_owned(ts, row, {**changes, **(
        {"financial_account_id": str(account).lower()} if account is not None else {})})
    if "transaction_patch_moves_account" in ts.faults and body.get("financial_account_id"):
        # FAULT: the account is written (RULE TRX-3 drops it)
        changes["financial_account_id"] = reference(
            ts, "accounts", body["financial_account_id"], "financial_account_id").id
    kind = changes.get("type", row.type)
    changes.update(resolve(ts, _references(ts, body), row.company_id,
                           DEBIT if kind == "debit" else CREDIT))
    ts["transactions"].update(row, {**changes, "updated_at": touch(ts)})
    return row


def delete(ts: TenantStore, row: Transaction) -> None:
    if row.auto_created and "auto_transaction_deletable" not in ts.faults:  # FAULT
        # RULE TRX-4: revert the payable/receivable that created it (or delete that) instead.
        raise ValidationFailed(
            "This transaction was created by settling a payable or receivable; revert the "
            "source to pending or delete it instead.", field="id")
    # A transfer is one movement: both legs go (mock.domain.transfers). A reconciliation the
    # transaction belongs to is dissolved, as deleting a reconciled bill dissolves it (PAY-9).
    others = [] if row.transfer_id is None else [
        t for t in ts["transactions"].where(transfer_id=row.transfer_id) if t.id != row.id]
    for leg in (row, *others):
        reconciliations.dissolve(ts, leg.id)
        for link in list(ts["attachment_links"].where(owner_id=leg.id)):
            ts["attachment_links"].delete(link)
        ts["transactions"].delete(leg)


def view(ts: TenantStore, row: Transaction, *, detail: bool = False) -> dict[str, Any]:
    out = public(row, FIELDS)
    out["amount"] = money(row.amount)
    if "amount_as_json_number" in ts.faults:  # FAULT: a float, not a two-place string
        out["amount"] = float(row.amount)
    out["person_name"] = name_of(ts, "people", row.person_id)
    out["category_name"] = name_of(ts, "categories", row.category_id)
    out["cost_center_name"] = name_of(ts, "cost_centers", row.cost_center_id)
    return out
