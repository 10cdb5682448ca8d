"""The store's tables and keyset pages (RULE G-4), without HTTP."""

from __future__ import annotations

import contextlib
import random
from dataclasses import dataclass, replace
from decimal import Decimal
from typing import Any
from unittest import mock

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from sortedcontainers import SortedList

from mock.pagination import Position
from mock.store import (
    _BIG_GROUP,
    PAGE_SCAN_BUDGET,
    Filter,
    Join,
    Table,
    TableSpec,
    Total,
    _ids,
    key_from_json,
    sort_key,
)

SPEC = TableSpec(
    resource="things",
    sorts={"name": "ci", "amount": "decimal", "day": "text"},
    default_sort="name",
    filters={"group": Filter("group"), "name": Filter("name", "contains")},
)


@dataclass(slots=True)
class Thing:
    id: str
    name: str | None
    amount: Decimal
    day: str
    group: str


def make(n: int, rng: random.Random) -> list[Thing]:
    return [
        Thing(id=f"{i:08d}-0000-4000-8000-000000000000", name=rng.choice(["b", "A", "a", None]),
              amount=Decimal(rng.randint(0, 3)), day=f"2026-01-0{rng.randint(1, 3)}",
              group=rng.choice(["x", "y"]))
        for i in range(n)
    ]


def walk(table: Table, sort: str, limit: int, filters: dict[str, Any] | None = None
         ) -> list[str]:
    seen: list[str] = []
    after: Position | None = None
    for _ in range(len(table) + 2):  # every page examines at least one row not seen before
        rows, after = table.page(sort, filters or {}, after, limit)
        assert len(rows) <= limit
        seen.extend(r.id for r in rows)
        if after is None:
            return seen
        assert len(seen) <= len(table), "the walk goes round in circles"
        # As over HTTP: the position goes through the cursor's JSON form and back.
        after = Position(key=table.decode_key(sort, after.key), id=after.id)
    raise AssertionError("the walk does not end")


def expected(rows: list[Thing], sort: str, flt: dict[str, str] | None = None) -> list[str]:
    name = sort.lstrip("-")
    kind = SPEC.sorts[name]
    chosen = [r for r in rows if all(getattr(r, k) == v for k, v in (flt or {}).items())]
    ordered = sorted(chosen, key=lambda r: (*sort_key(getattr(r, name), kind), r.id),
                     reverse=sort.startswith("-"))
    return [r.id for r in ordered]


# RULE G-4
@settings(max_examples=60, deadline=None)
@given(n=st.integers(0, 40), limit=st.integers(1, 9), seed=st.integers(0, 10**6),
       sort=st.sampled_from(["name", "-name", "amount", "-amount", "day", "-day"]))
def test_walk_returns_every_row_once_in_order_with_ties(n: int, limit: int, seed: int,
                                                        sort: str) -> None:
    table = Table(SPEC)
    rows = make(n, random.Random(seed))
    for r in rows:
        table.insert(r)
    assert walk(table, sort, limit) == expected(rows, sort)


# RULE G-4
@settings(max_examples=40, deadline=None)
@given(n=st.integers(0, 60), limit=st.integers(1, 5), seed=st.integers(0, 10**6),
       sort=st.sampled_from(["name", "-amount"]))
def test_filtered_walk_uses_index_and_matches(n: int, limit: int, seed: int, sort: str) -> None:
    table = Table(SPEC)
    rows = make(n, random.Random(seed))
    for r in rows:
        table.insert(r)
    for group in ("x", "y", "z"):
        assert walk(table, sort, limit, {"group": group}) == expected(rows, sort, {"group": group})


# RULE G-4
def test_inserts_and_deletes_between_pages_never_skip_or_repeat() -> None:
    rng = random.Random(7)
    table = Table(SPEC)
    rows = make(30, rng)
    for r in rows:
        table.insert(r)
    survivors = {r.id for r in rows[::2]}  # the rows that exist for the whole walk
    doomed = [r for r in rows if r.id not in survivors]
    seen: list[str] = []
    after: Position | None = None
    counter = 1000
    while True:
        page, after = table.page("name", {}, after, 4)
        seen.extend(r.id for r in page)
        if doomed:
            table.delete(doomed.pop())
        counter += 1
        table.insert(Thing(id=f"{counter:08d}-0000-4000-8000-000000000000", name="a",
                           amount=Decimal(1), day="2026-01-01", group="x"))
        if after is None:
            break
        after = Position(key=table.decode_key("name", after.key), id=after.id)
    assert len(seen) == len(set(seen)), "a row was returned twice"
    assert survivors <= set(seen), "a row that existed throughout was skipped"


def test_update_reindexes_sort_and_filter() -> None:
    table = Table(SPEC)
    thing = Thing(id="1", name="zeta", amount=Decimal(1), day="2026-01-01", group="x")
    table.insert(thing)
    table.update(thing, {"name": "alpha", "group": "y"})
    assert walk(table, "name", 5, {"group": "y"}) == ["1"]
    assert walk(table, "name", 5, {"group": "x"}) == []
    assert [r.id for r in table.where(group="y")] == ["1"]


def test_soft_delete_leaves_indexes_but_keeps_name_lookup() -> None:
    table = Table(SPEC)
    thing = Thing(id="1", name="gone", amount=Decimal(1), day="2026-01-01", group="x")
    table.insert(thing)
    table.delete(thing, soft=True)
    assert table.get("1") is None
    assert table.lookup("1") is thing
    assert walk(table, "name", 5) == []


def test_contains_filter_is_case_insensitive() -> None:
    table = Table(SPEC)
    for i, name in enumerate(["Papelaria Horizonte", "HORIZONTE Ltda", "Outra"]):
        table.insert(Thing(id=str(i), name=name, amount=Decimal(0), day="d", group="x"))
    assert sorted(walk(table, "name", 10, {"name": "horizonte"})) == ["0", "1"]


@pytest.mark.parametrize("raw", [[2, "x"], "x", [0], [0, {"a": 1}], None])
def test_bad_cursor_keys_are_refused(raw: object) -> None:
    with pytest.raises(ValueError):
        key_from_json(raw, "text")


def test_page_cost_does_not_scan_the_table() -> None:
    """A page deep in a large table touches about `limit` entries, not the table."""
    table = Table(SPEC)
    rows = make(20_000, random.Random(1))
    for r in rows:
        table.insert(r)
    calls = 0
    original = table.rows

    class Counting(dict):
        def __getitem__(self, key: str) -> Thing:
            nonlocal calls
            calls += 1
            return original[key]

    table.rows = Counting(original)
    middle = sorted(rows, key=lambda r: (*sort_key(r.name, "ci"), r.id))[10_000]
    after = Position(key=list(sort_key(middle.name, "ci")), id=middle.id)
    page, _ = table.page("name", {}, Position(table.decode_key("name", after.key), after.id), 25)
    assert len(page) == 25
    assert calls <= 26


# -- the lean indexes: same order, same pages, same lookups as the plain ones ----------------

LEAN = TableSpec(
    resource="lean",
    sorts={"day": "date", "created_at": "text", "amount": "decimal"},
    default_sort="created_at",
    filters={"group": Filter("group"), "kind": Filter("kind", indexed=False),
             "day": Filter("day"), "ref": Filter("ref")},
)


@dataclass(slots=True)
class Lean:
    id: str
    day: str | None
    created_at: str
    amount: Decimal | None
    group: str
    kind: str
    ref: str | None


def _lean(i: int, rng: random.Random, clock: list[int]) -> Lean:
    # created_at mostly grows, with ties and the odd step back, as a real clock can.
    clock[0] += rng.choice([0, 0, 1, 1, 1, -1])
    return Lean(id=f"{rng.randrange(10**6):06d}-{i:04d}", day=rng.choice(
                    [None, "2026-01-01", "2026-01-02", "2026-01-03"]),
                created_at=f"2026-01-01T00:00:{max(clock[0], 0):02d}.000000Z",
                amount=rng.choice([None, *map(Decimal, range(4))]),
                group=rng.choice(["x", "y"] + ["z"] * 80),
                kind=rng.choice(["debit", "credit"]), ref=rng.choice([None, "r1", "r2"]))


def _lean_expected(rows: list[Lean], sort: str, flt: dict[str, object]) -> list[str]:
    name = sort.lstrip("-")
    chosen = [r for r in rows if all(getattr(r, k) == v for k, v in flt.items())]
    ordered = sorted(chosen, key=lambda r: (*sort_key(getattr(r, name), LEAN.sorts[name]),
                                            r.id), reverse=sort.startswith("-"))
    return [r.id for r in ordered]


# RULE G-4
@settings(max_examples=60, deadline=None)
@given(n=st.integers(0, 140), limit=st.integers(1, 9), seed=st.integers(0, 10**6),
       sort=st.sampled_from(["day", "-day", "created_at", "-created_at", "amount"]),
       flt=st.sampled_from([{}, {"group": "x"}, {"group": "z"}, {"kind": "debit"},
                            {"day": "2026-01-02"}, {"ref": "r1", "kind": "credit"}]))
def test_lean_indexes_page_exactly_through_inserts_updates_and_deletes(
        n: int, limit: int, seed: int, sort: str, flt: dict[str, object]) -> None:
    rng, clock = random.Random(seed), [0]
    table = Table(LEAN)
    live: dict[str, Lean] = {}
    for i in range(n):
        row = _lean(i, rng, clock)
        table.insert(row)
        live[row.id] = row
        if live and rng.random() < 0.2:  # delete one
            doomed = live.pop(rng.choice(sorted(live)))
            table.delete(doomed)
        if live and rng.random() < 0.3:  # change every indexed field of one
            target = live[rng.choice(sorted(live))]
            other = _lean(i, rng, [clock[0]])
            table.update(target, {"day": other.day, "group": other.group, "kind": other.kind,
                                  "ref": other.ref, "amount": other.amount})
    rows = list(live.values())
    assert walk(table, sort, limit, flt) == _lean_expected(rows, sort, flt)
    for attr in ("group", "kind", "day", "ref"):
        for value in (None, "x", "z", "debit", "2026-01-01", "r2", "nope"):
            assert sorted(r.id for r in table.where(**{attr: value})) == sorted(
                r.id for r in rows if getattr(r, attr) == value)
            assert table.count(**{attr: value}) == sum(getattr(r, attr) == value for r in rows)


@settings(max_examples=80, deadline=None)
@given(seed=st.integers(0, 10**6), n=st.integers(0, 60), repeat=st.booleans(),
       name=st.sampled_from(["day", "created_at"]))
def test_lean_indexes_read_like_a_sorted_list(seed: int, n: int, repeat: bool,
                                              name: str) -> None:
    """Entry for entry — both directions, from any bound, inclusive or not (the
    `page_repeats_row` fault reads inclusively)."""
    from sortedcontainers import SortedList

    from mock.store import GroupedOrder, InsertionOrder

    rng, clock = random.Random(seed), [0]
    table = Table(LEAN)
    lean = table._sorted[name]
    assert isinstance(lean, GroupedOrder if name == "day" else InsertionOrder)
    plain = SortedList()
    rows = [_lean(i, rng, clock) for i in range(n)]
    for row in rows:
        table.insert(row)
        plain.add(table._entry(row, name))
    for row in rows[::3]:
        table.delete(row)
        plain.discard(table._entry(row, name))
    assert list(lean) == list(plain)
    assert list(reversed(lean)) == list(reversed(plain))
    probes = [*plain, (0, "2026-01-02", "5"), (1, "", "0"), (0, "", ""), (1, "", "~")]
    for start in probes:
        assert list(lean.irange(minimum=start, inclusive=(repeat, True))) == list(
            plain.irange(minimum=start, inclusive=(repeat, True)))
        assert list(lean.irange(maximum=start, inclusive=(True, repeat), reverse=True)) == list(
            plain.irange(maximum=start, inclusive=(True, repeat), reverse=True))


def test_an_unindexed_filter_keeps_no_index_and_a_lone_id_no_set() -> None:
    table = Table(LEAN)
    rng, clock = random.Random(3), [0]
    rows = [_lean(i, rng, clock) for i in range(300)]
    for row in rows:
        table.insert(row)
    assert "kind" not in table._eq
    assert None not in table._eq["ref"]
    assert all(type(ids) is str or len(ids) > 1 for ids in table._eq["ref"].values())
    # A filter on the unindexed field still pages exactly (it walks and skips).
    assert walk(table, "-created_at", 7, {"kind": "credit"}) == _lean_expected(
        rows, "-created_at", {"kind": "credit"})


def _fingerprint(table: Table) -> tuple[object, ...]:
    """Each sort index's entries in order and each equality group's ids. (A group's shape may
    differ: one that grew large and shrank again stays a SortedList row by row, but is a set
    after a bulk load; both read alike.)"""
    orders = {name: list(index) for name, index in table._sorted.items()}
    groups = {attr: {value: sorted(_ids(index, value)) for value in index}
              for attr, index in table._eq.items()}
    assert all(type(ids) is SortedList for index in table._eq.values()
               for ids in index.values() if type(ids) is not str and len(ids) > _BIG_GROUP)
    return orders, groups


@settings(max_examples=60, deadline=None)
@given(before=st.integers(0, 120), n=st.integers(0, 120), seed=st.integers(0, 10**6),
       peek=st.integers(0, 120))
def test_a_bulk_load_ends_with_the_indexes_row_by_row_writes_keep(before: int, n: int, seed: int,
                                                                   peek: int) -> None:
    """Inserts, updates and deletes inside `bulk()` — of rows from before it and of its own,
    with a page read part-way, which sees the rows so far — leave the same sort orders and
    equality groups as the same writes outside: whether the bulk load's rows are few next to
    the table's (added one by one) or many (the indexes built anew)."""
    tables = Table(LEAN), Table(LEAN)
    for bulk, table in zip((True, False), tables, strict=True):
        rng, clock = random.Random(seed), [0]
        live: dict[str, Lean] = {}
        for i in range(before):
            row = _lean(i, rng, clock)
            table.insert(row)
            live[row.id] = row
        with table.bulk() if bulk else contextlib.nullcontext():
            for i in range(before, before + n):
                row = _lean(i, rng, clock)
                table.insert(row)
                live[row.id] = row
                if rng.random() < 0.2:
                    table.delete(live.pop(rng.choice(sorted(live))))
                if live and rng.random() < 0.3:
                    other = _lean(i, rng, [clock[0]])
                    table.update(live[rng.choice(sorted(live))],
                                 {"day": other.day, "group": other.group, "amount": other.amount})
                if i == before + peek:
                    assert walk(table, "-day", 7) == _lean_expected(list(live.values()), "-day", {})
        assert walk(table, "amount", 9) == _lean_expected(list(live.values()), "amount", {})
    assert _fingerprint(tables[0]) == _fingerprint(tables[1])


def test_a_large_bulk_load_into_a_sorted_group_sorts_it_once_and_a_small_one_inserts() -> None:
    """A group sorted before a bulk load is a set while the load inserts as many rows as a
    `BULK_REBUILD_SHARE`th of it (then sorted once, at the end); a load of fewer rows inserts
    each where it goes. Either way the table ends as row-by-row writes leave it."""
    for extra, becomes_set in ((400, True), (3, False)):
        tables = Table(LEAN), Table(LEAN)
        for bulk, table in zip((True, False), tables, strict=True):
            rng, clock = random.Random(5), [0]
            for i in range(400):
                table.insert(replace(_lean(i, rng, clock), group="z"))
            assert type(table._eq["group"]["z"]) is SortedList
            shapes = set()
            with table.bulk() if bulk else contextlib.nullcontext():
                for i in range(400, 400 + extra):
                    table.insert(replace(_lean(i, rng, clock), group="z"))
                    shapes.add(type(table._eq["group"]["z"]))
            if bulk:
                assert (set in shapes) is becomes_set
            assert type(table._eq["group"]["z"]) is SortedList
        assert _fingerprint(tables[0]) == _fingerprint(tables[1])


# -- bounded pages: no filter combination examines more than PAGE_SCAN_BUDGET rows a page ------

TAGS = TableSpec(resource="tags", indexes=("tag", "row_id"))
BOUNDED = TableSpec(
    resource="bounded",
    sorts={"day": "date", "created_at": "text", "amount": "decimal", "name": "ci"},
    default_sort="created_at",
    filters={"group": Filter("group"), "kind": Filter("kind", indexed=False),
             "day": Filter("day"), "amount": Filter("amount"), "name": Filter("name", "contains"),
             "tagged": Filter("id", "join", join=Join("tags", match="tag", select="row_id",
                                                      fixed=(("live", True),)))},
)


@dataclass(slots=True)
class Tag:
    id: str
    row_id: str
    tag: str
    live: bool


@dataclass(slots=True)
class Bounded:
    id: str
    day: str | None
    created_at: str
    amount: Decimal
    name: str | None
    group: str
    kind: str


def _bounded(n: int, seed: int) -> tuple[Table, list[Bounded], list[Tag]]:
    rng = random.Random(seed)
    tables: dict[str, Table] = {}
    table = tables["bounded"] = Table(BOUNDED, tables)
    tags = tables["tags"] = Table(TAGS, tables)
    rows = []
    for i in range(n):
        row = Bounded(id=f"{rng.randrange(10**6):06d}-{i:04d}",
                      day=rng.choice([None, "2026-01-01", "2026-01-02", "2026-01-03"]),
                      created_at=f"2026-01-01T00:00:{i // 3:02d}.000000Z",
                      amount=Decimal(rng.randint(0, 3)),
                      name=rng.choice([None, "Papelaria", "papel", "Outra"]),
                      group=rng.choice(["x"] * 30 + ["y"] * 3 + ["z"]),
                      kind=rng.choice(["debit", "credit"]))
        table.insert(row)
        rows.append(row)
        for t in range(rng.choice([0, 0, 1, 2])):
            tags.insert(Tag(id=f"{row.id}:{t}", row_id=row.id,
                            tag=rng.choice(["common"] * 8 + ["rare"]), live=rng.random() < 0.8))
    return table, rows, list(tags)


def _bounded_expected(rows: list[Bounded], tags: list[Tag], sort: str,
                      flt: dict[str, Any]) -> list[str]:
    def passes(row: Bounded) -> bool:
        for param, value in flt.items():
            if param == "name":
                if value.casefold() not in (row.name or "").casefold():
                    return False
            elif param == "tagged":
                if not any(t.row_id == row.id and t.tag == value and t.live for t in tags):
                    return False
            elif getattr(row, param) != value:
                return False
        return True

    name = sort.lstrip("-")
    ordered = sorted((r for r in rows if passes(r)),
                     key=lambda r: (*sort_key(getattr(r, name), BOUNDED.sorts[name]), r.id),
                     reverse=sort.startswith("-"))
    return [r.id for r in ordered]


FILTERS: list[dict[str, Any]] = [
    {}, {"group": "x"}, {"group": "z"}, {"group": "nope"}, {"kind": "credit"},
    {"group": "z", "kind": "debit"}, {"day": "2026-01-02"}, {"day": "2026-01-02", "group": "y"},
    {"amount": Decimal(2)}, {"amount": Decimal(2), "kind": "credit", "group": "x"},
    {"name": "PAPEL"}, {"name": "zzz"}, {"name": "papel", "day": "2026-01-03"},
    {"tagged": "common"}, {"tagged": "rare"}, {"tagged": "rare", "group": "x"},
    {"tagged": "common", "kind": "debit", "name": "o"}, {"tagged": "none"},
]


# RULE G-4
@settings(max_examples=120, deadline=None)
@given(n=st.integers(0, 120), limit=st.integers(1, 9), seed=st.integers(0, 10**6),
       budget=st.integers(2, 12), flt=st.sampled_from(FILTERS),
       sort=st.sampled_from(["day", "-day", "created_at", "-created_at", "amount", "-amount",
                             "name", "-name"]))
def test_bounded_pages_walk_every_match_once_in_order(n: int, limit: int, seed: int,
                                                      budget: int, flt: dict[str, Any],
                                                      sort: str) -> None:
    """With a budget smaller than the table, pages come short or empty, yet the walk returns
    every matching row exactly once, in order — through each way a page reads: the same-key
    group, ranked candidates, the sort index, and a join by ids or by each row's links."""
    table, rows, tags = _bounded(n, seed)
    with mock.patch("mock.store.PAGE_SCAN_BUDGET", budget):
        assert walk(table, sort, limit, flt) == _bounded_expected(rows, tags, sort, flt)


def _looked_up(table: Table) -> set[str]:
    """The ids of the rows the table reads from now on (a sort index may read a row too)."""
    ids: set[str] = set()
    original = table.rows

    class Counting(dict[str, Any]):
        def __getitem__(self, key: str) -> Any:
            ids.add(key)
            return original[key]

    table.rows = Counting(original)
    return ids


@pytest.mark.parametrize("flt", [{"group": "x", "kind": "nope"}, {"name": "zzz"},
                                 {"tagged": "common", "name": "zzz"},
                                 {"day": "2026-01-02", "name": "zzz"}])
@pytest.mark.parametrize("sort", ["-created_at", "amount", "day", "-name"])
def test_a_page_matching_nothing_examines_at_most_the_budget(flt: dict[str, Any],
                                                             sort: str) -> None:
    table, _, _ = _bounded(6 * PAGE_SCAN_BUDGET, 1)
    examined = _looked_up(table)
    page, after = table.page(sort, flt, None, 25)
    assert page == []
    assert after is not None, "the rest of the table is still to be walked"
    assert len(examined) <= PAGE_SCAN_BUDGET


def test_a_filter_on_the_sort_field_pages_its_group_in_order() -> None:
    """`day=…` sorted by day reads that day's group (a SortedList past 64 rows) from the
    cursor on, not the sort index: full pages, a handful of lookups each."""
    table, rows, tags = _bounded(3000, 2)
    want = _bounded_expected(rows, tags, "-day", {"day": "2026-01-02"})
    assert len(want) > 500
    # A walk of the day index from the top would first pass ~750 rows of 2026-01-03.
    with mock.patch("mock.store.PAGE_SCAN_BUDGET", 30):
        assert walk(table, "-day", 25, {"day": "2026-01-02"}) == want
        assert walk(table, "day", 25, {"day": "2026-01-02"}) == want[::-1]
        # A position on another key (none this filter issues): before it, all; after, none.
        for sort, key, rows_left in (("day", "2026-01-01", want[::-1]), ("day", "2026-01-03", []),
                                     ("-day", "2026-01-03", want), ("-day", "2026-01-01", [])):
            page, _ = table.page(sort, {"day": "2026-01-02"}, Position((0, key), ""), 5)
            assert [r.id for r in page] == rows_left[:5]
        examined = _looked_up(table)
        page, _ = table.page("-day", {"day": "2026-01-02"}, None, 25)
    assert len(page) == 25 and len(examined) <= 26
    table, rows, tags = _bounded(100, 3)  # groups of ~25: sets, not SortedLists
    for sort in ("day", "-day"):
        assert walk(table, sort, 3, {"day": "2026-01-02"}) == _bounded_expected(
            rows, tags, sort, {"day": "2026-01-02"})


# RULE G-4
@settings(max_examples=60, deadline=None)
@given(seed=st.integers(0, 10**6), budget=st.integers(2, 8), limit=st.integers(1, 5),
       flt=st.sampled_from([{"group": "x"}, {"kind": "credit"}, {"name": "papel"},
                            {"tagged": "common"}]))
def test_short_pages_never_skip_or_repeat_through_inserts_and_deletes(
        seed: int, budget: int, limit: int, flt: dict[str, Any]) -> None:
    table, rows, tags = _bounded(60, seed)
    rng = random.Random(seed)
    survivors = set(_bounded_expected(rows[::2], tags, "amount", flt))
    doomed = rows[1::2]
    seen: list[str] = []
    after: Position | None = None
    with mock.patch("mock.store.PAGE_SCAN_BUDGET", budget):
        for i in range(500):
            page, after = table.page("amount", flt, after, limit)
            seen.extend(r.id for r in page)
            if doomed:
                table.delete(doomed.pop(rng.randrange(len(doomed))))
            table.insert(Bounded(id=f"new-{i:04d}", day="2026-01-01", created_at="2026-01-02",
                                 amount=Decimal(rng.randint(0, 3)), name="papel", group="x",
                                 kind="credit"))
            if after is None:
                break
            after = Position(key=table.decode_key("amount", after.key), id=after.id)
    assert after is None
    assert len(seen) == len(set(seen)), "a row was returned twice"
    assert survivors <= set(seen), "a row that matched throughout was skipped"


def test_a_nested_bulk_load_is_the_outer_one() -> None:
    table = Table(LEAN)
    rng, clock = random.Random(4), [0]
    rows = [_lean(i, rng, clock) for i in range(30)]
    with table.bulk():
        with table.bulk():
            for row in rows:
                table.insert(row)
        assert len(table._pending) == len(rows), "still pending: the outer load goes on"
    assert walk(table, "-created_at", 7) == _lean_expected(rows, "-created_at", {})


def test_two_filters_on_one_attribute_must_both_hold() -> None:
    spec = TableSpec(resource="twice", sorts={"name": "ci"},
                     filters={"a": Filter("group"), "b": Filter("group")})
    table = Table(spec)
    for i, group in enumerate("xxy"):
        table.insert(Thing(id=str(i), name="n", amount=Decimal(0), day="d", group=group))
    assert walk(table, "name", 5, {"a": "x", "b": "y"}) == []
    assert walk(table, "name", 5, {"a": "x", "b": "x"}) == ["0", "1"]


# --- TenantStore.view: a row's answer, kept until the next change ---------------------------

def _demo_tenant() -> Any:
    from fixtures import seed, tokens
    from mock import seeding
    from mock.app import new_store

    store = new_store()
    ts = store.tenant(tokens.TENANT_A)
    seeding.apply(ts, seed.demo_dataset(tokens.TENANT_A))
    return store, ts


def test_a_row_view_is_built_once_while_nothing_changes() -> None:
    from mock.domain import transactions

    _, ts = _demo_tenant()
    row = next(iter(ts["transactions"]))
    made: list[bool] = []

    def make(tenant: Any, shown: Any, *, detail: bool) -> dict[str, Any]:
        made.append(detail)
        return transactions.view(tenant, shown, detail=detail)

    first = ts.view("transactions", row, False, make)
    assert ts.view("transactions", row, False, make) is first
    assert first == transactions.view(ts, row, detail=False)
    ts.view("transactions", row, True, make)  # the detail view is a view of its own
    assert made == [False, True]


def test_a_write_anywhere_shows_in_the_next_view() -> None:
    """A transaction's view names its person: renaming the person (another table) shows."""
    from mock.domain import people, transactions

    _, ts = _demo_tenant()
    row = next(t for t in ts["transactions"] if t.person_id is not None)
    before = ts.view("transactions", row, False, transactions.view)
    person = ts["people"].get(row.person_id)
    people.update(ts, person, {"name": "Nome Novo Ltda"})
    after = ts.view("transactions", row, False, transactions.view)
    assert before["person_name"] != "Nome Novo Ltda"
    assert after["person_name"] == "Nome Novo Ltda"
    assert after == transactions.view(ts, row, detail=False)


def test_another_tenants_writes_leave_a_view_kept_and_the_tenants_own_do_not() -> None:
    from fixtures import seed, tokens
    from mock import seeding
    from mock.domain import people, transactions

    store, ts = _demo_tenant()
    other = store.tenant(tokens.TENANT_B)
    seeding.apply(other, seed.demo_dataset(tokens.TENANT_B))
    row = next(iter(ts["transactions"]))
    kept = ts.view("transactions", row, False, transactions.view)
    people.update(other, next(iter(other["people"])), {"name": "Outro Nome Ltda"})
    assert ts.view("transactions", row, False, transactions.view) is kept
    people.update(ts, next(iter(ts["people"])), {"name": "Nome Novo Ltda"})
    assert ts.view("transactions", row, False, transactions.view) is not kept


def test_views_are_not_kept_across_a_reset_and_are_bounded() -> None:
    from mock.domain import transactions
    from mock.store import VIEW_CACHE_ROWS

    store, ts = _demo_tenant()
    rows = list(ts["transactions"])
    for row in rows:
        ts.view("transactions", row, False, transactions.view)
    assert 0 < len(ts._views) <= min(len(rows), VIEW_CACHE_ROWS)
    version, kept = store.changes.version, ts.view("transactions", rows[0], False,
                                                    transactions.view)
    store.reset()  # counted with or without a journal: a view kept before is not current
    assert store.changes.version == version + 1
    assert ts.view("transactions", rows[0], False, transactions.view) is not kept
    with mock.patch("mock.store.VIEW_CACHE_ROWS", 3):
        for row in rows[:5]:
            ts.view("transactions", row, True, transactions.view)
        assert len(ts._views) <= 3


def _signed(row: Lean) -> Decimal:
    """A term that reads attributes other than the sum's own `by` (as a balance does)."""
    amount = row.amount or Decimal(0)
    return amount if row.kind == "credit" else -amount


TOTALLED = replace(LEAN, totals={"net": Total("group", _signed)})


@settings(max_examples=60, deadline=None)
@given(n=st.integers(0, 120), seed=st.integers(0, 10**6), bulk=st.booleans())
def test_a_running_total_equals_the_sum_of_its_groups_rows_through_every_write(
        n: int, seed: int, bulk: bool) -> None:
    rng, clock = random.Random(seed), [0]
    table = Table(TOTALLED)
    live: dict[str, Lean] = {}
    with table.bulk() if bulk else contextlib.nullcontext():
        for i in range(n):
            row = _lean(i, rng, clock)
            table.insert(row)
            live[row.id] = row
            if live and rng.random() < 0.2:
                table.delete(live.pop(rng.choice(sorted(live))), soft=rng.random() < 0.5)
            if live and rng.random() < 0.4:  # moved to another group, or its term changed
                target = live[rng.choice(sorted(live))]
                other = _lean(i, rng, [clock[0]])
                table.update(target, rng.choice([{"group": other.group}, {"kind": other.kind},
                                                 {"amount": other.amount}, {"day": other.day}]))
    for group in ("x", "y", "z", "never"):
        assert table.total("net", group) == sum(
            (_signed(r) for r in live.values() if r.group == group), Decimal(0))
