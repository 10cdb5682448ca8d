"""Categories over HTTP: RULES CAT-1 … CAT-4, each tree in the suite's own company."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from hypothesis import given
from hypothesis import strategies as st

from fixtures import factories
from fixtures.factories import CategoryType
from property_tests.client import JSON, Env
from property_tests.profiles import active
from property_tests.rows import Scope
from property_tests.rulechecks import check_category_depth, expect

pytestmark = pytest.mark.rules

TYPES = ("debit", "credit")
NAMES = st.text(st.characters(codec="utf-8", categories=("L", "N")), min_size=1, max_size=40)


@pytest.fixture(scope="module")
def scope(writable: Env) -> Iterator[Scope]:
    yield Scope(writable.a)


def other(kind: str) -> str:
    return "credit" if kind == "debit" else "debit"


def make_tree(scope: Scope, kind: str, depth: int) -> list[JSON]:
    """A chain root → … of `depth` categories of `kind` in the scope's company."""
    chain: list[JSON] = []
    for level in range(1, depth + 1):
        chain.append(scope.api.create("categories", factories.make_category(
            scope.fake, str(scope.company["id"]), name=f"{scope.token} L{level}",
            parent_id=str(chain[-1]["id"]) if chain else None) | {"type": kind}))
    return chain


def remove(scope: Scope, chain: list[JSON]) -> None:
    for row in reversed(chain):
        scope.api.delete("categories", str(row["id"]))


# RULE CAT-1
@pytest.mark.rule("CAT-1")
@active()
@given(kind=st.sampled_from(TYPES), names=st.lists(NAMES, min_size=4, max_size=4))
def test_cat_1_a_fourth_category_level_is_422(scope: Scope, kind: CategoryType,
                                              names: list[str]) -> None:
    check_category_depth(scope, kind, names)


# RULE CAT-2
@pytest.mark.rule("CAT-2")
@active()
@given(kind=st.sampled_from(TYPES), depth=st.integers(1, 2))
def test_cat_2_a_subcategory_of_another_type_than_its_parent_is_422(
        scope: Scope, kind: str, depth: int) -> None:
    chain = make_tree(scope, kind, depth)
    parent = str(chain[-1]["id"])
    try:
        refused = scope.api.post("categories", factories.make_category(
            scope.fake, str(scope.company["id"]), parent_id=parent) | {"type": other(kind)})
        if refused.status_code == 201:
            chain.append(refused.json())
        expect(refused, 422, f"CAT-2: a {other(kind)} child of a {kind} category")
        children = scope.api.walk("categories", {"parent_id": parent}).ids
        assert children == [], f"CAT-2: the refused child exists: {children}"
    finally:
        remove(scope, chain)


# RULE CAT-3
@pytest.mark.rule("CAT-3")
@active()
@given(kind=st.sampled_from(TYPES), name=NAMES)
def test_cat_3_a_parents_type_cascades_and_a_child_cannot_leave_it(
        scope: Scope, kind: str, name: str) -> None:
    api = scope.api
    chain = make_tree(scope, kind, 3)
    root, child, leaf = (str(row["id"]) for row in chain)
    try:
        expect(api.patch("categories", child, {"type": other(kind)}), 422,
               "CAT-3: a child's type away from its parent's")
        spare = make_tree(scope, kind, 1)
        chain += spare
        reparent = api.patch("categories", leaf, {"parent_id": str(spare[0]["id"])})
        assert reparent.status_code in (200, 422), (
            f"CAT-3: PATCH parent_id is ignored or refused: {reparent.status_code}")
        renamed = expect(api.patch("categories", leaf, {"name": name}), 200, "PATCH the name")
        assert (renamed["name"], renamed["parent_id"], renamed["level"]) == (name, child, 3), (
            f"CAT-3: PATCH writes the name and never re-parents: {renamed}")
        expect(api.patch("categories", root, {"type": other(kind)}), 200,
               "CAT-3: PATCH the root's type")
        types = {row_id: expect(api.read("categories", row_id), 200, "GET")["type"]
                 for row_id in (root, child, leaf)}
        assert set(types.values()) == {other(kind)}, (
            f"CAT-3: the root's new type {other(kind)} cascades to every descendant: {types}")
    finally:
        remove(scope, chain)


# RULE CAT-4
@pytest.mark.rule("CAT-4")
def test_cat_4_a_category_with_children_is_not_deleted_and_a_leafs_references_clear(
        scope: Scope) -> None:
    api = scope.api
    chain = make_tree(scope, "debit", 2)
    parent, leaf = (str(row["id"]) for row in chain)
    trx = api.create("transactions", scope.body("transactions", 0, category_id=leaf,
                                                type="debit"))
    try:
        before = expect(api.read("categories", parent), 200, "GET the parent")
        problem = expect(api.delete("categories", parent), 422,
                         "CAT-4: DELETE of a category with children")
        assert problem.get("code") == "has_children", f"CAT-4: code has_children: {problem}"
        assert expect(api.read("categories", parent), 200, "GET after a refused DELETE") \
            == before, "CAT-4: a refused DELETE changes nothing"
        expect(api.read("categories", leaf), 200, "the child is still there")
        expect(api.delete("categories", leaf), 204, "DELETE the leaf")
        row = expect(api.read("transactions", str(trx["id"])), 200, "GET the transaction")
        assert row["category_id"] is None, (
            f"CAT-4: a deleted leaf's references become null, got {row['category_id']}")
        expect(api.delete("categories", parent), 204, "DELETE the parent, now a leaf")
    finally:
        api.delete("transactions", str(trx["id"]))
        remove(scope, chain)
