"""In-process figures: page and GET latency against table size, the filtered pages' worst
case, memory per row, start-up time and the idempotency cache's memory.

- `measure_scale`: one tenant's transactions and another's payables grown together through
  1k, 10k, 100k, 1M rows (prefixes of one `large_dataset` each, applied by `mock.seeding` — the
  domain layer, as over HTTP — and frozen after each step as `/__mock/seed` does). At each size:
  the first list page, a deep page (a cursor at the middle of the table), a GET by id and the
  filtered pages of `FILTERED`, through the real app in-process (httpx's ASGI transport, no
  sockets), and the bare `Table.page` beside them; an account's detail view (its balance,
  ACC-2: the sum of every transaction of the account, which holds them all), built without
  the view cache; and the process's RSS growth per row.
  Beside them, two more tenants hold the smallest size for the whole run (the baseline), and
  each timing of the growing tables is taken in turns with the same timing of the baseline's,
  one call of each per turn: a size's ratio to the smallest is read against the baseline timed
  in those turns, not against the smallest size timed minutes earlier (a shared machine that
  slows between two sizes moved a constant-time read 1.8x that way).
  `worst_filtered` names the filtered page slowest at the largest size, beside the baseline's
  time for it; `steepest_filtered` the one whose time grew most.
- `measure_startup`: `python -m mock` (demo seed) to the first 200 on `/__mock/health`.
- `measure_idempotency`: `mock.idempotency.IdempotencyCache` driven directly with a fake clock:
  keyed entries arriving at a steady rate, expired entries evicted as the middleware does.

`python -m bench.scale {scale,idempotency,breakdown,phases}` runs one part in a fresh process (so
RSS and tracemalloc mean something) and prints or writes its JSON; `bench/__main__.py` calls it
that way.
"""

from __future__ import annotations

import argparse
import asyncio
import functools
import gc
import itertools
import json
import os
import random
import resource
import statistics
import subprocess
import sys
import time
import tracemalloc
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import asdict, dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

import httpx

from bench import short_path
from fixtures import seed, tokens
from fixtures.seed import SeedStep

if TYPE_CHECKING:
    from mock.store import TenantStore

K = TypeVar("K")

CHECKPOINTS: tuple[int, ...] = (1_000, 10_000, 100_000, 1_000_000)
SORT = "-occurred_at"  # the transactions' default sort
RESOURCE = "transactions"
PAYABLES = "payables"  # grown beside the transactions, in tenant B
# Which tables are timed: the growing ones, and the baseline's, which keep the smallest size.
GROWING, BASELINE = "growing", "baseline"
# Each side's tenant per resource (a large dataset's base rows are made once per tenant).
TENANTS: dict[str, dict[str, str]] = {
    GROWING: {RESOURCE: tokens.TENANT_A, PAYABLES: tokens.TENANT_B},
    BASELINE: {RESOURCE: "c0c0c0c0-0000-4000-8000-00000000000c",
               PAYABLES: "d0d0d0d0-0000-4000-8000-00000000000d"},
}
QUERY_BUDGET_S = 1.0  # per filtered page and size: at least MIN_SAMPLES, then until spent
MIN_SAMPLES = 3


@dataclass(frozen=True)
class FilterQuery:
    """A filtered list page: `query` names seeded values in braces (`Seeded`'s fields)."""

    resource: str
    query: str
    note: str

    @property
    def name(self) -> str:
        return f"{self.resource}?{self.query}"

    def path(self, seeded: Seeded) -> str:
        return f"/{self.resource}?limit=25&{self.query.format(**asdict(seeded))}"


# The filter combinations timed at every size: single filters of every density, and
# combinations matching nothing, which a store must not answer by walking the table. The spec
# filters dates by exact day (no range), so a day stands for the date range.
FILTERED: tuple[FilterQuery, ...] = (
    FilterQuery(RESOURCE, "type=credit&person_id={supplier}",
                "nothing: suppliers are on debits only"),
    FilterQuery(RESOURCE, "type=debit", "half of the rows"),
    FilterQuery(RESOURCE, "person_id={supplier}", "a tenth of the rows"),
    FilterQuery(RESOURCE, "occurred_at={day}", "one day of 365"),
    FilterQuery(RESOURCE, "category_id={credit_category}&person_id={supplier}",
                "nothing: two indexed filters that never meet"),
    FilterQuery(RESOURCE, "occurred_at={day}&type=credit&person_id={supplier}",
                "nothing, within one day's rows"),
    FilterQuery(PAYABLES, "person_id={supplier}", "a fifth of the rows"),
    FilterQuery(PAYABLES, "due_date={day}", "one day of 365"),
    FilterQuery(PAYABLES, "status=pending&person_id={supplier}&category_id={debit_category}",
                "a fifteenth of the rows, three filters"),
    FilterQuery(PAYABLES, "due_date={day}&competence_date={other_month}",
                "nothing: a day and another month's competence"),
    FilterQuery(PAYABLES, "person_id={customer}", "nothing: customers have no payables"),
)


@dataclass(frozen=True)
class Seeded:
    """Values a large dataset is known to hold (it is deterministic): read from its base
    steps and its first row, so they exist at every size."""

    supplier: str
    customer: str
    debit_category: str
    credit_category: str
    day: str
    other_month: str

    @classmethod
    def of(cls, tenant: str, resource: str) -> Seeded:
        people: dict[bool, str] = {}
        categories: dict[str, str] = {}
        for step in seed.large_dataset(tenant, 1, resource=resource):
            if step.resource == "people":
                people.setdefault(bool(step.body.get("is_customer")), step.id)
            elif step.resource == "categories":
                categories.setdefault(step.body["type"], step.id)
            elif step.resource == resource:
                day = str(step.body.get("occurred_at") or step.body["due_date"])
        month = date.fromisoformat(day).replace(day=1)
        other = (month - timedelta(days=1)).replace(day=1).isoformat()
        return cls(supplier=people[False], customer=people[True],
                   debit_category=categories["debit"], credit_category=categories["credit"],
                   day=day, other_month=other)


def rss_bytes() -> int:
    """Resident set size of this process (Linux `/proc/self/statm`)."""
    with open("/proc/self/statm") as handle:
        pages = int(handle.read().split()[1])
    return pages * resource.getpagesize()


def quantiles_ms(samples: Sequence[float], prefix: str = "") -> dict[str, float]:
    """p50 and p99 (nearest rank) of durations in seconds, in milliseconds (keys `p50_ms`,
    `p99_ms`, after `prefix`)."""
    ordered = sorted(samples)
    if not ordered:
        return {f"{prefix}p50_ms": 0.0, f"{prefix}p99_ms": 0.0}
    p99 = ordered[min(len(ordered) - 1, max(0, round(0.99 * len(ordered)) - 1))]
    # To the nanosecond: an account's balance takes ~2 µs, and its ratios are read.
    return {f"{prefix}p50_ms": round(statistics.median(ordered) * 1000, 6),
            f"{prefix}p99_ms": round(p99 * 1000, 6)}


def time_in_turns(calls: Mapping[K, Callable[[], Any]], samples: int,
                  warmup: int = 3) -> dict[K, dict[str, float]]:
    """p50/p99 of `samples` calls of each of `calls` after `warmup` untimed ones, timed in
    turns: one call of each per turn."""
    for call in calls.values():
        for _ in range(warmup):
            call()
    durations: dict[K, list[float]] = {key: [] for key in calls}
    for _ in range(samples):
        for key, call in calls.items():
            start = time.perf_counter()
            call()
            durations[key].append(time.perf_counter() - start)
    return {key: quantiles_ms(taken) for key, taken in durations.items()}


class _Reservoir:
    """A fixed-size uniform sample of the transaction ids seen while seeding (not all 1M)."""

    def __init__(self, size: int, rng: random.Random) -> None:
        self.size = size
        self.rng = rng
        self.seen = 0
        self.ids: list[str] = []

    def tap(self, steps: Iterable[SeedStep]) -> Iterator[SeedStep]:
        for step in steps:
            if step.resource == RESOURCE and step.action == "create":
                self.seen += 1
                if len(self.ids) < self.size:
                    self.ids.append(step.id)
                else:
                    slot = self.rng.randrange(self.seen)
                    if slot < self.size:
                        self.ids[slot] = step.id
            yield step


class _Timer:
    """Times GETs through the app in-process, each path with the token of its side's tenant
    for its resource."""

    def __init__(self, client: httpx.AsyncClient,
                 tokens_by_side: Mapping[str, Mapping[str, str]]) -> None:
        self.client = client
        self.headers = {(side, r): {"Authorization": f"Bearer {t}"}
                        for side, by_resource in tokens_by_side.items()
                        for r, t in by_resource.items()}

    async def get(self, path: str, side: str = GROWING) -> httpx.Response:
        resource = path.split("/")[1].split("?")[0]
        response = await self.client.get(path, headers=self.headers[side, resource])
        if response.status_code != 200:
            raise RuntimeError(f"{path}: {response.status_code} {response.text[:300]}")
        return response

    async def sample_all(self, paths: Mapping[tuple[str, str], str | Callable[[], str]],
                         samples: int, *, budget: float | None = None, warmup: int = 5
                         ) -> dict[tuple[str, str], dict[str, Any]]:
        """For each (side, name)'s path (or `paths()`, the next path each time): p50/p99 of
        `samples` GETs after `warmup` untimed ones; with a `budget` (seconds per path), fewer
        once it is spent (never under MIN_SAMPLES, and one warm-up when the first is slow): a
        page that walks a million rows must not stall the run. `n` is how many were timed,
        `rows` how many the page held, `continues` whether it had a next_cursor (a page may be
        short, even empty, and go on).

        The paths are timed in turns, one GET of each per turn, so a burst of other work on a
        shared machine falls on all of them alike rather than on whichever was being timed
        (timed one after another, eleven filtered pages of like cost read 0.27–0.75 ms at 1k
        rows in one run, and the worst of them made the worst ratio).

        Wall-clock (`p50_ms`, `p99_ms`) and this thread's CPU time (`cpu_p50_ms`,
        `cpu_p99_ms`: the app runs in it, on the client's event loop): the ratios between sizes
        are read in both."""
        next_path = {key: path if callable(path) else functools.partial(str, path)
                     for key, path in paths.items()}
        last: dict[tuple[str, str], httpx.Response] = {}
        for key, path in next_path.items():
            began = time.perf_counter()
            last[key] = await self.get(path(), key[0])
            for _ in range(warmup - 1):
                if budget is not None and time.perf_counter() - began > budget / 10:
                    break
                await self.get(path(), key[0])
        durations: dict[tuple[str, str], list[float]] = {key: [] for key in paths}
        cpu: dict[tuple[str, str], list[float]] = {key: [] for key in paths}
        spent = dict.fromkeys(paths, 0.0)

        def wants(key: tuple[str, str]) -> bool:
            return len(durations[key]) < samples and (
                budget is None or spent[key] < budget or len(durations[key]) < MIN_SAMPLES)

        while turn := [key for key in paths if wants(key)]:
            for key in turn:
                start, start_cpu = time.perf_counter(), time.thread_time()
                last[key] = await self.get(next_path[key](), key[0])
                cpu[key].append(time.thread_time() - start_cpu)
                durations[key].append(time.perf_counter() - start)
                spent[key] += durations[key][-1]
        out = {}
        for key, response in last.items():
            body = response.json()
            page = isinstance(body, dict) and "data" in body
            out[key] = {**quantiles_ms(durations[key]), **quantiles_ms(cpu[key], "cpu_"),
                        "n": len(durations[key]), "rows": len(body["data"]) if page else 1,
                        "continues": page and body.get("next_cursor") is not None}
        return out


@dataclass(frozen=True)
class _Probe:
    """What one side's timings address: transaction ids for the GETs, a cursor at the middle
    of its transactions (the deep page), the values its datasets hold (the filtered pages)."""

    ids: Sequence[str]
    deep_cursor: str
    seeded: Mapping[str, Seeded]


async def _http_timings(app: Any, timer_tokens: Mapping[str, Mapping[str, str]],
                        probes: Mapping[str, _Probe], samples: int
                        ) -> dict[str, tuple[dict[str, Any], dict[str, Any]]]:
    """Per side: the unfiltered pages and GET by id, then every `FILTERED` page (budgeted);
    each timed in turns with the same page of the other sides."""
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://bench/v1") as client:
        timer = _Timer(client, timer_tokens)
        plain_paths: dict[tuple[str, str], str | Callable[[], str]] = {}
        for side, probe in probes.items():
            plain_paths[side, "first_page"] = f"/{RESOURCE}?limit=25"
            plain_paths[side, "deep_page"] = f"/{RESOURCE}?limit=25&cursor={probe.deep_cursor}"
            plain_paths[side, "get_by_id"] = _cycling(f"/{RESOURCE}/{{}}", probe.ids)
        plain = await timer.sample_all(plain_paths, samples)
        filtered = await timer.sample_all(
            {(side, query.name): query.path(probe.seeded[query.resource])
             for query in FILTERED for side, probe in probes.items()}, samples,
            budget=QUERY_BUDGET_S, warmup=2)
    by_side = _by_side(plain), _by_side(filtered)
    return {side: (by_side[0][side], by_side[1][side]) for side in probes}


def _by_side(timed: Mapping[tuple[str, str], dict[str, Any]]) -> dict[str, dict[str, Any]]:
    """Timings keyed (side, name), as side -> name -> timing."""
    out: dict[str, dict[str, Any]] = {}
    for (side, name), timing in timed.items():
        out.setdefault(side, {})[name] = timing
    return out


async def _empty_app(scope: Any, receive: Any, send: Any) -> None:
    """An ASGI app that answers an empty page at once: what the client costs on its own."""
    await receive()
    await send({"type": "http.response.start", "status": 200,
                "headers": [(b"content-type", b"application/json")]})
    await send({"type": "http.response.body", "body": b'{"data":[],"next_cursor":null}'})


async def _client_cost(samples: int) -> dict[str, Any]:
    """`_Timer.sample_all` of a list page from `_empty_app`: the part of every HTTP figure that
    is httpx's in-process client and transport, not the mock (0.1–0.2 ms a request on a
    shared 2-core machine: measured at every size, not assumed)."""
    transport = httpx.ASGITransport(app=_empty_app)
    async with httpx.AsyncClient(transport=transport, base_url="http://bench/v1") as client:
        timer = _Timer(client, {GROWING: {RESOURCE: "none"}})
        timed = await timer.sample_all({(GROWING, "empty"): f"/{RESOURCE}?limit=25"}, samples)
    return timed[GROWING, "empty"]


def _cycling(template: str, values: Iterable[str]) -> Callable[[], str]:
    """`template` with the next of `values` each call, round and round."""
    cycle = itertools.cycle(values)
    return lambda: template.format(next(cycle))


async def _warm(app: Any, timer_tokens: Mapping[str, Mapping[str, str]]) -> None:
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://bench/v1") as client:
        timer = _Timer(client, timer_tokens)
        for path in (f"/{RESOURCE}?limit=25", f"/{RESOURCE}?limit=25&type=debit",
                     f"/{PAYABLES}?limit=25&status=pending"):
            await timer.get(path)


class _Grower:
    """One tenant's large dataset, applied in steps up to each size: seconds spent and RSS
    growth (after a collection) summed over the steps."""

    def __init__(self, ts: TenantStore, steps: Iterator[SeedStep]) -> None:
        from mock import seeding

        self.ts, self.steps, self.seeding = ts, steps, seeding
        self.rows = 0
        self.seconds = 0.0
        self.rss_growth = 0

    def base(self, count: int) -> None:
        self.seeding.apply(self.ts, itertools.islice(self.steps, count))

    def grow_to(self, rows: int) -> None:
        before = rss_bytes()
        start = time.perf_counter()
        self.seeding.apply(self.ts, itertools.islice(self.steps, rows - self.rows))
        self.seconds += time.perf_counter() - start
        self.rows = rows
        gc.collect()
        self.seeding.freeze()  # as /__mock/seed does after a seed
        self.rss_growth += rss_bytes() - before


def measure_scale(checkpoints: Sequence[int] = CHECKPOINTS, *, samples: int = 200,
                  log: Callable[[str], None] = print) -> dict[str, Any]:
    """Grow tenant A's transactions and tenant B's payables through `checkpoints`; time pages,
    GETs and the `FILTERED` pages at each size, in turns with the baseline's (the smallest
    size in two more tenants, seeded once the growing tables have reached it and their memory
    has been read)."""
    from mock.app import create_app, new_store

    store = new_store()
    app = create_app(store, admin=False)
    timer_tokens = {side: {r: tokens.mint_token(t, expires_in=24 * 3600)
                           for r, t in tenants.items()} for side, tenants in TENANTS.items()}
    seeded = {side: {r: Seeded.of(t, r) for r, t in tenants.items()}
              for side, tenants in TENANTS.items()}
    # Transaction ids for the GETs: a sample of what each side's seed made.
    reservoirs = {side: _Reservoir(1000, random.Random(12 + n)) for n, side in enumerate(TENANTS)}
    growers = {side: {r: _Grower(store.tenant(t), reservoirs[side].tap(
        seed.large_dataset(t, max(checkpoints), resource=r))) for r, t in tenants.items()}
        for side, tenants in TENANTS.items()}

    def base(side: str) -> None:  # a large dataset's company, account, categories, people
        for r, grower in growers[side].items():
            grower.base(sum(1 for _ in seed.large_dataset(TENANTS[side][r], 0, resource=r)))

    base(GROWING)
    # The app's own warm-up (validators compiled on first use) stays outside the baseline.
    asyncio.run(_warm(app, timer_tokens))
    stores = {side: store.tenant(tenants[RESOURCE]) for side, tenants in TENANTS.items()}
    smallest = min(checkpoints)
    points: list[dict[str, Any]] = []
    for rows in sorted(checkpoints):
        for grower in growers[GROWING].values():
            grower.grow_to(rows)
        if rows == smallest:  # after the growing tables, whose RSS growth is measured
            base(BASELINE)
            for grower in growers[BASELINE].values():
                grower.grow_to(smallest)
        probes, store_calls = {}, {}
        for side, ts in stores.items():
            after, cursor = _middle(ts)
            probes[side] = _Probe(reservoirs[side].ids, cursor, seeded[side])
            store_calls.update({(side, name): call for name, call in _store_calls(ts, after)})
        store_times = _by_side(time_in_turns(store_calls, samples))
        http = asyncio.run(_http_timings(app, timer_tokens, probes, samples))
        client = asyncio.run(_client_cost(samples))
        tx, pay = growers[GROWING][RESOURCE], growers[GROWING][PAYABLES]
        http_times, filtered = http[GROWING]
        point = {
            "rows": rows, "table_rows": len(stores[GROWING][RESOURCE]),
            "rss_growth_bytes": tx.rss_growth,
            "bytes_per_row": round(tx.rss_growth / rows, 1),
            "payable_bytes_per_row": round(pay.rss_growth / rows, 1),
            "seed_seconds": round(tx.seconds, 2), "payables_seed_seconds": round(pay.seconds, 2),
            "http": http_times, "filtered": filtered, "store": store_times[GROWING],
            BASELINE: {"rows": smallest, "http": http[BASELINE][0],
                       "filtered": http[BASELINE][1], "store": store_times[BASELINE]},
            "client": client,
        }
        points.append(point)
        slowest = max(filtered, key=lambda name: filtered[name]["p50_ms"])
        log(f"scale: {rows:>9,} rows  first {http_times['first_page']['p50_ms']:.2f} ms  "
            f"deep {http_times['deep_page']['p50_ms']:.2f} ms  "
            f"get {http_times['get_by_id']['p50_ms']:.2f} ms  account balance "
            f"{store_times[GROWING]['account_detail']['p50_ms']:.3f} ms  slowest filtered "
            f"{filtered[slowest]['p50_ms']:.2f} ms ({slowest})  "
            f"{point['bytes_per_row']:.0f} B/row  (seeded in {tx.seconds:.0f} + "
            f"{pay.seconds:.0f} s)  ÷ baseline: first "
            f"{p50_ratio(http[BASELINE][0]['first_page'], http_times['first_page'])}x, slowest "
            f"filtered {p50_ratio(http[BASELINE][1][slowest], filtered[slowest])}x")
    largest = points[-1]
    per_100k = [p for p in points if p["rows"] >= 100_000]
    return {
        "points": points,
        "filters": {q.name: {"resource": q.resource, "note": q.note} for q in FILTERED},
        "worst_filtered": worst_filtered(points),
        "steepest_filtered": steepest_filtered(points),
        "memory_per_100k_rows_mib": round(
            (per_100k[0] if per_100k else largest)["bytes_per_row"] * 100_000 / 2**20, 1),
        "bytes_per_row_at_largest": largest["bytes_per_row"],
        "samples": samples,
    }


def _middle(ts: TenantStore) -> tuple[Any, str]:
    """The middle of the tenant's transactions: the position a client reaches after rows/2
    rows of pages, for `Table.page` and as a cursor."""
    from mock.pagination import Position

    table = ts[RESOURCE]
    with ts.lock:
        _, middle = table.page(SORT, {}, None, max(1, len(table) // 2))
    assert middle is not None
    after = Position(key=table.decode_key(SORT, middle.key), id=middle.id)
    binding = ts.cursors.binding(ts.workspace_id, RESOURCE, SORT, {})
    return after, ts.cursors.encode(middle, binding)


def _store_calls(ts: TenantStore, after: Any) -> list[tuple[str, Callable[[], Any]]]:
    """The store-level reads timed at each size: bare `Table.page`s and an account's balance."""
    from mock.domain import accounts

    table = ts[RESOURCE]
    return [
        ("first_page", functools.partial(table.page, SORT, {}, None, 25)),
        ("deep_page", functools.partial(table.page, SORT, {}, after, 25)),
        ("filtered_page", functools.partial(table.page, SORT, {"type": "debit"}, None, 25)),
        # The large dataset's one account holds every transaction of the tenant.
        ("account_detail", functools.partial(
            accounts.view, ts, next(iter(ts["accounts"])), detail=True)),
    ]


def baseline(point: Mapping[str, Any], points: Sequence[Mapping[str, Any]]
             ) -> Mapping[str, Any]:
    """What `point`'s timings are compared with: the baseline timed in turns with them (its
    `rows`, `http`, `filtered`, `store`), or, in results from before there was one, the
    smallest size's point."""
    return point.get(BASELINE) or points[0]


def worst_filtered(points: Sequence[Mapping[str, Any]]) -> dict[str, Any] | None:
    """The filtered page slowest (p50) at the largest size, with its p50/p99 there and in the
    baseline (`baseline`) and the ratio of the two p50s, wall-clock and CPU (None without two
    sizes)."""
    if len(points) < 2 or not points[-1].get("filtered"):
        return None
    large = points[-1]["filtered"]
    return _filtered_page(points, max(large, key=lambda n: large[n]["p50_ms"]))


def steepest_filtered(points: Sequence[Mapping[str, Any]]) -> dict[str, Any] | None:
    """`worst_filtered`'s figures for the filtered page whose p50 grew most from the baseline
    to the largest size: a page fast at both sizes may still grow the most (a walk that ends
    at once on a small table and examines its whole budget of rows on a large one)."""
    if len(points) < 2 or not points[-1].get("filtered"):
        return None
    large = points[-1]
    small = baseline(large, points)["filtered"]
    return _filtered_page(points, max(large["filtered"], key=lambda n: p50_ratio(
        small[n], large["filtered"][n]) or 0.0))


def _filtered_page(points: Sequence[Mapping[str, Any]], name: str) -> dict[str, Any]:
    large = points[-1]
    small = baseline(large, points)
    at_small, at_large = small["filtered"][name], large["filtered"][name]
    # The baseline is timed at the largest size: the client's cost there is its too.
    app_small, app_large = (without_client(t, large.get("client")) for t in (at_small, at_large))
    return {
        "query": name, "small_rows": small["rows"], "large_rows": large["rows"],
        "small": at_small, "large": at_large,
        "ratio": p50_ratio(at_small, at_large), "cpu_ratio": p50_ratio(at_small, at_large, "cpu_"),
        "client": large.get("client"), "app_small": app_small, "app_large": app_large,
        "app_ratio": None if app_small is None or app_large is None else p50_ratio(
            app_small, app_large),
    }


def without_client(timing: Mapping[str, Any], client: Mapping[str, Any] | None
                   ) -> dict[str, Any] | None:
    """`timing`'s p50s less the client's own (`_client_cost`, measured at the same size), or
    None without it: an estimate of the app's share, as p50s do not subtract exactly."""
    if not client:
        return None
    return {key: max(0.0, timing[key] - client[key]) for key in ("p50_ms", "cpu_p50_ms")
            if key in timing and key in client}


def p50_ratio(small: Mapping[str, Any], large: Mapping[str, Any],
              prefix: str = "") -> float | None:
    """`large`'s p50 over `small`'s (wall-clock, or CPU time with prefix `cpu_`), if both."""
    key = f"{prefix}p50_ms"
    if not small.get(key) or key not in large:
        return None
    return round(large[key] / small[key], 2)


class FakeClock:
    """A clock the idempotency cache reads; advanced by hand."""

    def __init__(self) -> None:
        self.current = datetime(2026, 1, 15, tzinfo=UTC)

    def now(self) -> datetime:
        return self.current

    def advance(self, seconds: float) -> None:
        self.current += timedelta(seconds=seconds)


def measure_idempotency(entries: int = 1_000_000, *, step_seconds: float = 0.2,
                        body_bytes: int = 320) -> dict[str, Any]:
    """Insert `entries` keyed responses, one every `step_seconds` of fake time (5/s by default:
    1M keys span ~2.3 days, so the 24 h TTL keeps ~432k), each after a `get` as the middleware
    does (which evicts what expired). Memory by tracemalloc: retained at the end, and the peak."""
    from mock.idempotency import IdempotencyCache

    clock = FakeClock()
    cache = IdempotencyCache(clock.now)
    tenant = tokens.TENANT_A
    filler = "x" * max(0, body_bytes - 60)
    headers_template = [(b"content-type", b"application/json")]
    gc.collect()
    tracemalloc.start()
    start = time.perf_counter()
    for n in range(entries):
        clock.advance(step_seconds)
        key = f"bench-key-{n:012d}"
        if cache.get(tenant, key) is not None:
            raise AssertionError("keys are unique")
        entry = cache.begin(tenant, key, f"{n:064x}")
        entry.status = 201
        entry.headers = list(headers_template)
        entry.body = f'{{"id":"{n:036d}","name":"{filler}"}}'.encode()
        entry.done = True
    elapsed = time.perf_counter() - start
    current, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    retained = len(cache)
    return {
        "entries": entries, "step_seconds": step_seconds, "body_bytes": body_bytes,
        "retained": retained, "current_mib": round(current / 2**20, 1),
        "peak_mib": round(peak / 2**20, 1),
        "bytes_per_retained_entry": round(current / retained, 1) if retained else 0.0,
        "us_per_request": round(elapsed / entries * 1e6, 2),
    }


def measure_startup(repeats: int = 3, *, timeout: float = 120.0,
                    spec_cache: bool = True) -> dict[str, Any]:
    """`python -m mock` (with its demo seed) to the first 200 on /__mock/health, `repeats` times.
    `spec_cache=False`: as the first start after an edit of spec/ (prance parses again)."""
    from bench.servers import wait_ready
    from conformance.targets import free_port, stop_process

    env = None if spec_cache else {**os.environ, "MOCK_SPEC_CACHE": "off"}
    times = []
    for _ in range(repeats):
        port = free_port()
        start = time.perf_counter()
        proc = subprocess.Popen([sys.executable, "-m", "mock", "--port", str(port)],
                                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=env)
        try:
            wait_ready(f"http://127.0.0.1:{port}/__mock/health", proc, want=200,
                       timeout=timeout, interval=0.01)
            times.append(time.perf_counter() - start)
        finally:
            stop_process(proc)
    return {"seconds": [round(t, 3) for t in times], "median_s": round(statistics.median(times), 3)}


def _phases() -> dict[str, float]:
    """Seconds per start-up phase of `python -m mock`, in this (fresh) process."""
    marks = [("start", time.perf_counter())]
    import connexion  # noqa: F401
    import uvicorn  # noqa: F401

    marks.append(("import uvicorn, connexion", time.perf_counter()))
    from contract.spec import load_spec
    from mock import seeding
    from mock.app import create_app, new_store

    marks.append(("import mock", time.perf_counter()))
    load_spec()
    marks.append(("load_spec (resolved spec from .cache/spec)", time.perf_counter()))
    store = new_store()
    create_app(store)  # as `python -m mock` does: the project's document, validated once
    marks.append(("create_app (Connexion add_api)", time.perf_counter()))
    for tenant in (tokens.TENANT_A, tokens.TENANT_B):
        seeding.apply(store.tenant(tenant), seed.demo_dataset(tenant))
    marks.append(("demo seed (2 tenants)", time.perf_counter()))
    return {name: round(t - marks[i][1], 3) for i, (name, t) in enumerate(marks[1:])}


def startup_phases() -> dict[str, float]:
    """`_phases` in a fresh interpreter (imports are cached in this one)."""
    proc = subprocess.run([sys.executable, "-m", "bench.scale", "phases"], check=True,
                          capture_output=True, text=True, timeout=300)
    phases: dict[str, float] = json.loads(proc.stdout.strip().splitlines()[-1])
    return phases


def memory_breakdown(rows: int = 20_000, top: int = 8) -> list[dict[str, Any]]:
    """Bytes per transaction row by allocation site (tracemalloc, `rows` rows)."""
    from mock import seeding
    from mock.app import new_store

    store = new_store()
    ts = store.tenant(tokens.TENANT_A)
    steps = seed.large_dataset(tokens.TENANT_A, rows)
    seeding.apply(ts, itertools.islice(steps, sum(1 for _ in seed.large_dataset(
        tokens.TENANT_A, 0))))
    gc.collect()
    tracemalloc.start()
    before = tracemalloc.take_snapshot()
    seeding.apply(ts, steps)
    gc.collect()
    after = tracemalloc.take_snapshot()
    tracemalloc.stop()
    stats = after.compare_to(before, "lineno")
    total = sum(s.size_diff for s in stats)
    out = [{"site": "total", "bytes_per_row": round(total / rows, 1), "objects_per_row": None,
            "rows": rows}]
    for stat in stats[:top]:
        frame = stat.traceback[0]
        out.append({"site": f"{short_path(frame.filename)}:{frame.lineno}",
                    "bytes_per_row": round(stat.size_diff / rows, 1),
                    "objects_per_row": round(stat.count_diff / rows, 2)})
    return out


PARTS = ("scale", "idempotency", "breakdown", "phases")


def main(argv: Sequence[str] | None = None) -> int:
    """One part per process, so RSS and tracemalloc see only that part's memory."""
    parser = argparse.ArgumentParser(prog="python -m bench.scale", description=__doc__)
    parser.add_argument("part", choices=PARTS)
    parser.add_argument("--out", type=Path, help="write the JSON here (default: stdout)")
    parser.add_argument("--checkpoints", default=",".join(map(str, CHECKPOINTS)))
    parser.add_argument("--samples", type=int, default=200)
    parser.add_argument("--entries", type=int, default=1_000_000,
                        help="idempotency keys to insert")
    parser.add_argument("--rows", type=int, default=20_000,
                        help="transactions seeded under tracemalloc (breakdown)")
    args = parser.parse_args(argv)
    started = time.perf_counter()
    result: Any
    if args.part == "scale":
        checkpoints = [int(c) for c in args.checkpoints.split(",") if c]
        result = measure_scale(checkpoints, samples=args.samples,
                               log=lambda m: print(m, file=sys.stderr, flush=True))
    elif args.part == "idempotency":
        result = measure_idempotency(args.entries)
    elif args.part == "breakdown":
        result = memory_breakdown(args.rows)
    else:
        result = _phases()
    text = json.dumps(result, indent=None if args.out is None else 2)
    if args.out is None:
        print(text)
    else:
        args.out.write_text(text)
    print(f"bench.scale {args.part}: {time.perf_counter() - started:.1f} s", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
