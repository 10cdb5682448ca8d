"""TRX — transactions, over HTTP on any writable target: TRX-1 … TRX-5.

The ledger machine (`property_tests.rulechecks.LedgerMachine`) proves the TRX-5 invariant
after any sequence of requests; the tests here prove each rule on its own rows.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from decimal import Decimal

import pytest
from hypothesis import Phase, given
from hypothesis import strategies as st
from hypothesis.stateful import run_state_machine_as_test

from property_tests.client import JSON, Env
from property_tests.profiles import active, scaled
from property_tests.rows import Scope, token, unique_cnpj
from property_tests.rulechecks import (
    SIDES,
    TRANSACTION_TYPE,
    LedgerMachine,
    expect,
    money,
    names_field,
    settle,
)

pytestmark = pytest.mark.rules

REQUIRED = ("company_id", "financial_account_id", "amount", "type", "occurred_at")
REFERENCES = ("person", "category", "cost_center")
# RULE TRX-5: the fields of an auto transaction that belong to its source bill.
MONEY_FIELDS = ("amount", "type", "is_pending", "occurred_at", "financial_account_id")
NO_SHRINK = (Phase.explicit, Phase.reuse, Phase.generate)


@pytest.fixture(scope="module")
def scope(writable: Env) -> Iterator[Scope]:
    yield Scope(writable.a)


@pytest.fixture(scope="module")
def spare_account(scope: Scope) -> JSON:
    """A second account of the scope's company."""
    return scope.make("accounts", 1)


@pytest.fixture(scope="module")
def foreign_account(scope: Scope) -> JSON:
    """An account of another company of the same tenant."""
    company = scope.api.create("companies", scope.body("companies", 2, cnpj=unique_cnpj()))
    return scope.api.create("accounts", scope.body("accounts", 2, company_id=company["id"]))


def transactions_of(scope: Scope) -> list[str]:
    return scope.api.walk("transactions", scope.filters("transactions")).ids


def auto_transaction(scope: Scope, resource: str) -> tuple[JSON, JSON]:
    """A settled bill of `resource` and its auto transaction (RULE PAY-5)."""
    bill = scope.make(resource, 0)
    settled = settle(scope.api, resource, str(bill["id"]), str(scope.account["id"]))
    trx = expect(scope.api.read("transactions", str(settled["transaction_id"])), 200,
                 "GET the auto transaction")
    assert trx["auto_created"] is True, f"PAY-5: the settlement's transaction: {trx}"
    return settled, trx


def unchanged(scope: Scope, resource: str, row: JSON, what: str) -> None:
    """GET shows `row` as it was (a refused request changed nothing)."""
    now = expect(scope.api.read(resource, str(row["id"])), 200, f"GET after {what}")
    assert now == row, f"{what} changed the row: before {row}, after {now}"


# RULE TRX-1
@pytest.mark.rule("TRX-1")
@active()
@given(missing=st.sampled_from(REQUIRED))
def test_trx_1_a_transaction_without_a_required_field_is_422(scope: Scope,
                                                             missing: str) -> None:
    before = transactions_of(scope)
    body = scope.body("transactions", 0)
    del body[missing]
    response = scope.api.post("transactions", body)
    assert response.status_code == 422, (
        f"TRX-1: POST /transactions without {missing}: {response.status_code} "
        f"{response.text[:300]}")
    assert transactions_of(scope) == before, "TRX-1: the refused transaction was written"


# RULE TRX-1
@pytest.mark.rule("TRX-1")
@active()
@given(cents=st.integers(-10**9, 0))
def test_trx_1_an_amount_of_zero_or_less_is_422(scope: Scope, cents: int) -> None:
    response = scope.api.post("transactions", scope.body("transactions", 0,
                                                         amount=money(cents)))
    assert response.status_code == 422, (f"TRX-1: amount {money(cents)}: "
                                         f"{response.status_code} {response.text[:300]}")


# RULE TRX-1
@pytest.mark.rule("TRX-1")
def test_trx_1_the_account_must_be_of_the_same_company(scope: Scope,
                                                       foreign_account: JSON) -> None:
    before = transactions_of(scope)
    response = scope.api.post("transactions", scope.body(
        "transactions", 0, financial_account_id=foreign_account["id"]))
    assert response.status_code == 422 and names_field(response, "financial_account_id"), (
        f"TRX-1: an account of another company: {response.status_code} "
        f"{response.text[:300]}")
    assert transactions_of(scope) == before


def reference_row(scope: Scope, ref: str) -> JSON:
    """A row of the scope's company that a debit transaction may reference."""
    if ref == "person":
        return scope.person
    if ref == "category":
        return scope.category_l1  # a debit category
    return scope.make("cost_centers", 0)  # a cost cost center


# RULE TRX-2
@pytest.mark.rule("TRX-2")
@active(max_examples=scaled(3, 12))
@given(ref=st.sampled_from(REFERENCES))
def test_trx_2_an_id_and_a_name_for_one_reference_is_400(scope: Scope, ref: str) -> None:
    before = transactions_of(scope)
    row = reference_row(scope, ref)
    response = scope.api.post("transactions", scope.body(
        "transactions", 0, type="debit",
        **{f"{ref}_id": row["id"], f"{ref}_name": f"{token()} Outro"}))
    assert response.status_code == 400, (f"TRX-2: {ref}_id and {ref}_name together: "
                                         f"{response.status_code} {response.text[:300]}")
    assert transactions_of(scope) == before, "TRX-2: the refused transaction was written"


# RULE TRX-2
@pytest.mark.rule("TRX-2")
@active(max_examples=scaled(3, 12))
@given(ref=st.sampled_from(REFERENCES), kind=st.sampled_from(("debit", "credit")))
def test_trx_2_a_name_finds_or_creates_the_reference(scope: Scope, ref: str,
                                                     kind: str) -> None:
    name = f"{token()} Ref"
    first = scope.api.create("transactions", scope.body(
        "transactions", 0, type=kind, **{f"{ref}_name": name}))
    assert first[f"{ref}_id"] and first[f"{ref}_name"] == name, (
        f"TRX-2: {ref}_name {name!r} gives {first[f'{ref}_id']} / {first[f'{ref}_name']}")
    again = scope.api.create("transactions", scope.body(
        "transactions", 1, type=kind, **{f"{ref}_name": name.lower()}))
    assert again[f"{ref}_id"] == first[f"{ref}_id"], (
        f"TRX-2: the same {ref}_name (any case) must find the row it created: "
        f"{first[f'{ref}_id']} then {again[f'{ref}_id']}")


# RULE TRX-3
@pytest.mark.rule("TRX-3")
def test_trx_3_auto_created_and_transfer_id_are_not_read_from_a_post(scope: Scope) -> None:
    row = scope.api.create("transactions", scope.body(
        "transactions", 0, auto_created=True, transfer_id=str(uuid.uuid4())))
    assert row["auto_created"] is False and row["transfer_id"] is None, (
        f"TRX-3: auto_created/transfer_id are server-controlled: {row}")


# RULE TRX-3
@pytest.mark.rule("TRX-3")
def test_trx_3_patch_drops_the_server_controlled_fields(scope: Scope, spare_account: JSON,
                                                        foreign_account: JSON) -> None:
    row = scope.api.create("transactions", scope.body("transactions", 0))
    kept = ("id", "workspace_id", "company_id", "financial_account_id", "auto_created",
            "transfer_id", "created_at")
    description = f"{token()} editada"
    response = scope.api.patch("transactions", str(row["id"]), {
        "id": str(uuid.uuid4()), "workspace_id": str(uuid.uuid4()),
        "company_id": foreign_account["company_id"],
        "financial_account_id": spare_account["id"], "auto_created": True,
        "transfer_id": str(uuid.uuid4()), "created_at": "2020-01-01T00:00:00Z",
        "description": description})
    patched = expect(response, 200, "TRX-3: PATCH with server-controlled fields (dropped)")
    now = expect(scope.api.read("transactions", str(row["id"])), 200, "GET")
    assert {k: now[k] for k in kept} == {k: row[k] for k in kept} == \
        {k: patched[k] for k in kept}, f"TRX-3: a dropped field changed: {row} -> {now}"
    assert now["description"] == description, "TRX-3: the writable field was not written"


# RULE TRX-4
@pytest.mark.rule("TRX-4")
@pytest.mark.parametrize("resource", SIDES)
def test_trx_4_an_auto_transaction_cannot_be_deleted(scope: Scope, resource: str) -> None:
    bill, trx = auto_transaction(scope, resource)
    response = scope.api.delete("transactions", str(trx["id"]))
    assert response.status_code == 422, (f"TRX-4: DELETE of an auto transaction: "
                                         f"{response.status_code} {response.text[:300]}")
    unchanged(scope, "transactions", trx, "a refused DELETE")
    row = expect(scope.api.read(resource, str(bill["id"])), 200, "GET the source")
    assert row["status"] == bill["status"] and row["transaction_id"] == trx["id"]


def changed_value(field: str, trx: JSON, spare_account: JSON) -> object:
    """A new value for one of the auto transaction's money fields (RULE TRX-5)."""
    if field == "amount":
        return money(int(Decimal(trx["amount"]) * 100) + 100)
    if field == "type":
        return "credit" if trx["type"] == "debit" else "debit"
    if field == "is_pending":
        return not trx["is_pending"]
    if field == "occurred_at":
        return "2025-07-04"
    return spare_account["id"]


# RULE TRX-5
@pytest.mark.rule("TRX-5")
@pytest.mark.parametrize("field", MONEY_FIELDS)
@pytest.mark.parametrize("resource", SIDES)
def test_trx_5_a_money_field_of_an_auto_transaction_is_422_naming_the_source(
        scope: Scope, spare_account: JSON, resource: str, field: str) -> None:
    bill, trx = auto_transaction(scope, resource)
    balance = expect(scope.api.read("accounts", str(scope.account["id"])), 200,
                     "GET the account")["balance"]
    response = scope.api.patch("transactions", str(trx["id"]),
                               {field: changed_value(field, trx, spare_account)})
    assert response.status_code == 422, (
        f"TRX-5: PATCH {field} of the transaction of {resource}/{bill['id']}: "
        f"{response.status_code} {response.text[:300]}")
    assert str(bill["id"]) in response.text, (
        f"TRX-5: the refusal names the source {resource}/{bill['id']}: {response.text[:300]}")
    unchanged(scope, "transactions", trx, f"a refused PATCH of {field}")
    assert expect(scope.api.read("accounts", str(scope.account["id"])), 200,
                  "GET the account")["balance"] == balance


# RULE TRX-5
@pytest.mark.rule("TRX-5")
@pytest.mark.parametrize("resource", SIDES)
def test_trx_5_descriptive_fields_of_an_auto_transaction_stay_editable(
        scope: Scope, resource: str) -> None:
    bill, trx = auto_transaction(scope, resource)
    body = {"description": f"{token()} conciliada", "notes": "conferido",
            "bank_description": "PIX 42", "classified": True}
    patched = expect(scope.api.patch("transactions", str(trx["id"]), body), 200,
                     "TRX-5: PATCH descriptive fields of an auto transaction")
    assert {k: patched[k] for k in body} == body, f"TRX-5: not written: {patched}"
    money_of = ("amount", "type", "is_pending", "occurred_at", "financial_account_id")
    assert {k: patched[k] for k in money_of} == {k: trx[k] for k in money_of}
    assert trx["type"] == TRANSACTION_TYPE[resource]
    assert trx["amount"] == bill["nominal_amount"]


# RULE TRX-5, RULE ACC-2, RULE PAY-5, RULE PAY-6, RULE PAY-7, RULE PAY-9
@pytest.mark.rule("TRX-5", "ACC-2", "PAY-5", "PAY-6", "PAY-7", "PAY-9")
def test_trx_5_the_ledger_holds_after_any_sequence(writable: Env) -> None:
    """Posts, edits and deletes transactions; settles, edits, reverts, cancels and deletes
    bills; edits the descriptive fields of auto transactions: the balance is seed + credits −
    debits and every settled bill has one auto transaction of its `nominal_amount`."""
    run_state_machine_as_test(LedgerMachine.bind(writable),
                              settings=active(max_examples=scaled(10, 80),
                                              stateful_step_count=scaled(25, 60)))


# RULE TRX-5
@pytest.mark.rule("TRX-5")
def test_trx_5_the_ledger_holds_when_auto_transactions_are_patched(writable: Env) -> None:
    """The same machine also PATCHes the money fields of auto transactions (422 each).
    Not shrunk: shrinking a failing HTTP sequence of this machine took over five minutes,
    and the failure is already short (settle, then one PATCH)."""
    run_state_machine_as_test(LedgerMachine.bind(writable, auto_edits=True),
                              settings=active(max_examples=scaled(4, 40),
                                              stateful_step_count=scaled(25, 60),
                                              phases=NO_SHRINK, report_multiple_bugs=False))
