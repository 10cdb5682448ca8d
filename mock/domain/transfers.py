"""Transfers between two financial accounts: a debit and a credit transaction sharing one
`transfer_id` (server-controlled, TRX-3).

The public API only shows them (`transfer_id` on both legs); the mock's admin surface
(`POST /__mock/transfers`) and the demo seed make them. A transfer is one movement: deleting
either leg deletes both, so no account keeps half of it.
"""

from __future__ import annotations

from typing import Any

from mock.domain.base import reference, require, row_base, text
from mock.domain.errors import ValidationFailed
from mock.domain.transactions import Transaction, view
from mock.domain.values import new_id, parse_business_date, parse_money
from mock.store import TenantStore


def _leg(ts: TenantStore, row_id: str | None, account: Any, kind: str,
         fields: dict[str, Any], transfer_id: str) -> Transaction:
    row = Transaction(
        **row_base(ts, row_id), company_id=account.company_id, financial_account_id=account.id,
        description=fields["description"], bank_description=None, document=None,
        document_date=None, amount=fields["amount"], occurred_at=fields["occurred_at"],
        competence_date=None, type=kind, category_id=None, person_id=None,
        cost_center_id=None, payment_method_kind="bank_transfer", classified=False, notes=None,
        is_pending=False, auto_created=False, transfer_id=transfer_id)
    ts["transactions"].insert(row)
    return row


def create(ts: TenantStore, body: dict[str, Any], *, debit_id: str | None = None,
           credit_id: str | None = None, transfer_id: str | None = None) -> dict[str, Any]:
    """Move `amount` from `from_account_id` to `to_account_id` on `occurred_at`."""
    require(body, "from_account_id", "to_account_id", "amount", "occurred_at")
    source = reference(ts, "accounts", body["from_account_id"], "from_account_id")
    target = reference(ts, "accounts", body["to_account_id"], "to_account_id")
    if source.id == target.id:
        raise ValidationFailed("a transfer needs two different accounts", field="to_account_id")
    fields = {
        "amount": parse_money(body["amount"], "amount", positive=True),
        "occurred_at": parse_business_date(body["occurred_at"], "occurred_at"),
        "description": text(body.get("description"), "description") or "Transferência entre contas",
    }
    group = transfer_id or new_id()
    debit = _leg(ts, debit_id, source, "debit", fields, group)
    credit = _leg(ts, credit_id, target, "credit", fields, group)
    return {"transfer_id": group, "transactions": [view(ts, debit), view(ts, credit)]}
