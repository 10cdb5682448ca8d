"""Financial accounts (`finance.accounts`): RULES ACC-1 … ACC-4."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from mock.domain import transactions
from mock.domain.base import (
    Row,
    flag,
    one_of,
    pick,
    public,
    reference,
    refuse_if_used,
    require,
    required_text,
    row_base,
    text,
    touch,
)
from mock.domain.values import money, parse_money, parse_uuid
from mock.store import Filter, TableSpec, TenantStore

TYPES = ("checking", "savings", "investment", "cash", "credit_card", "other")


@dataclass(slots=True, kw_only=True)
class Account(Row):
    company_id: str | None
    name: str
    type: str
    bank_id: str | None
    agency: str | None
    agency_digit: str | None
    account_number: str | None
    account_digit: str | None
    disable_reconcile: bool
    active: bool
    opening_balance: Decimal


SPEC = TableSpec(
    resource="accounts",
    sorts={"name": "ci", "created_at": "text", "updated_at": "text"},
    default_sort="name",
    filters={
        "company_id": Filter("company_id"),
        "type": Filter("type"),
        "bank_id": Filter("bank_id"),
        "active": Filter("active"),
        "name": Filter("name", "contains"),
    },
)
FIELDS = ("id", "workspace_id", "company_id", "name", "type", "bank_id", "agency",
          "agency_digit", "account_number", "account_digit", "disable_reconcile", "active",
          "created_at", "updated_at")


_type = one_of(*TYPES)


def _bank_id(value: Any, field: str) -> str | None:
    return None if value is None else parse_uuid(value, field)


BANK_FIELDS = ("bank_id", "agency", "agency_digit", "account_number", "account_digit")
# RULE ACC-3: PATCH is partial; `balance` is never writable (ACC-2). `company_id` is writable
# (spec's AccountUpdate, seed) but checked apart, in `update`.
WRITABLE = {"name": required_text, "type": _type, "bank_id": _bank_id, "agency": text,
            "agency_digit": text, "account_number": text, "account_digit": text,
            "disable_reconcile": flag, "active": flag}


def create(ts: TenantStore, body: dict[str, Any], *, row_id: str | None = None) -> Account:
    # RULE ACC-1: company_id (of the workspace), name and type are required.
    require(body, "company_id", "name", "type")
    company = reference(ts, "companies", body["company_id"], "company_id")
    fields = pick(body, WRITABLE)
    if "account_bank_fields_required" in ts.faults:  # FAULT: the bank fields are optional
        require(body, "agency", "account_number")
    # RULE ACC-2: `balance` on create is an opening seed, default 0.00.
    # The seed may be negative (an overdrawn account): the spec's SignedMoneyInput.
    opening = parse_money(body["balance"], "balance", signed=True) \
        if body.get("balance") is not None else Decimal("0.00")
    row = Account(
        **row_base(ts, row_id), company_id=company.id, name=fields["name"], type=fields["type"],
        bank_id=fields.get("bank_id"), agency=fields.get("agency"),
        agency_digit=fields.get("agency_digit"), account_number=fields.get("account_number"),
        account_digit=fields.get("account_digit"),
        disable_reconcile=fields.get("disable_reconcile", False),
        active=fields.get("active", True), opening_balance=opening,
    )
    ts["accounts"].insert(row)
    return row


def update(ts: TenantStore, row: Account, body: dict[str, Any]) -> Account:
    # RULE ACC-3: only the fields present are written; `active: false` soft-deactivates.
    changes = pick(body, WRITABLE)
    if "account_patch_resets_absent" in ts.faults:  # FAULT: not partial
        changes = {f: None for f in BANK_FIELDS} | changes
    if body.get("company_id") is not None:
        # RULE ACC-1 / G-3: a company of the workspace, else 422 naming the field.
        company = reference(ts, "companies", body["company_id"], "company_id")
        if company.id != row.company_id:
            # Moving a used account would leave its transactions in another company than
            # their account (TRX-1): refused like a delete (ACC-4).
            refuse_if_used("account", usage(ts, row.id), "it cannot move to another company.")
            changes["company_id"] = company.id
    ts["accounts"].update(row, {**changes, "updated_at": touch(ts)})
    return row


def usage(ts: TenantStore, account_id: str) -> dict[str, int]:
    """RULE ACC-4: the rows that use the account, per kind (a bill uses it as its settlement
    account or as its expected account)."""
    def bills(resource: str) -> int:
        table = ts[resource]
        return len({r.id for field in ("financial_account_id", "expected_account_id")
                    for r in table.where(**{field: account_id})})

    return {
        "transactions": ts["transactions"].count(financial_account_id=account_id),
        "payables": bills("payables"),
        "receivables": bills("receivables"),
    }


def delete(ts: TenantStore, row: Account) -> None:
    # RULE ACC-4: refused (422, the usage breakdown) while any transaction, payable or
    # receivable uses the account.
    if "account_delete_in_use" not in ts.faults:  # FAULT: no guard
        refuse_if_used("account", usage(ts, row.id))
    ts["accounts"].delete(row)


def balance(ts: TenantStore, row: Account) -> Decimal:
    """RULE ACC-2: the opening seed + Σ credits − Σ debits of the account's posted
    (`is_pending` false) transactions, the auto-created ones of settlements (PAY-5) included;
    exact decimal, to the cent. The sum is the transactions table's running total
    (`transactions.posted_amount`), kept in step by every write: a read is O(1), however many
    transactions the account has, and cannot drift from the rows."""
    if "balance_ignores_ledger" in ts.faults:  # FAULT
        return row.opening_balance
    total = row.opening_balance + ts["transactions"].total(transactions.BALANCE, row.id)
    return total.quantize(Decimal("0.01"))


def view(ts: TenantStore, row: Account, *, detail: bool = False) -> dict[str, Any]:
    out = public(row, FIELDS)
    if detail:
        out["balance"] = money(balance(ts, row))
    return out
