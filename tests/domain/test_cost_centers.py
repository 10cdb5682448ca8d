"""Cost centers: RULES CC-1, CC-2, their filters and default sort, through HTTP."""

from __future__ import annotations

from typing import Any

import pytest
from faker import Faker

from mock.store import TenantStore
from tests.domain.support import (
    Api,
    add_allocation,
    add_bill,
    add_transaction,
    assert_foreign_is_missing,
    problem,
)


def cost_center(api: Api, company_id: str, name: str, type: str = "cost",
                **fields: Any) -> dict[str, Any]:
    return api.create("cost_centers", {"company_id": company_id, "name": name, "type": type,
                                       **fields})


@pytest.fixture
def company_id(api_a: Api, fake: Faker) -> str:
    return str(api_a.company(fake)["id"])


# RULE CC-1
def test_create_takes_cost_or_revenue(api_a: Api, api_b: Api, fake: Faker,
                                      company_id: str) -> None:
    row = cost_center(api_a, company_id, "Vendas", "revenue", description="Loja")
    assert (row["type"], row["description"], row["active"]) == ("revenue", "Loja", True)
    assert cost_center(api_a, company_id, "Adm", active=False)["active"] is False
    assert cost_center(api_a, company_id, "Sem descrição")["description"] is None
    problem(api_a.post("cost_centers", {"company_id": company_id, "name": "X", "type": "debit"}),
            422, "validation_failed", field="type")
    problem(api_a.post("cost_centers", {"company_id": company_id, "type": "cost"}),
            422, "validation_failed", field="name")
    # RULE G-3: another tenant's company is refused as if it did not exist.
    problem(api_a.post("cost_centers", {"company_id": api_b.company(fake)["id"], "name": "X",
                                        "type": "cost"}),
            422, "validation_failed", field="company_id")
    assert len(api_a.rows("cost_centers")) == 3


# RULE CC-1, RULE G-7
def test_patch_writes_name_type_description_and_active(api_a: Api, fake: Faker,
                                                       company_id: str) -> None:
    row = cost_center(api_a, company_id, "Adm", description="Administrativo")
    r = api_a.patch("cost_centers", row["id"], {
        "name": "Administração", "type": "revenue", "active": False,
        "company_id": api_a.company(fake)["id"], "id": company_id,
        "created_at": "2000-01-01T00:00:00Z",
    })
    assert r.status_code == 200, r.text
    updated = r.json()
    assert updated == api_a.read("cost_centers", row["id"])
    assert (updated["name"], updated["type"], updated["active"]) == \
        ("Administração", "revenue", False)
    assert updated["description"] == "Administrativo"  # absent: untouched
    for kept in ("id", "company_id", "created_at"):
        assert updated[kept] == row[kept], kept

    cleared = api_a.patch("cost_centers", row["id"], {"description": None}).json()
    assert cleared["description"] is None
    assert cleared["name"] == "Administração"
    problem(api_a.patch("cost_centers", row["id"], {"type": "credit"}), 422,
            "validation_failed", field="type")


# RULE CC-2
@pytest.mark.parametrize("kind", ["allocations", "payables", "receivables", "transactions"])
def test_delete_is_refused_while_in_use(api_a: Api, fake: Faker, company_id: str,
                                        ts_a: TenantStore, kind: str) -> None:
    # RULE PAY-11: a receivable takes a revenue cost center.
    cc = cost_center(api_a, company_id, "Operacional",
                     "revenue" if kind == "receivables" else "cost")["id"]
    account = api_a.account(fake, company_id)["id"]
    person = api_a.person(fake, company_id, supplier=True, customer=True)["id"]
    if kind == "allocations":
        owner = add_bill(ts_a, "payables", company_id, person)
        row: Any = add_allocation(ts_a, "payables", owner.id, cc)
    elif kind == "transactions":
        row = add_transaction(ts_a, company_id, account, cost_center_id=cc)
    else:
        row = add_bill(ts_a, kind, company_id, person, cost_center_id=cc)

    body = problem(api_a.delete("cost_centers", cc), 422, "in_use")
    expected = {"allocations": 0, "payables": 0, "receivables": 0, "transactions": 0, kind: 1}
    assert body["usage"] == expected
    assert body["reason"] == "in_use"
    # Deactivating instead is allowed while in use.
    assert api_a.patch("cost_centers", cc, {"active": False}).json()["active"] is False

    ts_a[kind].delete(row)
    assert api_a.delete("cost_centers", cc).status_code == 204
    problem(api_a.get("cost_centers", cc), 404, "not_found")


# RULE CC-2
def test_usage_counts_every_reference(api_a: Api, fake: Faker, company_id: str,
                                      ts_a: TenantStore) -> None:
    cc = cost_center(api_a, company_id, "Operacional", "revenue")["id"]  # receivables: PAY-11
    unused = cost_center(api_a, company_id, "Livre")["id"]
    account = api_a.account(fake, company_id)["id"]
    person = api_a.person(fake, company_id, supplier=True, customer=True)["id"]
    trx = add_transaction(ts_a, company_id, account, cost_center_id=cc)
    add_allocation(ts_a, "transactions", trx.id, cc)
    bill = add_bill(ts_a, "receivables", company_id, person, cost_center_id=cc)
    add_allocation(ts_a, "receivables", bill.id, cc)
    add_bill(ts_a, "receivables", company_id, person, cost_center_id=cc)
    add_transaction(ts_a, company_id, account, cost_center_id=cc)

    body = problem(api_a.delete("cost_centers", cc), 422, "in_use")
    assert body["usage"] == {"allocations": 2, "payables": 0, "receivables": 2,
                             "transactions": 2}
    assert api_a.delete("cost_centers", unused).status_code == 204


# RULE G-3
def test_another_tenants_cost_center_is_a_missing_one(api_a: Api, api_b: Api,
                                                      company_id: str) -> None:
    row = cost_center(api_a, company_id, "Adm")
    assert_foreign_is_missing(api_a, api_b, "cost_centers", row["id"])


# Filters company_id, active, type, name; default sort name.
def test_every_filter_returns_exactly_the_matching_rows(api_a: Api, api_b: Api, fake: Faker,
                                                        company_id: str) -> None:
    second = api_a.company(fake)["id"]
    a = cost_center(api_a, company_id, "Comercial")
    b = cost_center(api_a, company_id, "Vendas diretas", "revenue")
    c = cost_center(api_a, company_id, "Vendas online", "revenue", active=False)
    d = cost_center(api_a, second, "Comercial Sul")
    cost_center(api_b, api_b.company(fake)["id"], "Comercial")  # never listed for A

    assert api_a.ids("cost_centers", company_id=company_id) == {a["id"], b["id"], c["id"]}
    assert api_a.ids("cost_centers", company_id=second) == {d["id"]}
    assert api_a.ids("cost_centers", active="false") == {c["id"]}
    assert api_a.ids("cost_centers", active="true") == {a["id"], b["id"], d["id"]}
    assert api_a.ids("cost_centers", type="revenue") == {b["id"], c["id"]}
    assert api_a.ids("cost_centers", type="cost") == {a["id"], d["id"]}
    assert api_a.ids("cost_centers", name="COMERCIAL") == {a["id"], d["id"]}
    assert api_a.ids("cost_centers", name="vendas", active="true") == {b["id"]}
    assert api_a.ids("cost_centers", name="comercial", company_id=second) == {d["id"]}


def test_default_sort_is_name_case_insensitive(api_a: Api, company_id: str) -> None:
    for name in ["beta", "Alfa", "Gama", "delta"]:
        cost_center(api_a, company_id, name)
    assert api_a.names("cost_centers") == ["Alfa", "beta", "delta", "Gama"]
    assert api_a.names("cost_centers", sort="-name") == ["Gama", "delta", "beta", "Alfa"]
