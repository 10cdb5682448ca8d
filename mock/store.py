"""The in-memory store: one `TenantStore` per workspace, a `Table` per resource, indexed.

Tenant isolation (G-3) holds by construction: a handler gets the `TenantStore` of its token's
workspace and nothing else; there is no API that reads across tenants.

Each table keeps, per sortable field, a sorted list of (null flag, key, id) entries, and per
equality filter a hash index of value -> ids. A list page is then O(log n + limit): find the
cursor's position in the sorted list and walk (G-4), instead of sorting the table per page.
"""

from __future__ import annotations

import heapq
import threading
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any, Literal

from sortedcontainers import SortedList

from mock.clock import Clock
from mock.pagination import CursorCodec, Position

SortKind = Literal["text", "ci", "decimal"]
FilterOp = Literal["eq", "contains", "join"]

# Below this selectivity a filtered page walks the sort index and skips non-matching rows;
# above it, it ranks only the candidates of the equality index.
DENSE_FILTER_RATIO = 32
# Attachment bytes a tenant may hold, so the mock cannot be filled up (ATT).
DEFAULT_BLOB_CAP = 256 * 1024 * 1024


@dataclass(frozen=True)
class Filter:
    """A list filter: query parameter -> row attribute, equality (indexed) or contains.

    `op="join"` answers the filter from another table of the tenant: `join(tables, value)`
    gives the ids of the matching rows (attachments linked to a payable, through the
    `attachment_links` index), so no copy of the link has to live on the row itself.
    """

    attr: str
    op: FilterOp = "eq"
    convert: Callable[[Any], Any] | None = None
    join: Callable[[Mapping[str, Table], Any], set[str]] | None = None


@dataclass(frozen=True)
class TableSpec:
    """What a resource's table indexes: its sorts (field -> kind) and its filters."""

    resource: str
    sorts: Mapping[str, SortKind] = field(default_factory=dict)
    default_sort: str = "created_at"
    filters: Mapping[str, Filter] = field(default_factory=dict)
    # Attributes the rules look rows up by (`Table.where`) beyond the public filters.
    indexes: tuple[str, ...] = ()

    @property
    def eq_attrs(self) -> tuple[str, ...]:
        eq = {f.attr for f in self.filters.values() if f.op == "eq"}
        return tuple(sorted(eq | set(self.indexes)))

    def sort_allowed(self) -> list[str]:
        return [s for name in self.sorts for s in (name, f"-{name}")]


def sort_key(value: Any, kind: SortKind) -> tuple[int, Any]:
    """Values first, nulls last (ascending); names compare case-insensitively."""
    if value is None:
        return (1, "")
    if kind == "ci":
        return (0, str(value).casefold())
    return (0, value)


def key_to_json(key: tuple[int, Any]) -> list[Any]:
    flag, value = key
    return [flag, str(value) if isinstance(value, Decimal) else value]


def key_from_json(raw: Any, kind: SortKind) -> tuple[int, Any]:
    if not (isinstance(raw, list) and len(raw) == 2 and raw[0] in (0, 1)):
        raise ValueError("bad cursor key")
    flag, value = raw
    if kind == "decimal" and not flag:
        value = Decimal(str(value))
    elif not isinstance(value, str | int | bool):
        raise ValueError("bad cursor key")
    return (flag, value)


class Table:
    """Rows of one resource in one tenant, with the indexes its sorts and filters need."""

    def __init__(self, spec: TableSpec, tables: Mapping[str, Table] | None = None,
                 faults: frozenset[str] = frozenset()) -> None:
        self.spec = spec
        self.faults = faults  # mock.faults: named defects for the self-check, off by default
        # The tenant's other tables, for `join` filters.
        self.tables: Mapping[str, Table] = tables if tables is not None else {}
        self.rows: dict[str, Any] = {}
        # Soft-deleted rows (PER-5) leave every index but stay resolvable for denormalised names.
        self.tombstones: dict[str, Any] = {}
        self._sorted: dict[str, SortedList] = {name: SortedList() for name in spec.sorts}
        self._eq: dict[str, dict[Any, set[str]]] = {attr: {} for attr in spec.eq_attrs}

    def __len__(self) -> int:
        return len(self.rows)

    def __iter__(self) -> Iterator[Any]:
        return iter(self.rows.values())

    def get(self, row_id: str) -> Any | None:
        return self.rows.get(row_id)

    def lookup(self, row_id: str | None) -> Any | None:
        """A live or soft-deleted row, for names shown on rows that reference it."""
        if row_id is None:
            return None
        return self.rows.get(row_id) or self.tombstones.get(row_id)

    def insert(self, row: Any) -> Any:
        if row.id in self.rows or row.id in self.tombstones:
            raise ValueError(f"{self.spec.resource} already has a row {row.id}")
        self.rows[row.id] = row
        self._index(row)
        return row

    def update(self, row: Any, changes: Mapping[str, Any]) -> Any:
        """Apply attribute changes, keeping every index in step."""
        touched = [a for a in changes if a in self._sorted or a in self._eq]
        if touched:
            self._unindex(row, touched)
        for attr, value in changes.items():
            setattr(row, attr, value)
        if touched:
            self._index(row, touched)
        return row

    def delete(self, row: Any, *, soft: bool = False) -> None:
        self._unindex(row)
        del self.rows[row.id]
        if soft or "deleted_still_readable" in self.faults:  # FAULT: hard deletes kept too
            self.tombstones[row.id] = row

    def where(self, **conditions: Any) -> Iterable[Any]:
        """Rows whose attributes equal the given values, through an index where there is one."""
        indexed = [(a, v) for a, v in conditions.items() if a in self._eq]
        if indexed:
            attr, value = min(indexed, key=lambda av: len(self._eq[av[0]].get(av[1], ())))
            candidates: Iterable[Any] = (
                self.rows[i] for i in list(self._eq[attr].get(value, ()))
            )
        else:
            candidates = list(self.rows.values())
        return [r for r in candidates if all(getattr(r, a) == v for a, v in conditions.items())]

    def count(self, **conditions: Any) -> int:
        return len(list(self.where(**conditions)))

    def page(
        self,
        sort: str,
        filters: Mapping[str, Any],
        after: Position | None,
        limit: int,
    ) -> tuple[list[Any], Position | None]:
        """One keyset page: rows strictly after `after` in (sort key, id) order, plus the
        position to continue from (None on the last page)."""
        descending = sort.startswith("-")
        name = sort.lstrip("-")
        kind = self.spec.sorts[name]
        joined = self._joins(filters)
        checks = self._predicates(filters, joined)
        start = None if after is None else (*after.key, after.id)

        eq_sets = [
            self._eq[f.attr].get(value, set())
            for param, value in filters.items()
            if (f := self.spec.filters[param]).op == "eq"
        ] + list(joined.values())
        smallest = min(eq_sets, key=len) if eq_sets else None
        if smallest is not None and len(smallest) * DENSE_FILTER_RATIO < len(self.rows):
            entries = self._rank(smallest, name, kind, start, descending, limit + 1, checks)
        else:
            entries = self._walk(name, start, descending, limit + 1, checks)

        rows = [self.rows[entry[2]] for entry in entries[:limit]]
        if len(entries) > limit:
            last = entries[limit - 1]
            last_id = last[2]
            if "page_skips_on_tie" in self.faults:  # FAULT: jump past every row of this key
                last_id = "" if descending else "\uffff"
            return rows, Position(key=key_to_json((last[0], last[1])), id=last_id)
        return rows, None

    @property
    def _repeat(self) -> bool:
        """FAULT page_repeats_row: a page starts at the cursor's row instead of after it."""
        return "page_repeats_row" in self.faults

    def decode_key(self, sort: str, raw: Any) -> tuple[int, Any]:
        return key_from_json(raw, self.spec.sorts[sort.lstrip("-")])

    # -- internals -------------------------------------------------------------------------

    def _entry(self, row: Any, name: str) -> tuple[int, Any, str]:
        return (*sort_key(getattr(row, name), self.spec.sorts[name]), row.id)

    def _index(self, row: Any, attrs: Iterable[str] | None = None) -> None:
        for name in self._sorted if attrs is None else (a for a in attrs if a in self._sorted):
            self._sorted[name].add(self._entry(row, name))
        for attr in self._eq if attrs is None else (a for a in attrs if a in self._eq):
            self._eq[attr].setdefault(getattr(row, attr), set()).add(row.id)

    def _unindex(self, row: Any, attrs: Iterable[str] | None = None) -> None:
        attrs = list(attrs) if attrs is not None else None
        for name in self._sorted if attrs is None else (a for a in attrs if a in self._sorted):
            self._sorted[name].discard(self._entry(row, name))
        for attr in self._eq if attrs is None else (a for a in attrs if a in self._eq):
            ids = self._eq[attr].get(getattr(row, attr))
            if ids is not None:
                ids.discard(row.id)
                if not ids:
                    del self._eq[attr][getattr(row, attr)]

    def _joins(self, filters: Mapping[str, Any]) -> dict[str, set[str]]:
        out = {}
        for param, value in filters.items():
            f = self.spec.filters[param]
            if f.op == "join":
                assert f.join is not None, f"join filter {param} needs a join function"
                out[param] = {i for i in f.join(self.tables, value) if i in self.rows}
        return out

    def _predicates(self, filters: Mapping[str, Any],
                    joined: Mapping[str, set[str]]) -> list[Callable[[Any], bool]]:
        checks: list[Callable[[Any], bool]] = []
        for param, value in filters.items():
            f = self.spec.filters[param]
            if f.op == "eq":
                checks.append(lambda r, a=f.attr, v=value: getattr(r, a) == v)
            elif f.op == "join":
                checks.append(lambda r, ids=joined[param]: r.id in ids)
            else:
                needle = str(value).casefold()
                checks.append(
                    lambda r, a=f.attr, n=needle: n in (getattr(r, a) or "").casefold()
                )
        return checks

    def _walk(
        self,
        name: str,
        start: tuple[Any, ...] | None,
        descending: bool,
        want: int,
        checks: list[Callable[[Any], bool]],
    ) -> list[tuple[Any, ...]]:
        index = self._sorted[name]
        if start is None:
            it = reversed(index) if descending else iter(index)
        elif descending:
            it = index.irange(maximum=start, inclusive=(True, self._repeat), reverse=True)
        else:
            it = index.irange(minimum=start, inclusive=(self._repeat, True))
        out: list[tuple[Any, ...]] = []
        for entry in it:
            if all(check(self.rows[entry[2]]) for check in checks):
                out.append(entry)
                if len(out) == want:
                    break
        return out

    def _rank(
        self,
        ids: set[str],
        name: str,
        kind: SortKind,
        start: tuple[Any, ...] | None,
        descending: bool,
        want: int,
        checks: list[Callable[[Any], bool]],
    ) -> list[tuple[Any, ...]]:
        entries = []
        for row_id in ids:
            row = self.rows[row_id]
            entry = (*sort_key(getattr(row, name), kind), row_id)
            if start is not None:
                behind = entry < start if not descending else entry > start
                if behind or (entry == start and not self._repeat):
                    continue
            if all(check(row) for check in checks):
                entries.append(entry)
        pick = heapq.nlargest if descending else heapq.nsmallest
        return pick(want, entries)


class TenantStore:
    """One workspace's tables. Handlers only ever hold this, never the whole store."""

    def __init__(self, store: Store, workspace_id: str) -> None:
        self.workspace_id = workspace_id
        self.faults = store.faults
        # Only the tenant-crossing faults use this; nothing else may reach another tenant.
        self._store = store
        self.clock = store.clock
        self.lock = store.lock
        self.cursors = store.cursors
        self.blob_cap = store.blob_cap
        self.tables: dict[str, Table] = {}
        for s in store.specs:
            self.tables[s.resource] = Table(s, self.tables, store.faults)
        self.blobs: dict[str, bytes] = {}

    def __getitem__(self, resource: str) -> Table:
        return self.tables[resource]

    def others(self) -> list[TenantStore]:
        """The other tenants — for the isolation faults only (mock.faults)."""
        return [self._store.tenant(t) for t in self._store.tenant_ids if t != self.workspace_id]

    @property
    def blob_bytes(self) -> int:
        return sum(len(b) for b in self.blobs.values())


class Store:
    """Every tenant, made lazily; one lock so requests never interleave a read-modify-write."""

    def __init__(self, specs: Iterable[TableSpec], clock: Clock | None = None,
                 blob_cap: int = DEFAULT_BLOB_CAP, faults: frozenset[str] = frozenset()) -> None:
        self.specs = tuple(specs)
        self.faults = faults
        self.clock = clock or Clock()
        self.blob_cap = blob_cap
        self.lock = threading.RLock()
        self.cursors = CursorCodec()
        self._tenants: dict[str, TenantStore] = {}

    def tenant(self, workspace_id: str) -> TenantStore:
        with self.lock:
            ts = self._tenants.get(workspace_id)
            if ts is None:
                ts = self._tenants[workspace_id] = TenantStore(self, workspace_id)
            return ts

    @property
    def tenant_ids(self) -> list[str]:
        return list(self._tenants)

    def reset(self) -> None:
        with self.lock:
            self._tenants.clear()
