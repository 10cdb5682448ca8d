"""RULE G-5: idempotent creates, for every create the spec gives an `Idempotency-Key` (the
upload has none): replay, a reused key with another body, concurrent requests with one key,
per-tenant keys, and expiry after 24 h (the mock's clock only)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from hypothesis import given
from hypothesis import strategies as st

from property_tests.apispec import contract
from property_tests.client import Env
from property_tests.profiles import active, scaled
from property_tests.replay import (
    check_expiry,
    check_mismatch,
    check_race,
    check_replay,
    check_tenants,
    key_of,
    marked,
)
from property_tests.rows import Scope

pytestmark = pytest.mark.idempotency

CREATES = contract().idempotent_creates
# 1–255 visible ASCII characters (G-5); a unique prefix is added to each (`key_of`).
KEYS = st.text(st.characters(min_codepoint=0x21, max_codepoint=0x7E), min_size=1,
               max_size=200).map(key_of)
SEEDS = st.integers(0, 2**16)


@pytest.fixture(scope="module")
def scopes(writable: Env) -> Iterator[dict[str, Scope]]:
    yield {"a": Scope(writable.a), "b": Scope(writable.b)}


# RULE G-5
@pytest.mark.rule("G-5")
@pytest.mark.parametrize("resource", CREATES)
@active()
@given(key=KEYS, seed=SEEDS)
def test_replay_answers_the_first_response(scopes: dict[str, Scope], resource: str, key: str,
                                           seed: int) -> None:
    check_replay(scopes["a"].api, marked(scopes["a"], resource, seed), key)


# RULE G-5
@pytest.mark.rule("G-5")
@pytest.mark.parametrize("resource", CREATES)
@active()
@given(key=KEYS, seed=SEEDS)
def test_reused_key_with_another_body_is_422(scopes: dict[str, Scope], resource: str,
                                             key: str, seed: int) -> None:
    check_mismatch(scopes["a"].api, marked(scopes["a"], resource, seed), key)


# RULE G-5
@pytest.mark.rule("G-5")
@pytest.mark.parametrize("resource", CREATES)
@active(max_examples=scaled(2, 20))
@given(key=KEYS, seed=SEEDS, n=st.integers(2, 8))
def test_concurrent_requests_with_one_key_make_one_row(scopes: dict[str, Scope], resource: str,
                                                       key: str, seed: int, n: int) -> None:
    check_race(scopes["a"].api, marked(scopes["a"], resource, seed), key, n)


# RULE G-5, RULE G-3
@pytest.mark.rule("G-5", "G-3")
@pytest.mark.parametrize("resource", CREATES)
@active(max_examples=scaled(2, 20))
@given(key=KEYS, seed=SEEDS)
def test_same_key_in_the_other_tenant_is_independent(writable: Env, scopes: dict[str, Scope],
                                                     resource: str, key: str,
                                                     seed: int) -> None:
    check_tenants(writable, marked(scopes["a"], resource, seed),
                  marked(scopes["b"], resource, seed + 1), key)


# RULE G-5 — the mock only: its clock is moved 24 h and a second on.
@pytest.mark.rule("G-5")
@pytest.mark.parametrize("resource", CREATES)
def test_key_expires_after_24_hours(admin: Env, scopes: dict[str, Scope],
                                    resource: str) -> None:
    check_expiry(admin, scopes["a"].api, marked(scopes["a"], resource, 0), key_of("expiry"))
