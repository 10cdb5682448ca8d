"""What the load runs against: the seeded data, the five scenarios, and the bodies and ids the
references replay.

The mock is seeded over `/__mock/seed`: both demo workspaces, `rows` transactions in tenant A
(GET by id, list pages) and `payables` pending payables in tenant B (each PATCH settles one still
pending — an auto transaction —, the runs going on one after another: `bench.load.Walks`). Seeds
are deterministic, so the ids are regenerated here from `fixtures.seed` rather than listed over
HTTP.
"""

from __future__ import annotations

import json
import random
from dataclasses import dataclass
from typing import Any

import httpx

from bench.load import UNIQUE, Scenario
from fixtures import seed, tokens
from fixtures.factories import ANCHOR_DATE

SAMPLE_IDS = 2000


@dataclass(frozen=True)
class Workload:
    """Ids the scenarios address: a sample of tenant A's transactions, tenant B's payables and
    the account they are settled on."""

    rows: int
    payables: int
    transaction_ids: tuple[str, ...]
    payable_ids: tuple[str, ...]
    account_id: str

    def ids(self) -> dict[str, list[str]]:
        """The ids the plain Starlette floor serves (`--ids FILE`)."""
        return {"transactions": list(self.transaction_ids), "payables": list(self.payable_ids)}


def seed_bodies(rows: int, payables: int) -> list[dict[str, Any]]:
    """The `POST /__mock/seed` bodies, in order."""
    return [
        {"tenant": tokens.TENANT_A},
        {"tenant": tokens.TENANT_B},
        {"tenant": tokens.TENANT_A, "rows": rows, "resource": "transactions"},
        {"tenant": tokens.TENANT_B, "rows": payables, "resource": "payables"},
    ]


def plan(rows: int, payables: int, *, sample: int = SAMPLE_IDS) -> Workload:
    """Regenerate the large datasets' ids (deterministic) for the scenarios to address."""
    transactions = [s.id for s in seed.large_dataset(tokens.TENANT_A, rows)
                    if s.resource == "transactions"]
    rng = random.Random(7)
    picked = rng.sample(transactions, min(sample, len(transactions)))
    payable_ids: list[str] = []
    account_id = ""
    for step in seed.large_dataset(tokens.TENANT_B, payables, resource="payables"):
        if step.resource == "payables":
            payable_ids.append(step.id)
        elif step.resource == "accounts" and not account_id:
            account_id = step.id
    rng.shuffle(payable_ids)
    return Workload(rows, payables, tuple(picked), tuple(payable_ids), account_id)


def scenarios(work: Workload) -> list[Scenario]:
    """GET by id, list page, filtered list page, POST create (unique name and Idempotency-Key
    per request), PATCH settle of a payable (with tenant B's token, see `auth_headers`)."""
    settle = json.dumps({"status": "paid", "payment_date": ANCHOR_DATE.isoformat(),
                         "financial_account_id": work.account_id})
    create = json.dumps({"name": f"Bench tax {UNIQUE}", "default_rate": "2.50",
                         "default_withholding": False, "active": True})
    return [
        Scenario("get_by_id", "GET /transactions/{id}", "GET",
                 tuple(f"/transactions/{i}" for i in work.transaction_ids),
                 "mock.api.transactions.get"),
        Scenario("list", "GET /transactions?limit=25", "GET", ("/transactions?limit=25",),
                 "mock.api.transactions.search"),
        Scenario("list_filter", "GET /transactions?limit=25&type=debit", "GET",
                 ("/transactions?limit=25&type=debit",), "mock.api.transactions.search"),
        Scenario("create", "POST /taxes", "POST", ("/taxes",), "mock.api.taxes.create",
                 body=create, headers={"Idempotency-Key": f"bench-{UNIQUE}"}, expect=201),
        Scenario("settle", "PATCH /payables/{id}", "PATCH",
                 tuple(f"/payables/{i}" for i in work.payable_ids), "mock.api.payables.update",
                 body=settle, stateful=True),
    ]


def auth_headers(scenario: Scenario, secret: str = tokens.DEFAULT_SECRET) -> dict[str, str]:
    """The bearer token for a scenario: tenant B for the settle (its payables), else A."""
    tenant = tokens.TENANT_B if scenario.name == "settle" else tokens.TENANT_A
    token = tokens.mint_token(tenant, secret=secret, expires_in=24 * 3600)
    return {"Authorization": f"Bearer {token}"}


def capture(api_url: str, items: list[Scenario]) -> dict[str, dict[str, Any]]:
    """One request per scenario against the mock: checks it answers as expected, and returns
    operationId -> {status, body} for the references to replay (first scenario wins)."""
    bodies: dict[str, dict[str, Any]] = {}
    with httpx.Client(base_url=api_url.rstrip("/"), timeout=30.0) as client:
        for scenario in items:
            # The last path, so the load's own first requests still find pending payables.
            path, body, headers = scenario.render(len(scenario.paths) - 1, "capture")
            if body is not None:
                headers["Content-Type"] = "application/json"
            response = client.request(scenario.method, path, content=body,
                                      headers={**headers, **auth_headers(scenario)})
            if response.status_code != scenario.expect:
                raise RuntimeError(f"{scenario.name}: {scenario.method} {path} answered "
                                   f"{response.status_code}, not {scenario.expect}: "
                                   f"{response.text[:500]}")
            bodies.setdefault(scenario.operation_id,
                              {"status": response.status_code, "body": response.json()})
    return bodies
