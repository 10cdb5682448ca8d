"""Bearer JWT and scopes (RULES G-1, G-2), through HTTP against the in-process app."""

from __future__ import annotations

import re
from typing import Any

import pytest

from fixtures import tokens
from mock.auth import Principal, require_scopes, verify
from mock.errors import ApiProblem
from mock.spec import iter_operations, load_spec
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
