"""People over HTTP: RULES PER-1 … PER-5, in the suite's own company."""

from __future__ import annotations

import random
import uuid
from collections.abc import Iterator
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from fixtures import factories
from fixtures.documents import generate_cnpj, generate_cpf
from property_tests.client import JSON, Env
from property_tests.profiles import active, scaled
from property_tests.rows import Scope, token, unique_cpf
from property_tests.rulechecks import check_document, expect
from property_tests.rules.strategies import documents

pytestmark = pytest.mark.rules

BILLS = ("payables", "receivables")
# RULE PER-3: what a person row never carries (bank/PIX, addresses, custom data, birthday).
SENSITIVE = ("bank", "pix", "address", "custom_", "birth")
NOT_WRITABLE: JSON = {
    "emails": ["contato@example.com.br"], "phones": ["+55 11 91234-5678"],
    "addresses": [{"street": "Rua Sigilosa, 77", "city": "São Paulo"}],
    "bank_accounts": [{"bank_code": "341", "agency": "1234", "account_number": "98765"}],
    "pix_key": "pix-sigiloso@example.com.br", "pix_key_type": "email",
    "custom_data": {"segredo": "valor-sigiloso"}, "birthday": "1980-07-14",
}
SECRETS = ("Rua Sigilosa", "98765", "pix-sigiloso", "valor-sigiloso", "1980-07-14")


@pytest.fixture(scope="module")
def scope(writable: Env) -> Iterator[Scope]:
    yield Scope(writable.a)


def person(scope: Scope, **overrides: Any) -> JSON:
    return scope.api.create("people", factories.make_person(
        scope.fake, str(scope.company["id"]), kind="natural", document_number=unique_cpf(),
        name=f"{scope.token} Pessoa") | overrides)


# RULE PER-1
@pytest.mark.rule("PER-1")
@active(max_examples=scaled(12, 200))
@given(number=st.one_of(documents(11), documents(14)))
def test_per_1_a_person_document_is_accepted_iff_its_check_digits_hold(scope: Scope,
                                                                      number: str) -> None:
    check_document(scope, "people", number)


# RULE PER-1
@pytest.mark.rule("PER-1")
@active(max_examples=scaled(2, 10))
@given(cnpj=st.booleans(), formatted=st.booleans())
def test_per_1_document_type_is_inferred_and_must_agree(scope: Scope, cnpj: bool,
                                                        formatted: bool) -> None:
    api = scope.api
    rng = random.Random(uuid.uuid4().int)
    number = generate_cnpj(rng, formatted) if cnpj else generate_cpf(rng, formatted)
    kind = "cnpj" if cnpj else "cpf"
    body = factories.make_person(scope.fake, str(scope.company["id"]), document_number=number)
    del body["document_type"], body["kind"]
    expect(api.post("people", body | {"document_type": "cpf" if cnpj else "cnpj"}), 422,
           f"PER-1: a {kind.upper()} declared as the other type")
    row = api.create("people", body)
    try:
        digits = "".join(c for c in number if c.isdigit())
        assert (row["document_type"], row["document_number"]) == (kind, digits), (
            f"PER-1: {number} is a {kind} stored digits-only: {row}")
        assert row["kind"] in ("natural", "legal"), f"PER-1: kind {row['kind']!r}"
    finally:
        api.delete("people", str(row["id"]))


# RULE PER-2
@pytest.mark.rule("PER-2")
@pytest.mark.parametrize("resource", BILLS)
def test_per_2_only_a_supplier_on_a_payable_only_a_customer_on_a_receivable(
        scope: Scope, resource: str) -> None:
    api = scope.api
    allowed = "is_supplier" if resource == "payables" else "is_customer"
    fit = person(scope, is_supplier=allowed == "is_supplier",
                 is_customer=allowed == "is_customer")
    unfit = person(scope, is_supplier=allowed != "is_supplier",
                   is_customer=allowed != "is_customer")
    try:
        problem = expect(api.post(resource, scope.body(resource, 0, person_id=unfit["id"])),
                         422, f"PER-2: one of the {resource} for a person without {allowed}")
        assert "person_id" in str(problem), f"PER-2: the 422 names person_id: {problem}"
        row = api.create(resource, scope.body(resource, 0, person_id=fit["id"]))
        api.delete(resource, str(row["id"]))
    finally:
        for row in (fit, unfit):
            api.delete("people", str(row["id"]))


def leaks(row: JSON) -> list[str]:
    keys = [k for k in row if any(word in k.lower() for word in SENSITIVE)]
    text = str(row)
    return keys + [secret for secret in SECRETS if secret in text]


# RULE PER-3
@pytest.mark.rule("PER-3")
def test_per_3_no_person_row_carries_bank_pix_address_custom_data_or_birthday(
        scope: Scope) -> None:
    api = scope.api
    body = factories.make_person(scope.fake, str(scope.company["id"]), kind="natural",
                                 document_number=unique_cpf(), name=f"{scope.token} Sigilo")
    response = api.post("people", body | NOT_WRITABLE)
    if response.status_code == 422:  # refusing the non-writable fields is also fine
        response = api.post("people", body)
    row = expect(response, 201, "POST a person")
    row_id = str(row["id"])
    try:
        patched = api.patch("people", row_id, NOT_WRITABLE | {"notes": "PER-3"})
        assert patched.status_code in (200, 422), f"PATCH: {patched.status_code}"
        listed = [r for r in api.walk("people", {"company_id": scope.company["id"]}).rows
                  if r["id"] == row_id]
        shown = {"POST": row, "PATCH": patched.json(),
                 "GET": expect(api.read("people", row_id), 200, "GET the person"),
                 "list": listed[0] if listed else {}}
        assert listed, "the person is listed"
        found = {where: leaks(got) for where, got in shown.items() if leaks(got)}
        assert not found, f"PER-3: sensitive fields or values in person rows: {found}"
    finally:
        api.delete("people", row_id)


# RULE PER-4
@pytest.mark.rule("PER-4")
@active(max_examples=scaled(2, 10))
@given(field=st.sampled_from(("legal_name", "nickname", "notes")))
def test_per_4_patch_drops_company_id_and_null_is_a_no_op(scope: Scope, field: str) -> None:
    api = scope.api
    row = person(scope, notes="Observação")
    row_id = str(row["id"])
    elsewhere = api.create("companies", scope.body("companies", 0))
    try:
        body = {field: None, "company_id": elsewhere["id"], "id": str(uuid.uuid4()),
                "created_at": "2001-01-01T00:00:00Z", "name": f"{scope.token} Renomeada"}
        patched = expect(api.patch("people", row_id, body), 200, f"PATCH {body}")
        shown = expect(api.read("people", row_id), 200, "GET")
        for what, got in (("PATCH answer", patched), ("GET", shown)):
            kept = {k: got[k] for k in (field, "company_id", "id", "created_at")}
            assert kept == {k: row[k] for k in kept}, (
                f"PER-4: null is a no-op and company_id, id, created_at are dropped; the "
                f"{what} has {kept}, was {[row[k] for k in kept]}")
            assert got["name"] == body["name"], f"PER-4: the name is written: {got['name']}"
    finally:
        api.delete("people", row_id)
        api.delete("companies", str(elsewhere["id"]))


# RULE PER-5
@pytest.mark.rule("PER-5")
@pytest.mark.parametrize("resource", BILLS)
def test_per_5_a_deleted_person_leaves_lists_and_its_bills_keep_its_name(
        scope: Scope, resource: str) -> None:
    api = scope.api
    row = person(scope, is_supplier=True, is_customer=True, name=f"{token()} Saiu")
    row_id = str(row["id"])
    bill = api.create(resource, scope.body(resource, 0, person_id=row_id))
    try:
        expect(api.delete("people", row_id), 204, "DELETE the person")
        expect(api.read("people", row_id), 404, "PER-5: GET of a deleted person")
        listed = api.walk("people", {"document_number": row["document_number"]}).ids
        assert row_id not in listed, "PER-5: a deleted person leaves the lists"
        kept = expect(api.read(resource, str(bill["id"])), 200, f"GET the {resource} row")
        assert (kept["person_id"], kept["person_name"]) == (row_id, row["name"]), (
            f"PER-5: the {resource} row still names the person: {kept['person_id']} "
            f"{kept['person_name']!r}")
        expect(api.delete("people", row_id), 404, "PER-5: a second DELETE")
    finally:
        api.delete(resource, str(bill["id"]))
