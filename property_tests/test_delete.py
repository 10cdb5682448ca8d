"""RULE G-10 for every resource: 204, then 404 on GET, PATCH and DELETE, and gone from lists
(soft-deleted people included, RULE PER-5)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from hypothesis import given
from hypothesis import strategies as st

from property_tests.apispec import contract
from property_tests.client import Env
from property_tests.deletion import check_delete
from property_tests.profiles import active
from property_tests.rows import TIES, Scope

pytestmark = pytest.mark.delete

RESOURCES = sorted(contract().item_methods)
# Lists filtered by the row's own values, beside the scope's list and the unfiltered one.
OWN_FILTERS = {
    "people": ("document_number", "name"), "companies": ("cnpj", "name"),
    "payables": ("person_id", "due_date"), "receivables": ("person_id", "due_date"),
    "transactions": ("financial_account_id", "occurred_at"), "taxes": ("name",),
    "categories": ("parent_id", "level"), "accounts": ("name",), "cost_centers": ("name",),
    "attachments": ("file_name",),
}


@pytest.fixture(scope="module")
def scope(writable: Env) -> Iterator[Scope]:
    yield Scope(writable.a)


# RULE G-10, RULE PER-5
@pytest.mark.rule("G-10", "PER-5")
@pytest.mark.parametrize("resource", RESOURCES)
@active()
@given(tie=st.integers(0, TIES - 1))
def test_delete_is_204_then_404_and_gone_from_lists(scope: Scope, resource: str,
                                                    tie: int) -> None:
    row = scope.make(resource, tie)
    lists = [scope.filters(resource), {}]
    lists += [{name: row[name]} for name in OWN_FILTERS[resource]
              if row.get(name) is not None and name in contract().lists[resource].filters]
    check_delete(scope.api, resource, str(row["id"]), lists)
    scope.untrack(resource, str(row["id"]))
