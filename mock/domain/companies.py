"""Companies (`finance.companies`): RULES CMP-1 … CMP-5."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from contract.documents import cnpj_is_matriz, is_valid_cnpj, normalize_document
from mock.domain.base import Row, flag, pick, public, require, required_text, row_base, touch
from mock.domain.errors import Conflict, ValidationFailed
from mock.store import Filter, TableSpec, TenantStore


@dataclass(slots=True, kw_only=True)
class Company(Row):
    name: str
    cnpj: str
    type: str
    active: bool = True


SPEC = TableSpec(
    resource="companies",
    sorts={"name": "ci", "cnpj": "text", "created_at": "text", "updated_at": "text"},
    default_sort="name",
    filters={
        "active": Filter("active"),
        "type": Filter("type"),
        "cnpj": Filter("cnpj", convert=normalize_document),
        "name": Filter("name", "contains"),
    },
)
FIELDS = ("id", "workspace_id", "name", "cnpj", "type", "active", "created_at", "updated_at")
# RULE CMP-4: PATCH writes name and active only; cnpj and type are immutable (ignored).
WRITABLE = {"name": required_text, "active": flag}


def _cnpj(value: Any) -> str:
    # RULE CMP-1: check digits, formatted or bare; stored digits-only.
    if not isinstance(value, str) or not is_valid_cnpj(value):
        raise ValidationFailed("cnpj is not a valid CNPJ (check digits)", field="cnpj")
    return normalize_document(value)


def _ensure_unique(ts: TenantStore, cnpj: str, exclude: str | None = None) -> None:
    # RULE CMP-2: unique among *active* companies of the workspace.
    if "duplicate_active_cnpj" in ts.faults:  # FAULT
        return
    for other in ts["companies"].where(cnpj=cnpj, active=True):
        if other.id != exclude:
            raise Conflict(
                f"An active company with CNPJ {cnpj} already exists.",
                details={"cnpj": cnpj, "existing_id": other.id},
            )


def create(ts: TenantStore, body: dict[str, Any], *, row_id: str | None = None) -> Company:
    require(body, "name", "cnpj")
    if "cnpj_without_check_digits" in ts.faults:  # FAULT: any 14 digits will do
        cnpj = normalize_document(str(body["cnpj"]))
    else:
        cnpj = _cnpj(body["cnpj"])
    name = required_text(body["name"], "name")
    _ensure_unique(ts, cnpj)
    # RULE CMP-3: matriz/filial comes from the branch digits, never from the request.
    kind = "matriz" if cnpj_is_matriz(cnpj) else "filial"
    if "company_type_from_request" in ts.faults and body.get("type") in ("matriz", "filial"):
        kind = body["type"]  # FAULT: read from the request
    row = Company(**row_base(ts, row_id), name=name, cnpj=cnpj, type=kind, active=True)
    ts["companies"].insert(row)
    return row


def update(ts: TenantStore, row: Company, body: dict[str, Any]) -> Company:
    changes = pick(body, WRITABLE)
    if "company_cnpj_patchable" in ts.faults and body.get("cnpj") is not None:  # FAULT
        changes["cnpj"] = _cnpj(body["cnpj"])
        changes["type"] = "matriz" if cnpj_is_matriz(changes["cnpj"]) else "filial"
    if changes.get("active") and not row.active:
        # RULE CMP-2: reactivating must not make two active companies share a CNPJ.
        _ensure_unique(ts, row.cnpj, exclude=row.id)
    ts["companies"].update(row, {**changes, "updated_at": touch(ts)})
    return row


def usage(ts: TenantStore, company_id: str) -> dict[str, int]:
    """RULE CMP-5: the rows that block a delete, per table. "Active people" are the live ones
    (not soft-deleted, whatever their `active` flag): soft-deleted people cascade instead."""
    return {
        "transactions": ts["transactions"].count(company_id=company_id),
        "payables": ts["payables"].count(company_id=company_id),
        "receivables": ts["receivables"].count(company_id=company_id),
        "people": ts["people"].count(company_id=company_id),
    }


def delete(ts: TenantStore, row: Company) -> None:
    # RULE CMP-5: hard delete, blocked (409 conflict, per-table counts) by records or people.
    counts = usage(ts, row.id)
    if any(counts.values()) and "company_delete_ignores_records" not in ts.faults:  # FAULT
        raise Conflict(
            "The company still has financial records or people; remove them first or "
            "deactivate it with PATCH {\"active\": false}.",
            details=counts,
        )
    # RULE CMP-5: configuration rows cascade away with the company.
    for resource in ("categories", "cost_centers", "accounts"):
        table = ts[resource]
        for child in list(table.where(company_id=row.id)):
            table.delete(child)
    people = ts["people"]
    for person_id, person in list(people.tombstones.items()):
        if person.company_id == row.id:
            del people.tombstones[person_id]
    ts["companies"].delete(row)


def view(ts: TenantStore, row: Company, *, detail: bool = False) -> dict[str, Any]:
    return public(row, FIELDS)

