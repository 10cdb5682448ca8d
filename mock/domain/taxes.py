"""Taxes (`finance.taxes`): RULES TAX-1 … TAX-3. Workspace-scoped, no company."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from contract.limits import TAX_2_MAX_RATE, TAX_2_MIN_RATE
from mock.domain.base import (
    Row,
    flag,
    pick,
    public,
    refuse_if_used,
    require,
    required_text,
    row_base,
    touch,
)
from mock.domain.errors import Conflict, ValidationFailed
from mock.domain.values import parse_money
from mock.store import Filter, TableSpec, TenantStore


@dataclass(slots=True, kw_only=True)
class Tax(Row):
    name: str
    name_key: str
    default_rate: Decimal | None
    default_withholding: bool
    active: bool


SPEC = TableSpec(
    resource="taxes",
    sorts={"name": "ci", "created_at": "text", "updated_at": "text"},
    default_sort="name",
    filters={
        "active": Filter("active"),
        "default_withholding": Filter("default_withholding"),
        "name": Filter("name", "contains"),
    },
    indexes=("name_key",),
)


def _rate(value: Any, field: str) -> Decimal | None:
    # RULE TAX-2: a percent from 0 to 100; null clears it.
    if value is None:
        return None
    rate = parse_money(value, field, signed=True)
    if not TAX_2_MIN_RATE <= rate <= TAX_2_MAX_RATE:
        raise ValidationFailed("default_rate is a percent from 0 to 100", field=field)
    return rate


WRITABLE = {"name": required_text, "default_rate": _rate, "default_withholding": flag,
            "active": flag}


def _ensure_unique(ts: TenantStore, name: str, exclude: str | None = None) -> None:
    # RULE TAX-1: names are unique per workspace, case-insensitively.
    for other in ts["taxes"].where(name_key=name.casefold()):
        if "tax_name_case_sensitive" in ts.faults and other.name != name:  # FAULT
            continue
        if other.id != exclude:
            raise Conflict(f"A tax named {other.name!r} already exists.", existing_id=other.id)


def create(ts: TenantStore, body: dict[str, Any], *, row_id: str | None = None) -> Tax:
    require(body, "name")
    fields = pick(body, WRITABLE)
    _ensure_unique(ts, fields["name"])
    row = Tax(
        **row_base(ts, row_id), name=fields["name"], name_key=fields["name"].casefold(),
        default_rate=fields.get("default_rate"),
        default_withholding=fields.get("default_withholding", False),
        active=fields.get("active", True),
    )
    ts["taxes"].insert(row)
    return row


def update(ts: TenantStore, row: Tax, body: dict[str, Any]) -> Tax:
    # RULE TAX-2: PATCH writes only the fields present; default_rate: null clears it.
    changes = pick(body, WRITABLE)
    if "tax_rate_null_kept" in ts.faults and changes.get("default_rate", 0) is None:  # FAULT
        del changes["default_rate"]
    if "name" in changes:
        _ensure_unique(ts, changes["name"], exclude=row.id)
        changes["name_key"] = changes["name"].casefold()
    ts["taxes"].update(row, {**changes, "updated_at": touch(ts)})
    return row


def delete(ts: TenantStore, row: Tax) -> None:
    charges = list(ts["tax_charges"].where(tax_id=row.id))
    # RULE TAX-3: refused while charged, naming the payables and receivables.
    if "tax_delete_while_charged" not in ts.faults:  # FAULT: no guard
        refuse_if_used("tax", {
            "payables": sorted({c.owner_id for c in charges if c.owner == "payables"}),
            "receivables": sorted({c.owner_id for c in charges if c.owner == "receivables"}),
        })
    ts["taxes"].delete(row)


def view(ts: TenantStore, row: Tax, *, detail: bool = False) -> dict[str, Any]:
    out = public(row, ("id", "workspace_id", "name", "default_rate", "default_withholding",
                       "active", "created_at", "updated_at"))
    out["default_rate"] = None if row.default_rate is None else f"{row.default_rate:.2f}"
    return out
