"""RULE G-4, the checks: a list walk under a concurrent writer, and cursor misuse.

`check_walk` walks one list of a `Scope` with a sort and a limit while a `Writer` thread
creates, updates and deletes *other* rows of the same list between (or during) page fetches,
then asserts: every row that existed throughout appears exactly once, in the declared order
(ties broken by id); a row created or deleted meanwhile appears at most once; no row outside
the filter appears. `check_cursor_misuse` asserts that a cursor reused with another sort or
filter, tampered with, or taken from another tenant is refused with 400.
"""

from __future__ import annotations

import itertools
import queue
import threading
import uuid
from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any, Literal

from property_tests.apispec import Kind, contract, sort_value
from property_tests.client import JSON, Api, forked
from property_tests.rows import Scope, token

OpKind = Literal["create", "update", "delete"]
# Sort fields no write can change: a walk of existing rows on them must be exact even while
# others use the target (production), so the read-only walk checks them strictly.
IMMUTABLE_SORTS = frozenset({"created_at", "uploaded_at", "cnpj", "level", "size", "file_name"})


@dataclass(frozen=True)
class Op:
    """One write of the concurrent writer: `kind` with the `tie`-th sort values, on the
    `pick`-th of its live rows (update, delete)."""

    kind: OpKind
    tie: int = 0
    pick: int = 0


@dataclass(frozen=True)
class Plan:
    """How one walk goes: the page size, the writer's rows made before the walk (`pool`, by
    tie), its writes after each page (`gaps`), and whether the walker waits for them."""

    limit: int
    pool: tuple[int, ...] = ()
    gaps: tuple[tuple[Op, ...], ...] = ()
    overlap: bool = False


class Writer:
    """A thread that writes other rows of the walked list while the walk goes on."""

    def __init__(self, scope: Scope, resource: str, pool: Iterable[str], plan: Plan) -> None:
        self.scope = scope
        self.resource = resource
        self.plan = plan
        self.live: list[str] = list(pool)
        self.created: list[str] = []
        self.updated: set[str] = set()
        self.deleted: set[str] = set()
        self.errors: list[BaseException] = []
        self._gaps: queue.Queue[int | None] = queue.Queue()
        self._done: dict[int, threading.Event] = {}
        self._thread = threading.Thread(target=self._run, name=f"writer-{resource}", daemon=True)

    def __enter__(self) -> Writer:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._gaps.put(None)
        self._thread.join(timeout=60)

    def after_page(self, number: int) -> None:
        """Called by the walker after page `number`: run the writes planned for that gap."""
        if number >= len(self.plan.gaps):
            return
        done = self._done[number] = threading.Event()
        self._gaps.put(number)
        if not self.plan.overlap:
            done.wait(timeout=60)

    def _run(self) -> None:
        with forked(self.scope.api) as api:
            while (number := self._gaps.get()) is not None:
                try:
                    for op in self.plan.gaps[number]:
                        self._apply(api, op)
                except BaseException as exc:  # reported by the walker, never lost in a thread
                    self.errors.append(exc)
                finally:
                    self._done[number].set()

    def _apply(self, api: Api, op: Op) -> None:
        update = self.scope.update_body(self.resource, op.tie)
        if op.kind == "create" or not self.live or (op.kind == "update" and update is None):
            row = self.scope.make(self.resource, op.tie, api=api)
            self.live.append(str(row["id"]))
            self.created.append(str(row["id"]))
            return
        row_id = self.live[op.pick % len(self.live)]
        if op.kind == "update":
            response = api.patch(self.resource, row_id, update or {})
            if response.status_code != 200:
                raise AssertionError(f"writer: PATCH /{self.resource}/{row_id} {update}: "
                                     f"{response.status_code} {response.text[:300]}")
            self.updated.add(row_id)
            self.scope.track(self.resource, response.json())
            return
        status = self.scope.remove(self.resource, row_id, api=api)
        if status != 204:
            raise AssertionError(f"writer: DELETE /{self.resource}/{row_id}: {status}")
        self.live.remove(row_id)
        self.deleted.add(row_id)


def order_problem(rows: list[JSON], sort: str, kind: Kind) -> str | None:
    """Why `rows` are not in `sort` order (ties broken by id, nulls last ascending), or None.

    Ascending ties go by ascending id; descending ties may go either way, but one way.
    """
    descending = sort.startswith("-")
    name = sort.lstrip("-")
    tie_direction: int | None = None if descending else 1
    for before, after in itertools.pairwise(rows):
        k1, k2 = sort_value(before.get(name), kind), sort_value(after.get(name), kind)
        id1, id2 = str(before["id"]), str(after["id"])
        if k1 == k2:
            step = 1 if id1 < id2 else -1
            tie_direction = step if tie_direction is None else tie_direction
            if id1 == id2 or step != tie_direction:
                return (f"tie on {name}={before.get(name)!r}: id {id1} before {id2} is not "
                        "ordered by id")
        elif (k1 > k2) != descending:
            return (f"{name}={before.get(name)!r} (id {id1}) comes before "
                    f"{name}={after.get(name)!r} (id {id2}) in sort {sort!r}")
    return None


@dataclass
class WalkReport:
    """What one walk under a writer saw, for the assertion messages."""

    resource: str
    sort: str
    plan: Plan
    pages: list[list[str]] = field(default_factory=list)

    def where(self, row_id: str) -> list[int]:
        return [n + 1 for n, page in enumerate(self.pages) if row_id in page]


def check_walk(scope: Scope, resource: str, sort: str, plan: Plan) -> None:
    """RULE G-4 under a concurrent writer; raises AssertionError with what went wrong."""
    listing = contract().lists[resource]
    pool = [str(scope.make(resource, tie)["id"]) for tie in plan.pool]
    writer = Writer(scope, resource, pool, plan)
    try:
        before = scope.alive(resource)
        expected_rows = len(before) + sum(len(g) for g in plan.gaps)
        with writer:
            walk = scope.api.walk(resource, {**scope.filters(resource), "sort": sort},
                                  limit=plan.limit, max_pages=2 * expected_rows // plan.limit + 10,
                                  between=writer.after_page)
        if writer.errors:
            raise AssertionError(f"the concurrent writer failed: {writer.errors[0]}") \
                from writer.errors[0]
        report = WalkReport(resource, sort, plan,
                            [[str(r["id"]) for r in page] for page in walk.pages])
        counts = Counter(walk.ids)
        stable = set(before) - writer.updated - writer.deleted
        missing = sorted(stable - counts.keys())
        assert not missing, (f"{resource} sort={sort} limit={plan.limit}: {len(missing)} row(s) "
                             f"that existed throughout were skipped: {missing[:5]}")
        twice = {i: report.where(i) for i in stable if counts[i] > 1}
        assert not twice, (f"{resource} sort={sort} limit={plan.limit}: row(s) that existed "
                           f"throughout came more than once (pages): {twice}")
        once_at_most = (set(writer.created) | writer.deleted) - writer.updated
        repeated = {i: report.where(i) for i in once_at_most if counts[i] > 1}
        assert not repeated, (f"{resource} sort={sort}: row(s) created or deleted during the walk "
                              f"came more than once (pages): {repeated}")
        strangers = sorted(counts.keys() - set(before) - set(writer.created))
        assert not strangers, (f"{resource} {scope.filters(resource)}: row(s) outside the "
                               f"filter were listed: {strangers[:5]}")
        seen: set[str] = set()
        ordered = []
        for row in walk.rows:
            if str(row["id"]) in stable and str(row["id"]) not in seen:
                seen.add(str(row["id"]))
                ordered.append(row)
        problem = order_problem(ordered, sort, listing.kind(sort))
        assert problem is None, f"{resource} limit={plan.limit}: {problem}"
    finally:  # the writer's rows go, so the next walk starts from the same base
        alive = scope.alive(resource)
        for row_id in dict.fromkeys([*pool, *writer.created]):
            if row_id in alive:
                scope.remove(resource, row_id)


# -- cursor misuse -------------------------------------------------------------------------


def tampered(cursor: str) -> list[str]:
    """Edits of a cursor no sound implementation can read as the same position."""
    first = "B" if cursor[0] != "B" else "C"
    return [first + cursor[1:], cursor[: max(1, len(cursor) // 2)], cursor[::-1],
            "not-a-cursor"]


def _other_value(name: str, value: str) -> str:
    return str(uuid.uuid4()) if name.endswith("_id") else token()


def first_cursor(api: Api, resource: str, params: Mapping[str, Any]) -> str:
    """The `next_cursor` of the first page of one row (the list needs at least two rows)."""
    response = api.page(resource, {**params, "limit": 1})
    assert response.status_code == 200, f"GET /{resource} {params}: {response.status_code}"
    cursor = response.json().get("next_cursor")
    assert cursor, f"GET /{resource} {params} limit=1 over 2+ rows gave no next_cursor"
    return str(cursor)


def check_cursor_misuse(scope: Scope, foreign: Scope, resource: str, sort: str,
                        other_sort: str) -> None:
    """A cursor is bound to its sort, filters and tenant; tampered ones are refused (G-4, G-3)."""
    api = scope.api
    filters = scope.filters(resource)
    params = {**filters, "sort": sort}
    cursor = first_cursor(api, resource, params)
    control = api.page(resource, {**params, "limit": 1, "cursor": cursor})
    assert control.status_code == 200, (f"GET /{resource} with its own next_cursor: "
                                        f"{control.status_code} {control.text[:300]}")
    misuses: dict[str, dict[str, Any]] = {
        f"reused with sort={other_sort}": {**filters, "sort": other_sort, "cursor": cursor},
        "reused without the filter": {"sort": sort, "cursor": cursor},
        "reused with another filter value": {
            **{k: _other_value(k, v) for k, v in filters.items()}, "sort": sort,
            "cursor": cursor},
    }
    for n, bad in enumerate(tampered(cursor)):
        misuses[f"tampered ({n + 1}: {bad[:24]!r}…)"] = {**params, "cursor": bad}
    theirs = first_cursor(foreign.api, resource, {"sort": sort})
    misuses["another tenant's cursor"] = {"sort": sort, "cursor": theirs}
    theirs_filtered = first_cursor(foreign.api, resource, {**foreign.filters(resource),
                                                           "sort": sort})
    misuses["another tenant's cursor with its filter"] = {
        **foreign.filters(resource), "sort": sort, "cursor": theirs_filtered}
    accepted = {}
    for what, query in misuses.items():
        response = api.page(resource, {**query, "limit": 1})
        if response.status_code != 400:
            accepted[what] = response.status_code
    assert not accepted, f"GET /{resource}: misused cursors not refused with 400: {accepted}"


def check_existing_walk(api: Api, resource: str, sort: str, limit: int) -> None:
    """A GET-only walk of whatever the tenant holds (any mode, production included).

    Always: pages within the limit and a walk that ends. On sorts no write can change: no
    row twice and, for non-text keys, the declared order.
    """
    listing = contract().lists[resource]
    walk = api.walk(resource, {"sort": sort}, limit=limit, max_pages=2000)
    if sort.lstrip("-") not in IMMUTABLE_SORTS:
        return
    counts = Counter(walk.ids)
    twice = sorted(i for i, n in counts.items() if n > 1)
    assert not twice, f"{resource} sort={sort} limit={limit}: rows listed twice: {twice[:5]}"
    if listing.kind(sort) != "text":
        problem = order_problem(walk.rows, sort, listing.kind(sort))
        assert problem is None, f"{resource} limit={limit}: {problem}"
