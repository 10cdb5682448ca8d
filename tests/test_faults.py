"""Each named fault (mock.faults) is off by default and, when on, really breaks its rule —
the self-check is only as good as its faults."""

from __future__ import annotations

import random
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from decimal import Decimal
from typing import Any

import jwt
import pytest
from starlette.testclient import TestClient

from contract.invariants import INVARIANTS
from contract.rules import BY_ID
from fixtures import documents, factories, files, tokens
from mock import faults
from mock.app import create_app, new_store
from tests.conftest import bearer
from tests.helpers import make_all

A = bearer(tokens.mint_token(tokens.TENANT_A))
B = bearer(tokens.mint_token(tokens.TENANT_B))
Demo = Callable[[TestClient], bool]  # True when the defect shows


def _company(c: TestClient, headers: dict[str, str] = A, seed: int = 0, **extra: Any
             ) -> Any:
    return c.post("/v1/companies", headers=headers,
                  json=factories.make_company(factories.make_faker(seed)) | extra)


def _taxes(c: TestClient, n: int) -> None:
    fake = factories.make_faker(1)
    for i in range(n):
        c.post("/v1/taxes", headers=A, json=factories.make_tax(fake) | {"name": f"T{i:02d}"})


def _walk(c: TestClient, path: str, limit: int, **params: Any) -> list[str]:
    seen: list[str] = []
    cursor = None
    while True:
        page = c.get(path, headers=A, params={"limit": limit, **params,
                                              **({"cursor": cursor} if cursor else {})}).json()
        seen += [r["id"] for r in page["data"]]
        if not (cursor := page["next_cursor"]):
            return seen


def tie_skip(c: TestClient) -> bool:
    fake = factories.make_faker(2)
    company = _company(c).json()["id"]
    for _ in range(6):  # six categories with one name: all tie on the default sort
        c.post("/v1/categories", headers=A,
               json=factories.make_category(fake, company) | {"name": "Aluguel"})
    return len(_walk(c, "/v1/categories", 2)) < 6


def repeat(c: TestClient) -> bool:
    _taxes(c, 6)
    seen = _walk(c, "/v1/taxes", 2)
    return len(seen) != len(set(seen))


def limit(c: TestClient) -> bool:
    _taxes(c, 30)
    return len(c.get("/v1/taxes", headers=A, params={"limit": 3}).json()["data"]) != 3


def filter_(c: TestClient) -> bool:
    _taxes(c, 3)
    c.patch(f"/v1/taxes/{c.get('/v1/taxes', headers=A).json()['data'][0]['id']}", headers=A,
            json={"active": False})
    rows = c.get("/v1/taxes", headers=A, params={"active": False}).json()["data"]
    return any(r["active"] for r in rows)


def get_tenant(c: TestClient) -> bool:
    row = _company(c).json()
    return c.get(f"/v1/companies/{row['id']}", headers=B).status_code == 200


def list_leak(c: TestClient) -> bool:
    _company(c)
    return bool(c.get("/v1/companies", headers=B).json()["data"])


def cursor_cross(c: TestClient) -> bool:
    _taxes(c, 3)
    cursor = c.get("/v1/taxes", headers=A, params={"limit": 1}).json()["next_cursor"]
    return c.get("/v1/taxes", headers=B, params={"limit": 1, "cursor": cursor}).status_code == 200


def foreign_ref(c: TestClient) -> bool:
    company = _company(c).json()["id"]
    r = c.post("/v1/cost_centers", headers=B, json={"company_id": company, "name": "X",
                                                   "type": "cost"})
    return r.status_code == 201


def idem_ignored(c: TestClient) -> bool:
    key = {"Idempotency-Key": "k"}
    _company(c, A | key)
    return _company(c, A | key).status_code != 201 or \
        len(c.get("/v1/companies", headers=A).json()["data"]) != 1


def idem_shared(c: TestClient) -> bool:
    key = {"Idempotency-Key": "k"}
    a = _company(c, A | key).json()
    return _company(c, B | key).json()["id"] == a["id"]


def idem_mismatch(c: TestClient) -> bool:
    key = {"Idempotency-Key": "k"}
    _company(c, A | key, seed=1)
    return _company(c, A | key, seed=2).status_code != 422


def delete_twice(c: TestClient) -> bool:
    row = _company(c).json()
    c.delete(f"/v1/companies/{row['id']}", headers=A)
    return c.delete(f"/v1/companies/{row['id']}", headers=A).status_code == 204


def still_readable(c: TestClient) -> bool:
    row = _company(c).json()
    c.delete(f"/v1/companies/{row['id']}", headers=A)
    return c.get(f"/v1/companies/{row['id']}", headers=A).status_code == 200


def scopes(c: TestClient) -> bool:
    ro = bearer(tokens.mint_token(tokens.TENANT_A, tokens.READ_SCOPES))
    return _company(c, ro).status_code == 201


def write_scope_unenforced(resource: str) -> Demo:
    """A token with every scope but `resource`'s write scope writes `resource` (reaches the
    body's validation, whatever its answer), while another resource still refuses it."""

    def demo(c: TestClient) -> bool:
        def refused(name: str) -> bool:
            lacking = [s for s in tokens.ALL_SCOPES if s != tokens.write_scope(name)]
            answer = c.post(f"/v1/{name}", headers=bearer(tokens.mint_token(
                tokens.TENANT_A, lacking)), json={})
            return answer.status_code == 403

        return not refused(resource) and refused("taxes")

    return demo


def alg_none(c: TestClient) -> bool:
    return c.get("/v1/companies", headers=bearer(tokens.alg_none_token())).status_code == 200


def expired(c: TestClient) -> bool:
    return c.get("/v1/companies", headers=bearer(tokens.expired_token())).status_code == 200


def not_problem(c: TestClient) -> bool:
    r = c.get(f"/v1/companies/{uuid.uuid4()}", headers=A)
    return r.status_code == 404 and r.headers["content-type"] == "application/json"


def wrong_type(c: TestClient) -> bool:
    body = factories.make_company(factories.make_faker(3))
    crashed = c.post("/v1/companies", headers=A, json=body | {"name": 12}).status_code == 500
    # Only the wrong type bites: a valid body is still created.
    return crashed and _company(c, seed=4).status_code == 201


def cnpj_digits(c: TestClient) -> bool:
    return _company(c, cnpj="11222333000100").status_code == 201


def cnpj_dup(c: TestClient) -> bool:
    _company(c)
    return _company(c).status_code == 201


def depth(c: TestClient) -> bool:
    company = _company(c).json()["id"]
    parent = None
    for _ in range(4):
        r = c.post("/v1/categories", headers=A, json={"company_id": company, "name": "N",
                                                     "type": "debit", "parent_id": parent})
        if r.status_code != 201:
            return False
        parent = r.json()["id"]
    return True


def ledger(c: TestClient) -> bool:
    ids = make_all(c, A)
    account = c.get(f"/v1/accounts/{ids['accounts']}", headers=A).json()
    fake = factories.make_faker(4)
    c.post("/v1/transactions", headers=A, json=factories.make_transaction(
        fake, ids["companies"], ids["accounts"]) | {"amount": "10.00", "is_pending": False})
    after = c.get(f"/v1/accounts/{ids['accounts']}", headers=A).json()
    return after["balance"] == account["balance"]


def settle(c: TestClient) -> bool:
    ids = make_all(c, A)
    r = c.patch(f"/v1/payables/{ids['payables']}", headers=A, json={
        "status": "paid", "payment_date": "2026-01-20",
        "financial_account_id": ids["accounts"]})
    return r.status_code == 200 and r.json()["transaction_id"] is None


def nominal(c: TestClient) -> bool:
    ids = make_all(c, A)
    r = c.patch(f"/v1/payables/{ids['payables']}", headers=A,
                json={"interest_amount": "5.00", "discount_amount": "0.00"}).json()
    return r["nominal_amount"] != f"{float(r['amount']) + 5:.2f}"


def upload(c: TestClient) -> bool:
    big = files.pdf_bytes() + b"0" * (10 * 1024 * 1024 + 10)
    r = c.post("/v1/attachments", headers=A, files={"file": ("big.pdf", big,
                                                              "application/pdf")})
    return r.status_code == 201


# -- TRX, PAY/REC, ATT ---------------------------------------------------------------------------


def _settled(c: TestClient, ids: dict[str, str], resource: str = "payables") -> dict[str, Any]:
    settled = "paid" if resource == "payables" else "received"
    r = c.patch(f"/v1/{resource}/{ids[resource]}", headers=A, json={
        "status": settled, "payment_date": "2026-01-20", "financial_account_id": ids["accounts"]})
    assert r.status_code == 200, r.text
    body: dict[str, Any] = r.json()
    return body


def trx_other_company(c: TestClient) -> bool:
    ids = make_all(c, A)
    other = _company(c, seed=9).json()["id"]
    return c.post("/v1/transactions", headers=A, json=factories.make_transaction(
        factories.make_faker(5), other, ids["accounts"])).status_code == 201


def trx_id_and_name(c: TestClient) -> bool:
    ids = make_all(c, A)
    return c.post("/v1/transactions", headers=A, json=factories.make_transaction(
        factories.make_faker(5), ids["companies"], ids["accounts"]) | {
        "person_id": ids["people"], "person_name": "Outra Pessoa"}).status_code == 201


def trx_moves_account(c: TestClient) -> bool:
    ids = make_all(c, A)
    other = c.post("/v1/accounts", headers=A, json=factories.make_account(
        factories.make_faker(5), ids["companies"])).json()["id"]
    r = c.patch(f"/v1/transactions/{ids['transactions']}", headers=A,
                json={"financial_account_id": other})
    return bool(r.json().get("financial_account_id") == other)


def auto_deletable(c: TestClient) -> bool:
    ids = make_all(c, A)
    trx = _settled(c, ids)["transaction_id"]
    return c.delete(f"/v1/transactions/{trx}", headers=A).status_code == 204


def auto_drifts(c: TestClient) -> bool:
    ids = make_all(c, A)
    trx = _settled(c, ids)["transaction_id"]
    c.patch(f"/v1/payables/{ids['payables']}", headers=A, json={"amount": "1.00"})
    return bool(c.get(f"/v1/transactions/{trx}", headers=A).json()["amount"] != "1.00")


def auto_patchable(c: TestClient) -> bool:
    ids = make_all(c, A)
    trx = _settled(c, ids)["transaction_id"]
    return c.patch(f"/v1/transactions/{trx}", headers=A,
                   json={"amount": "1.00"}).status_code == 200


def no_person(c: TestClient) -> bool:
    ids = make_all(c, A)
    body = factories.make_payable(factories.make_faker(5), ids["companies"], ids["people"])
    del body["person_id"]
    return c.post("/v1/payables", headers=A, json=body).status_code == 201


def rateio_sum(c: TestClient) -> bool:
    ids = make_all(c, A)
    body = factories.make_payable(factories.make_faker(5), ids["companies"], ids["people"]) | {
        "amount": "100.00", "cost_centers": [{"cost_center_id": ids["cost_centers"],
                                              "amount": "60.00"}]}
    return c.post("/v1/payables", headers=A, json=body).status_code == 201


def remainder(c: TestClient) -> bool:
    ids = make_all(c, A)
    body = factories.make_payable(factories.make_faker(5), ids["companies"], ids["people"]) | {
        "amount": "100.00", "total_installments": 3}
    group = c.post("/v1/payables", headers=A, json=body).json()["group_id"]
    rows = c.get("/v1/payables", headers=A, params={"group_id": group}).json()["data"]
    return sum(Decimal(r["amount"]) for r in rows) != Decimal("100.00")


def takes_status(c: TestClient) -> bool:
    ids = make_all(c, A)
    body = factories.make_payable(factories.make_faker(5), ids["companies"], ids["people"])
    return c.post("/v1/payables", headers=A,
                  json=body | {"status": "cancelled"}).status_code == 201


def cancel_settled(c: TestClient) -> bool:
    ids = make_all(c, A)
    _settled(c, ids)
    return c.patch(f"/v1/payables/{ids['payables']}", headers=A,
                   json={"status": "cancelled"}).status_code == 200


def count_zero(c: TestClient) -> bool:
    ids = make_all(c, A)
    c.post(f"/v1/attachments/{ids['attachments']}/links", headers=A,
           json={"type": "payable", "id": ids["payables"]})
    return bool(c.get(f"/v1/payables/{ids['payables']}", headers=A).json()[
        "attachments_count"] == 0)


def delete_keeps(c: TestClient) -> bool:
    ids = make_all(c, A)
    trx = _settled(c, ids)["transaction_id"]
    c.delete(f"/v1/payables/{ids['payables']}", headers=A)
    return c.get(f"/v1/transactions/{trx}", headers=A).status_code == 200


def writes_reconciled(c: TestClient) -> bool:
    ids = make_all(c, A)
    r = c.patch(f"/v1/receivables/{ids['receivables']}", headers=A,
                json={"is_reconciled": True})
    return bool(r.json()["is_reconciled"])


def polarity(c: TestClient) -> bool:
    ids = make_all(c, A)
    row = c.post("/v1/receivables", headers=A, json=factories.make_receivable(
        factories.make_faker(5), ids["companies"], ids["people"]) | {
        "cost_center_name": "Vendas Online"}).json()
    return bool(c.get(f"/v1/cost_centers/{row['cost_center_id']}",
                      headers=A).json()["type"] == "cost")


def relative_url(c: TestClient) -> bool:
    ids = make_all(c, A)
    url = c.get(f"/v1/attachments/{ids['attachments']}", headers=A).json()["download_url"]
    return not str(url).startswith("http")


def always_attachment(c: TestClient) -> bool:
    ids = make_all(c, A)  # its attachment is a PDF: inline
    r = c.get(f"/v1/attachments/{ids['attachments']}/download", headers=A)
    return r.headers["content-disposition"].startswith("attachment")


def link_twice(c: TestClient) -> bool:
    ids = make_all(c, A)
    link = {"type": "payable", "id": ids["payables"]}
    c.post(f"/v1/attachments/{ids['attachments']}/links", headers=A, json=link)
    return c.post(f"/v1/attachments/{ids['attachments']}/links", headers=A,
                  json=link).status_code == 201


def delete_linked(c: TestClient) -> bool:
    ids = make_all(c, A)
    c.post(f"/v1/attachments/{ids['attachments']}/links", headers=A,
           json={"type": "payable", "id": ids["payables"]})
    return c.delete(f"/v1/attachments/{ids['attachments']}", headers=A).status_code == 204


DEMOS: dict[str, Demo] = {
    "page_skips_on_tie": tie_skip, "page_repeats_row": repeat, "limit_ignored": limit,
    "filter_ignored": filter_, "get_ignores_tenant": get_tenant,
    "list_leaks_tenant": list_leak, "cursor_crosses_tenants": cursor_cross,
    "foreign_reference_accepted": foreign_ref, "idempotency_ignored": idem_ignored,
    "idempotency_shared_across_tenants": idem_shared,
    "idempotency_mismatch_replayed": idem_mismatch, "delete_twice_204": delete_twice,
    "deleted_still_readable": still_readable, "scopes_not_enforced": scopes,
    **{f"{r}_write_scope_unenforced": write_scope_unenforced(r)
       for r in ("payables", "receivables", "transactions")},
    "alg_none_accepted": alg_none, "expired_token_accepted": expired,
    "errors_not_problem_json": not_problem, "cnpj_without_check_digits": cnpj_digits,
    "duplicate_active_cnpj": cnpj_dup, "category_depth_4": depth,
    "balance_ignores_ledger": ledger, "settle_without_transaction": settle,
    "nominal_ignores_interest": nominal, "upload_limit_ignored": upload,
    "wrong_type_is_500": wrong_type,
    "transaction_account_of_other_company": trx_other_company,
    "transaction_id_and_name_accepted": trx_id_and_name,
    "transaction_patch_moves_account": trx_moves_account,
    "auto_transaction_deletable": auto_deletable, "auto_transaction_drifts": auto_drifts,
    "auto_transaction_money_patchable": auto_patchable,
    "person_not_required": no_person, "rateio_sum_unchecked": rateio_sum,
    "installment_remainder_dropped": remainder, "new_bill_takes_status": takes_status,
    "cancel_settled_bill": cancel_settled, "attachments_count_zero": count_zero,
    "delete_keeps_auto_transaction": delete_keeps, "patch_writes_is_reconciled": writes_reconciled,
    "name_ignores_polarity": polarity, "download_url_relative": relative_url,
    "download_always_attachment": always_attachment, "link_twice_201": link_twice,
    "delete_linked_attachment": delete_linked,
}


# -- the faults of G-7, G-8, G-9, G-11, CMP, CAT, CC, TAX, PER, ACC -----------------------------


def _get(c: TestClient, resource: str, row_id: str) -> Any:
    return c.get(f"/v1/{resource}/{row_id}", headers=A).json()


def _patch(c: TestClient, resource: str, row_id: str, body: dict[str, Any]) -> Any:
    return c.patch(f"/v1/{resource}/{row_id}", headers=A, json=body)


def _post(c: TestClient, resource: str, body: dict[str, Any]) -> Any:
    return c.post(f"/v1/{resource}", headers=A, json=body)


def created_at_moves(c: TestClient) -> bool:
    ids = make_all(c, A)
    before = _get(c, "taxes", ids["taxes"])["created_at"]
    c.app.store.clock.advance(5)  # type: ignore[attr-defined]
    _patch(c, "taxes", ids["taxes"], {"active": False})
    return bool(_get(c, "taxes", ids["taxes"])["created_at"] != before)


def amount_number(c: TestClient) -> bool:
    ids = make_all(c, A)
    return not isinstance(_get(c, "transactions", ids["transactions"])["amount"], str)


def no_zone(c: TestClient) -> bool:
    return not str(_company(c).json()["created_at"]).endswith("Z")


def detail_shape(c: TestClient) -> bool:
    row = _company(c).json()
    return "workspace_id" not in _get(c, "companies", row["id"])


def _cnpj(seed: int, branch: int) -> str:
    return documents.generate_cnpj(random.Random(seed), branch=branch)


def type_from_request(c: TestClient) -> bool:
    return bool(_company(c, cnpj=_cnpj(1, 2), type="matriz").json()["type"] == "matriz")


def cnpj_patched(c: TestClient) -> bool:
    row = _company(c).json()
    return bool(_patch(c, "companies", row["id"], {"cnpj": _cnpj(2, 1)}).json()["cnpj"]
                != row["cnpj"])


def company_with_people_deleted(c: TestClient) -> bool:
    ids = make_all(c, A)
    return bool(c.delete(f"/v1/companies/{ids['companies']}", headers=A).status_code == 204)


def _tree(c: TestClient, levels: int, kind: str = "debit") -> list[str]:
    company = _company(c).json()["id"]
    made: list[str] = []
    for _ in range(levels):
        made.append(_post(c, "categories", {"company_id": company, "name": "N", "type": kind,
                                            "parent_id": made[-1] if made else None}
                          ).json()["id"])
    return made


def child_type_free(c: TestClient) -> bool:
    root = _tree(c, 1)[0]
    company = _get(c, "categories", root)["company_id"]
    return bool(_post(c, "categories", {"company_id": company, "name": "C", "type": "credit",
                                        "parent_id": root}).status_code == 201)


def no_cascade(c: TestClient) -> bool:
    root, child = _tree(c, 2)
    _patch(c, "categories", root, {"type": "credit"})
    return bool(_get(c, "categories", child)["type"] != "credit")


def parent_deleted(c: TestClient) -> bool:
    root, _ = _tree(c, 2)
    return bool(c.delete(f"/v1/categories/{root}", headers=A).status_code == 204)


def description_kept(c: TestClient) -> bool:
    ids = make_all(c, A)
    return _patch(c, "cost_centers", ids["cost_centers"],
                  {"description": None}).json()["description"] is not None


def _used(c: TestClient, resource: str, field: str) -> str:
    """A fresh row of `resource` that a transaction (or, for taxes, a payable) uses."""
    ids = make_all(c, A)
    if resource == "taxes":
        _patch(c, "payables", ids["payables"], {"tax_charges": [
            {"tax_id": ids["taxes"], "amount": "1.00"}]})
    else:
        _patch(c, "transactions", ids["transactions"], {field: ids[resource]})
    return ids[resource]


def cost_center_deleted(c: TestClient) -> bool:
    row = _used(c, "cost_centers", "cost_center_id")
    return bool(c.delete(f"/v1/cost_centers/{row}", headers=A).status_code == 204)


def tax_case(c: TestClient) -> bool:
    _post(c, "taxes", {"name": "Imposto X"})
    return bool(_post(c, "taxes", {"name": "IMPOSTO x"}).status_code == 201)


def rate_kept(c: TestClient) -> bool:
    ids = make_all(c, A)
    return _patch(c, "taxes", ids["taxes"], {"default_rate": None}).json()["default_rate"] \
        is not None


def tax_deleted(c: TestClient) -> bool:
    row = _used(c, "taxes", "")
    return bool(c.delete(f"/v1/taxes/{row}", headers=A).status_code == 204)


def cpf_digits(c: TestClient) -> bool:
    company = _company(c).json()["id"]
    return bool(_post(c, "people", {"company_id": company, "name": "P",
                                    "document_number": "12345678900"}).status_code == 201)


def role_ignored(c: TestClient) -> bool:
    company = _company(c).json()["id"]
    customer = _post(c, "people", factories.make_person(
        factories.make_faker(5), company, supplier=False, customer=True)).json()["id"]
    return bool(_post(c, "payables", factories.make_payable(
        factories.make_faker(5), company, customer)).status_code == 201)


def sensitive(c: TestClient) -> bool:
    ids = make_all(c, A)
    return bool({"birthday", "addresses", "pix_key"} & set(_get(c, "people", ids["people"])))


def null_clears(c: TestClient) -> bool:
    ids = make_all(c, A)
    return _patch(c, "people", ids["people"], {"nickname": None}).json()["nickname"] is None


def person_hard(c: TestClient) -> bool:
    ids = make_all(c, A)
    c.delete(f"/v1/people/{ids['people']}", headers=A)
    return _get(c, "payables", ids["payables"])["person_name"] is None


def bank_required(c: TestClient) -> bool:
    company = _company(c).json()["id"]
    return bool(_post(c, "accounts", {"company_id": company, "name": "Caixa",
                                      "type": "cash"}).status_code != 201)


def resets_absent(c: TestClient) -> bool:
    ids = make_all(c, A)
    return _patch(c, "accounts", ids["accounts"], {"name": "Outra"}).json()["agency"] is None


def account_deleted(c: TestClient) -> bool:
    ids = make_all(c, A)
    return bool(c.delete(f"/v1/accounts/{ids['accounts']}", headers=A).status_code == 204)


DEMOS |= {
    "patch_rewrites_created_at": created_at_moves, "amount_as_json_number": amount_number,
    "timestamps_without_zone": no_zone, "detail_drops_workspace_id": detail_shape,
    "company_type_from_request": type_from_request, "company_cnpj_patchable": cnpj_patched,
    "company_delete_ignores_records": company_with_people_deleted,
    "child_category_type_free": child_type_free, "category_type_no_cascade": no_cascade,
    "category_delete_with_children": parent_deleted,
    "cost_center_description_null_kept": description_kept,
    "cost_center_delete_in_use": cost_center_deleted, "tax_name_case_sensitive": tax_case,
    "tax_rate_null_kept": rate_kept, "tax_delete_while_charged": tax_deleted,
    "cpf_without_check_digits": cpf_digits, "bill_person_role_ignored": role_ignored,
    "person_sensitive_fields_returned": sensitive, "person_patch_null_clears": null_clears,
    "person_delete_is_hard": person_hard, "account_bank_fields_required": bank_required,
    "account_patch_resets_absent": resets_absent, "account_delete_in_use": account_deleted,
}


@contextmanager
def client_with(names: frozenset[str]) -> Iterator[TestClient]:
    app = create_app(new_store(names), validate_responses=False)
    with TestClient(app, raise_server_exceptions=False) as c:
        yield c


@pytest.fixture(scope="module")
def healthy() -> Iterator[TestClient]:
    with client_with(frozenset()) as c:
        yield c


def test_every_fault_has_a_demonstration() -> None:
    assert set(DEMOS) == set(faults.BY_NAME)
    assert len(faults.CATALOGUE) >= 20
    assert {f.invariant for f in faults.CATALOGUE} <= set(INVARIANTS)
    assert {f.rule for f in faults.CATALOGUE} <= set(BY_ID)  # each breaks a catalogued rule


@pytest.mark.parametrize("name", sorted(DEMOS))
def test_fault_bites_when_on(name: str) -> None:
    with client_with(frozenset({name})) as client:
        assert DEMOS[name](client), f"{name} is on but the rule still holds"


@pytest.mark.parametrize("name", sorted(DEMOS))
def test_fault_is_off_by_default(healthy: TestClient, name: str) -> None:
    healthy.app.store.reset()  # type: ignore[attr-defined]
    healthy.app.idempotency.clear()  # type: ignore[attr-defined]
    assert not DEMOS[name](healthy), f"{name} shows without being asked for"


def test_unknown_names_are_refused() -> None:
    with pytest.raises(ValueError, match="unknown fault"):
        faults.parse("page_skips_on_tie,nope")
    assert faults.parse("") == frozenset()
    assert faults.parse(" limit_ignored , delete_twice_204") == {"limit_ignored",
                                                                "delete_twice_204"}


def test_alg_none_token_really_is_unsigned() -> None:
    assert jwt.get_unverified_header(tokens.alg_none_token())["alg"] == "none"
