"""Helpers for the catalogue rule tests: a tenant-bound HTTP helper, problem checks, and money
rows built through the domain modules (the guards are proved without the money-flow endpoints)."""

from __future__ import annotations

import random
import uuid
from decimal import Decimal
from typing import Any

from faker import Faker

from fixtures import factories
from fixtures.documents import generate_cnpj
from mock.domain import payables, receivables, transactions
from mock.domain.links import Allocation, TaxCharge
from mock.domain.values import new_id
from mock.store import TenantStore

PROBLEM_JSON = "application/problem+json"


def problem(response: Any, status: int, code: str, field: str | None = None) -> dict[str, Any]:
    """Assert an RFC 9457 answer with this status and `code` (and an `errors` entry naming
    `field`); return its body."""
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith(PROBLEM_JSON)
    body: dict[str, Any] = response.json()
    assert body["status"] == status
    assert body["code"] == code, body
    if field is not None:
        assert field in [e["field"] for e in body.get("errors", [])], body
    return body


def without_detail(body: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in body.items() if k not in ("detail", "instance")}


class Api:
    """One tenant's view of the API: thin wrappers that keep the tests about the rules."""

    def __init__(self, client: Any, headers: dict[str, str]) -> None:
        self.client = client
        self.headers = headers

    def post(self, resource: str, body: dict[str, Any]) -> Any:
        return self.client.post(f"/v1/{resource}", headers=self.headers, json=body)

    def create(self, resource: str, body: dict[str, Any]) -> dict[str, Any]:
        r = self.post(resource, body)
        assert r.status_code == 201, r.text
        out: dict[str, Any] = r.json()
        return out

    def get(self, resource: str, row_id: str) -> Any:
        return self.client.get(f"/v1/{resource}/{row_id}", headers=self.headers)

    def read(self, resource: str, row_id: str) -> dict[str, Any]:
        r = self.get(resource, row_id)
        assert r.status_code == 200, r.text
        out: dict[str, Any] = r.json()
        return out

    def patch(self, resource: str, row_id: str, body: dict[str, Any]) -> Any:
        return self.client.patch(f"/v1/{resource}/{row_id}", headers=self.headers, json=body)

    def delete(self, resource: str, row_id: str) -> Any:
        return self.client.delete(f"/v1/{resource}/{row_id}", headers=self.headers)

    def rows(self, resource: str, **params: Any) -> list[dict[str, Any]]:
        """Every row of the list with these params, following `next_cursor`."""
        out: list[dict[str, Any]] = []
        query: dict[str, Any] = {"limit": 100, **params}
        while True:
            r = self.client.get(f"/v1/{resource}", headers=self.headers, params=query)
            assert r.status_code == 200, r.text
            page = r.json()
            out.extend(page["data"])
            if page["next_cursor"] is None:
                return out
            query["cursor"] = page["next_cursor"]

    def ids(self, resource: str, **params: Any) -> set[str]:
        return {row["id"] for row in self.rows(resource, **params)}

    def names(self, resource: str, **params: Any) -> list[str]:
        return [row["name"] for row in self.rows(resource, **params)]

    def company(self, fake: Faker, **overrides: Any) -> dict[str, Any]:
        return self.create("companies", factories.make_company(fake, **overrides))

    def account(self, fake: Faker, company_id: str, **overrides: Any) -> dict[str, Any]:
        return self.create("accounts", factories.make_account(fake, company_id, **overrides))

    def person(self, fake: Faker, company_id: str, **overrides: Any) -> dict[str, Any]:
        return self.create("people", factories.make_person(fake, company_id, **overrides))


def assert_foreign_is_missing(owner: Api, other: Api, resource: str, row_id: str) -> None:
    """RULE G-3: another tenant's id answers GET, PATCH and DELETE exactly like a missing one,
    and the row is untouched for its owner."""
    before = owner.read(resource, row_id)
    missing = str(uuid.uuid4())
    for method in ("GET", "PATCH", "DELETE"):
        kwargs: dict[str, Any] = {"json": {"name": "x"}} if method == "PATCH" else {}
        foreign, absent = (other.client.request(method, f"/v1/{resource}/{i}",
                                                headers=other.headers, **kwargs)
                           for i in (row_id, missing))
        assert without_detail(problem(foreign, 404, "not_found")) == \
            without_detail(problem(absent, 404, "not_found"))
    assert owner.read(resource, row_id) == before
    assert row_id not in other.ids(resource)


def new_cnpj(rng: random.Random, branch: int = 1) -> str:
    return generate_cnpj(rng, branch=branch)


# -- money rows, through the domain modules ------------------------------------------------


def add_transaction(ts: TenantStore, company_id: str, account_id: str, **fields: Any) -> Any:
    body = {"company_id": company_id, "financial_account_id": account_id, "amount": "10.00",
            "type": "debit", "occurred_at": "2026-01-10", **fields}
    return transactions.create(ts, body)


def add_bill(ts: TenantStore, resource: str, company_id: str, person_id: str,
             **fields: Any) -> Any:
    module = payables.PAYABLES if resource == "payables" else receivables.RECEIVABLES
    body = {"company_id": company_id, "description": "NF 1", "amount": "100.00",
            "due_date": "2026-02-10", "person_id": person_id, **fields}
    return module.create(ts, body)


def add_allocation(ts: TenantStore, owner: str, owner_id: str, cost_center_id: str) -> Allocation:
    row = Allocation(id=new_id(), owner=owner, owner_id=owner_id, cost_center_id=cost_center_id,
                     amount=Decimal("10.00"), percentage=None)
    return ts["allocations"].insert(row)


def add_tax_charge(ts: TenantStore, owner: str, owner_id: str, tax_id: str) -> TaxCharge:
    row = TaxCharge(id=new_id(), owner=owner, owner_id=owner_id, tax_id=tax_id,
                    amount=Decimal("1.50"), withholding=True)
    return ts["tax_charges"].insert(row)
