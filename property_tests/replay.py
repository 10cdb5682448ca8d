"""RULE G-5, the checks: `Idempotency-Key` on every create that takes it.

- `check_replay`: the same request again answers the first status and body with
  `Idempotent-Replayed: true`, and there is exactly one row.
- `check_mismatch`: the same key with another body is 422 and writes nothing.
- `check_race`: N concurrent requests with one key make one row; every answer is the
  original (or its replay) or 409.
- `check_tenants`: the same key in the other tenant is independent.
- `check_expiry`: 24 h later (the mock's clock moved) the same key makes a new row.

Each create is `Marked`: its body carries a unique value and `filters` find exactly the rows
made with it, so "exactly one row" is checked in the list, as a client would.
"""

from __future__ import annotations

import threading
import uuid
from collections.abc import Callable
from dataclasses import dataclass

import httpx

from fixtures import factories
from property_tests.client import JSON, REPLAYED, Api, Env, forked
from property_tests.rows import Scope, token, unique_cnpj, unique_cpf

DAY = 24 * 3600


@dataclass(frozen=True)
class Marked:
    """A create body and the list filter that finds exactly the rows made from it."""

    resource: str
    body: JSON
    filters: JSON


def marked(scope: Scope, resource: str, seed: int) -> Marked:
    """A valid create body of `resource` with a unique marker, and how to find it."""
    fake = factories.make_faker(seed)
    tag = token()
    company_id = str(scope.company["id"])
    if resource == "companies":
        cnpj = unique_cnpj()
        return Marked(resource, factories.make_company(fake, cnpj=cnpj), {"cnpj": cnpj})
    if resource == "taxes":
        return Marked(resource, factories.make_tax(fake, name=tag), {"name": tag})
    if resource in ("categories", "cost_centers", "accounts"):
        makers: dict[str, Callable[..., JSON]] = {"categories": factories.make_category,
                                                  "cost_centers": factories.make_cost_center,
                                                  "accounts": factories.make_account}
        make = makers[resource]
        return Marked(resource, make(fake, company_id, name=tag), {"name": tag})
    if resource == "people":
        cpf = unique_cpf()
        return Marked(resource, factories.make_person(fake, company_id, kind="natural",
                                                      document_number=cpf),
                      {"document_number": cpf})
    if resource == "transactions":
        account = scope.api.create("accounts", factories.make_account(fake, company_id))
        return Marked(resource, factories.make_transaction(fake, company_id, account["id"]),
                      {"financial_account_id": account["id"]})
    if resource in ("payables", "receivables"):
        make = factories.make_payable if resource == "payables" else factories.make_receivable
        return Marked(resource, make(fake, company_id, str(scope.person["id"]),
                                     document_number=tag), {"document_number": tag})
    raise ValueError(f"no idempotent create for {resource!r}")


def altered(item: Marked) -> JSON:
    """The same create with one field changed (a different request under the same key)."""
    field = "description" if item.resource in ("transactions", "payables", "receivables") \
        else "notes" if item.resource == "people" else "name"
    return item.body | {field: f"{item.body.get(field) or ''} (outra)"}


def key_of(drawn: str) -> str:
    """A fresh key around a drawn suffix: unique per run, so no earlier run's answer replays."""
    return f"{uuid.uuid4()}:{drawn}"[:255]


def replayed(response: httpx.Response) -> bool:
    return response.headers.get(REPLAYED, "").lower() == "true"


def count(api: Api, item: Marked) -> list[str]:
    return api.walk(item.resource, item.filters).ids


def _created(response: httpx.Response, what: str) -> JSON:
    assert response.status_code == 201, (f"{what}: expected 201, got {response.status_code}: "
                                         f"{response.text[:300]}")
    assert not replayed(response), f"{what}: a first request answered as a replay"
    body: JSON = response.json()
    return body


def check_replay(api: Api, item: Marked, key: str) -> None:
    first = _created(api.post(item.resource, item.body, key=key), f"POST /{item.resource}")
    again = api.post(item.resource, item.body, key=key)
    assert again.status_code == 201, (f"POST /{item.resource} replay: status "
                                      f"{again.status_code}, first was 201")
    assert replayed(again), (f"POST /{item.resource} replay: no `{REPLAYED}: true` "
                             f"({dict(again.headers)})")
    assert again.json() == first, (f"POST /{item.resource} replay: a different body:\n"
                                   f"  first:  {first}\n  replay: {again.json()}")
    rows = count(api, item)
    assert rows == [first["id"]], f"POST /{item.resource} twice with one key: rows {rows}"


def check_mismatch(api: Api, item: Marked, key: str) -> None:
    first = _created(api.post(item.resource, item.body, key=key), f"POST /{item.resource}")
    other = api.post(item.resource, altered(item), key=key)
    assert other.status_code == 422, (f"POST /{item.resource} with a used key and another "
                                      f"body: expected 422, got {other.status_code}: "
                                      f"{other.text[:300]}")
    rows = count(api, item)
    assert rows == [first["id"]], f"POST /{item.resource}: rows after the 422: {rows}"


def check_race(api: Api, item: Marked, key: str, n: int) -> None:
    """`n` threads send the same request with one key at once."""
    barrier = threading.Barrier(n)
    answers: list[httpx.Response | BaseException] = [RuntimeError("no answer")] * n

    def send(slot: int) -> None:
        with forked(api) as mine:
            try:
                barrier.wait(timeout=30)
                answers[slot] = mine.post(item.resource, item.body, key=key)
            except BaseException as exc:  # reported below, never lost in a thread
                answers[slot] = exc

    threads = [threading.Thread(target=send, args=(slot,)) for slot in range(n)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    failures = [a for a in answers if isinstance(a, BaseException)]
    assert not failures, f"concurrent POST failed: {failures[0]!r}"
    responses = [a for a in answers if isinstance(a, httpx.Response)]
    statuses = sorted(r.status_code for r in responses)
    assert set(statuses) <= {201, 409}, f"{n} concurrent POSTs with one key: {statuses}"
    originals = [r for r in responses if r.status_code == 201 and not replayed(r)]
    assert len(originals) == 1, (f"{n} concurrent POSTs with one key: {len(originals)} "
                                 f"first answers (not replays) among {statuses}")
    bodies = {r.text for r in responses if r.status_code == 201}
    assert all(r.json() == originals[0].json() for r in responses if r.status_code == 201), (
        f"replays differ from the original: {bodies}")
    rows = count(api, item)
    assert rows == [originals[0].json()["id"]], f"{n} concurrent POSTs made rows {rows}"


def check_tenants(env: Env, item_a: Marked, item_b: Marked, key: str) -> None:
    """Tenant B's use of tenant A's key neither replays A's answer nor is refused."""
    first_a = _created(env.a.post(item_a.resource, item_a.body, key=key), "tenant A POST")
    first_b = _created(env.b.post(item_b.resource, item_b.body, key=key),
                       "tenant B POST with tenant A's key and another body")
    assert first_b["id"] != first_a["id"]
    again_b = env.b.post(item_b.resource, item_b.body, key=key)
    assert replayed(again_b) and again_b.json() == first_b, "tenant B's replay is not B's"
    again_a = env.a.post(item_a.resource, item_a.body, key=key)
    assert replayed(again_a) and again_a.json() == first_a, "tenant A's replay is not A's"
    assert count(env.a, item_a) == [first_a["id"]]
    assert count(env.b, item_b) == [first_b["id"]]


def _make_room(api: Api, item: Marked, first: JSON) -> None:
    """Let the same body be created twice: a CNPJ is unique among active companies (CMP-2),
    a tax name in the workspace (TAX-1)."""
    if item.resource == "companies":
        change: JSON = {"active": False}
    elif item.resource == "taxes":
        change = {"name": f"{item.body['name']} antigo"}  # still found by the name filter
    else:
        return
    response = api.patch(item.resource, str(first["id"]), change)
    assert response.status_code == 200, response.text


def check_expiry(env: Env, api: Api, item: Marked, key: str) -> None:
    """After 24 h and a second, the key is forgotten: the same request makes a new row."""
    first = _created(api.post(item.resource, item.body, key=key), f"POST /{item.resource}")
    _make_room(api, item, first)
    env.advance_clock(DAY + 1)
    later = api.post(item.resource, item.body, key=key)
    assert later.status_code == 201 and not replayed(later), (
        f"POST /{item.resource} 24 h later with the same key: {later.status_code}, "
        f"replayed={replayed(later)}")
    rows = sorted(count(api, item))
    assert rows == sorted([first["id"], later.json()["id"]]), f"rows after expiry: {rows}"
