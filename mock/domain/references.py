"""`<x>_id` or `<x>_name` references on money rows (TRX-2, PAY-1), resolved in one place.

`_name` is find-or-create inside the row's company, with the polarity of the row: a debit side
(payables, debit transactions) finds or creates a supplier, a `debit` category and a `cost`
cost center; a credit side a customer, a `credit` category and a `revenue` cost center.

Resolution runs in two phases so a refused request writes nothing (G-12): every reference is
checked first, and only then are the missing `_name` rows created. Callers resolve last, after
their own checks.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from mock.domain import categories, cost_centers, people
from mock.domain.base import reference, required_text
from mock.domain.errors import AmbiguousReference, ValidationFailed
from mock.store import TenantStore


@dataclass(frozen=True)
class Polarity:
    person_flag: str  # "is_supplier" | "is_customer"
    category_type: str  # "debit" | "credit"
    cost_center_type: str  # "cost" | "revenue"

    @property
    def role(self) -> str:
        return "supplier" if self.person_flag == "is_supplier" else "customer"


DEBIT = Polarity("is_supplier", "debit", "cost")
CREDIT = Polarity("is_customer", "credit", "revenue")

REFS = {"person": "people", "category": "categories", "cost_center": "cost_centers"}
# Each reference's two body fields, `<ref>_id` and `<ref>_name` (spelled once, not per call).
FIELDS = {ref: (f"{ref}_id", f"{ref}_name") for ref in REFS}


def _sent(value: Any) -> bool:
    return value not in (None, "")


def check_ambiguous(body: dict[str, Any]) -> None:
    """RULE TRX-2 / PAY-1: `<x>_id` and `<x>_name` together for one reference is a 400."""
    for ref, (id_field, name_field) in FIELDS.items():
        if body.get(id_field) is not None and _sent(body.get(name_field)):
            raise AmbiguousReference(
                f"Send {ref}_id or {ref}_name, not both.",
                errors=[{"field": f"{ref}_name", "message": f"conflicts with {ref}_id"}],
            )


def _matches(ref: str, row: Any, polarity: Polarity) -> bool:
    """A row `_name` may resolve to: one of the side's polarity (supplier, debit, cost …)."""
    if ref == "person":
        return bool(getattr(row, polarity.person_flag))
    wanted = polarity.category_type if ref == "category" else polarity.cost_center_type
    return bool(row.type == wanted)


def _find_or_create(ts: TenantStore, ref: str, name: str, company_id: str,
                    polarity: Polarity) -> Any:
    resource = REFS[ref]
    wanted = name.casefold()
    found = [row for row in ts[resource].where(company_id=company_id)
             if row.name.casefold() == wanted and _matches(ref, row, polarity)]
    if found:
        # Oldest first, so the same name keeps resolving to the same row.
        return min(found, key=lambda row: (row.created_at, row.id))
    body: dict[str, Any] = {"company_id": company_id, "name": name}
    if ref == "person":
        body[polarity.person_flag] = True
        return people.create(ts, body)
    if ref == "category":
        body["type"] = polarity.category_type
        return categories.create(ts, body)
    body["type"] = polarity.cost_center_type
    return cost_centers.create(ts, body)


def check_polarity(ref: str, row: Any, polarity: Polarity, field: str) -> None:
    """RULE PAY-11: payables take `cost` cost centers and `debit` categories, receivables
    `revenue` and `credit`; a row of the other polarity is a 422 naming the field."""
    if ref == "person" or _matches(ref, row, polarity):
        return
    wanted = polarity.category_type if ref == "category" else polarity.cost_center_type
    raise ValidationFailed(f"{field} must name a {wanted} {ref.replace('_', ' ')} on this side "
                           f"(it is {row.type})", field=field)


def resolve(ts: TenantStore, body: dict[str, Any], company_id: str, polarity: Polarity, *,
            bill: bool = False) -> dict[str, str | None]:
    """The `<ref>_id` values the body sets (explicit null clears), by id or by name.

    `bill` (payables and receivables only) enforces PER-2 on a `person_id` and PAY-11 on a
    `category_id` / `cost_center_id`. Every reference is checked before the first
    find-or-create write.
    """
    check_ambiguous(body)
    out: dict[str, str | None] = {}
    names: dict[str, str] = {}
    for ref, resource in REFS.items():
        id_field, name_field = FIELDS[ref]
        if _sent(body.get(name_field)):
            names[ref] = required_text(body[name_field], name_field)
        elif id_field in body:
            if body[id_field] is None:
                out[id_field] = None
                continue
            row = reference(ts, resource, body[id_field], id_field)
            if row.company_id != company_id:
                raise ValidationFailed(f"{id_field} belongs to another company", field=id_field)
            if ref == "person" and bill and not getattr(row, polarity.person_flag) \
                    and "bill_person_role_ignored" not in ts.faults:  # FAULT
                # RULE PER-2: only suppliers on payables, only customers on receivables.
                raise ValidationFailed(f"person_id must be a {polarity.role}",
                                       field="person_id")
            if bill:
                check_polarity(ref, row, polarity, id_field)  # RULE PAY-11
            out[id_field] = row.id
    for ref, name in names.items():
        # RULE PAY-1 / TRX-2: find-or-create with the side's polarity.
        out[f"{ref}_id"] = _find_or_create(ts, ref, name, company_id, polarity).id
    return out
