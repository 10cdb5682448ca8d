"""Categories (`finance.categories`): RULES CAT-1 … CAT-4, a tree of at most 3 levels."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from contract.limits import CAT_1_MAX_DEPTH
from mock.domain.base import (
    Row,
    one_of,
    pick,
    public,
    reference,
    refuse_changes,
    require,
    required_text,
    row_base,
    touch,
)
from mock.domain.errors import HasChildren, ValidationFailed
from mock.store import Filter, TableSpec, TenantStore

TYPES = ("debit", "credit")
REFERENCING = ("transactions", "payables", "receivables")


@dataclass(slots=True, kw_only=True)
class Category(Row):
    company_id: str
    name: str
    type: str
    parent_id: str | None
    level: int


SPEC = TableSpec(
    resource="categories",
    sorts={"name": "ci", "level": "text", "created_at": "text", "updated_at": "text"},
    default_sort="name",
    filters={
        "company_id": Filter("company_id"),
        "parent_id": Filter("parent_id"),
        "type": Filter("type"),
        "level": Filter("level"),
        "name": Filter("name", "contains"),
    },
)
FIELDS = ("id", "workspace_id", "company_id", "name", "type", "parent_id", "level",
          "created_at", "updated_at")


_type = one_of(*TYPES)


def create(ts: TenantStore, body: dict[str, Any], *, row_id: str | None = None) -> Category:
    # RULE CAT-1: no parent_id is a root (level 1); the level is derived, never read.
    require(body, "company_id", "name", "type")
    company = reference(ts, "companies", body["company_id"], "company_id")
    kind = _type(body["type"], "type")
    parent_id, level = None, 1
    if body.get("parent_id") is not None:
        parent = reference(ts, "categories", body["parent_id"], "parent_id")
        # RULE CAT-1: the parent is in the same company; level = parent.level + 1, at most 3.
        if parent.company_id != company.id:
            raise ValidationFailed("parent_id belongs to another company", field="parent_id")
        deepest = CAT_1_MAX_DEPTH + ("category_depth_4" in ts.faults)  # FAULT: one level more
        if parent.level >= deepest:
            raise ValidationFailed(
                f"categories nest at most {CAT_1_MAX_DEPTH} levels deep", field="parent_id"
            )
        # RULE CAT-2: a child has its parent's type.
        if parent.type != kind and "child_category_type_free" not in ts.faults:  # FAULT
            raise ValidationFailed("type must equal the parent's type", field="type")
        parent_id, level = parent.id, parent.level + 1
    row = Category(
        **row_base(ts, row_id), company_id=company.id, name=required_text(body["name"], "name"),
        type=kind, parent_id=parent_id, level=level,
    )
    ts["categories"].insert(row)
    return row


def _descendants(ts: TenantStore, row: Category) -> list[Category]:
    out: list[Category] = []
    frontier = [row.id]
    while frontier:
        children = [c for pid in frontier for c in ts["categories"].where(parent_id=pid)]
        out.extend(children)
        frontier = [c.id for c in children]
    return out


def update(ts: TenantStore, row: Category, body: dict[str, Any]) -> Category:
    # RULE CAT-3: name and type only; no re-parenting (a PATCH moving it is 422, not a no-op).
    refuse_changes(row, body, {"parent_id": ()}, "re-parenting is not supported in v1")
    changes = pick(body, {"name": required_text, "type": _type})
    now = touch(ts)
    if "type" in changes and changes["type"] != row.type:
        if row.parent_id is not None:
            parent = ts["categories"].get(row.parent_id)
            if parent is not None and parent.type != changes["type"]:
                raise ValidationFailed("type must equal the parent's type", field="type")
        # RULE CAT-3: a parent's new type cascades to every descendant.
        cascade = "category_type_no_cascade" not in ts.faults  # FAULT: no cascade
        for child in _descendants(ts, row) if cascade else ():
            ts["categories"].update(child, {"type": changes["type"], "updated_at": now})
    ts["categories"].update(row, {**changes, "updated_at": now})
    return row


def delete(ts: TenantStore, row: Category) -> None:
    children = ts["categories"].count(parent_id=row.id)
    if children and "category_delete_with_children" not in ts.faults:  # FAULT
        # RULE CAT-4: delete the subcategories first.
        raise HasChildren("The category still has subcategories.", details={"children": children})
    # RULE CAT-4: a leaf's references on transactions, payables and receivables become null.
    now = touch(ts)
    for resource in REFERENCING:
        table = ts[resource]
        for ref in list(table.where(category_id=row.id)):
            table.update(ref, {"category_id": None, "updated_at": now})
    ts["categories"].delete(row)


def view(ts: TenantStore, row: Category, *, detail: bool = False) -> dict[str, Any]:
    return public(row, FIELDS)

