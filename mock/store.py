"""The in-memory store: one `TenantStore` per workspace, a `Table` per resource, indexed.

Tenant isolation (G-3) holds by construction: a handler gets the `TenantStore` of its token's
workspace and nothing else; there is no API that reads across tenants.

Each table keeps, per sortable field, a sorted list of (null flag, key, id) entries, and per
selective equality filter a hash index of value -> ids. A list page is then O(log n + limit):
find the cursor's position in the sorted list and walk (G-4), instead of sorting the table per
page. A filtered walk skips the rows its filters refuse, and stops after `PAGE_SCAN_BUDGET`
rows however few matched, its cursor going on from there: no filter combination scans the
table (`Table.page`). A rule that adds a group's rows up (an account's balance) reads a running
sum the table keeps in step with every write (`Total`), not the group.

At a million rows the indexes were most of a row's memory, so they are lean, each reading
exactly as the plain one would: `created_at` grows with insertion and keeps only ids in a list
(`InsertionOrder`); a business date keeps each date once with its ids (`GroupedOrder`); an
equality index holds a lone id as itself, a large group in a SortedList, and leaves out `None`;
and a filter that cannot narrow a page (a debit/credit type) has no index — its page walks
the sort order and skips, within the budget.

A bulk load (`TenantStore.bulk`, what seeding runs in) keeps the equality indexes as it goes
but adds its rows to the sort indexes only at the end — by building them anew from the rows
when the load is a large share of the table: at a million rows, one O(log n) insertion per
row and sort field was most of the seed's time.
"""

from __future__ import annotations

import heapq
import math
import threading
from bisect import bisect_left, bisect_right
from collections.abc import Callable, Collection, Iterable, Iterator, Mapping
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field
from decimal import Decimal
from itertools import islice
from operator import attrgetter
from typing import Any, Literal, Protocol, TypeVar

from sortedcontainers import SortedList

from mock.clock import Clock
from mock.pagination import CursorCodec, Position


class HasId(Protocol):
    """What the store needs of a row: its id (each table holds one dataclass)."""

    @property
    def id(self) -> str: ...


R = TypeVar("R", bound=HasId)
"""A row of a table."""


class ViewMaker(Protocol):
    """A resource module's `view`: a row's answer, as a dict."""

    def __call__(self, ts: TenantStore, row: Any, *, detail: bool) -> dict[str, Any]: ...

# "date" compares as text; it says the field has few distinct values and many ties (business
# dates), so its index keeps each value once with its ids (`GroupedOrder`).
SortKind = Literal["text", "date", "ci", "decimal"]
FilterOp = Literal["eq", "contains", "join"]

# RULE G-4: what one list page may examine — sort-index entries walked, or candidate rows
# ranked. A page ends when it has `limit` rows or has examined this many, whichever is first;
# in the second case it may be short, even empty, and its cursor continues the walk after the
# last row examined. So no filter combination costs a page more than this, however large the
# table and however few rows match (a filter matching nothing walked all 1M rows: seconds).
PAGE_SCAN_BUDGET = 256
# A bulk load (`Table.bulk`) that inserted at least 1/this of a table's rows builds its sort
# indexes anew from the rows (a sort or bucketing of the table); fewer rows are added one by one.
BULK_REBUILD_SHARE = 4
# Attachment bytes a tenant may hold, so the mock cannot be filled up (ATT).
DEFAULT_BLOB_CAP = 256 * 1024 * 1024
# Row views a tenant keeps (`TenantStore.view`): some pages' worth; past it, it starts over.
VIEW_CACHE_ROWS = 4096
# Sort fields whose value is set once, at insert, and grows with insertion (`row_base`).
INSERTION_ORDERED = frozenset({"created_at"})


class Changes:
    """What changed since the journal (`mock.statefile`) last took it: the keys of rows, blobs
    and idempotency entries written, and whether the store was reset. The marks are off unless a
    journal enabled them. `version` counts every change, journal or not: a response can tell in
    O(1) whether anything is waiting to be made durable. `writes` counts them per tenant: a
    cached row view is current while its tenant's count is what it was (`TenantStore.view`),
    whatever the other tenants write. Marks come from the event loop and are taken from a
    worker thread: its own small lock keeps the two apart."""

    def __init__(self) -> None:
        self.enabled = False
        self.version = 0
        self.writes: dict[str, int] = {}
        self.cleared = False
        self.rows: dict[tuple[str, str, str], None] = {}
        self.blobs: dict[tuple[str, str], None] = {}
        self.keys: dict[tuple[str, str], None] = {}
        self._lock = threading.Lock()

    def row(self, tenant: str, resource: str, row_id: str) -> None:
        self._mark("rows", (tenant, resource, row_id))

    def blob(self, tenant: str, key: str) -> None:
        self._mark("blobs", (tenant, key))

    def key(self, tenant: str, key: str) -> None:
        """An idempotency entry was finished or dropped (`mock.idempotency`)."""
        self._mark("keys", (tenant, key))

    def _mark(self, kind: Literal["rows", "blobs", "keys"], key: tuple[str, ...]) -> None:
        tenant = key[0]
        self.writes[tenant] = self.writes.get(tenant, 0) + 1
        if not self.enabled:
            self.version += 1  # no journal: no thread reads it concurrently
            return
        with self._lock:  # the marks are looked up inside: `take` swaps them from a thread
            getattr(self, kind)[key] = None
            self.version += 1

    def reset(self) -> None:
        """Everything went: what was marked before no longer matters."""
        self.writes = {tenant: n + 1 for tenant, n in self.writes.items()}
        if not self.enabled:
            self.version += 1
            return
        with self._lock:
            self.cleared = True
            self.rows, self.blobs, self.keys = {}, {}, {}
            self.version += 1

    def take(self) -> TakenChanges:
        """The marks so far, and a clean slate for the next ones."""
        with self._lock:
            taken = TakenChanges(self.version, self.cleared, self.rows, self.blobs, self.keys)
            self.cleared = False
            self.rows, self.blobs, self.keys = {}, {}, {}
            return taken

    def give_back(self, taken: TakenChanges) -> None:
        """Marks a failed write could not make durable: they are tried again next time."""
        with self._lock:
            self.cleared = self.cleared or taken.cleared
            self.rows = {**taken.rows, **self.rows}
            self.blobs = {**taken.blobs, **self.blobs}
            self.keys = {**taken.keys, **self.keys}


@dataclass(frozen=True)
class TakenChanges:
    version: int
    cleared: bool
    rows: dict[tuple[str, str, str], None]
    blobs: dict[tuple[str, str], None]
    keys: dict[tuple[str, str], None]


class ReportingDict(dict[str, Any]):
    """A dict that reports each key set or deleted: the tombstones and blobs, written rarely
    and, in places, directly by the domain. (`rows` stays a plain dict: `Table` reports its
    writes itself, off the hot path of reads.)"""

    def __init__(self, report: Callable[[str], None]) -> None:
        super().__init__()
        self._report = report

    def __setitem__(self, key: str, value: Any) -> None:
        super().__setitem__(key, value)
        self._report(key)

    def __delitem__(self, key: str) -> None:
        super().__delitem__(key)
        self._report(key)

    def pop(self, key: str, *default: Any) -> Any:
        had = key in self
        value = super().pop(key, *default)
        if had:
            self._report(key)
        return value

    def update(self, *args: Any, **kwargs: Any) -> None:
        for key, value in dict(*args, **kwargs).items():
            self[key] = value

    def clear(self) -> None:
        for key in list(self):
            del self[key]

    def setdefault(self, key: str, default: Any = None) -> Any:
        if key not in self:
            self[key] = default
        return self[key]

    def popitem(self) -> tuple[str, Any]:
        key, value = super().popitem()
        self._report(key)
        return key, value


@dataclass(frozen=True)
class Join:
    """How a `join` filter is answered from another table of the tenant: the rows of `table`
    whose `match` attribute is the filter's value (and whose attributes equal `fixed`) name,
    by their `select` attribute, the rows that pass — attachments linked to a payable, through
    `attachment_links` — so no copy of the link lives on the row itself. `match` and `select`
    are both indexed on `table`: a page takes the linked ids when they are few, and otherwise
    asks of each row it walks whether it is linked (`Table._narrow`)."""

    table: str
    match: str
    select: str
    fixed: tuple[tuple[str, Any], ...] = ()


@dataclass(frozen=True)
class Filter:
    """A list filter: query parameter -> row attribute, equality (indexed), contains, or
    join (`Join`: answered from another table of the tenant).

    `indexed=False` for an equality filter with a few values each shared by a large part of
    the rows (debit/credit): its index would cost memory and an update per insert and could
    not make a page cheaper, since the walk finds a match every few rows anyway. `Table.where`
    on such an attribute scans, so it must not be what a frequent rule looks rows up by.
    """

    attr: str
    op: FilterOp = "eq"
    convert: Callable[[Any], Any] | None = None
    join: Join | None = None
    indexed: bool = True


@dataclass(frozen=True)
class Total:
    """A running sum of `of(row)` per value of `by` (`Table.total`): a rule that adds up a
    group's rows (an account's balance, ACC-2) reads it in O(1) instead of walking the group on
    every read. Kept in step by every insert, update and delete, as the indexes are."""

    by: str
    of: Callable[[Any], Decimal]


@dataclass(frozen=True)
class TableSpec:
    """What a resource's table indexes: its sorts (field -> kind) and its filters."""

    resource: str
    sorts: Mapping[str, SortKind] = field(default_factory=dict)
    default_sort: str = "created_at"
    filters: Mapping[str, Filter] = field(default_factory=dict)
    # Attributes the rules look rows up by (`Table.where`) beyond the public filters.
    indexes: tuple[str, ...] = ()
    # Running sums the rules read (`Table.total`), by name.
    totals: Mapping[str, Total] = field(default_factory=dict)

    @property
    def eq_attrs(self) -> tuple[str, ...]:
        eq = {f.attr for f in self.filters.values() if f.op == "eq" and f.indexed}
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


class InsertionOrder:
    """The sort index of a field that is set at insert and grows with insertion (`created_at`):
    row ids in (null flag, key, id) order in a plain list — 8 bytes a row where a SortedList of
    tuples costs ~75. A row that comes in order is appended; one that does not (a tie within
    the clock's microsecond, broken by id; a clock set back) is bisected into place, so the
    order is exactly the SortedList's. Entries are made as the walk reads them; the interface
    is the part of SortedList's that `Table` uses."""

    def __init__(self, table: Table, name: str, entries: Iterable[tuple[Any, ...]] = ()) -> None:
        """`entries`, if any, are (null flag, key, id) in order (a bulk load's one sort)."""
        self._table = table
        self._name = name
        self._kind = table.spec.sorts[name]
        self._ids: list[str] = [entry[2] for entry in entries]

    def _key(self, row_id: str) -> tuple[Any, ...]:
        row = self._table.rows[row_id]
        return (*sort_key(getattr(row, self._name), self._kind), row_id)

    def __len__(self) -> int:
        return len(self._ids)

    def _read(self, positions: range) -> Iterator[tuple[Any, ...]]:
        # By position, not over a copy: a page reads ~limit entries (under the store's lock).
        ids, key = self._ids, self._key
        return (key(ids[at]) for at in positions)

    def __iter__(self) -> Iterator[tuple[Any, ...]]:
        return self._read(range(len(self._ids)))

    def __reversed__(self) -> Iterator[tuple[Any, ...]]:
        return self._read(range(len(self._ids) - 1, -1, -1))

    def add(self, entry: tuple[Any, ...]) -> None:
        ids = self._ids
        if not ids or entry > self._key(ids[-1]):
            ids.append(entry[2])
        else:
            ids.insert(bisect_right(ids, entry, key=self._key), entry[2])

    def discard(self, entry: tuple[Any, ...]) -> None:
        ids = self._ids
        at = bisect_left(ids, entry, key=self._key)
        if at < len(ids) and ids[at] == entry[2]:
            del ids[at]

    def irange(self, minimum: tuple[Any, ...] | None = None,
               maximum: tuple[Any, ...] | None = None,
               inclusive: tuple[bool, bool] = (True, True),
               reverse: bool = False) -> Iterator[tuple[Any, ...]]:
        ids = self._ids
        lo = 0 if minimum is None else (bisect_left if inclusive[0] else bisect_right)(
            ids, minimum, key=self._key)
        hi = len(ids) if maximum is None else (bisect_right if inclusive[1] else bisect_left)(
            ids, maximum, key=self._key)
        return self._read(range(hi - 1, lo - 1, -1) if reverse else range(lo, hi))


class GroupedOrder:
    """The sort index of a field with few distinct values (a business date): each (null flag,
    key) once, in a SortedList, and its rows' ids in id order (one id, or a SortedList) — ~10
    bytes a row where a (flag, key, id) tuple costs ~75. It reads as the same (flag, key, id)
    entries in the same order; the interface is the part of SortedList's `Table` uses."""

    def __init__(self, groups: Mapping[tuple[int, Any], list[str]] | None = None) -> None:
        """`groups`, if any, are each (null flag, key)'s ids (a bulk load's `_buckets`)."""
        groups = groups or {}
        self._keys = SortedList(groups)
        self._groups: dict[tuple[int, Any], Any] = {
            key: ids[0] if len(ids) == 1 else SortedList(ids) for key, ids in groups.items()}

    def __len__(self) -> int:
        return sum(1 if type(g) is str else len(g) for g in self._groups.values())

    def add(self, entry: tuple[Any, ...]) -> None:
        key, row_id = (entry[0], entry[1]), entry[2]
        group = self._groups.get(key)
        if group is None:
            self._groups[key] = row_id
            self._keys.add(key)
        elif type(group) is str:
            self._groups[key] = SortedList((group, row_id))
        else:
            group.add(row_id)

    def discard(self, entry: tuple[Any, ...]) -> None:
        key, row_id = (entry[0], entry[1]), entry[2]
        group = self._groups.get(key)
        if group is None:
            return
        if type(group) is not str:
            group.discard(row_id)
            if len(group) == 1:
                self._groups[key] = group[0]
            return
        if group == row_id:
            del self._groups[key]
            self._keys.remove(key)

    def _ids(self, key: tuple[int, Any], reverse: bool, bound: str | None = None,
             inclusive: bool = True) -> Iterator[str]:
        """The ids of `key`'s group in order (descending if `reverse`), from `bound` on."""
        group = self._groups[key]
        if type(group) is str:
            if bound is None or (group < bound if reverse else group > bound) or (
                    inclusive and group == bound):
                yield group
            return
        if bound is None:
            yield from reversed(group) if reverse else group
        elif reverse:
            yield from group.irange(maximum=bound, inclusive=(True, inclusive), reverse=True)
        else:
            yield from group.irange(minimum=bound, inclusive=(inclusive, True))

    def _entries(self, keys: Iterable[tuple[int, Any]], reverse: bool,
                 start: tuple[Any, ...] | None = None,
                 inclusive: bool = True) -> Iterator[tuple[Any, ...]]:
        first = None if start is None else (start[0], start[1])
        groups = self._groups
        for key in keys:
            group = groups[key]
            if key == first:
                ids: Iterable[str] = self._ids(key, reverse, start[2], inclusive)  # type: ignore[index]
            elif type(group) is str:
                ids = (group,)
            else:
                ids = reversed(group) if reverse else group
            flag, value = key
            for row_id in ids:
                yield (flag, value, row_id)

    def __iter__(self) -> Iterator[tuple[Any, ...]]:
        return self._entries(self._keys, False)

    def __reversed__(self) -> Iterator[tuple[Any, ...]]:
        return self._entries(reversed(self._keys), True)

    def irange(self, minimum: tuple[Any, ...] | None = None,
               maximum: tuple[Any, ...] | None = None,
               inclusive: tuple[bool, bool] = (True, True),
               reverse: bool = False) -> Iterator[tuple[Any, ...]]:
        """Entries from one bound on: `minimum` ascending, or `maximum` with `reverse` (the
        two ways `Table._walk` reads)."""
        if reverse and minimum is None:
            keys = self._keys.irange(maximum=None if maximum is None else maximum[:2],
                                     reverse=True)
            return self._entries(keys, True, maximum, inclusive[1])
        if not reverse and maximum is None:
            keys = self._keys.irange(minimum=None if minimum is None else minimum[:2])
            return self._entries(keys, False, minimum, inclusive[0])
        raise NotImplementedError("one bound, in the direction of the walk")


# An equality index maps a value to its rows' ids as: one id (a str) — most values of a
# selective field; a set, while few; a SortedList of ids past `_BIG_GROUP` — ~10 bytes an id
# where a large set costs 40–100, with O(log n) add and discard. `where` and `page` only
# iterate and count a group, so the three shapes serve alike.
_BIG_GROUP = 64
_NOTHING = Decimal(0)  # the sum of no rows (`Total`)


def _add_id(index: dict[Any, Any], value: Any, row_id: str, *, compact: bool = True,
            bulk_rows: int = 0) -> None:
    """`compact=False` (a bulk load, of `bulk_rows` rows so far) leaves a large group a set,
    for `_compact` to sort once. A group sorted before the bulk load becomes a set again once
    the load has inserted a `BULK_REBUILD_SHARE`th as many rows as it holds (its making paid
    for by those rows; an O(log n) insertion each was a third of seeding 900k transactions
    into a table of 100k); a few rows into a large group are inserted where they go."""
    if value is None:  # never looked up by None: not worth a group of every unset row
        return
    ids = index.get(value)
    if ids is None:
        index[value] = row_id
    elif type(ids) is str:
        index[value] = {ids, row_id}
    else:
        if not compact and type(ids) is SortedList and \
                bulk_rows * BULK_REBUILD_SHARE >= len(ids):
            ids = index[value] = set(ids)
        ids.add(row_id)
        if compact:
            _compact_group(index, value, ids)


def _compact_group(index: dict[Any, Any], value: Any, ids: Any) -> None:
    """A group past `_BIG_GROUP` ids kept as a SortedList rather than a set."""
    if type(ids) is set and len(ids) > _BIG_GROUP:
        index[value] = SortedList(ids)


def _compact(index: dict[Any, Any]) -> None:
    """Every large group as a SortedList, as `_add_id` keeps them one at a time."""
    for value, ids in index.items():
        _compact_group(index, value, ids)


def _drop_id(index: dict[Any, Any], value: Any, row_id: str) -> None:
    ids = index.get(value)
    if ids is None:
        return
    if type(ids) is str:
        if ids == row_id:
            del index[value]
        return
    ids.discard(row_id)
    if not ids:
        del index[value]
    elif len(ids) == 1:
        index[value] = next(iter(ids))


def _in_order(rows: Mapping[str, Any], name: str, kind: SortKind) -> list[tuple[Any, ...]]:
    """Every row's (null flag, key, id) entry for sort field `name`, in order: what a bulk
    load builds a `SortedList` or an `InsertionOrder` from. Timestamps come nearly in order
    already, and sort in one pass."""
    entries = [(*sort_key(getattr(row, name), kind), row_id) for row_id, row in rows.items()]
    if kind == "decimal":
        # A Decimal compares ~20x slower than a float, and a tuple comparison compares its key
        # twice (equal? then less?): a million amounts took 4 s to sort. float() is monotonic,
        # so ordering by it first leaves the exact sort below a pass over ties and near-ties.
        entries.sort(key=_approximately)
    entries.sort()
    return entries


def _approximately(entry: tuple[Any, ...]) -> float:
    """A decimal entry's key as a float, nulls last (a float key alone is what sorts fast)."""
    return math.inf if entry[0] else float(entry[1])


def _buckets(rows: Mapping[str, Any], name: str, kind: SortKind
             ) -> dict[tuple[int, Any], list[str]]:
    """Each (null flag, key) of sort field `name` with its rows' ids in order: what a bulk load
    builds a `GroupedOrder` from. A business date has a few hundred values; bucketing the
    rows and sorting each bucket's ids compares far less than sorting a million entries whose
    dates tie."""
    buckets: dict[tuple[int, Any], list[str]] = {}
    for row_id, row in rows.items():
        key = sort_key(getattr(row, name), kind)
        if (bucket := buckets.get(key)) is None:
            buckets[key] = [row_id]
        else:
            bucket.append(row_id)
    for bucket in buckets.values():
        bucket.sort()
    return buckets


def _ids(index: dict[Any, Any], value: Any) -> Collection[str]:
    ids = index.get(value, ())
    return (ids,) if type(ids) is str else ids


class Table:
    """Rows of one resource in one tenant, with the indexes its sorts and filters need."""

    def __init__(self, spec: TableSpec, tables: Mapping[str, Table] | None = None,
                 faults: frozenset[str] = frozenset(), *, tenant: str = "",
                 changes: Changes | None = None) -> None:
        self.spec = spec
        self.faults = faults  # mock.faults: named defects for the self-check, off by default
        # The tenant's other tables, for `join` filters.
        self.tables: Mapping[str, Table] = tables if tables is not None else {}
        self.rows: dict[str, Any] = {}
        self.tenant = tenant
        self.changes = changes or Changes()
        # Soft-deleted rows (PER-5) leave every index but stay resolvable for denormalised names.
        self.tombstones: dict[str, Any] = ReportingDict(self._changed)
        self._sorted: dict[str, SortedList | InsertionOrder | GroupedOrder] = {
            name: self._order(name, {}) for name in spec.sorts}
        # attr -> value -> one id (a str), a set or a SortedList of ids (see `_add_id`).
        self._eq: dict[str, dict[Any, Any]] = {attr: {} for attr in spec.eq_attrs}
        # Rows a `bulk()` inserted that the sort indexes do not hold yet: added when it ends,
        # or when a page needs them first (`_add_pending`).
        self._bulk = False
        self._pending: dict[str, None] = {}
        # name -> value of its `by` -> the sum over the rows holding that value.
        self._totals: dict[str, dict[Any, Decimal]] = {name: {} for name in spec.totals}

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

    def insert(self, row: R) -> R:
        if row.id in self.rows or row.id in self.tombstones:
            raise ValueError(f"{self.spec.resource} already has a row {row.id}")
        self.rows[row.id] = row
        self._index(row)
        if self._totals:
            self._count(row, 1)
        self._changed(row.id)
        return row

    def _changed(self, row_id: str) -> None:
        self.changes.row(self.tenant, self.spec.resource, row_id)

    def update(self, row: R, changes: Mapping[str, Any]) -> R:
        """Apply attribute changes, keeping every index in step."""
        touched = [a for a in changes if a in self._sorted or a in self._eq]
        if touched:
            self._unindex(row, touched)
        if self._totals:  # a sum's term may read any attribute: taken out, and in again
            self._count(row, -1)
        for attr, value in changes.items():
            setattr(row, attr, value)
        if touched:
            self._index(row, touched)
        if self._totals:
            self._count(row, 1)
        self._changed(row.id)
        return row

    def total(self, name: str, value: Any) -> Decimal:
        """The running sum `name` (a `Total` of the spec) over the rows whose `by` is `value`."""
        return self._totals[name].get(value, _NOTHING)

    def delete(self, row: Any, *, soft: bool = False) -> None:
        self._unindex(row)
        if self._totals:
            self._count(row, -1)
        del self.rows[row.id]
        self._changed(row.id)
        if soft or "deleted_still_readable" in self.faults:  # FAULT: hard deletes kept too
            self.tombstones[row.id] = row

    @contextmanager
    def bulk(self) -> Iterator[None]:
        """Many writes in a row (seeding): the equality indexes are kept as rows come (the
        rules look rows up by them meanwhile), but the rows inserted reach the sort indexes
        only at the end — all at once, by building the indexes anew from the rows when they
        are many (`BULK_REBUILD_SHARE`), instead of an O(log n) insertion per row and sort
        field, most of a large seed's time. Reads stay exact throughout: a page inside adds
        the pending rows first. Nested calls are one bulk load."""
        if self._bulk:
            yield
            return
        self._bulk = True
        try:
            yield
        finally:
            self._bulk = False
            for index in self._eq.values():
                _compact(index)
            self._add_pending()

    def where(self, **conditions: Any) -> Iterable[Any]:
        """Rows whose attributes equal the given values, through an index where there is one
        (a scan of the table otherwise: an unindexed attribute, or a None value)."""
        indexed = [(a, v) for a, v in conditions.items() if a in self._eq and v is not None]
        if indexed:
            attr, value = min(indexed, key=lambda av: len(_ids(self._eq[av[0]], av[1])))
            candidates: Iterable[Any] = (self.rows[i] for i in list(_ids(self._eq[attr], value)))
        else:
            candidates = list(self.rows.values())
        return [r for r in candidates if all(getattr(r, a) == v for a, v in conditions.items())]

    def count(self, **conditions: Any) -> int:
        """How many rows `where` gives; one indexed condition is its group's size (the usage
        guards count a company's or an account's rows: a million at the large dataset)."""
        if len(conditions) == 1:
            ((attr, value),) = conditions.items()
            if attr in self._eq and value is not None:
                return len(_ids(self._eq[attr], value))
        return len(list(self.where(**conditions)))

    def page(
        self,
        sort: str,
        filters: Mapping[str, Any],
        after: Position | None,
        limit: int,
    ) -> tuple[list[Any], Position | None]:
        """One keyset page: up to `limit` rows strictly after `after` in (sort key, id) order,
        plus the position to continue from (None once nothing is left).

        A page examines at most `PAGE_SCAN_BUDGET` rows (G-4). It walks, in page order from
        the cursor on, the sort index — or, when a filter is on the sort field itself, that
        filter's equality group, whose rows share the sort key and so are in page order by id —
        skipping the rows the filters refuse. A walk that reaches the budget first ends the page
        there, short or empty, with the position of the last row it examined: the next page
        goes on from it, so no row is skipped or repeated. When the smallest candidate set (an
        equality group or joined ids) is within the budget and cheaper to rank than the walk
        is expected to be, the page ranks it instead, in full."""
        self._add_pending()
        descending = sort.startswith("-")
        name = sort.lstrip("-")
        kind = self.spec.sorts[name]
        start = None if after is None else (*after.key, after.id)
        want = limit + 1
        candidates, checks = self._narrow(filters)
        same = self._same_key(name, kind, filters)
        walked = len(self.rows) if same is None else len(same[1])
        smallest = min(candidates, key=len, default=None)
        stop = None
        # Ranking costs a row per candidate; the walk ~ want × walked / candidates.
        if smallest is not None and len(smallest) <= PAGE_SCAN_BUDGET and len(
                smallest) ** 2 < want * walked:
            found = self._rank(smallest, name, kind, start, descending, want, checks)
        elif same is not None:
            found, stop = self._scan(self._run(*same, start, descending), want, checks)
        else:
            found, stop = self._scan(self._walk(name, start, descending), want, checks)

        rows = [self.rows[entry[2]] for entry in found[:limit]]
        if len(found) > limit:
            resume = found[limit - 1]
        elif stop is not None:
            resume = stop
        else:
            return rows, None
        resume_id = resume[2]
        if "page_skips_on_tie" in self.faults:  # FAULT: jump past every row of this key
            resume_id = "" if descending else "\uffff"
        return rows, Position(key=key_to_json((resume[0], resume[1])), id=resume_id)

    @property
    def _repeat(self) -> bool:
        """FAULT page_repeats_row: a page starts at the cursor's row instead of after it."""
        return "page_repeats_row" in self.faults

    def decode_key(self, sort: str, raw: Any) -> tuple[int, Any]:
        return key_from_json(raw, self.spec.sorts[sort.lstrip("-")])

    # -- internals -------------------------------------------------------------------------

    def _entry(self, row: Any, name: str) -> tuple[int, Any, str]:
        return (*sort_key(getattr(row, name), self.spec.sorts[name]), row.id)

    def _order(self, name: str, rows: Mapping[str, Any]
               ) -> SortedList | InsertionOrder | GroupedOrder:
        """The sort index of field `name`, holding `rows` (built at once: a bulk load's)."""
        kind = self.spec.sorts[name]
        if kind == "date" and name not in INSERTION_ORDERED:
            return GroupedOrder(_buckets(rows, name, kind))
        entries = _in_order(rows, name, kind) if rows else []
        if name in INSERTION_ORDERED:
            return InsertionOrder(self, name, entries)
        return SortedList(entries)

    def _add_pending(self) -> None:
        """The rows `bulk()` inserted, into the sort indexes: every index built anew from the
        rows if they are a large share of the table, else one row at a time."""
        if not self._pending:
            return
        if len(self._pending) * BULK_REBUILD_SHARE >= len(self.rows):
            for name in self.spec.sorts:
                self._sorted[name] = self._order(name, self.rows)
        else:
            for row_id in self._pending:
                row = self.rows[row_id]
                for name, index in self._sorted.items():
                    index.add(self._entry(row, name))
        self._pending = {}

    def _index(self, row: Any, attrs: Iterable[str] | None = None) -> None:
        row_id = row.id
        if self._bulk and (attrs is None or row_id in self._pending):
            self._pending[row_id] = None  # a new row, or a change to one: sorted at the end
        else:
            for name in self._sorted if attrs is None else (a for a in attrs
                                                            if a in self._sorted):
                self._sorted[name].add(self._entry(row, name))
        compact, rows = not self._bulk, len(self._pending)
        if attrs is None:
            for attr, index in self._eq.items():
                _add_id(index, getattr(row, attr), row_id, compact=compact, bulk_rows=rows)
            return
        for attr in attrs:
            if attr in self._eq:
                _add_id(self._eq[attr], getattr(row, attr), row_id, compact=compact,
                        bulk_rows=rows)

    def _count(self, row: Any, sign: int) -> None:
        """The row's terms added to (`sign` 1) or taken from (-1) the running sums."""
        for name, spec in self.spec.totals.items():
            value = getattr(row, spec.by)
            if value is not None:
                sums = self._totals[name]
                term = spec.of(row)
                sums[value] = sums.get(value, _NOTHING) + (term if sign > 0 else -term)

    def _unindex(self, row: Any, attrs: Iterable[str] | None = None) -> None:
        attrs = list(attrs) if attrs is not None else None
        if row.id in self._pending:  # not in the sort indexes yet
            if attrs is None:
                del self._pending[row.id]
        else:
            for name in self._sorted if attrs is None else (a for a in attrs
                                                            if a in self._sorted):
                self._sorted[name].discard(self._entry(row, name))
        for attr in self._eq if attrs is None else (a for a in attrs if a in self._eq):
            _drop_id(self._eq[attr], getattr(row, attr), row.id)

    def _narrow(self, filters: Mapping[str, Any]
                ) -> tuple[list[Collection[str]], list[Callable[[Any], bool]]]:
        """The candidate sets the filters give (equality groups, joined ids) and the checks a
        row must pass (all of them, candidates' own included)."""
        candidates: list[Collection[str]] = []
        checks: list[Callable[[Any], bool]] = []
        equal: dict[str, Any] = {}
        for param, value in filters.items():
            f = self.spec.filters[param]
            if f.op == "eq":
                if f.attr in self._eq and value is not None:
                    candidates.append(_ids(self._eq[f.attr], value))
                if f.attr in equal:  # two parameters of one attribute: both must hold
                    checks.append(_equals({f.attr: value}))
                else:
                    equal[f.attr] = value
            elif f.op == "contains":
                checks.append(_contains(f.attr, str(value).casefold()))
            else:
                assert f.join is not None, f"join filter {param} needs a Join"
                join, linked = f.join, self.tables[f.join.table]
                links = _ids(linked._eq[join.match], value)
                if len(links) <= PAGE_SCAN_BUDGET:
                    ids = {getattr(link, join.select)
                           for link in map(linked.rows.__getitem__, links)
                           if all(getattr(link, a) == v for a, v in join.fixed)}
                    ids.intersection_update(self.rows)
                    candidates.append(ids)
                    checks.append(_id_in(ids))
                else:  # many links: whether each row walked is linked, by its own links
                    checks.append(_linked(linked, join, value))
        if equal:  # first: the cheapest, and what refuses most rows of a walk
            checks.insert(0, _equals(equal))
        return candidates, checks

    def _same_key(self, name: str, kind: SortKind, filters: Mapping[str, Any]
                  ) -> tuple[tuple[int, Any], Collection[str]] | None:
        """(sort key, equality group) of a filter on the sort field `name` itself, if any."""
        for param, value in filters.items():
            f = self.spec.filters[param]
            if f.op == "eq" and f.attr == name and f.attr in self._eq and value is not None:
                return sort_key(value, kind), _ids(self._eq[name], value)
        return None

    def _run(self, key: tuple[int, Any], group: Collection[str], start: tuple[Any, ...] | None,
             descending: bool) -> Iterator[tuple[Any, ...]]:
        """The entries of `group`, whose rows all sort by `key`, in page order after `start`:
        the walk of the sort index narrowed to one key, by id within the group."""
        ids: Any = group if type(group) is SortedList else sorted(group)
        lo: str | None = None
        if start is not None:
            at = (start[0], start[1])
            if (at > key) if not descending else (at < key):
                return  # the cursor is past this key
            if at == key:
                lo = start[2]
        flag, value = key
        repeat = self._repeat
        if lo is None:
            chosen: Iterable[str] = reversed(ids) if descending else ids
        elif type(ids) is SortedList:
            chosen = (ids.irange(maximum=lo, inclusive=(True, repeat), reverse=True) if descending
                      else ids.irange(minimum=lo, inclusive=(repeat, True)))
        elif descending:
            chosen = reversed(ids[:(bisect_right if repeat else bisect_left)(ids, lo)])
        else:
            chosen = ids[(bisect_left if repeat else bisect_right)(ids, lo):]
        for row_id in chosen:
            yield (flag, value, row_id)

    def _walk(self, name: str, start: tuple[Any, ...] | None,
              descending: bool) -> Iterator[tuple[Any, ...]]:
        """The sort index of `name` in page order, after `start`."""
        index = self._sorted[name]
        if start is None:
            return reversed(index) if descending else iter(index)
        if descending:
            return index.irange(maximum=start, inclusive=(True, self._repeat), reverse=True)
        return index.irange(minimum=start, inclusive=(self._repeat, True))

    def _scan(self, entries: Iterator[tuple[Any, ...]], want: int,
              checks: list[Callable[[Any], bool]]
              ) -> tuple[list[tuple[Any, ...]], tuple[Any, ...] | None]:
        """The first `want` entries whose rows pass `checks`, examining at most
        `PAGE_SCAN_BUDGET`; and the last entry examined if the budget ran out first."""
        if not checks:
            return list(islice(entries, want)), None
        found: list[tuple[Any, ...]] = []
        rows = self.rows
        # One filter, the common case, is called as it is, without a loop over the checks.
        check = checks[0] if len(checks) == 1 else _all_of(checks)
        for examined, entry in enumerate(entries, 1):
            if check(rows[entry[2]]):
                found.append(entry)
                if len(found) == want:
                    return found, None
            if examined == PAGE_SCAN_BUDGET:
                return found, entry
        return found, None

    def _rank(
        self,
        ids: Collection[str],
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
            self.tables[s.resource] = Table(s, self.tables, store.faults, tenant=workspace_id,
                                            changes=store.changes)
        self.blobs: dict[str, bytes] = ReportingDict(
            lambda key: store.changes.blob(workspace_id, key))
        self.changes = store.changes
        self._views: dict[tuple[str, str, bool], tuple[int, dict[str, Any]]] = {}

    def __getitem__(self, resource: str) -> Table:
        return self.tables[resource]

    @contextmanager
    def bulk(self) -> Iterator[None]:
        """`Table.bulk` for every table: many writes, the sort indexes built once at the end."""
        with ExitStack() as stack:
            for table in self.tables.values():
                stack.enter_context(table.bulk())
            yield

    def view(self, resource: str, row: Any, detail: bool, make: ViewMaker) -> dict[str, Any]:
        """`make(self, row, detail=detail)`, the row's answer, remembered until the tenant's next
        change. A view reads only the tenant's tables and the store's faults (not the clock, not
        the request, not another tenant), so while the tenant wrote nothing it is the same: a
        list page builds the views of its rows once, not once per request (denormalised names,
        money strings, counts), however busy the other tenants are. The dict is shared by every
        answer that shows it: not to be changed."""
        key = (resource, row.id, detail)
        version = self.changes.writes.get(self.workspace_id, 0)
        kept = self._views.get(key)
        if kept is not None and kept[0] == version:
            return kept[1]
        shown = make(self, row, detail=detail)
        if len(self._views) >= VIEW_CACHE_ROWS:
            self._views.clear()
        self._views[key] = (version, shown)
        return shown

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
        # Marks of what changed, for the journal (`mock.statefile`); off without one.
        self.changes = Changes()
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

    def find(self, workspace_id: str) -> TenantStore | None:
        """The tenant if it exists (never makes one)."""
        return self._tenants.get(workspace_id)

    def reset(self) -> None:
        with self.lock:
            self._tenants.clear()
            self.changes.reset()


def _equals(wanted: Mapping[str, Any]) -> Callable[[Any], bool]:
    """Whether a row's attributes equal `wanted`'s values, read in one `attrgetter` call."""
    get = attrgetter(*wanted)
    values = tuple(wanted.values())
    if len(values) == 1:
        value = values[0]
        return lambda row: get(row) == value
    return lambda row: get(row) == values


def _all_of(checks: list[Callable[[Any], bool]]) -> Callable[[Any], bool]:
    """Whether a row passes every one of `checks`, tried in order until one fails."""
    return lambda row: all(check(row) for check in checks)


def _id_in(ids: Collection[str]) -> Callable[[Any], bool]:
    return lambda row: row.id in ids


def _linked(links: Table, join: Join, value: Any) -> Callable[[Any], bool]:
    """Whether a row is one `join` names for `value`, from its own rows in `links`."""
    return lambda row: bool(links.where(**{join.select: row.id, join.match: value},
                                        **dict(join.fixed)))


def _contains(attr: str, needle: str) -> Callable[[Any], bool]:
    """Case-insensitive "contains" (`needle` already case-folded); null never matches."""
    return lambda row: needle in (getattr(row, attr) or "").casefold()
