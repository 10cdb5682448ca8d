"""The store's tables and keyset pages (RULE G-4), without HTTP."""

from __future__ import annotations

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

    class Counting(dict):  # type: ignore[type-arg]
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
