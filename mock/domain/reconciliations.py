"""Reconciliation groups: payables / receivables matched with the transactions that paid them.

The public API only shows them (`is_reconciled`, and the `reconciliation` group of
`GET /payables/{id}` and `GET /receivables/{id}`, PAY-8); it never makes one. The mock's admin
surface (`POST /__mock/reconcile`) and the demo seed make them, so integrators see the shapes
their code must handle. Deleting a reconciled bill dissolves its group (PAY-9, as the export
says); so does deleting one of its transactions.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from mock.clock import iso
from mock.domain.errors import Conflict, ValidationFailed
from mock.domain.values import new_id, parse_uuid
from mock.store import TableSpec, TenantStore

BILLS = {"payable_ids": "payables", "receivable_ids": "receivables"}
KIND = {"payables": "payable", "receivables": "receivable", "transactions": "transaction"}


@dataclass(slots=True, kw_only=True)
class ReconciliationItem:
    """One member (a payable, a receivable or a transaction) of a reconciliation group."""

    id: str
    group_id: str
    owner: str  # "payables" | "receivables" | "transactions"
    owner_id: str
    reconciled_at: str


RECONCILIATION_ITEMS = TableSpec(resource="reconciliation_items",
                                 indexes=("group_id", "owner_id"))


def _ids(body: dict[str, Any], name: str) -> list[str]:
    value = body.get(name) or []
    if not isinstance(value, list):
        raise ValidationFailed(f"{name} must be a list of ids", field=name)
    return [parse_uuid(v, f"{name}[{n}]") for n, v in enumerate(value)]


def _row(ts: TenantStore, resource: str, row_id: str, field: str) -> Any:
    row = ts[resource].get(row_id)
    if row is None:
        raise ValidationFailed(f"{field} does not name a {KIND[resource]} of this workspace",
                               field=field)
    if ts["reconciliation_items"].count(owner_id=row.id):
        raise Conflict(f"The {KIND[resource]} {row.id} is already reconciled.",
                       details={"id": row.id})
    return row


def reconcile(ts: TenantStore, body: dict[str, Any], *,
              group_id: str | None = None) -> dict[str, Any]:
    """Make a group of `payable_ids` / `receivable_ids` and `transaction_ids`.

    At least one bill; the bills and transactions of one company, none already reconciled
    (409). With no `transaction_ids`, each settled bill brings its own settlement transaction
    (the bank line that paid it). Returns the group as `GET /payables/{id}` shows it."""
    bills = [(resource, _row(ts, resource, bill_id, f"{field}[{n}]"))
             for field, resource in BILLS.items()
             for n, bill_id in enumerate(_ids(body, field))]
    if not bills:
        raise ValidationFailed("a reconciliation needs a payable or a receivable",
                               field="payable_ids")
    trx_ids = _ids(body, "transaction_ids")
    if not trx_ids:
        trx_ids = [bill.transaction_id for _, bill in bills if bill.transaction_id]
    if not trx_ids:
        raise ValidationFailed("a reconciliation needs a transaction: send transaction_ids, or "
                               "reconcile a settled bill", field="transaction_ids")
    transactions = [_row(ts, "transactions", t, f"transaction_ids[{n}]")
                    for n, t in enumerate(dict.fromkeys(trx_ids))]
    companies = {row.company_id for _, row in bills} | {t.company_id for t in transactions}
    if len(companies) > 1:
        raise ValidationFailed("the bills and transactions belong to different companies",
                               field="transaction_ids")
    group = group_id or new_id()
    now = iso(ts.clock.now())
    members = [*bills, *(("transactions", t) for t in transactions)]
    for resource, row in members:
        ts["reconciliation_items"].insert(ReconciliationItem(
            id=new_id(), group_id=group, owner=resource, owner_id=row.id, reconciled_at=now))
        if resource in BILLS.values():
            ts[resource].update(row, {"is_reconciled": True})
    return group_view(ts, group)


def group_of(ts: TenantStore, owner_id: str) -> str | None:
    item = next(iter(ts["reconciliation_items"].where(owner_id=owner_id)), None)
    return None if item is None else str(item.group_id)


def group_view(ts: TenantStore, group_id: str) -> dict[str, Any]:
    """The `Reconciliation` shape: `{id, transaction_ids, reconciled_at}`, plus the bills."""
    items = sorted(ts["reconciliation_items"].where(group_id=group_id),
                   key=lambda i: (i.owner, i.owner_id))
    return {
        "id": group_id,
        "transaction_ids": [i.owner_id for i in items if i.owner == "transactions"],
        "payable_ids": [i.owner_id for i in items if i.owner == "payables"],
        "receivable_ids": [i.owner_id for i in items if i.owner == "receivables"],
        "reconciled_at": min(i.reconciled_at for i in items),
    }


def of(ts: TenantStore, owner_id: str) -> dict[str, Any] | None:
    """The group a row belongs to, or None (PAY-8: `reconciliation: null`)."""
    group = group_of(ts, owner_id)
    return None if group is None else group_view(ts, group)


def dissolve(ts: TenantStore, owner_id: str) -> None:
    """Dissolve the group `owner_id` belongs to, if any: every member is unreconciled."""
    group = group_of(ts, owner_id)
    if group is None:
        return
    for item in list(ts["reconciliation_items"].where(group_id=group)):
        ts["reconciliation_items"].delete(item)
        if item.owner in BILLS.values():
            row = ts[item.owner].get(item.owner_id)
            if row is not None:
                ts[item.owner].update(row, {"is_reconciled": False})
