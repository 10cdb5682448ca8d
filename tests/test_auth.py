"""Bearer JWT and scopes (RULES G-1, G-2), through HTTP against the in-process app."""

from __future__ import annotations

import re
from typing import Any

import pytest

from contract.spec import iter_operations, load_spec
from fixtures import tokens
from mock.auth import Principal, TokenCache, require_scopes, verify
from mock.errors import ApiProblem
from tests.conftest import bearer

OPERATIONS = list(iter_operations(load_spec()))
ANY_UUID = "00000000-0000-4000-8000-000000000000"


def concrete(path: str) -> str:
    return "/v1" + re.sub(r"\{[^}]+\}", ANY_UUID, path)


# RULE G-1
@pytest.mark.parametrize("name", sorted(tokens.BAD_TOKENS))
def test_bad_tokens_are_401_invalid_token(client: Any, name: str) -> None:
    token = tokens.BAD_TOKENS[name](tokens.TENANT_A)
    r = client.get("/v1/companies", headers=bearer(token))
    assert r.status_code == 401
    assert r.headers["content-type"] == "application/problem+json"
    assert r.headers["www-authenticate"].startswith('Bearer error="invalid_token"')
    assert r.json()["status"] == 401


# RULE G-1
def test_missing_header_is_401_without_error_code(client: Any) -> None:
    r = client.get("/v1/companies")
    assert r.status_code == 401
    assert r.headers["www-authenticate"].startswith("Bearer")
    assert "error=" not in r.headers["www-authenticate"]


# RULE G-1
@pytest.mark.parametrize("header", ["Basic abc", "Bearer", "Bearer    ", "Token x.y.z"])
def test_malformed_authorization_is_401(client: Any, header: str) -> None:
    r = client.get("/v1/companies", headers={"Authorization": header})
    assert r.status_code == 401
    assert 'error="invalid_token"' in r.headers["www-authenticate"]


# RULE G-1
def test_sub_must_be_a_workspace_uuid() -> None:
    token = tokens.mint_token("not-a-uuid")
    with pytest.raises(ApiProblem) as info:
        verify(f"Bearer {token}", tokens.DEFAULT_SECRET)
    assert info.value.status == 401


# RULE G-1
def test_valid_token_gives_tenant_and_scopes() -> None:
    token = tokens.mint_token(tokens.TENANT_B, ["finance.taxes"])
    principal = verify(f"Bearer {token}", tokens.DEFAULT_SECRET)
    assert principal.tenant == tokens.TENANT_B
    assert principal.scopes == {"finance.taxes"}


# -- the cache of verified tokens (RULE G-1, RFC 8725) ----------------------------------------


class FakeClock:
    def __init__(self, now: float) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now


def _refused(authorization: str, cache: TokenCache) -> str:
    with pytest.raises(ApiProblem) as info:
        verify(authorization, tokens.DEFAULT_SECRET, cache=cache)
    assert info.value.status == 401
    return str(info.value.detail)


def test_a_cached_token_is_refused_once_it_expires() -> None:
    import time

    now = int(time.time())
    token = tokens.mint_token(tokens.TENANT_A, expires_in=60, now=now)
    clock = FakeClock(now)
    cache = TokenCache(now=clock)
    first = verify(f"Bearer {token}", tokens.DEFAULT_SECRET, cache=cache)
    assert len(cache) == 1
    clock.now = now + 59.9
    assert verify(f"Bearer {token}", tokens.DEFAULT_SECRET, cache=cache) is first  # a hit
    clock.now = now + 60  # PyJWT: refused from exp on
    assert "expired" in _refused(f"Bearer {token}", cache)
    assert len(cache) == 0


def test_a_cached_token_is_held_to_nbf_and_iat() -> None:
    import time

    now = int(time.time())
    token = tokens.mint_token(tokens.TENANT_A, now=now - 10, extra={"nbf": now - 5})
    clock = FakeClock(now)
    cache = TokenCache(now=clock)
    verify(f"Bearer {token}", tokens.DEFAULT_SECRET, cache=cache)
    clock.now = now - 6  # the clock went back: not valid yet, as PyJWT would say
    assert "not valid yet" in _refused(f"Bearer {token}", cache)
    clock.now = now
    assert verify(f"Bearer {token}", tokens.DEFAULT_SECRET, cache=cache).tenant == tokens.TENANT_A


@pytest.mark.parametrize("name", sorted(tokens.BAD_TOKENS))
def test_a_bad_token_is_never_cached_and_stays_refused(name: str) -> None:
    cache = TokenCache()
    token = tokens.BAD_TOKENS[name](tokens.TENANT_A)
    for _ in range(3):
        _refused(f"Bearer {token}", cache)
    assert len(cache) == 0


def test_a_good_token_cached_does_not_vouch_for_a_tampered_one() -> None:
    cache = TokenCache()
    good = tokens.mint_token(tokens.TENANT_A)
    verify(f"Bearer {good}", tokens.DEFAULT_SECRET, cache=cache)
    head, payload, signature = good.split(".")
    for forged in (f"{head}.{payload}.{signature[:-2]}AA", f"{head}.{payload}.",
                   tokens.hs256_token(tokens.TENANT_A), tokens.alg_none_token(tokens.TENANT_A),
                   tokens.wrong_secret_token(tokens.TENANT_A)):
        _refused(f"Bearer {forged}", cache)
    _refused("Basic " + good, cache)
    assert len(cache) == 1


def test_the_cache_is_bounded_and_keeps_the_newest() -> None:
    cache = TokenCache(size=3)
    minted = [tokens.mint_token(tokens.TENANT_A, extra={"jti": str(i)}) for i in range(5)]
    for token in minted:
        verify(f"Bearer {token}", tokens.DEFAULT_SECRET, cache=cache)
    assert len(cache) == 3
    assert all(cache.get(t) is not None for t in minted[2:])
    assert cache.get(minted[0]) is None


def test_the_server_refuses_a_token_it_accepted_once_it_expires() -> None:
    import time

    from starlette.testclient import TestClient

    from mock.app import create_app

    app = create_app(admin=False)
    now = int(time.time())
    token = tokens.mint_token(tokens.TENANT_A, expires_in=2, now=now)
    with TestClient(app) as c:
        assert c.get("/v1/taxes", headers=bearer(token)).status_code == 200
        assert c.get("/v1/taxes", headers=bearer(token)).status_code == 200  # from the cache
        time.sleep(max(0.0, now + 2 - time.time()) + 0.05)
        r = c.get("/v1/taxes", headers=bearer(token))
    assert r.status_code == 401
    assert r.headers["www-authenticate"].startswith('Bearer error="invalid_token"')


def test_every_operation_declares_exactly_its_scope() -> None:
    # RULE G-2: reads need finance.<r>, writes finance.<r>.write, stated in the spec.
    assert OPERATIONS
    for op in OPERATIONS:
        suffix = "" if op.method == "GET" else ".write"
        assert op.required_scopes == (f"finance.{op.resource}{suffix}",), op.operation_id


# RULE G-2
@pytest.mark.parametrize("op", OPERATIONS, ids=lambda o: o.operation_id)
def test_every_operation_refuses_a_token_without_its_scope(client: Any, op: Any) -> None:
    granted = [s for s in tokens.ALL_SCOPES if s not in op.required_scopes]
    token = tokens.mint_token(tokens.TENANT_A, granted)
    r = client.request(op.method, concrete(op.path), headers=bearer(token))
    assert r.status_code == 403, r.text
    assert r.headers["content-type"] == "application/problem+json"
    challenge = r.headers["www-authenticate"]
    assert 'error="insufficient_scope"' in challenge
    assert f'scope="{" ".join(op.required_scopes)}"' in challenge


# RULE G-2
@pytest.mark.parametrize("op", OPERATIONS, ids=lambda o: o.operation_id)
def test_every_operation_passes_auth_with_only_its_scope(client: Any, op: Any) -> None:
    token = tokens.mint_token(tokens.TENANT_A, op.required_scopes)
    r = client.request(op.method, concrete(op.path), headers=bearer(token))
    assert r.status_code not in (401, 403), r.text


# RULE G-2
def test_write_does_not_imply_read(client: Any) -> None:
    token = tokens.resource_token(tokens.TENANT_A, "payables", write=True, read=False)
    assert client.get("/v1/payables", headers=bearer(token)).status_code == 403
    assert client.post("/v1/payables", headers=bearer(token), json={}).status_code == 422


# RULE G-2
def test_read_only_token_cannot_write(client: Any, auth_ro: dict[str, str]) -> None:
    assert client.get("/v1/companies", headers=auth_ro).status_code == 200
    r = client.post("/v1/companies", headers=auth_ro, json={"name": "X", "cnpj": "11222333000181"})
    assert r.status_code == 403


def test_require_scopes_names_all_required() -> None:
    principal = Principal(tenant=tokens.TENANT_A, scopes=frozenset({"finance.taxes"}))
    require_scopes(principal, ("finance.taxes",))
    with pytest.raises(ApiProblem) as info:
        require_scopes(principal, ("finance.taxes.write",))
    assert info.value.status == 403
