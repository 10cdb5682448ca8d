"""The store's tables and keyset pages (RULE G-4), without HTTP."""

from __future__ import annotations

import contextlib
import random
from dataclasses import dataclass
from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from mock.pagination import Position
from mock.store import Filter, Table, TableSpec, key_from_json, sort_key

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


def walk(table: Table, sort: str, limit: int, filters: dict[str, str] | None = None
         ) -> list[str]:
    seen: list[str] = []
    after: Position | None = None
    while True:
        rows, after = table.page(sort, filters or {}, after, limit)
        seen.extend(r.id for r in rows)
        if after is None:
            return seen
        assert len(seen) <= len(table), "the walk goes round in circles"
        # As over HTTP: the position goes through the cursor's JSON form and back.
        after = Position(key=table.decode_key(sort, after.key), id=after.id)


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
    amount: Decimal
    group: str
    kind: str
    ref: str | None


def _lean(i: int, rng: random.Random, clock: list[int]) -> Lean:
    # created_at mostly grows, with ties and the odd step back, as a real clock can.
    clock[0] += rng.choice([0, 0, 1, 1, 1, -1])
    return Lean(id=f"{rng.randrange(10**6):06d}-{i:04d}", day=rng.choice(
                    [None, "2026-01-01", "2026-01-02", "2026-01-03"]),
                created_at=f"2026-01-01T00:00:{max(clock[0], 0):02d}.000000Z",
                amount=Decimal(rng.randint(0, 3)), group=rng.choice(["x", "y"] + ["z"] * 80),
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
    assert walk(table, sort, limit, flt) == _lean_expected(rows, sort, flt)  # type: ignore[arg-type]
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
    orders = {name: list(index) for name, index in table._sorted.items()}
    groups = {attr: {value: (type(ids).__name__, sorted(ids) if type(ids) is not str else ids)
                     for value, ids in index.items()}
              for attr, index in table._eq.items()}
    return orders, groups


@settings(max_examples=40, deadline=None)
@given(n=st.integers(0, 160), seed=st.integers(0, 10**6), peek=st.integers(0, 160))
def test_a_bulk_load_ends_with_the_indexes_row_by_row_writes_keep(n: int, seed: int,
                                                                   peek: int) -> None:
    """Inserts, updates and deletes inside `bulk()` — with a page read part-way, which sees the
    rows so far — leave the same sort orders and equality groups as the same writes outside."""
    tables = Table(LEAN), Table(LEAN)
    for bulk, table in zip((True, False), tables, strict=True):
        rng, clock = random.Random(seed), [0]
        live: dict[str, Lean] = {}
        with table.bulk() if bulk else contextlib.nullcontext():
            for i in range(n):
                row = _lean(i, rng, clock)
                table.insert(row)
                live[row.id] = row
                if rng.random() < 0.2:
                    table.delete(live.pop(rng.choice(sorted(live))))
                if live and rng.random() < 0.3:
                    other = _lean(i, rng, [clock[0]])
                    table.update(live[rng.choice(sorted(live))],
                                 {"day": other.day, "group": other.group, "amount": other.amount})
                if i == peek:
                    assert walk(table, "-day", 7) == _lean_expected(list(live.values()), "-day", {})
    assert _fingerprint(tables[0]) == _fingerprint(tables[1])
