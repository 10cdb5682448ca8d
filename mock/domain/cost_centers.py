"""Cost centers (`finance.cost_centers`): RULES CC-1, CC-2."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

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
from mock.store import Filter, TableSpec, TenantStore

TYPES = ("cost", "revenue")


@dataclass(slots=True, kw_only=True)
class CostCenter(Row):
    company_id: str
    name: str
    type: str
    description: str | None
    active: bool


SPEC = TableSpec(
    resource="cost_centers",
    sorts={"name": "ci", "created_at": "text", "updated_at": "text"},
    default_sort="name",
    filters={
        "company_id": Filter("company_id"),
        "active": Filter("active"),
        "type": Filter("type"),
        "name": Filter("name", "contains"),
    },
)
FIELDS = ("id", "workspace_id", "company_id", "name", "type", "description", "active",
          "created_at", "updated_at")


_type = one_of(*TYPES)


# RULE CC-1: PATCH writes name, type, description (null clears it) and active.
WRITABLE = {"name": required_text, "type": _type, "description": text, "active": flag}


def create(ts: TenantStore, body: dict[str, Any], *, row_id: str | None = None) -> CostCenter:
    require(body, "company_id", "name", "type")
    company = reference(ts, "companies", body["company_id"], "company_id")
    fields = pick(body, WRITABLE)
    row = CostCenter(
        **row_base(ts, row_id), company_id=company.id, name=fields["name"], type=fields["type"],
        description=fields.get("description"), active=fields.get("active", True),
    )
    ts["cost_centers"].insert(row)
    return row


def update(ts: TenantStore, row: CostCenter, body: dict[str, Any]) -> CostCenter:
    changes = pick(body, WRITABLE)
    if "cost_center_description_null_kept" in ts.faults and changes.get("description", "") \
            is None:  # FAULT: null does not clear
        del changes["description"]
    ts["cost_centers"].update(row, {**changes, "updated_at": touch(ts)})
    return row


def usage(ts: TenantStore, cost_center_id: str) -> dict[str, int]:
    """RULE CC-2: where the cost center is still used, per kind."""
    return {
        "allocations": ts["allocations"].count(cost_center_id=cost_center_id),
        "payables": ts["payables"].count(cost_center_id=cost_center_id),
        "receivables": ts["receivables"].count(cost_center_id=cost_center_id),
        "transactions": ts["transactions"].count(cost_center_id=cost_center_id),
    }


def delete(ts: TenantStore, row: CostCenter) -> None:
    if "cost_center_delete_in_use" not in ts.faults:  # FAULT: no guard
        refuse_if_used("cost center", usage(ts, row.id))  # RULE CC-2
    ts["cost_centers"].delete(row)


def view(ts: TenantStore, row: CostCenter, *, detail: bool = False) -> dict[str, Any]:
    return public(row, FIELDS)
