"""Financial accounts: RULES ACC-1, ACC-3, ACC-4 (ACC-2's ledger is proved elsewhere), the
signed opening seed, the filters and the default sort, through HTTP."""

from __future__ import annotations

import uuid
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


def account(api: Api, company_id: str, name: str, type: str = "checking",
            **fields: Any) -> dict[str, Any]:
    return api.create("accounts", {"company_id": company_id, "name": name, "type": type,
                                   **fields})


@pytest.fixture
def company_id(api_a: Api, fake: Faker) -> str:
    return str(api_a.company(fake)["id"])


# RULE ACC-1
def test_create_needs_company_name_and_type_bank_fields_optional(api_a: Api,
                                                                 company_id: str) -> None:
    bare = account(api_a, company_id, "Caixa", "cash")
    assert {k: bare[k] for k in ("bank_id", "agency", "agency_digit", "account_number",
                                 "account_digit")} == dict.fromkeys(
        ("bank_id", "agency", "agency_digit", "account_number", "account_digit"))
    assert (bare["active"], bare["disable_reconcile"], bare["balance"]) == (True, False, "0.00")
    bank = str(uuid.uuid4())
    full = account(api_a, company_id, "Itaú", bank_id=bank, agency="1234", agency_digit="5",
                   account_number="67890", account_digit="1", disable_reconcile=True)
    assert (full["bank_id"], full["agency"], full["account_number"], full["disable_reconcile"]) \
        == (bank, "1234", "67890", True)
    assert api_a.read("accounts", full["id"]) == full


# RULE ACC-1
@pytest.mark.parametrize("missing", ["company_id", "name", "type"])
def test_create_refuses_a_missing_required_field(api_a: Api, company_id: str,
                                                 missing: str) -> None:
    body = {"company_id": company_id, "name": "Itaú", "type": "checking"}
    del body[missing]
    problem(api_a.post("accounts", body), 422, "validation_failed", field=missing)
    assert api_a.rows("accounts") == []


# RULE ACC-1, RULE G-3
def test_create_refuses_a_company_outside_the_workspace(api_a: Api, api_b: Api, fake: Faker,
                                                        company_id: str) -> None:
    for company in (api_b.company(fake)["id"], str(uuid.uuid4())):
        problem(api_a.post("accounts", {"company_id": company, "name": "X", "type": "cash"}),
                422, "validation_failed", field="company_id")
    problem(api_a.post("accounts", {"company_id": company_id, "name": "X", "type": "wallet"}),
            422, "validation_failed", field="type")
    assert api_a.rows("accounts") == [] and api_b.rows("accounts") == []


# The opening seed is a SignedMoneyInput: it may be negative (spec), and is kept exact.
@pytest.mark.parametrize("seed, shown", [("-150.00", "-150.00"), (-10.5, "-10.50"),
                                         ("2500", "2500.00"), (0, "0.00")])
def test_opening_balance_may_be_negative(api_a: Api, company_id: str, seed: Any,
                                         shown: str) -> None:
    row = account(api_a, company_id, "Conta", balance=seed)
    assert row["balance"] == shown
    assert api_a.read("accounts", row["id"])["balance"] == shown


@pytest.mark.parametrize("seed", ["1.234", "abc", "--1", True])
def test_a_malformed_opening_balance_is_refused(api_a: Api, company_id: str, seed: Any) -> None:
    problem(api_a.post("accounts", {"company_id": company_id, "name": "X", "type": "cash",
                                    "balance": seed}), 422, "validation_failed", field="balance")


# RULE ACC-3, RULE G-7
def test_patch_is_partial_and_never_sets_the_balance(api_a: Api, company_id: str) -> None:
    row = account(api_a, company_id, "Itaú", agency="1234", balance="100.00")
    r = api_a.patch("accounts", row["id"], {
        "name": "Itaú PJ", "balance": "999.00", "id": company_id, "workspace_id": company_id,
        "created_at": "2000-01-01T00:00:00Z",
    })
    assert r.status_code == 200, r.text
    updated = r.json()
    assert updated == api_a.read("accounts", row["id"])
    assert (updated["name"], updated["agency"], updated["balance"]) == \
        ("Itaú PJ", "1234", "100.00")
    for kept in ("id", "workspace_id", "company_id", "type", "created_at", "active"):
        assert updated[kept] == row[kept], kept
    cleared = api_a.patch("accounts", row["id"], {"bank_id": None, "type": "savings"}).json()
    assert (cleared["bank_id"], cleared["type"], cleared["name"]) == (None, "savings", "Itaú PJ")


# RULE ACC-3
def test_active_false_soft_deactivates(api_a: Api, company_id: str) -> None:
    row = account(api_a, company_id, "Itaú")
    assert api_a.patch("accounts", row["id"], {"active": False}).json()["active"] is False
    assert api_a.read("accounts", row["id"])["active"] is False
    assert api_a.ids("accounts", active="false") == {row["id"]}
    assert api_a.patch("accounts", row["id"], {"active": True}).json()["active"] is True


# RULE ACC-3, RULE G-3 (company_id is in the spec's AccountUpdate)
def test_patch_moves_an_unused_account_to_a_company_of_the_workspace(
        api_a: Api, api_b: Api, fake: Faker, company_id: str, ts_a: TenantStore) -> None:
    row = account(api_a, company_id, "Itaú")
    second = api_a.company(fake)["id"]
    for foreign in (api_b.company(fake)["id"], str(uuid.uuid4())):
        problem(api_a.patch("accounts", row["id"], {"company_id": foreign}), 422,
                "validation_failed", field="company_id")
    assert api_a.read("accounts", row["id"])["company_id"] == company_id
    moved = api_a.patch("accounts", row["id"], {"company_id": second}).json()
    assert moved["company_id"] == second
    assert api_a.ids("accounts", company_id=second) == {row["id"]}

    add_transaction(ts_a, second, row["id"])
    body = problem(api_a.patch("accounts", row["id"], {"company_id": company_id}), 422, "in_use")
    assert body["usage"] == {"transactions": 1, "payables": 0, "receivables": 0}
    assert api_a.read("accounts", row["id"])["company_id"] == second
    # Naming its own company again is no move.
    assert api_a.patch("accounts", row["id"], {"company_id": second}).status_code == 200


# RULE ACC-4
@pytest.mark.parametrize("kind", ["transactions", "payables", "receivables", "expected"])
def test_delete_is_refused_while_in_use(api_a: Api, fake: Faker, company_id: str,
                                        ts_a: TenantStore, kind: str) -> None:
    acc = account(api_a, company_id, "Itaú")["id"]
    person = api_a.person(fake, company_id, supplier=True, customer=True)["id"]
    if kind == "transactions":
        row = add_transaction(ts_a, company_id, acc)
    elif kind == "expected":
        row = add_bill(ts_a, "payables", company_id, person, expected_account_id=acc)
    else:
        row = add_bill(ts_a, kind, company_id, person, financial_account_id=acc)
    table = "payables" if kind == "expected" else kind

    body = problem(api_a.delete("accounts", acc), 422, "in_use")
    assert body["usage"] == {"transactions": 0, "payables": 0, "receivables": 0, table: 1}
    assert body["reason"] == "in_use"
    assert api_a.read("accounts", acc)["id"] == acc

    ts_a[table].delete(row)
    assert api_a.delete("accounts", acc).status_code == 204
    problem(api_a.delete("accounts", acc), 404, "not_found")


# RULE ACC-4
def test_usage_counts_every_reference(api_a: Api, fake: Faker, company_id: str,
                                      ts_a: TenantStore) -> None:
    acc = account(api_a, company_id, "Itaú")["id"]
    other = account(api_a, company_id, "Caixa", "cash")["id"]
    person = api_a.person(fake, company_id, supplier=True, customer=True)["id"]
    for _ in range(2):
        add_transaction(ts_a, company_id, acc)
    add_transaction(ts_a, company_id, other)
    add_bill(ts_a, "payables", company_id, person, financial_account_id=acc,
             expected_account_id=acc)
    add_bill(ts_a, "receivables", company_id, person, expected_account_id=acc)
    add_bill(ts_a, "receivables", company_id, person, financial_account_id=acc)

    body = problem(api_a.delete("accounts", acc), 422, "in_use")
    assert body["usage"] == {"transactions": 2, "payables": 1, "receivables": 2}


# RULE G-3
def test_another_tenants_account_is_a_missing_one(api_a: Api, api_b: Api,
                                                  company_id: str) -> None:
    assert_foreign_is_missing(api_a, api_b, "accounts", account(api_a, company_id, "X")["id"])


# Filters company_id, type, bank_id, active, name; default sort name.
def test_every_filter_returns_exactly_the_matching_rows(api_a: Api, api_b: Api, fake: Faker,
                                                        company_id: str) -> None:
    second = api_a.company(fake)["id"]
    itau, nubank = str(uuid.uuid4()), str(uuid.uuid4())
    a = account(api_a, company_id, "Itaú Corrente", bank_id=itau)
    b = account(api_a, company_id, "Itaú Poupança", "savings", bank_id=itau)
    c = account(api_a, company_id, "Caixa loja", "cash")
    d = account(api_a, second, "Nubank", bank_id=nubank)
    api_a.patch("accounts", b["id"], {"active": False})
    account(api_b, api_b.company(fake)["id"], "Itaú Corrente", bank_id=itau)  # tenant B

    ids = lambda **p: api_a.ids("accounts", **p)  # noqa: E731
    assert ids(company_id=company_id) == {a["id"], b["id"], c["id"]}
    assert ids(company_id=second) == {d["id"]}
    assert ids(type="checking") == {a["id"], d["id"]}
    assert ids(type="savings") == {b["id"]}
    assert ids(type="investment") == set()
    assert ids(bank_id=itau) == {a["id"], b["id"]}
    assert ids(bank_id=nubank) == {d["id"]}
    assert ids(active="false") == {b["id"]}
    assert ids(active="true") == {a["id"], c["id"], d["id"]}
    assert ids(name="itaú") == {a["id"], b["id"]}
    assert ids(name="ITAÚ", active="true", type="checking") == {a["id"]}
    # Lists never carry the balance (ACC-2).
    assert all("balance" not in row for row in api_a.rows("accounts"))


def test_default_sort_is_name_case_insensitive(api_a: Api, company_id: str) -> None:
    for name in ["beta", "Alfa", "Gama", "delta"]:
        account(api_a, company_id, name)
    assert api_a.names("accounts") == ["Alfa", "beta", "delta", "Gama"]
    assert api_a.names("accounts", sort="-name") == ["Gama", "delta", "beta", "Alfa"]
