"""RULE G-4: keyset pagination, for every list operation and every sort the spec allows.

A walk of any `limit` returns each row that existed throughout exactly once, in the declared
order (ties by id), while a concurrent writer thread creates, updates and deletes other rows
of the same list, many of them on the same sort values as the walked rows; rows created
meanwhile appear at most once; cursors reused with another sort, filter or tenant, or
tampered with, are 400.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from hypothesis import example, given
from hypothesis import strategies as st

from property_tests import mock_bugs
from property_tests.apispec import contract
from property_tests.client import Env
from property_tests.paging import (
    Op,
    Plan,
    check_cursor_misuse,
    check_existing_walk,
    check_walk,
    first_cursor,
    tampered,
)
from property_tests.profiles import active, scaled
from property_tests.rows import TIES, Scope

pytestmark = pytest.mark.pagination

LISTS = contract().lists
CASES = [(resource, sort) for resource, listing in LISTS.items() for sort in listing.sorts]
BASE_ROWS = 30  # per list; the writer adds and removes up to a few dozen more


class Scopes:
    """One scope per resource and tenant, its base rows made on first use (per module)."""

    def __init__(self, env: Env, count: int) -> None:
        self.env = env
        self.count = count
        self._made: dict[tuple[str, str], Scope] = {}

    def get(self, resource: str, tenant: str = "a") -> Scope:
        key = (resource, tenant)
        if key not in self._made:
            scope = Scope(self.env.tenant(tenant))
            scope.base(resource, self.count if tenant == "a" else 2)
            self._made[key] = scope
        return self._made[key]


@pytest.fixture(scope="module")
def scopes(writable: Env) -> Iterator[Scopes]:
    yield Scopes(writable, BASE_ROWS)


ops = st.builds(Op, kind=st.sampled_from(("create", "update", "delete")),
                tie=st.integers(0, TIES - 1), pick=st.integers(0, 50))
plans = st.builds(
    Plan,
    limit=st.integers(1, 7),
    pool=st.lists(st.integers(0, TIES - 1), max_size=8).map(tuple),
    gaps=st.lists(st.lists(ops, max_size=3).map(tuple), max_size=10).map(tuple),
    overlap=st.booleans(),
)


# A plan that always runs: ties deleted, updated and inserted around a small page.
BUSY = Plan(limit=3, pool=(0, 0, 1, 2, 3, 4), overlap=False, gaps=(
    (Op("delete", 0, 0), Op("create", 0, 0)),
    (Op("update", 1, 1), Op("create", 2, 0)),
    (Op("delete", 0, 2), Op("update", 0, 3), Op("create", 0, 0)),
    (Op("delete", 0, 0),),
    (Op("create", 4, 0), Op("update", 3, 4)),
))


# RULE G-4
@pytest.mark.rule("G-4")
@pytest.mark.parametrize(("resource", "sort"), CASES)
@active(max_examples=scaled(2, 25))
@given(plan=plans)
@example(plan=BUSY)
def test_walk_sees_each_stable_row_once_in_order(scopes: Scopes, resource: str, sort: str,
                                                 plan: Plan) -> None:
    check_walk(scopes.get(resource), resource, sort, plan)


# RULE G-4, RULE G-3
@pytest.mark.rule("G-4", "G-3")
@pytest.mark.isolation  # another tenant's cursor is refused too: it guards G-3 as well
@pytest.mark.parametrize("resource", list(LISTS))
@active()
@given(data=st.data())
def test_misused_cursor_is_400(scopes: Scopes, resource: str, data: st.DataObject) -> None:
    broken = mock_bugs.BROKEN_SORTS.get(resource, frozenset()) \
        if scopes.env.target.mode == "mock" else frozenset()
    sorts = [s for s in LISTS[resource].sorts if s not in broken]
    sort = data.draw(st.sampled_from(sorts), label="sort")
    other = data.draw(st.sampled_from([s for s in sorts if s != sort]), label="other_sort")
    check_cursor_misuse(scopes.get(resource), scopes.get(resource, "b"), resource, sort, other)


# RULE G-4 — GET only, so it also runs against production.
@pytest.mark.rule("G-4")
@pytest.mark.parametrize(("resource", "sort"), CASES)
def test_existing_rows_walk(env: Env, resource: str, sort: str) -> None:
    check_existing_walk(env.a, resource, sort, limit=50)


# RULE G-4 — GET only: a tampered cursor or one from another sort is 400 on existing rows.
@pytest.mark.rule("G-4")
@pytest.mark.parametrize("resource", list(LISTS))
def test_misused_cursor_on_existing_rows_is_400(env: Env, resource: str) -> None:
    sort, other = LISTS[resource].sorts[:2]
    first = env.a.page(resource, {"sort": sort, "limit": 1})
    assert first.status_code == 200, first.text
    if not first.json().get("next_cursor"):
        pytest.skip(f"tenant A has fewer than two {resource}: no cursor to misuse")
    cursor = first_cursor(env.a, resource, {"sort": sort})
    for bad, query in [(c, {"sort": sort}) for c in tampered(cursor)] + [
            (cursor, {"sort": other})]:
        response = env.a.page(resource, {**query, "limit": 1, "cursor": bad})
        assert response.status_code == 400, (query, bad, response.status_code)
