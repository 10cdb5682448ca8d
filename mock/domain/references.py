"""`<x>_id` or `<x>_name` references on money rows (TRX-2, PAY-1), resolved in one place.

`_name` is find-or-create inside the row's company, with the polarity of the row: a debit side
(payables, debit transactions) finds or creates a supplier, a `debit` category and a `cost`
cost center; a credit side a customer, a `credit` category and a `revenue` cost center.
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


DEBIT = Polarity("is_supplier", "debit", "cost")
CREDIT = Polarity("is_customer", "credit", "revenue")

REFS = {"person": "people", "category": "categories", "cost_center": "cost_centers"}


def check_ambiguous(body: dict[str, Any]) -> None:
    for ref in REFS:
        if body.get(f"{ref}_id") is not None and body.get(f"{ref}_name") not in (None, ""):
            raise AmbiguousReference(
                f"Send {ref}_id or {ref}_name, not both.",
                errors=[{"field": f"{ref}_name", "message": f"conflicts with {ref}_id"}],
            )


def _find_or_create(ts: TenantStore, ref: str, name: str, company_id: str,
                    polarity: Polarity) -> Any:
    resource = REFS[ref]
    wanted = name.strip().casefold()
    for row in ts[resource].where(company_id=company_id):
        if row.name.casefold() == wanted:
            return row
    body: dict[str, Any] = {"company_id": company_id, "name": name.strip()}
    if ref == "person":
        body[polarity.person_flag] = True
        return people.create(ts, body)
    if ref == "category":
        body["type"] = polarity.category_type
        return categories.create(ts, body)
    body["type"] = polarity.cost_center_type
    return cost_centers.create(ts, body)


def resolve(ts: TenantStore, body: dict[str, Any], company_id: str,
            polarity: Polarity) -> dict[str, str | None]:
    """The `<ref>_id` values the body sets (explicit null clears), by id or by name."""
    check_ambiguous(body)
    out: dict[str, str | None] = {}
    for ref, resource in REFS.items():
        id_field, name_field = f"{ref}_id", f"{ref}_name"
        if body.get(name_field) not in (None, ""):
            name = required_text(body[name_field], name_field)
            out[id_field] = _find_or_create(ts, ref, name, company_id, polarity).id
        elif id_field in body:
            if body[id_field] is None:
                out[id_field] = None
                continue
            row = reference(ts, resource, body[id_field], id_field)
            if row.company_id != company_id:
                raise ValidationFailed(f"{id_field} belongs to another company", field=id_field)
            out[id_field] = row.id
    return out
