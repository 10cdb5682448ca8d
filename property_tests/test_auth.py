"""Bearer JWT and scopes (RULES G-1, G-2) on every operation of the spec, for any target."""

from __future__ import annotations

import re
import uuid
from collections.abc import Iterator

import httpx
import pytest

from conformance.targets import Target
from contract.spec import iter_operations, load_spec
from fixtures import tokens
from property_tests.client import http_client

pytestmark = pytest.mark.auth

OPERATIONS = list(iter_operations(load_spec()))
LISTS = [op for op in OPERATIONS if op.operation_id.endswith(".search")]
# Bad tokens that need no secret, and those that are only bad if the secret is the target's.
WITHOUT_SECRET = ("alg_none", "wrong_secret", "malformed")


def concrete(path: str) -> str:
    return re.sub(r"\{[^}]+\}", str(uuid.uuid4()), path)


@pytest.fixture(scope="module")
def http(target: Target) -> Iterator[httpx.Client]:
    with http_client(target.base_url) as client:
        yield client


def _tenant(target: Target) -> str:
    workspace = tokens.subject_of(target.token_a)
    assert workspace, "tenant A's token names no workspace (`sub`)"
    return workspace


# RULE G-1
@pytest.mark.rule("G-1")
@pytest.mark.parametrize("name", sorted(tokens.BAD_TOKENS))
@pytest.mark.parametrize("op", LISTS, ids=lambda o: o.resource)
def test_bad_tokens_are_401_invalid_token(http: httpx.Client, target: Target, op: object,
                                          name: str) -> None:
    if name not in WITHOUT_SECRET and target.secret is None:
        pytest.skip("needs the target's secret to forge this token")
    token = tokens.BAD_TOKENS[name](_tenant(target), secret=target.secret or "x" * 64)
    r = http.get(op.path, headers={"Authorization": f"Bearer {token}"})  # type: ignore[attr-defined]
    assert r.status_code == 401, r.text
    assert 'error="invalid_token"' in r.headers.get("www-authenticate", "")


# RULE G-1
@pytest.mark.rule("G-1")
@pytest.mark.parametrize("op", LISTS, ids=lambda o: o.resource)
def test_no_credentials_is_401_with_a_bare_challenge(http: httpx.Client, op: object) -> None:
    r = http.get(op.path)  # type: ignore[attr-defined]
    assert r.status_code == 401
    challenge = r.headers.get("www-authenticate", "")
    assert challenge.lower().startswith("bearer") and "error=" not in challenge


# RULE G-2
@pytest.mark.rule("G-2")
@pytest.mark.parametrize("op", OPERATIONS, ids=lambda o: o.operation_id)
def test_every_operation_needs_its_scope(http: httpx.Client, target: Target, op: object
                                         ) -> None:
    required = op.required_scopes  # type: ignore[attr-defined]
    if target.secret is None:
        pytest.skip("needs the target's secret to mint a token without the scope")
    method = op.method  # type: ignore[attr-defined]
    if not target.allows(method):
        pytest.skip("production target: GET only")
    token = target.mint(_tenant(target), [s for s in tokens.ALL_SCOPES if s not in required])
    r = http.request(method, concrete(op.path),  # type: ignore[attr-defined]
                     headers={"Authorization": f"Bearer {token}"})
    assert r.status_code == 403, r.text
    challenge = r.headers.get("www-authenticate", "")
    assert 'error="insufficient_scope"' in challenge
    assert f'scope="{" ".join(required)}"' in challenge
