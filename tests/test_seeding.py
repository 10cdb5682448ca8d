"""Seeding through the domain layer: a bulk load ends exactly where row-by-row writes do."""

from __future__ import annotations

import contextlib
import gc
import itertools
import uuid
from datetime import datetime, timedelta
from typing import Any

import pytest

from fixtures import seed
from fixtures.tokens import TENANT_A, TENANT_B
from mock import seeding
from mock.clock import Clock
from mock.domain.registry import RESOURCES, TABLES
from mock.pagination import Position
from mock.store import Store, Table, TenantStore, _ids


class StepClock(Clock):
    """A clock one microsecond on at each reading: two runs read the same times."""

    def __init__(self) -> None:
        super().__init__()
        self._ticks = itertools.count()

    def now(self) -> datetime:
        return datetime(2026, 1, 5, 12) + timedelta(microseconds=next(self._ticks))


def _seeded(monkeypatch: pytest.MonkeyPatch, *, bulk: bool) -> Store:
    counter = itertools.count()
    # The ids the rules make themselves (rateio shares, series groups): the same in both runs.
    monkeypatch.setattr(uuid, "uuid4", lambda: uuid.UUID(int=next(counter)))
    if not bulk:
        monkeypatch.setattr(TenantStore, "bulk", lambda self: contextlib.nullcontext())
    store = Store(TABLES, clock=StepClock())
    for tenant in (TENANT_A, TENANT_B):
        seeding.apply(store.tenant(tenant), seed.demo_dataset(tenant))
    for n, resource in enumerate(seed.LARGE_RESOURCES):  # a base company each: seeds apart
        seeding.apply(store.tenant(TENANT_A),
                      seed.large_dataset(TENANT_A, 150, resource=resource, seed=7 + n))
    monkeypatch.undo()
    return store


def _indexes(table: Table) -> tuple[object, ...]:
    """Everything a table answers reads from: its rows, their order per sort field, and each
    equality index's groups."""
    orders = {name: list(index) for name, index in table._sorted.items()}
    groups = {attr: {value: sorted(_ids(index, value)) for value in index}
              for attr, index in table._eq.items()}
    return dict(table.rows), dict(table.tombstones), orders, groups


def test_a_bulk_seed_equals_the_same_steps_row_by_row(monkeypatch: pytest.MonkeyPatch) -> None:
    fast = _seeded(monkeypatch, bulk=True)
    slow = _seeded(monkeypatch, bulk=False)
    assert fast.tenant_ids == slow.tenant_ids
    for tenant in fast.tenant_ids:
        for resource, table in fast.tenant(tenant).tables.items():
            other = slow.tenant(tenant)[resource]
            assert len(table) == len(other)
            assert _indexes(table) == _indexes(other), f"{tenant} {resource}"
        assert fast.tenant(tenant).blobs == slow.tenant(tenant).blobs


def test_the_measured_queries_mean_what_they_say() -> None:
    """`large_dataset_queries` (what the bench measures pages with) on the dataset it names:
    `no_match` matches no row, `heaviest` every debit."""
    store = Store(TABLES)
    ts = store.tenant(TENANT_A)
    seeding.apply(ts, seed.large_dataset(TENANT_A, 400, seed=3))
    table = ts["transactions"]
    queries = seed.large_dataset_queries(TENANT_A, seed=3)
    for name, params in queries.items():
        filters = {k: v for k, v in params.items() if k != "limit"}
        assert set(filters) <= set(table.spec.filters)
        sort, matched = table.spec.default_sort, []
        after: Position | None = None
        for _ in range(len(table) + 2):
            rows, after = table.page(sort, filters, after, params.get("limit", 25))
            matched += [row.id for row in rows]
            if after is None:
                break
            after = Position(table.decode_key(sort, after.key), after.id)
        debits = [row.id for row in table if row.type == "debit"]
        assert sorted(matched) == ([] if name == "no_match" else sorted(debits))
    assert len(debits) > 100


@pytest.mark.parametrize("enabled", [True, False])
def test_a_seed_runs_with_the_collector_paused_and_leaves_it_as_it_was(
        monkeypatch: pytest.MonkeyPatch, enabled: bool) -> None:
    seen: list[bool] = []
    module = RESOURCES["companies"]
    real = module.create

    def create(*args: Any, **kwargs: Any) -> Any:
        seen.append(gc.isenabled())
        return real(*args, **kwargs)

    monkeypatch.setattr(module, "create", create)
    was = gc.isenabled()
    (gc.enable if enabled else gc.disable)()
    try:
        seeding.apply(Store(TABLES).tenant(TENANT_A), seed.demo_dataset(TENANT_A))
        assert gc.isenabled() is enabled
    finally:
        (gc.enable if was else gc.disable)()
    assert seen and not any(seen)
