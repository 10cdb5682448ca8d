"""Idempotent writes (RULE G-5): replay, mismatch, in flight, per tenant, expiry, eviction."""

from __future__ import annotations

import asyncio
import json
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest

from fixtures import factories
from mock.idempotency import IdempotencyCache, fingerprint, same_request

KEY = {"Idempotency-Key": "order-123"}


def company_body(seed: int = 0) -> dict[str, Any]:
    return factories.make_company(factories.make_faker(seed))


def count(client: Any, headers: dict[str, str]) -> int:
    return len(client.get("/v1/companies", headers=headers, params={"limit": 100}).json()["data"])


# RULE G-5
def test_replay_returns_the_first_answer_and_writes_nothing(client: Any,
                                                            auth_a: dict[str, str]) -> None:
    body = company_body()
    first = client.post("/v1/companies", headers=auth_a | KEY, json=body)
    again = client.post("/v1/companies", headers=auth_a | KEY, json=body)
    assert first.status_code == again.status_code == 201
    assert "idempotent-replayed" not in first.headers
    assert again.headers["idempotent-replayed"] == "true"
    assert again.json() == first.json()
    assert again.headers["content-type"] == first.headers["content-type"]
    assert count(client, auth_a) == 1


# RULE G-5
def test_same_body_in_another_key_order_is_the_same_request(client: Any,
                                                            auth_a: dict[str, str]) -> None:
    body = company_body()
    client.post("/v1/companies", headers=auth_a | KEY, json=body)
    reordered = json.dumps(dict(reversed(list(body.items()))))
    headers = auth_a | KEY | {"Content-Type": "application/json"}
    again = client.post("/v1/companies", headers=headers, content=reordered)
    assert again.headers.get("idempotent-replayed") == "true"


# RULE G-5
def test_refusals_that_executed_are_replayed_too(client: Any, auth_a: dict[str, str]) -> None:
    body = company_body() | {"cnpj": "11222333000100"}  # bad check digits: 422 from the rule
    first = client.post("/v1/companies", headers=auth_a | KEY, json=body)
    again = client.post("/v1/companies", headers=auth_a | KEY, json=body)
    assert first.status_code == again.status_code == 422
    assert again.headers["idempotent-replayed"] == "true"
    assert again.json() == first.json()


# RULE G-5
def test_same_key_with_another_body_path_or_method_is_422(client: Any,
                                                          auth_a: dict[str, str]) -> None:
    created = client.post("/v1/companies", headers=auth_a | KEY, json=company_body(1)).json()
    other_body = client.post("/v1/companies", headers=auth_a | KEY, json=company_body(2))
    assert other_body.status_code == 422
    assert other_body.json()["code"] == "idempotency_key_reused"
    other_op = client.patch(f"/v1/companies/{created['id']}", headers=auth_a | KEY,
                            json={"name": "Outro"})
    assert other_op.status_code == 422
    assert count(client, auth_a) == 1


# RULE G-5
def test_keys_are_per_tenant(client: Any, auth_a: dict[str, str],
                             auth_b: dict[str, str]) -> None:
    body = company_body()
    a = client.post("/v1/companies", headers=auth_a | KEY, json=body)
    b = client.post("/v1/companies", headers=auth_b | KEY, json=body)
    assert a.status_code == b.status_code == 201
    assert "idempotent-replayed" not in b.headers
    assert a.json()["id"] != b.json()["id"]
    assert b.json()["workspace_id"] != a.json()["workspace_id"]


# RULE G-5
def test_requests_refused_before_executing_are_not_remembered(client: Any,
                                                              auth_a: dict[str, str],
                                                              auth_ro: dict[str, str]) -> None:
    body = company_body()
    assert client.post("/v1/companies", headers=auth_ro | KEY, json=body).status_code == 403
    invalid = client.post("/v1/companies", headers=auth_a | KEY, json={"name": 5})
    assert invalid.status_code == 422  # refused by the spec's validation, before the handler
    done = client.post("/v1/companies", headers=auth_a | KEY, json=body)
    assert done.status_code == 201
    assert "idempotent-replayed" not in done.headers


# RULE G-5
@pytest.mark.parametrize("key", [b"", b"a" * 256, b"has space", b"tab\tkey",
                                 "ação".encode()])
def test_malformed_keys_are_400(client: Any, auth_a: dict[str, str], key: bytes) -> None:
    headers: dict[str, Any] = auth_a | {"Idempotency-Key": key}
    r = client.post("/v1/companies", headers=headers, json=company_body())
    assert r.status_code == 400, r.text
    assert r.headers["content-type"] == "application/problem+json"
    assert count(client, auth_a) == 0


# RULE G-5
def test_a_key_of_255_visible_characters_is_fine(client: Any, auth_a: dict[str, str]) -> None:
    headers = auth_a | {"Idempotency-Key": "k" * 254 + "~"}
    assert client.post("/v1/companies", headers=headers, json=company_body()).status_code == 201


# RULE G-5
def test_expiry_after_24_hours(client: Any, auth_a: dict[str, str], store: Any) -> None:
    body = company_body()
    first = client.post("/v1/companies", headers=auth_a | KEY, json=body).json()
    store.clock.advance(24 * 3600 - 5)
    assert client.post("/v1/companies", headers=auth_a | KEY,
                       json=body).headers.get("idempotent-replayed") == "true"
    store.clock.advance(10)
    client.delete(f"/v1/companies/{first['id']}", headers=auth_a)  # CMP-2 would refuse a twin
    fresh = client.post("/v1/companies", headers=auth_a | KEY, json=body)
    assert fresh.status_code == 201
    assert "idempotent-replayed" not in fresh.headers
    assert fresh.json()["id"] != first["id"]


# RULE G-5
def test_concurrent_requests_with_one_key_create_one_row(app: Any, auth_a: dict[str, str]
                                                         ) -> None:
    body = company_body()

    async def burst() -> list[httpx.Response]:
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://mock") as c:
            return list(await asyncio.gather(*[
                c.post("/v1/companies", headers=auth_a | KEY, json=body) for _ in range(8)]))

    answers = asyncio.run(burst())
    statuses = sorted(r.status_code for r in answers)
    assert set(statuses) <= {201, 409}
    created = [r for r in answers if r.status_code == 201]
    assert len({r.json()["id"] for r in created}) == 1
    for r in answers:
        if r.status_code == 409:
            assert r.json()["code"] == "idempotency_key_in_flight"
    assert len(app.store.tenant(app.store.tenant_ids[0])["companies"]) == 1


def test_cache_evicts_expired_entries() -> None:
    now = [datetime(2026, 1, 1, tzinfo=UTC)]
    cache = IdempotencyCache(lambda: now[0], ttl=timedelta(hours=24))
    for i in range(1000):
        cache.begin("t", f"k{i}", "fp").done = True
    now[0] += timedelta(hours=25)
    cache.begin("t", "fresh", "fp")
    cache.evict()
    assert len(cache) == 1


def test_fingerprint_ignores_key_order_not_values() -> None:
    assert fingerprint("POST", "/v1/x", b'{"a":1,"b":2}') == fingerprint(
        "POST", "/v1/x", b'{ "b": 2, "a": 1 }')
    assert fingerprint("POST", "/v1/x", b'{"a":1}') != fingerprint("POST", "/v1/x", b'{"a":2}')
    assert fingerprint("POST", "/v1/x", b"{}") != fingerprint("PATCH", "/v1/x", b"{}")
    assert fingerprint("POST", "/v1/x", "{\"a\":\"é\"}".encode()) != fingerprint(
        "POST", "/v1/x", b'{"a":"e"}')
    # Not JSON, or past what orjson writes (an int over 64 bits): the bytes, the old way.
    assert fingerprint("POST", "/v1/x", b"--boundary") != fingerprint("POST", "/v1/x", b"--other")
    big = b'{"a":123456789012345678901234567890}'
    assert fingerprint("POST", "/v1/x", big, json.loads(big)) == fingerprint(
        "POST", "/v1/x", big, json.loads(b'{ "a": 123456789012345678901234567890 }'))


def _legacy(method: str, path: str, value: Any) -> str:
    """A fingerprint as the versions before `FINGERPRINT_PREFIX` made and stored it."""
    import hashlib

    canonical = json.dumps(value, sort_keys=True, separators=(",", ":")).encode()
    return hashlib.sha256(f"{method} {path}\n".encode() + canonical).hexdigest()


def test_a_fingerprint_an_earlier_version_stored_still_matches_its_request() -> None:
    value = {"name": "Ação", "rate": "2.50", "n": [1, {"b": None, "a": True}]}
    body = json.dumps(value).encode()
    stored = _legacy("POST", "/v1/taxes", value)
    assert same_request(stored, "POST", "/v1/taxes", body, value)
    assert not same_request(stored, "POST", "/v1/taxes", body, value | {"rate": "2.51"})
    assert not same_request(stored, "PATCH", "/v1/taxes", body, value)
    assert same_request(fingerprint("POST", "/v1/taxes", body, value), "POST", "/v1/taxes",
                        body, value)


def test_an_entry_a_state_file_kept_from_an_earlier_version_is_replayed(
        client: Any, app: Any, auth_a: dict[str, str]) -> None:
    body = company_body()
    first = client.post("/v1/companies", headers=auth_a | KEY, json=body)
    [(_, entry)] = app.idempotency.items()
    entry.fingerprint = _legacy("POST", "/v1/companies", body)  # as restored from an old file
    again = client.post("/v1/companies", headers=auth_a | KEY, json=body)
    assert again.headers.get("idempotent-replayed") == "true", again.text
    assert again.json() == first.json()
    other = client.post("/v1/companies", headers=auth_a | KEY, json=company_body(1))
    assert other.status_code == 422
