"""The spec and the mock's tables agree on every list's sorts and filters (RULE G-4), so a
sort or filter the spec allows can never reach a table that lacks it (it would be a 500)."""

from __future__ import annotations

import pytest

from mock.api.crud import PAGING
from mock.domain.registry import RESOURCES
from mock.spec import iter_operations, load_spec

LISTS = [op for op in iter_operations(load_spec()) if op.operation_id.endswith(".search")]


def query_params(op: object) -> dict[str, dict]:
    params = [*op.path_parameters, *op.op.get("parameters", [])]  # type: ignore[attr-defined]
    return {p["name"]: p for p in params if p.get("in") == "query"}


@pytest.mark.parametrize("op", LISTS, ids=lambda o: o.resource)
def test_sorts_match(op: object) -> None:
    table = RESOURCES[op.resource].SPEC  # type: ignore[attr-defined]
    allowed = set(query_params(op)["sort"]["schema"]["enum"])
    assert allowed == set(table.sort_allowed())
    assert query_params(op)["sort"]["schema"]["default"] == table.default_sort


@pytest.mark.parametrize("op", LISTS, ids=lambda o: o.resource)
def test_filters_match(op: object) -> None:
    table = RESOURCES[op.resource].SPEC  # type: ignore[attr-defined]
    assert set(query_params(op)) - set(PAGING) == set(table.filters)
