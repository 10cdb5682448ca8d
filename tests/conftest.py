"""Shared fixtures for the mock's own tests: an in-process app, a client, ready tokens."""

from __future__ import annotations

import os
from collections.abc import Iterator
from typing import Any

import pytest
from hypothesis import HealthCheck, settings
from starlette.testclient import TestClient

from fixtures import tokens
from mock.app import create_app
from mock.store import Store

# Shared, loaded CI machines: a time limit per example, or a "too slow" health check, makes a
# property test fail for the machine's sake, not the code's. Overriding the `default` profile
# keeps its name, so property_tests (which build on their own `ci` profile then) are unchanged.
settings.register_profile(
    "default", deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
settings.load_profile("default")


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


@pytest.fixture(scope="session")
def std_tokens() -> tokens.StandardTokens:
    return tokens.standard_tokens()


@pytest.fixture(scope="session")
def shared_app() -> Any:
    """One mock per test worker, response validation on (building one costs ~1.5 s)."""
    return create_app(validate_responses=True)


@pytest.fixture
def app(shared_app: Any) -> Any:
    """The worker's mock, emptied: no rows, no idempotency keys, the clock back to now."""
    shared_app.store.reset()
    shared_app.store.clock.reset()
    shared_app.idempotency.clear()
    return shared_app


@pytest.fixture
def store(app: Any) -> Store:
    store: Store = app.store
    return store


@pytest.fixture
def client(app: Any) -> Iterator[TestClient]:
    with TestClient(app, raise_server_exceptions=False) as c:
        yield c


@pytest.fixture
def auth_a(std_tokens: tokens.StandardTokens) -> dict[str, str]:
    return bearer(std_tokens.tenant_a)


@pytest.fixture
def auth_b(std_tokens: tokens.StandardTokens) -> dict[str, str]:
    return bearer(std_tokens.tenant_b)


@pytest.fixture
def auth_ro(std_tokens: tokens.StandardTokens) -> dict[str, str]:
    return bearer(std_tokens.tenant_a_read_only)


@pytest.fixture
def no_finance_env(monkeypatch: pytest.MonkeyPatch) -> None:
    """For tests that name their own target: a FINANCE_* variable of the user's must not leak
    into the suites' command lines they call."""
    for name in [n for n in os.environ if n.startswith("FINANCE_")]:
        monkeypatch.delenv(name)
