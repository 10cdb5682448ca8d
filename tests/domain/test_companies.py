"""Companies: RULES CMP-1 … CMP-5, their filters and default sort, through HTTP."""

from __future__ import annotations

import random

import pytest
from faker import Faker

from fixtures.documents import format_cnpj
from mock.store import TenantStore
from tests.domain.support import (
    Api,
    add_bill,
    add_transaction,
    assert_foreign_is_missing,
    new_cnpj,
    problem,
)


# RULE CMP-1
def test_create_stores_a_valid_cnpj_digits_only(api_a: Api, rng: random.Random) -> None:
    digits = new_cnpj(rng)
    plain = api_a.create("companies", {"name": "Padaria Sol", "cnpj": digits})
    assert plain["cnpj"] == digits
    formatted = new_cnpj(rng)
    masked = api_a.create("companies", {"name": "Padaria Lua", "cnpj": format_cnpj(formatted)})
    assert masked["cnpj"] == formatted
    assert api_a.read("companies", masked["id"]) == masked


# RULE CMP-1
@pytest.mark.parametrize("cnpj", ["11222333000180", "11.222.333/0001-80", "11111111111111"])
def test_create_refuses_a_cnpj_with_bad_check_digits(api_a: Api, cnpj: str) -> None:
    problem(api_a.post("companies", {"name": "X", "cnpj": cnpj}), 422, "validation_failed",
            field="cnpj")
    assert api_a.rows("companies") == []


# RULE CMP-1
@pytest.mark.parametrize("body, field", [
    ({"name": "Sem documento"}, "cnpj"),
    ({"name": "Nulo", "cnpj": None}, "cnpj"),
    ({"name": "Curto", "cnpj": "1122233300018"}, "cnpj"),
    ({"cnpj": "11222333000181"}, "name"),
])
def test_create_refuses_a_missing_or_malformed_field(api_a: Api, body: dict[str, str],
                                                     field: str) -> None:
    problem(api_a.post("companies", body), 422, "validation_failed", field=field)
    assert api_a.rows("companies") == []


# RULE CMP-2
def test_cnpj_is_unique_among_active_companies(api_a: Api, rng: random.Random) -> None:
    cnpj = new_cnpj(rng)
    first = api_a.create("companies", {"name": "Primeira", "cnpj": cnpj})
    body = problem(api_a.post("companies", {"name": "Segunda", "cnpj": format_cnpj(cnpj)}),
                   409, "conflict")
    assert body["details"] == {"cnpj": cnpj, "existing_id": first["id"]}
    assert api_a.ids("companies") == {first["id"]}

    # Once the first is inactive, the CNPJ is free again…
    assert api_a.patch("companies", first["id"], {"active": False}).status_code == 200
    second = api_a.create("companies", {"name": "Segunda", "cnpj": cnpj})
    # …and reactivating the first would make two active companies share it.
    problem(api_a.patch("companies", first["id"], {"active": True}), 409, "conflict")
    assert api_a.read("companies", first["id"])["active"] is False
    assert api_a.patch("companies", second["id"], {"active": False}).status_code == 200
    assert api_a.patch("companies", first["id"], {"active": True}).json()["active"] is True


# RULE CMP-2, RULE G-3
def test_cnpj_uniqueness_is_per_workspace(api_a: Api, api_b: Api, rng: random.Random) -> None:
    cnpj = new_cnpj(rng)
    a = api_a.create("companies", {"name": "A", "cnpj": cnpj})
    b = api_b.create("companies", {"name": "B", "cnpj": cnpj})
    assert a["id"] != b["id"]
    assert a["workspace_id"] != b["workspace_id"]


# RULE CMP-3
@pytest.mark.parametrize("branch, expected", [(1, "matriz"), (2, "filial"), (37, "filial")])
def test_type_is_derived_from_the_branch_digits(api_a: Api, rng: random.Random, branch: int,
                                                expected: str) -> None:
    wrong = "filial" if expected == "matriz" else "matriz"
    row = api_a.create("companies", {"name": "X", "cnpj": new_cnpj(rng, branch), "type": wrong})
    assert row["type"] == expected


# RULE CMP-4, RULE G-7
def test_active_starts_true_and_server_fields_are_ignored_on_create(
        api_a: Api, rng: random.Random) -> None:
    row = api_a.create("companies", {
        "name": "Gráfica Norte", "cnpj": new_cnpj(rng), "active": False,
        "id": "00000000-0000-4000-8000-000000000001", "workspace_id": "x",
        "created_at": "2000-01-01T00:00:00Z",
    })
    assert row["active"] is True
    assert row["id"] != "00000000-0000-4000-8000-000000000001"
    assert row["created_at"] != "2000-01-01T00:00:00Z"
    assert row["workspace_id"] != "x"


# RULE CMP-4, RULE G-7
def test_patch_writes_name_and_active_only(api_a: Api, rng: random.Random) -> None:
    row = api_a.create("companies", {"name": "Antigo", "cnpj": new_cnpj(rng)})
    r = api_a.patch("companies", row["id"], {
        "name": "Novo", "active": False, "cnpj": new_cnpj(rng, 2), "type": "filial",
        "id": "00000000-0000-4000-8000-000000000001", "workspace_id": "x",
        "created_at": "2000-01-01T00:00:00Z", "updated_at": "2000-01-01T00:00:00Z",
    })
    assert r.status_code == 200, r.text
    updated = r.json()
    assert updated == api_a.read("companies", row["id"])
    assert (updated["name"], updated["active"]) == ("Novo", False)
    for kept in ("id", "workspace_id", "cnpj", "type", "created_at"):
        assert updated[kept] == row[kept], kept
    assert updated["updated_at"] != "2000-01-01T00:00:00Z"
    # An empty PATCH writes nothing.
    assert api_a.patch("companies", row["id"], {}).json()["name"] == "Novo"


# RULE CMP-4
def test_patch_refuses_a_blank_name(api_a: Api, rng: random.Random) -> None:
    row = api_a.create("companies", {"name": "Antigo", "cnpj": new_cnpj(rng)})
    problem(api_a.patch("companies", row["id"], {"name": "   "}), 422, "validation_failed",
            field="name")
    assert api_a.read("companies", row["id"])["name"] == "Antigo"


# RULE CMP-5
def test_delete_cascades_the_configuration_rows(api_a: Api, fake: Faker) -> None:
    company = api_a.company(fake)
    other = api_a.company(fake)
    cid = company["id"]
    children = {
        "categories": api_a.create("categories", {"company_id": cid, "name": "Aluguel",
                                                  "type": "debit"})["id"],
        "cost_centers": api_a.create("cost_centers", {"company_id": cid, "name": "Adm",
                                                      "type": "cost"})["id"],
        "accounts": api_a.account(fake, cid)["id"],
    }
    kept = api_a.create("categories", {"company_id": other["id"], "name": "Outra",
                                       "type": "debit"})["id"]
    assert api_a.delete("companies", cid).status_code == 204
    for resource, row_id in children.items():
        problem(api_a.get(resource, row_id), 404, "not_found")
        assert row_id not in api_a.ids(resource)
    assert api_a.read("categories", kept)["company_id"] == other["id"]
    problem(api_a.get("companies", cid), 404, "not_found")
    problem(api_a.delete("companies", cid), 404, "not_found")


# RULE CMP-5
def test_delete_is_blocked_by_live_people_not_by_soft_deleted_ones(
        api_a: Api, fake: Faker, ts_a: TenantStore) -> None:
    cid = api_a.company(fake)["id"]
    gone = api_a.person(fake, cid)["id"]
    assert api_a.delete("people", gone).status_code == 204
    inactive = api_a.person(fake, cid, active=False)["id"]
    live = api_a.person(fake, cid)["id"]

    body = problem(api_a.delete("companies", cid), 409, "conflict")
    assert body["details"] == {"transactions": 0, "payables": 0, "receivables": 0, "people": 2}
    assert api_a.read("companies", cid)["id"] == cid

    for person in (inactive, live):
        assert api_a.delete("people", person).status_code == 204
    assert api_a.delete("companies", cid).status_code == 204
    # The soft-deleted people went with the company.
    assert not [p for p in ts_a["people"].tombstones.values() if p.company_id == cid]


# RULE CMP-5
def test_delete_is_blocked_by_financial_records_with_counts(
        api_a: Api, fake: Faker, ts_a: TenantStore) -> None:
    cid = api_a.company(fake)["id"]
    account = api_a.account(fake, cid)["id"]
    person = api_a.person(fake, cid, supplier=True, customer=True)["id"]
    trx = [add_transaction(ts_a, cid, account) for _ in range(3)]
    pay = [add_bill(ts_a, "payables", cid, person) for _ in range(2)]
    rec = add_bill(ts_a, "receivables", cid, person)

    body = problem(api_a.delete("companies", cid), 409, "conflict")
    assert body["details"] == {"transactions": 3, "payables": 2, "receivables": 1, "people": 1}

    assert api_a.delete("people", person).status_code == 204
    for row in trx:
        ts_a["transactions"].delete(row)
    for row in pay:
        ts_a["payables"].delete(row)
    body = problem(api_a.delete("companies", cid), 409, "conflict")
    assert body["details"] == {"transactions": 0, "payables": 0, "receivables": 1, "people": 0}

    ts_a["receivables"].delete(rec)
    assert api_a.delete("companies", cid).status_code == 204
    problem(api_a.get("accounts", account), 404, "not_found")


# RULE G-3
def test_another_tenants_company_is_a_missing_one(api_a: Api, api_b: Api, fake: Faker) -> None:
    assert_foreign_is_missing(api_a, api_b, "companies", api_a.company(fake)["id"])


# Filters active, type, cnpj, name; default sort name.
def test_every_filter_returns_exactly_the_matching_rows(api_a: Api, api_b: Api,
                                                        rng: random.Random) -> None:
    cnpjs = [new_cnpj(rng), new_cnpj(rng, 2), new_cnpj(rng, 3), new_cnpj(rng)]
    rows = [api_a.create("companies", {"name": n, "cnpj": c}) for n, c in
            zip(["Padaria Sol", "padaria lua", "Farmácia Sol", "Gráfica"], cnpjs, strict=True)]
    ids = [r["id"] for r in rows]
    api_a.patch("companies", ids[3], {"active": False})
    api_b.create("companies", {"name": "Padaria Sol", "cnpj": cnpjs[0]})  # never listed for A

    assert api_a.ids("companies", active="true") == set(ids[:3])
    assert api_a.ids("companies", active="false") == {ids[3]}
    assert api_a.ids("companies", type="matriz") == {ids[0], ids[3]}
    assert api_a.ids("companies", type="filial") == {ids[1], ids[2]}
    assert api_a.ids("companies", cnpj=cnpjs[1]) == {ids[1]}
    assert api_a.ids("companies", cnpj=new_cnpj(rng)) == set()
    assert api_a.ids("companies", name="PADARIA") == {ids[0], ids[1]}
    assert api_a.ids("companies", name="sol", type="matriz") == {ids[0]}
    assert api_a.ids("companies", name="sol", active="false") == set()
    assert api_a.ids("companies") == set(ids)


def test_default_sort_is_name_case_insensitive(api_a: Api, rng: random.Random) -> None:
    for name in ["beta", "Alfa", "Gama", "delta"]:
        api_a.create("companies", {"name": name, "cnpj": new_cnpj(rng)})
    assert api_a.names("companies") == ["Alfa", "beta", "delta", "Gama"]
    assert api_a.names("companies", sort="-name") == ["Gama", "delta", "beta", "Alfa"]
    by_cnpj = api_a.rows("companies", sort="cnpj")
    assert [r["cnpj"] for r in by_cnpj] == sorted(r["cnpj"] for r in by_cnpj)
