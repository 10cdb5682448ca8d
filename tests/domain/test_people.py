"""People: RULES PER-1 … PER-5, their filters and default sort, through HTTP."""

from __future__ import annotations

import random
from typing import Any

import pytest
from faker import Faker

from fixtures import factories
from fixtures.documents import format_cnpj, format_cpf, generate_cpf
from mock.store import TenantStore
from tests.domain.support import (
    Api,
    add_bill,
    add_transaction,
    assert_foreign_is_missing,
    new_cnpj,
    problem,
)

SENSITIVE = {
    "emails": ["contato@example.com"], "phones": ["+55 11 99999-0000"],
    "addresses": [{"street": "Rua A", "city": "São Paulo"}], "address": {"street": "Rua B"},
    "bank_code": "341", "agency": "1234", "account_number": "56789", "pix_key": "a@b.com",
    "pix_key_type": "email", "bank_data": {"bank": "341"}, "custom_data": {"erp_id": 7},
    "birthday": "1990-05-01",
}


def person(api: Api, company_id: str, name: str, **fields: Any) -> dict[str, Any]:
    return api.create("people", {"company_id": company_id, "name": name, **fields})


@pytest.fixture
def company_id(api_a: Api, fake: Faker) -> str:
    return str(api_a.company(fake)["id"])


# RULE PER-1
@pytest.mark.parametrize("formatted", [False, True])
def test_document_is_validated_stored_digits_only_and_typed(
        api_a: Api, company_id: str, rng: random.Random, formatted: bool) -> None:
    cpf, cnpj = generate_cpf(rng), new_cnpj(rng)
    natural = person(api_a, company_id, "Ana",
                     document_number=format_cpf(cpf) if formatted else cpf)
    assert (natural["document_number"], natural["document_type"], natural["kind"]) == \
        (cpf, "cpf", "natural")
    legal = person(api_a, company_id, "Loja",
                   document_number=format_cnpj(cnpj) if formatted else cnpj)
    assert (legal["document_number"], legal["document_type"], legal["kind"]) == \
        (cnpj, "cnpj", "legal")
    agreeing = person(api_a, company_id, "Bia", document_number=generate_cpf(rng),
                      document_type="cpf", kind="legal")
    assert (agreeing["document_type"], agreeing["kind"]) == ("cpf", "legal")


# RULE PER-1 (spec: an omitted kind is `natural` for a CPF, `legal` otherwise)
def test_a_person_without_a_document(api_a: Api, company_id: str) -> None:
    row = person(api_a, company_id, "Sem documento")
    assert (row["document_number"], row["document_type"], row["kind"]) == (None, None, "legal")
    assert person(api_a, company_id, "Pessoa", kind="natural")["kind"] == "natural"


# RULE PER-1
@pytest.mark.parametrize("fields, field", [
    ({"document_number": "52998224724"}, "document_number"),
    ({"document_number": "529.982.247-24"}, "document_number"),
    ({"document_number": "11222333000180"}, "document_number"),
    ({"document_number": "11111111111"}, "document_number"),
    ({"document_number": "123456789012"}, "document_number"),
    ({"document_number": "52998224725", "document_type": "cnpj"}, "document_type"),
    ({"document_number": "11222333000181", "document_type": "cpf"}, "document_type"),
    ({"document_type": "cpf"}, "document_type"),
    ({"kind": "company"}, "kind"),
])
def test_create_refuses_a_bad_document_or_kind(api_a: Api, company_id: str,
                                               fields: dict[str, str], field: str) -> None:
    problem(api_a.post("people", {"company_id": company_id, "name": "X", **fields}), 422,
            "validation_failed", field=field)
    assert api_a.rows("people") == []


# RULE PER-1
def test_patch_revalidates_the_document(api_a: Api, company_id: str,
                                        rng: random.Random) -> None:
    cpf = generate_cpf(rng)
    row = person(api_a, company_id, "Ana", document_number=cpf)
    problem(api_a.patch("people", row["id"], {"document_number": "52998224724"}), 422,
            "validation_failed", field="document_number")
    problem(api_a.patch("people", row["id"], {"document_type": "cnpj"}), 422,
            "validation_failed", field="document_type")
    cnpj = new_cnpj(rng)
    problem(api_a.patch("people", row["id"], {"document_number": cnpj, "document_type": "cpf"}),
            422, "validation_failed", field="document_type")
    assert api_a.read("people", row["id"])["document_number"] == cpf
    updated = api_a.patch("people", row["id"], {"document_number": format_cnpj(cnpj)}).json()
    assert (updated["document_number"], updated["document_type"]) == (cnpj, "cnpj")


# RULE PER-2
def test_only_suppliers_on_payables_and_customers_on_receivables(
        api_a: Api, fake: Faker, company_id: str) -> None:
    supplier = person(api_a, company_id, "Fornecedor", is_supplier=True)["id"]
    customer = person(api_a, company_id, "Cliente", is_customer=True)["id"]
    problem(api_a.post("payables", factories.make_payable(fake, company_id, customer)), 422,
            "validation_failed", field="person_id")
    problem(api_a.post("receivables", factories.make_receivable(fake, company_id, supplier)),
            422, "validation_failed", field="person_id")
    assert api_a.rows("payables") == [] and api_a.rows("receivables") == []
    assert api_a.create("payables", factories.make_payable(
        fake, company_id, supplier))["person_id"] == supplier
    assert api_a.create("receivables", factories.make_receivable(
        fake, company_id, customer))["person_id"] == customer


# RULE PER-3
def test_sensitive_fields_are_neither_written_nor_returned(api_a: Api, company_id: str) -> None:
    row = person(api_a, company_id, "Ana", is_supplier=True, **SENSITIVE)
    patched = api_a.patch("people", row["id"], {"nickname": "Aninha", **SENSITIVE})
    assert patched.status_code == 200, patched.text
    shown = [row, patched.json(), api_a.read("people", row["id"]), *api_a.rows("people")]
    for view in shown:
        assert not set(SENSITIVE) & set(view), sorted(set(SENSITIVE) & set(view))
    assert patched.json()["nickname"] == "Aninha"


# RULE PER-4, RULE G-7
def test_patch_drops_non_writable_fields(api_a: Api, fake: Faker, company_id: str) -> None:
    row = person(api_a, company_id, "Ana", legal_name="Ana Souza", nickname="Aninha",
                 notes="VIP")
    other_company = api_a.company(fake)["id"]
    r = api_a.patch("people", row["id"], {
        "company_id": other_company, "id": other_company, "workspace_id": other_company,
        "created_at": "2000-01-01T00:00:00Z", "deleted_at": "2000-01-01T00:00:00Z",
        "is_customer": True,
    })
    assert r.status_code == 200, r.text
    updated = r.json()
    assert updated == api_a.read("people", row["id"])
    for kept in ("id", "workspace_id", "company_id", "created_at"):
        assert updated[kept] == row[kept], kept
    assert updated["is_customer"] is True
    assert api_a.ids("people", company_id=other_company) == set()


# RULE PER-4
def test_null_for_an_optional_string_is_a_no_op(api_a: Api, company_id: str,
                                                rng: random.Random) -> None:
    cpf = generate_cpf(rng)
    row = person(api_a, company_id, "Ana", legal_name="Ana Souza", nickname="Aninha",
                 notes="VIP", document_number=cpf)
    r = api_a.patch("people", row["id"], {"name": None, "legal_name": None, "nickname": None,
                                          "notes": None, "document_number": None})
    assert r.status_code == 200, r.text
    updated = r.json()
    for kept in ("name", "legal_name", "nickname", "notes", "document_number", "document_type"):
        assert updated[kept] == row[kept], kept
    renamed = api_a.patch("people", row["id"], {"legal_name": "Ana S. Lima", "notes": None})
    assert (renamed.json()["legal_name"], renamed.json()["notes"]) == ("Ana S. Lima", "VIP")


# RULE PER-5
def test_delete_is_soft_and_references_keep_the_name(api_a: Api, fake: Faker, company_id: str,
                                                     ts_a: TenantStore) -> None:
    ana = person(api_a, company_id, "Ana Fornecedora", is_supplier=True, is_customer=True)
    account = api_a.account(fake, company_id)["id"]
    trx = add_transaction(ts_a, company_id, account, person_id=ana["id"])
    payable = add_bill(ts_a, "payables", company_id, ana["id"])
    receivable = add_bill(ts_a, "receivables", company_id, ana["id"])

    assert api_a.delete("people", ana["id"]).status_code == 204
    problem(api_a.get("people", ana["id"]), 404, "not_found")
    problem(api_a.patch("people", ana["id"], {"name": "Volta"}), 404, "not_found")
    problem(api_a.delete("people", ana["id"]), 404, "not_found")
    assert ana["id"] not in api_a.ids("people")
    assert ana["id"] not in api_a.ids("people", company_id=company_id, is_supplier="true")
    assert ts_a["people"].tombstones[ana["id"]].deleted_at is not None

    for resource, row in (("transactions", trx), ("payables", payable),
                          ("receivables", receivable)):
        shown = api_a.read(resource, row.id)
        assert (shown["person_id"], shown["person_name"]) == (ana["id"], "Ana Fornecedora")
    # A new row cannot point at the deleted person any more.
    problem(api_a.post("payables", factories.make_payable(fake, company_id, ana["id"])), 422,
            "validation_failed", field="person_id")


# RULE G-3
def test_another_tenants_person_is_a_missing_one(api_a: Api, api_b: Api, fake: Faker,
                                                 company_id: str) -> None:
    assert_foreign_is_missing(api_a, api_b, "people", person(api_a, company_id, "Ana")["id"])
    problem(api_a.post("people", {"company_id": api_b.company(fake)["id"], "name": "X"}), 422,
            "validation_failed", field="company_id")
    assert api_b.rows("people") == []


# Filters company_id, kind, is_customer, is_supplier, active, document_number, name; sort name.
def test_every_filter_returns_exactly_the_matching_rows(api_a: Api, api_b: Api, fake: Faker,
                                                        company_id: str,
                                                        rng: random.Random) -> None:
    second = api_a.company(fake)["id"]
    cpf, cnpj = generate_cpf(rng), new_cnpj(rng)
    ana = person(api_a, company_id, "Ana Souza", document_number=cpf, is_customer=True)
    loja = person(api_a, company_id, "Loja Souza", document_number=cnpj, is_supplier=True)
    both = person(api_a, company_id, "Bruno", kind="natural", is_customer=True,
                  is_supplier=True, active=False)
    far = person(api_a, second, "Carla Souza", kind="natural")
    gone = person(api_a, company_id, "Souza Antigo", is_customer=True)
    assert api_a.delete("people", gone["id"]).status_code == 204
    person(api_b, api_b.company(fake)["id"], "Ana Souza", document_number=cpf)  # tenant B

    ids = lambda **p: api_a.ids("people", **p)  # noqa: E731
    assert ids(company_id=company_id) == {ana["id"], loja["id"], both["id"]}
    assert ids(company_id=second) == {far["id"]}
    assert ids(kind="natural") == {ana["id"], both["id"], far["id"]}
    assert ids(kind="legal") == {loja["id"]}
    assert ids(is_customer="true") == {ana["id"], both["id"]}
    assert ids(is_customer="false") == {loja["id"], far["id"]}
    assert ids(is_supplier="true") == {loja["id"], both["id"]}
    assert ids(active="false") == {both["id"]}
    assert ids(active="true") == {ana["id"], loja["id"], far["id"]}
    assert ids(document_number=cpf) == {ana["id"]}
    assert ids(document_number=cnpj) == {loja["id"]}
    assert ids(name="SOUZA") == {ana["id"], loja["id"], far["id"]}
    assert ids(name="souza", company_id=company_id, is_customer="true") == {ana["id"]}


def test_default_sort_is_name_case_insensitive(api_a: Api, company_id: str,
                                               rng: random.Random) -> None:
    for name in ["beta", "Alfa", "Gama", "delta"]:
        person(api_a, company_id, name, document_number=generate_cpf(rng))
    assert api_a.names("people") == ["Alfa", "beta", "delta", "Gama"]
    assert api_a.names("people", sort="-name") == ["Gama", "delta", "beta", "Alfa"]
    numbers = [r["document_number"] for r in api_a.rows("people", sort="document_number")]
    assert numbers == sorted(numbers)
