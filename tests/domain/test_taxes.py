"""Taxes: RULES TAX-1 … TAX-3, their filters and default sort, through HTTP."""

from __future__ import annotations

from typing import Any

import pytest
from faker import Faker

from mock.store import TenantStore
from tests.domain.support import Api, add_bill, add_tax_charge, assert_foreign_is_missing, problem


def tax(api: Api, name: str, **fields: Any) -> dict[str, Any]:
    return api.create("taxes", {"name": name, **fields})


# RULE TAX-1
def test_taxes_belong_to_the_workspace_not_a_company(api_a: Api) -> None:
    row = api_a.create("taxes", {"name": "IRRF", "company_id": "not-even-a-uuid"})
    assert "company_id" not in row
    assert (row["default_rate"], row["default_withholding"], row["active"]) == \
        (None, False, True)


# RULE TAX-1
@pytest.mark.parametrize("duplicate", ["IRRF", "irrf", "  Irrf "])
def test_name_is_unique_per_workspace_case_insensitively(api_a: Api, api_b: Api,
                                                         duplicate: str) -> None:
    first = tax(api_a, "IRRF")
    problem(api_a.post("taxes", {"name": duplicate}), 409, "conflict")
    assert api_a.ids("taxes") == {first["id"]}
    # Another workspace has its own names.
    assert tax(api_b, duplicate)["name"] == duplicate.strip()


# RULE TAX-1
def test_rename_is_checked_against_the_others(api_a: Api) -> None:
    irrf = tax(api_a, "IRRF")
    iss = tax(api_a, "ISS")
    problem(api_a.patch("taxes", iss["id"], {"name": "irrf"}), 409, "conflict")
    assert api_a.read("taxes", iss["id"])["name"] == "ISS"
    # A new casing of its own name is no clash.
    assert api_a.patch("taxes", irrf["id"], {"name": "Irrf"}).json()["name"] == "Irrf"
    # The old name is free once renamed.
    assert api_a.patch("taxes", iss["id"], {"name": "ISSQN"}).status_code == 200
    assert tax(api_a, "iss")["name"] == "iss"


# RULE TAX-2
@pytest.mark.parametrize("rate, stored", [("0", "0.00"), ("1.5", "1.50"), ("100", "100.00"),
                                          ("99.99", "99.99"), ("100.00", "100.00")])
def test_default_rate_is_a_percent_from_0_to_100(api_a: Api, rate: str, stored: str) -> None:
    row = tax(api_a, "ISS", default_rate=rate)
    assert row["default_rate"] == stored
    assert api_a.read("taxes", row["id"])["default_rate"] == stored


# RULE TAX-2
@pytest.mark.parametrize("rate", ["100.01", "101", "-1", "-0.01", "1.234", "abc", 5])
def test_default_rate_outside_0_to_100_is_refused(api_a: Api, rate: Any) -> None:
    problem(api_a.post("taxes", {"name": "ISS", "default_rate": rate}), 422,
            "validation_failed", field="default_rate")
    row = tax(api_a, "ISS", default_rate="5")
    problem(api_a.patch("taxes", row["id"], {"default_rate": rate}), 422,
            "validation_failed", field="default_rate")
    assert api_a.read("taxes", row["id"])["default_rate"] == "5.00"


# RULE TAX-2, RULE G-7
def test_patch_null_rate_clears_it_and_absent_fields_stay(api_a: Api) -> None:
    row = tax(api_a, "INSS", default_rate="11.00", default_withholding=True)
    r = api_a.patch("taxes", row["id"], {"default_rate": None, "id": "x", "workspace_id": "y",
                                         "created_at": "2000-01-01T00:00:00Z"})
    assert r.status_code == 200, r.text
    updated = r.json()
    assert updated == api_a.read("taxes", row["id"])
    assert updated["default_rate"] is None
    assert (updated["name"], updated["default_withholding"], updated["active"]) == \
        ("INSS", True, True)
    for kept in ("id", "workspace_id", "created_at"):
        assert updated[kept] == row[kept], kept
    after = api_a.patch("taxes", row["id"], {"default_withholding": False, "active": False})
    assert (after.json()["default_withholding"], after.json()["active"]) == (False, False)
    assert after.json()["default_rate"] is None


# RULE TAX-3
def test_delete_is_refused_while_charged(api_a: Api, fake: Faker, ts_a: TenantStore) -> None:
    company = api_a.company(fake)["id"]
    person = api_a.person(fake, company, supplier=True, customer=True)["id"]
    irrf = tax(api_a, "IRRF")["id"]
    free = tax(api_a, "ISS")["id"]
    payable = add_bill(ts_a, "payables", company, person)
    receivables = [add_bill(ts_a, "receivables", company, person) for _ in range(2)]
    charges = [add_tax_charge(ts_a, "payables", payable.id, irrf)]
    charges += [add_tax_charge(ts_a, "receivables", r.id, irrf) for r in receivables]

    body = problem(api_a.delete("taxes", irrf), 422, "in_use")
    assert body["usage"] == {"payables": [payable.id],
                             "receivables": sorted(r.id for r in receivables)}
    assert api_a.read("taxes", irrf)["id"] == irrf
    assert api_a.delete("taxes", free).status_code == 204

    for charge in charges:
        ts_a["tax_charges"].delete(charge)
    assert api_a.delete("taxes", irrf).status_code == 204
    problem(api_a.delete("taxes", irrf), 404, "not_found")


# RULE G-3
def test_another_tenants_tax_is_a_missing_one(api_a: Api, api_b: Api) -> None:
    assert_foreign_is_missing(api_a, api_b, "taxes", tax(api_a, "IRRF")["id"])


# Filters active, default_withholding, name; default sort name.
def test_every_filter_returns_exactly_the_matching_rows(api_a: Api, api_b: Api) -> None:
    irrf = tax(api_a, "IRRF", default_withholding=True)
    irpj = tax(api_a, "IRPJ", default_withholding=False, active=False)
    iss = tax(api_a, "ISS")
    pis = tax(api_a, "PIS retido", default_withholding=True, active=False)
    tax(api_b, "IRRF", default_withholding=True)  # never listed for A

    assert api_a.ids("taxes", active="true") == {irrf["id"], iss["id"]}
    assert api_a.ids("taxes", active="false") == {irpj["id"], pis["id"]}
    assert api_a.ids("taxes", default_withholding="true") == {irrf["id"], pis["id"]}
    assert api_a.ids("taxes", default_withholding="false") == {irpj["id"], iss["id"]}
    assert api_a.ids("taxes", name="ir") == {irrf["id"], irpj["id"]}
    assert api_a.ids("taxes", name="RETIDO") == {pis["id"]}
    assert api_a.ids("taxes", name="ir", active="true") == {irrf["id"]}
    assert api_a.ids("taxes", default_withholding="true", active="true") == {irrf["id"]}


def test_default_sort_is_name_case_insensitive(api_a: Api) -> None:
    for name in ["beta", "Alfa", "Gama", "delta"]:
        tax(api_a, name)
    assert api_a.names("taxes") == ["Alfa", "beta", "delta", "Gama"]
    assert api_a.names("taxes", sort="-name") == ["Gama", "delta", "beta", "Alfa"]
