"""Categories: RULES CAT-1 … CAT-4, their filters and default sort, through HTTP."""

from __future__ import annotations

from typing import Any

import pytest
from faker import Faker

from mock.store import TenantStore
from tests.domain.support import (
    Api,
    add_bill,
    add_transaction,
    assert_foreign_is_missing,
    problem,
)


def category(api: Api, company_id: str, name: str, type: str = "debit",
             parent_id: str | None = None) -> dict[str, Any]:
    body: dict[str, Any] = {"company_id": company_id, "name": name, "type": type}
    if parent_id is not None:
        body["parent_id"] = parent_id
    return api.create("categories", body)


@pytest.fixture
def company_id(api_a: Api, fake: Faker) -> str:
    return str(api_a.company(fake)["id"])


# RULE CAT-1
def test_levels_are_derived_down_to_three(api_a: Api, company_id: str) -> None:
    root = api_a.create("categories", {"company_id": company_id, "name": "Despesas",
                                       "type": "debit", "level": 3, "parent_id": None})
    assert (root["level"], root["parent_id"]) == (1, None)
    child = category(api_a, company_id, "Pessoal", parent_id=root["id"])
    assert (child["level"], child["parent_id"]) == (2, root["id"])
    leaf = api_a.create("categories", {"company_id": company_id, "name": "Salários",
                                       "type": "debit", "parent_id": child["id"], "level": 1})
    assert (leaf["level"], leaf["parent_id"]) == (3, child["id"])
    assert api_a.read("categories", leaf["id"]) == leaf

    problem(api_a.post("categories", {"company_id": company_id, "name": "Quarto",
                                      "type": "debit", "parent_id": leaf["id"]}),
            422, "validation_failed", field="parent_id")
    assert len(api_a.rows("categories")) == 3


# RULE CAT-1, RULE G-3
def test_the_parent_must_be_in_the_same_company_and_tenant(api_a: Api, api_b: Api, fake: Faker,
                                                           company_id: str) -> None:
    other_company = api_a.company(fake)["id"]
    elsewhere = category(api_a, other_company, "Outra empresa")
    problem(api_a.post("categories", {"company_id": company_id, "name": "Filha",
                                      "type": "debit", "parent_id": elsewhere["id"]}),
            422, "validation_failed", field="parent_id")

    foreign_company = api_b.company(fake)["id"]
    foreign = category(api_b, foreign_company, "Outro tenant")
    problem(api_a.post("categories", {"company_id": company_id, "name": "Filha",
                                      "type": "debit", "parent_id": foreign["id"]}),
            422, "validation_failed", field="parent_id")
    problem(api_a.post("categories", {"company_id": foreign_company, "name": "Raiz",
                                      "type": "debit"}),
            422, "validation_failed", field="company_id")
    assert api_a.ids("categories") == {elsewhere["id"]}


# RULE CAT-2
def test_a_child_has_its_parents_type(api_a: Api, company_id: str) -> None:
    root = category(api_a, company_id, "Receitas", type="credit")
    problem(api_a.post("categories", {"company_id": company_id, "name": "Aluguel",
                                      "type": "debit", "parent_id": root["id"]}),
            422, "validation_failed", field="type")
    child = category(api_a, company_id, "Vendas", type="credit", parent_id=root["id"])
    assert child["type"] == "credit"
    problem(api_a.post("categories", {"company_id": company_id, "name": "X", "type": "other"}),
            422, "validation_failed", field="type")


# RULE CAT-3, RULE G-7
def test_patch_writes_name_and_type_only(api_a: Api, fake: Faker, company_id: str) -> None:
    root = category(api_a, company_id, "Despesas")
    other_root = category(api_a, company_id, "Outras")
    child = category(api_a, company_id, "Aluguel", parent_id=root["id"])
    r = api_a.patch("categories", child["id"], {
        "name": "Aluguel e condomínio", "parent_id": other_root["id"], "level": 1,
        "company_id": api_a.company(fake)["id"], "id": other_root["id"],
        "created_at": "2000-01-01T00:00:00Z",
    })
    assert r.status_code == 200, r.text
    updated = r.json()
    assert updated == api_a.read("categories", child["id"])
    assert updated["name"] == "Aluguel e condomínio"
    for kept in ("id", "parent_id", "level", "company_id", "type", "created_at"):
        assert updated[kept] == child[kept], kept


# RULE CAT-3
def test_a_parents_type_cascades_to_every_descendant(api_a: Api, company_id: str) -> None:
    root = category(api_a, company_id, "Raiz")
    child = category(api_a, company_id, "Filha", parent_id=root["id"])
    leaf = category(api_a, company_id, "Neta", parent_id=child["id"])
    bystander = category(api_a, company_id, "Outra raiz")
    r = api_a.patch("categories", root["id"], {"type": "credit"})
    assert r.status_code == 200, r.text
    assert r.json()["type"] == "credit"
    for row_id in (child["id"], leaf["id"]):
        assert api_a.read("categories", row_id)["type"] == "credit"
    assert api_a.read("categories", bystander["id"])["type"] == "debit"


# RULE CAT-3
def test_a_childs_type_cannot_leave_its_parents(api_a: Api, company_id: str) -> None:
    root = category(api_a, company_id, "Raiz")
    child = category(api_a, company_id, "Filha", parent_id=root["id"])
    leaf = category(api_a, company_id, "Neta", parent_id=child["id"])
    problem(api_a.patch("categories", child["id"], {"type": "credit"}), 422,
            "validation_failed", field="type")
    problem(api_a.patch("categories", leaf["id"], {"type": "credit", "name": "Renomeada"}), 422,
            "validation_failed", field="type")
    assert api_a.read("categories", leaf["id"])["name"] == "Neta"
    assert {r["type"] for r in api_a.rows("categories")} == {"debit"}
    # The same type again is no change, and allowed.
    assert api_a.patch("categories", child["id"], {"type": "debit"}).status_code == 200


# RULE CAT-4
def test_delete_with_children_is_refused(api_a: Api, company_id: str) -> None:
    root = category(api_a, company_id, "Raiz")
    child = category(api_a, company_id, "Filha", parent_id=root["id"])
    body = problem(api_a.delete("categories", root["id"]), 422, "has_children")
    assert body["reason"] == "has_children"
    assert api_a.read("categories", root["id"])["id"] == root["id"]
    assert api_a.delete("categories", child["id"]).status_code == 204
    assert api_a.delete("categories", root["id"]).status_code == 204
    problem(api_a.delete("categories", root["id"]), 404, "not_found")


# RULE CAT-4
def test_deleting_a_leaf_nulls_its_references(api_a: Api, fake: Faker, company_id: str,
                                              ts_a: TenantStore) -> None:
    leaf = category(api_a, company_id, "Aluguel")
    credit = category(api_a, company_id, "Vendas", type="credit")
    kept = category(api_a, company_id, "Energia")
    account = api_a.account(fake, company_id)["id"]
    person = api_a.person(fake, company_id, supplier=True, customer=True)["id"]
    rows = [
        add_transaction(ts_a, company_id, account, category_id=leaf["id"]),
        add_bill(ts_a, "payables", company_id, person, category_id=leaf["id"]),
        add_bill(ts_a, "receivables", company_id, person, category_id=credit["id"]),
    ]
    other = add_transaction(ts_a, company_id, account, category_id=kept["id"])

    assert api_a.delete("categories", leaf["id"]).status_code == 204
    assert api_a.delete("categories", credit["id"]).status_code == 204
    for resource, row in zip(("transactions", "payables", "receivables"), rows, strict=True):
        stored = ts_a[resource].get(row.id)
        assert stored is not None and stored.category_id is None, resource
        assert api_a.read(resource, row.id)["category_id"] is None, resource
    assert api_a.ids("transactions", category_id=leaf["id"]) == set()
    stored = ts_a["transactions"].get(other.id)
    assert stored is not None and stored.category_id == kept["id"]


# RULE G-3
def test_another_tenants_category_is_a_missing_one(api_a: Api, api_b: Api,
                                                   company_id: str) -> None:
    assert_foreign_is_missing(api_a, api_b, "categories", category(api_a, company_id, "X")["id"])


# Filters company_id, parent_id, type, level, name; default sort name.
def test_every_filter_returns_exactly_the_matching_rows(api_a: Api, api_b: Api, fake: Faker,
                                                        company_id: str) -> None:
    second = api_a.company(fake)["id"]
    root = category(api_a, company_id, "Despesas")
    child = category(api_a, company_id, "Despesas com pessoal", parent_id=root["id"])
    leaf = category(api_a, company_id, "Salários", parent_id=child["id"])
    credit = category(api_a, company_id, "Receitas", type="credit")
    sibling = category(api_a, company_id, "Aluguel", parent_id=root["id"])
    elsewhere = category(api_a, second, "Despesas gerais")
    category(api_b, api_b.company(fake)["id"], "Despesas")  # never listed for A

    assert api_a.ids("categories", company_id=company_id) == {
        root["id"], child["id"], leaf["id"], credit["id"], sibling["id"]}
    assert api_a.ids("categories", company_id=second) == {elsewhere["id"]}
    assert api_a.ids("categories", parent_id=root["id"]) == {child["id"], sibling["id"]}
    assert api_a.ids("categories", parent_id=child["id"]) == {leaf["id"]}
    assert api_a.ids("categories", type="credit") == {credit["id"]}
    assert api_a.ids("categories", level=1) == {root["id"], credit["id"], elsewhere["id"]}
    assert api_a.ids("categories", level=2) == {child["id"], sibling["id"]}
    assert api_a.ids("categories", level=3) == {leaf["id"]}
    assert api_a.ids("categories", name="DESPESAS") == {root["id"], child["id"],
                                                        elsewhere["id"]}
    assert api_a.ids("categories", name="despesas", company_id=second) == {elsewhere["id"]}
    assert api_a.ids("categories", level=2, type="credit") == set()


def test_default_sort_is_name_case_insensitive(api_a: Api, company_id: str) -> None:
    for name in ["beta", "Alfa", "Gama", "delta"]:
        category(api_a, company_id, name)
    assert api_a.names("categories") == ["Alfa", "beta", "delta", "Gama"]
    assert api_a.names("categories", sort="-name") == ["Gama", "delta", "beta", "Alfa"]
