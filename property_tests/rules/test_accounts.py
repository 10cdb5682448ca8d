"""Financial accounts over HTTP: RULES ACC-1 … ACC-4, in the suite's own company."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from fixtures import factories
from property_tests.client import JSON, Env
from property_tests.profiles import active
from property_tests.rows import Scope
from property_tests.rulechecks import expect, money

pytestmark = pytest.mark.rules

TYPES = ("checking", "savings", "investment", "cash")
BANK_FIELDS = ("agency", "agency_digit", "account_number", "account_digit")
REQUIRED = ("company_id", "name", "type")
USERS = ("transactions", "payables", "receivables")


@pytest.fixture(scope="module")
def scope(writable: Env) -> Iterator[Scope]:
    yield Scope(writable.a)


def account(scope: Scope, **overrides: object) -> JSON:
    return scope.api.create("accounts", factories.make_account(
        scope.fake, str(scope.company["id"]), name=f"{scope.token} Conta") | overrides)


# RULE ACC-1
@pytest.mark.rule("ACC-1")
@active()
@given(kind=st.sampled_from(TYPES))
def test_acc_1_company_name_and_type_are_required_and_bank_fields_optional(
        scope: Scope, kind: str) -> None:
    api = scope.api
    body: JSON = {"company_id": scope.company["id"], "name": f"{scope.token} Mínima",
                  "type": kind}
    for missing in REQUIRED:
        expect(api.post("accounts", {k: v for k, v in body.items() if k != missing}), 422,
               f"ACC-1: POST /accounts without {missing}")
    problem = expect(api.post("accounts", body | {"company_id": str(uuid.uuid4())}), 422,
                     "ACC-1: a company_id that is not the workspace's")
    assert "company_id" in str(problem), f"ACC-1: the 422 names company_id: {problem}"
    row = api.create("accounts", body)
    try:
        assert (row["company_id"], row["type"]) == (body["company_id"], kind), f"ACC-1: {row}"
        assert all(row.get(f) is None for f in BANK_FIELDS), (
            f"ACC-1: bank fields are optional, none was sent: {row}")
    finally:
        api.delete("accounts", str(row["id"]))


# RULE ACC-2
@pytest.mark.rule("ACC-2")
@active()
@given(seed=st.integers(-100_000, 5_000_000),
       moves=st.lists(st.tuples(st.sampled_from(("debit", "credit")), st.integers(1, 10**7),
                                st.booleans()), min_size=1, max_size=4))
def test_acc_2_lists_omit_the_balance_the_detail_is_seed_plus_credits_minus_debits(
        scope: Scope, seed: int, moves: list[tuple[str, int, bool]]) -> None:
    api = scope.api
    row = account(scope, balance=money(seed))
    row_id = str(row["id"])
    made: list[str] = []
    try:
        for kind, cents, pending in moves:
            made.append(str(api.create("transactions", scope.body(
                "transactions", 0, financial_account_id=row_id, type=kind,
                amount=money(cents), is_pending=pending))["id"]))
        expected = Decimal(seed) + sum((Decimal(c) if k == "credit" else -Decimal(c))
                                       for k, c, pending in moves if not pending)
        assert api.patch("accounts", row_id, {"balance": "123.45"}).status_code in (200, 422)
        shown = expect(api.read("accounts", row_id), 200, "GET the account")
        assert Decimal(shown["balance"]) == expected / 100, (
            f"ACC-2: balance {shown['balance']} != seed {money(seed)} + posted credits − "
            f"debits = {money(int(expected))} ({moves})")
        listed = [r for r in api.walk("accounts", {"company_id": scope.company["id"]}).rows
                  if r["id"] == row_id]
        assert listed and "balance" not in listed[0], (
            f"ACC-2: the list row carries no balance: {listed}")
    finally:
        for trx in made:
            api.delete("transactions", trx)
        api.delete("accounts", row_id)


# RULE ACC-3
@pytest.mark.rule("ACC-3")
@active(max_examples=2)
@given(kind=st.sampled_from(TYPES[:3]))
def test_acc_3_patch_is_partial_and_active_false_soft_deactivates(scope: Scope,
                                                                  kind: str) -> None:
    api = scope.api
    row = account(scope, type="checking")
    row_id = str(row["id"])
    try:
        name = f"{scope.token} Renomeada"
        patched = expect(api.patch("accounts", row_id, {"name": name, "type": kind}), 200,
                         "PATCH name and type")
        shown = expect(api.read("accounts", row_id), 200, "GET")
        for what, got in (("PATCH answer", patched), ("GET", shown)):
            untouched = {k: got[k] for k in (*BANK_FIELDS, "company_id", "active")}
            assert untouched == {k: row[k] for k in untouched}, (
                f"ACC-3: PATCH writes only the fields present; the {what} has {untouched}")
            assert (got["name"], got["type"]) == (name, kind), f"ACC-3: {what} {got}"
        off = expect(api.patch("accounts", row_id, {"active": False}), 200, "deactivate")
        assert off["active"] is False and off["name"] == name, f"ACC-3: {off}"
        expect(api.read("accounts", row_id), 200, "ACC-3: a deactivated account stays")
        inactive = api.walk("accounts", {"company_id": scope.company["id"],
                                         "active": False}).ids
        assert row_id in inactive, "ACC-3: listed with active=false"
    finally:
        api.delete("accounts", row_id)


# RULE ACC-4
@pytest.mark.rule("ACC-4")
@pytest.mark.parametrize("user", USERS)
def test_acc_4_an_account_in_use_is_not_deleted(scope: Scope, user: str) -> None:
    api = scope.api
    row = account(scope)
    row_id = str(row["id"])
    used = api.create(user, scope.body(user, 0, financial_account_id=row_id))
    try:
        before = expect(api.read("accounts", row_id), 200, "GET the account")
        problem = expect(api.delete("accounts", row_id), 422,
                         f"ACC-4: DELETE of an account one of the {user} uses")
        assert problem.get("code") == "in_use", f"ACC-4: code in_use: {problem}"
        usage = problem.get("usage") or {}
        assert {k: usage.get(k) for k in USERS} == {k: int(k == user) for k in USERS}, (
            f"ACC-4: usage by kind: {usage}")
        assert expect(api.read("accounts", row_id), 200, "GET after a refused DELETE") \
            == before, "ACC-4: a refused DELETE changes nothing"
        expect(api.delete(user, str(used["id"])), 204, f"DELETE the {user} row")
        expect(api.delete("accounts", row_id), 204, "ACC-4: unused, it goes")
    finally:
        api.delete(user, str(used["id"]))
        api.delete("accounts", row_id)
