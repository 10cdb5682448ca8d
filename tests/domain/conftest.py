"""Fixtures of the catalogue rule tests (helpers live in `tests.domain.support`)."""

from __future__ import annotations

import random
from typing import Any

import pytest
from faker import Faker

from fixtures import factories
from fixtures.tokens import TENANT_A
from mock.store import Store, TenantStore
from tests.domain.support import Api


@pytest.fixture
def fake() -> Faker:
    return factories.make_faker(5)


@pytest.fixture
def rng() -> random.Random:
    return random.Random(5)


@pytest.fixture
def api_a(client: Any, auth_a: dict[str, str]) -> Api:
    return Api(client, auth_a)


@pytest.fixture
def api_b(client: Any, auth_b: dict[str, str]) -> Api:
    return Api(client, auth_b)


@pytest.fixture
def ts_a(store: Store) -> TenantStore:
    """Tenant A's tables, for money rows inserted without the money-flow endpoints."""
    return store.tenant(TENANT_A)


