"""Child rows the public API shows only inside their parents: rateio allocations, tax charges
and attachment links. Internal tables, indexed both ways so guards and counts stay cheap."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from mock.store import TableSpec, TenantStore


@dataclass(slots=True, kw_only=True)
class Allocation:
    """A rateio share of a payable/receivable/transaction to a cost center (PAY-2, CC-2)."""

    id: str
    owner: str
    owner_id: str
    cost_center_id: str
    amount: Decimal
    percentage: Decimal | None
    position: int = 0  # the order the shares were sent in


@dataclass(slots=True, kw_only=True)
class TaxCharge:
    """A tax charged on a payable or receivable (PAY-2, TAX-3)."""

    id: str
    owner: str
    owner_id: str
    tax_id: str
    amount: Decimal
    withholding: bool
    position: int = 0  # the order the charges were sent in


@dataclass(slots=True, kw_only=True)
class AttachmentLink:
    """An attachment linked to a payable, receivable or transaction (ATT-4)."""

    id: str
    attachment_id: str
    owner: str
    owner_id: str


ALLOCATIONS = TableSpec(resource="allocations", indexes=("owner_id", "cost_center_id"))
TAX_CHARGES = TableSpec(resource="tax_charges", indexes=("owner_id", "tax_id"))
ATTACHMENT_LINKS = TableSpec(resource="attachment_links", indexes=("attachment_id", "owner_id"))


def children(ts: TenantStore, resource: str, owner_id: str) -> list[Any]:
    """A parent's rows of an internal table, in the order they were sent (indexes are sets)."""
    return sorted(ts[resource].where(owner_id=owner_id),
                  key=lambda row: (getattr(row, "position", 0), row.id))
