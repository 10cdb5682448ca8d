"""The spec and the mock's tables agree on every list's sorts and filters (RULE G-4), so a
sort or filter the spec allows can never reach a table that lacks it (it would be a 500)."""

from __future__ import annotations

import pytest

from contract.spec import ListOperation, list_operations, load_spec
from mock.domain.registry import RESOURCES

LISTS = list(list_operations(load_spec()).values())


# RULE G-4
@pytest.mark.rule("G-4")
@pytest.mark.parametrize("listing", LISTS, ids=lambda o: o.resource)
def test_sorts_match(listing: ListOperation) -> None:
    table = RESOURCES[listing.resource].SPEC
    assert set(listing.sorts) == set(table.sort_allowed())
    assert listing.default_sort == table.default_sort


# RULE G-4
@pytest.mark.rule("G-4")
@pytest.mark.parametrize("listing", LISTS, ids=lambda o: o.resource)
def test_filters_match(listing: ListOperation) -> None:
    table = RESOURCES[listing.resource].SPEC
    assert set(listing.filters) == set(table.filters)


def test_every_resource_has_a_list() -> None:
    assert set(RESOURCES) == {listing.resource for listing in LISTS}
