"""What the suites read out of the OpenAPI document (the source of truth), not a hand-kept list.

Every list operation with its allowed sorts (the `sort` enum), default sort and filters; the
kind of each sort field's values (from the list row schema), so an order can be checked; the
creates that take an `Idempotency-Key`; and which item operations each resource has.
"""

from __future__ import annotations

import datetime as dt
import functools
from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal
from typing import Any, Literal

from contract.spec import iter_operations, list_operations, load_spec

Kind = Literal["text", "date", "datetime", "decimal", "int"]
MONEY_PATTERN = r"^-?[0-9]+\.[0-9]{2}$"


@dataclass(frozen=True)
class ListOp:
    """One `GET /<resource>` list: its sorts from the spec's `sort` enum, and its filters."""

    resource: str
    sorts: tuple[str, ...]
    default_sort: str
    filters: tuple[str, ...]
    kinds: Mapping[str, Kind]

    def kind(self, sort: str) -> Kind:
        return self.kinds[sort.lstrip("-")]


@dataclass(frozen=True)
class Contract:
    """The parts of the document the suites use."""

    lists: Mapping[str, ListOp]
    idempotent_creates: tuple[str, ...]
    item_methods: Mapping[str, frozenset[str]]


def _kind(schema: Mapping[str, Any]) -> Kind:
    if schema.get("type") == "integer":
        return "int"
    if schema.get("format") == "date-time":
        return "datetime"
    if schema.get("format") == "date":
        return "date"
    if schema.get("pattern") == MONEY_PATTERN:
        return "decimal"
    return "text"


@functools.cache
def contract() -> Contract:
    """Read once per process (prance resolves the split document)."""
    spec = load_spec()
    lists: dict[str, ListOp] = {}
    for resource, listing in list_operations(spec).items():
        schema = listing.operation.op["responses"]["200"]["content"]["application/json"]
        row = schema["schema"]["properties"]["data"]["items"]["properties"]
        lists[resource] = ListOp(
            resource=resource, sorts=listing.sorts, default_sort=listing.default_sort,
            filters=listing.filters,
            kinds={s.lstrip("-"): _kind(row[s.lstrip("-")]) for s in listing.sorts},
        )
    creates: list[str] = []
    items: dict[str, set[str]] = {}
    for op in iter_operations(spec):
        if op.method == "POST" and op.path == f"/{op.resource}" and op.is_idempotent:
            creates.append(op.resource)
        elif op.path == f"/{op.resource}/{{id}}":
            items.setdefault(op.resource, set()).add(op.method)
    return Contract(lists=lists, idempotent_creates=tuple(creates),
               item_methods={r: frozenset(m) for r, m in items.items()})


def sort_value(value: Any, kind: Kind) -> tuple[int, Any]:
    """A comparable key: values first and nulls last (ascending), as the spec's `sort` says.

    Text compares case-insensitively: the suites only check the order of text they wrote
    themselves (upper-case letters and digits), which every collation orders the same way.
    """
    if value is None:
        return (1, 0)
    if kind == "int":
        return (0, int(value))
    if kind == "decimal":
        return (0, Decimal(str(value)))
    if kind in ("date", "datetime"):
        return (0, _moment(str(value)))
    return (0, str(value).casefold())


def _moment(text: str) -> dt.datetime:
    if len(text) == 10:
        return dt.datetime.combine(dt.date.fromisoformat(text), dt.time(), dt.UTC)
    moment = dt.datetime.fromisoformat(text)
    return moment if moment.tzinfo else moment.replace(tzinfo=dt.UTC)
