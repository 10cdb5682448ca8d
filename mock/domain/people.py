"""People (`finance.people`): RULES PER-1 … PER-5 — customers and suppliers."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from contract.documents import is_valid_cnpj, is_valid_cpf, normalize_document
from mock.domain.base import (
    Row,
    flag,
    one_of,
    public,
    reference,
    require,
    required_text,
    row_base,
    text,
    touch,
)
from mock.domain.errors import ValidationFailed
from mock.store import Filter, TableSpec, TenantStore

KINDS = ("natural", "legal")


@dataclass(slots=True, kw_only=True)
class Person(Row):
    company_id: str
    name: str
    legal_name: str | None
    nickname: str | None
    kind: str
    document_type: str | None
    document_number: str | None
    is_customer: bool
    is_supplier: bool
    active: bool
    notes: str | None
    deleted_at: str | None = None


SPEC = TableSpec(
    resource="people",
    sorts={"name": "ci", "document_number": "text", "created_at": "text", "updated_at": "text"},
    default_sort="name",
    filters={
        "company_id": Filter("company_id"),
        "kind": Filter("kind"),
        "is_customer": Filter("is_customer"),
        "is_supplier": Filter("is_supplier"),
        "active": Filter("active"),
        "document_number": Filter("document_number", convert=normalize_document),
        "name": Filter("name", "contains"),
    },
)
# RULE PER-3: bank/PIX, addresses, custom data and birthday are never returned.
FIELDS = ("id", "workspace_id", "company_id", "name", "legal_name", "nickname", "kind",
          "document_type", "document_number", "is_customer", "is_supplier", "active", "notes",
          "created_at", "updated_at")
OPTIONAL_TEXT = ("legal_name", "nickname", "notes")


_kind = one_of(*KINDS)


def _document(number: Any, declared: Any, *, check_digits: bool = True) -> tuple[str, str]:
    """RULE PER-1: CPF (11) or CNPJ (14) with valid check digits; type inferred or agreeing."""
    if not isinstance(number, str):
        raise ValidationFailed("document_number must be a string", field="document_number")
    digits = normalize_document(number)
    inferred = {11: "cpf", 14: "cnpj"}.get(len(digits))
    if inferred is None:
        raise ValidationFailed("document_number must have 11 (CPF) or 14 (CNPJ) digits",
                               field="document_number")
    if declared is not None and declared != inferred:
        raise ValidationFailed(f"document_type {declared!r} does not match a {len(digits)}-digit "
                               "document", field="document_type")
    valid = is_valid_cpf(digits) if inferred == "cpf" else is_valid_cnpj(digits)
    if not valid and check_digits:
        raise ValidationFailed(f"document_number is not a valid {inferred.upper()}",
                               field="document_number")
    return digits, inferred


def create(ts: TenantStore, body: dict[str, Any], *, row_id: str | None = None) -> Person:
    require(body, "company_id", "name")
    company = reference(ts, "companies", body["company_id"], "company_id")
    number, doc_type = None, None
    if body.get("document_number") == "":
        # The export's template sends `document_number: ""` (beside its `document_type`
        # default): no document, and the type of an absent document is not checked.
        pass
    elif body.get("document_number") is not None:
        number, doc_type = _document(body["document_number"], body.get("document_type"),
                                     check_digits="cpf_without_check_digits" not in ts.faults)
    elif body.get("document_type") is not None:
        # RULE PER-1: a declared type must agree with a document; there is none to agree with.
        raise ValidationFailed("document_type needs a document_number", field="document_type")
    # The spec: when `kind` is omitted, `natural` for a CPF, `legal` otherwise.
    kind = _kind(body["kind"], "kind") if body.get("kind") is not None else (
        "natural" if doc_type == "cpf" else "legal")
    row = Person(
        **row_base(ts, row_id), company_id=company.id, name=required_text(body["name"], "name"),
        legal_name=text(body.get("legal_name"), "legal_name"),
        nickname=text(body.get("nickname"), "nickname"), kind=kind, document_type=doc_type,
        document_number=number,
        is_customer=flag(body.get("is_customer", False), "is_customer"),
        is_supplier=flag(body.get("is_supplier", False), "is_supplier"),
        active=flag(body.get("active", True), "active"), notes=text(body.get("notes"), "notes"),
    )
    ts["people"].insert(row)
    return row


def update(ts: TenantStore, row: Person, body: dict[str, Any]) -> Person:
    # RULE PER-4: non-writable fields (company_id included) are dropped; null is a no-op.
    changes: dict[str, Any] = {}
    if body.get("name") is not None:
        changes["name"] = required_text(body["name"], "name")
    for field in OPTIONAL_TEXT:
        if body.get(field) is not None:
            changes[field] = text(body[field], field)
        elif field in body and "person_patch_null_clears" in ts.faults:  # FAULT
            changes[field] = None
    for field in ("is_customer", "is_supplier", "active"):
        if body.get(field) is not None:
            changes[field] = flag(body[field], field)
    if body.get("kind") is not None:
        changes["kind"] = _kind(body["kind"], "kind")
    if body.get("document_number") == "":
        pass  # the template's blank: a no-op like null (PER-4), its `document_type` with it
    elif body.get("document_number") is not None:
        changes["document_number"], changes["document_type"] = _document(
            body["document_number"], body.get("document_type"))
    elif body.get("document_type") is not None and body["document_type"] != row.document_type:
        raise ValidationFailed("document_type must agree with the stored document_number",
                               field="document_type")
    ts["people"].update(row, {**changes, "updated_at": touch(ts)})
    return row


def delete(ts: TenantStore, row: Person) -> None:
    # RULE PER-5: soft delete (`deleted_at`): the row leaves GET and lists, while the rows that
    # reference it stay valid and keep showing its name (`Table.lookup` reads tombstones).
    table = ts["people"]
    now = touch(ts)
    table.update(row, {"deleted_at": now, "updated_at": now})
    table.delete(row, soft="person_delete_is_hard" not in ts.faults)  # FAULT: hard


def view(ts: TenantStore, row: Person, *, detail: bool = False) -> dict[str, Any]:
    out = public(row, FIELDS)
    if "person_sensitive_fields_returned" in ts.faults:  # FAULT: PER-3's fields, empty
        out |= {"birthday": None, "addresses": [], "pix_key": None}
    return out
