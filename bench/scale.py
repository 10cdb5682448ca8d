"""In-process figures: page and GET latency against table size, memory per row, start-up time
and the idempotency cache's memory.

- `measure_scale`: one tenant's transactions grown through 1k, 10k, 100k, 1M rows (a prefix of
  one `large_dataset`, applied by `mock.seeding` — the domain layer, as over HTTP). At each size:
  the first list page, a deep page (a cursor at the middle of the table), a filtered page and a
  GET by id, through the real app in-process (httpx's ASGI transport, no sockets), and the bare
  `Table.page` beside them; and the process's RSS growth per row.
- `measure_startup`: `python -m mock` (demo seed) to the first 200 on `/__mock/health`.
- `measure_idempotency`: `mock.idempotency.IdempotencyCache` driven directly with a fake clock:
  1M keyed entries arriving at a steady rate, expired entries evicted as the middleware does.

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
from collections.abc import Callable, Iterable, Iterator, Sequence
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx

from bench import short_path
from fixtures import seed, tokens
from fixtures.seed import SeedStep

CHECKPOINTS: tuple[int, ...] = (1_000, 10_000, 100_000, 1_000_000)
SORT = "-occurred_at"  # the transactions' default sort
RESOURCE = "transactions"


def rss_bytes() -> int:
    """Resident set size of this process (Linux `/proc/self/statm`)."""
    with open("/proc/self/statm") as handle:
        pages = int(handle.read().split()[1])
    return pages * resource.getpagesize()


def quantiles_ms(samples: Sequence[float]) -> dict[str, float]:
    """p50 and p99 (nearest rank) of durations in seconds, in milliseconds."""
    ordered = sorted(samples)
    if not ordered:
        return {"p50_ms": 0.0, "p99_ms": 0.0}
    p99 = ordered[min(len(ordered) - 1, max(0, round(0.99 * len(ordered)) - 1))]
    return {"p50_ms": round(statistics.median(ordered) * 1000, 4),
            "p99_ms": round(p99 * 1000, 4)}


def time_calls(call: Callable[[], Any], samples: int, warmup: int = 3) -> dict[str, float]:
    """p50/p99 of `samples` calls after `warmup` untimed ones."""
    for _ in range(warmup):
        call()
    durations = []
    for _ in range(samples):
        start = time.perf_counter()
        call()
        durations.append(time.perf_counter() - start)
    return quantiles_ms(durations)


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


async def _http_timings(app: Any, token: str, ids: Sequence[str], deep_cursor: str | None,
                        samples: int) -> dict[str, dict[str, float]]:
    headers = {"Authorization": f"Bearer {token}"}
    transport = httpx.ASGITransport(app=app)
    out: dict[str, dict[str, float]] = {}
    async with httpx.AsyncClient(transport=transport, base_url="http://bench/v1",
                                 headers=headers) as client:
        cycle = itertools.cycle(ids)
        requests: dict[str, Callable[[], str]] = {
            "first_page": lambda: "/transactions?limit=25",
            "filtered_page": lambda: "/transactions?limit=25&type=debit",
            "get_by_id": lambda: f"/transactions/{next(cycle)}",
        }
        if deep_cursor is not None:
            requests["deep_page"] = lambda: f"/transactions?limit=25&cursor={deep_cursor}"
        for name, url in requests.items():
            for _ in range(5):
                (await client.get(url())).raise_for_status()
            durations = []
            for _ in range(samples):
                path = url()
                start = time.perf_counter()
                response = await client.get(path)
                durations.append(time.perf_counter() - start)
                if response.status_code != 200:
                    raise RuntimeError(f"{path}: {response.status_code} {response.text[:300]}")
            out[name] = quantiles_ms(durations)
    return out


async def _warm(app: Any, token: str) -> None:
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://bench/v1",
                                 headers={"Authorization": f"Bearer {token}"}) as client:
        for path in ("/transactions?limit=25", "/transactions?limit=25&type=debit",
                     "/transactions/00000000-0000-4000-8000-000000000000"):
            await client.get(path)


def measure_scale(checkpoints: Sequence[int] = CHECKPOINTS, *, samples: int = 200,
                  log: Callable[[str], None] = print) -> dict[str, Any]:
    """Grow one tenant's transactions through `checkpoints` and time pages and GETs at each."""
    from mock import seeding
    from mock.app import create_app, new_store
    from mock.pagination import Position

    tenant = tokens.TENANT_A
    store = new_store()
    app = create_app(store, admin=False)
    ts = store.tenant(tenant)
    token = tokens.mint_token(tenant, expires_in=24 * 3600)
    base_steps = sum(1 for _ in seed.large_dataset(tenant, 0))
    reservoir = _Reservoir(1000, random.Random(12))
    steps = reservoir.tap(seed.large_dataset(tenant, max(checkpoints)))
    seeding.apply(ts, itertools.islice(steps, base_steps))
    # The app's own warm-up (validators compiled on first use) stays outside the baseline.
    asyncio.run(_warm(app, token))
    gc.collect()
    baseline = rss_bytes()
    table = ts[RESOURCE]
    points: list[dict[str, Any]] = []
    seeded = 0
    seed_seconds = 0.0
    for rows in sorted(checkpoints):
        start = time.perf_counter()
        seeding.apply(ts, itertools.islice(steps, rows - seeded))
        seed_seconds += time.perf_counter() - start
        seeded = rows
        gc.collect()
        grown = rss_bytes() - baseline
        # The middle of the table: the position a client reaches after rows/2 rows of pages.
        with ts.lock:
            _, middle = table.page(SORT, {}, None, max(1, len(table) // 2))
        assert middle is not None
        after = Position(key=table.decode_key(SORT, middle.key), id=middle.id)
        binding = ts.cursors.binding(ts.workspace_id, RESOURCE, SORT, {})
        cursor = ts.cursors.encode(middle, binding)
        store_times = {
            "first_page": time_calls(lambda: table.page(SORT, {}, None, 25), samples),
            "deep_page": time_calls(functools.partial(table.page, SORT, {}, after, 25), samples),
            "filtered_page": time_calls(lambda: table.page(SORT, {"type": "debit"}, None, 25),
                                        samples),
        }
        http_times = asyncio.run(_http_timings(app, token, reservoir.ids, cursor, samples))
        point = {
            "rows": rows, "table_rows": len(table), "rss_growth_bytes": grown,
            "bytes_per_row": round(grown / rows, 1), "seed_seconds": round(seed_seconds, 2),
            "http": http_times, "store": store_times,
        }
        points.append(point)
        log(f"scale: {rows:>9,} rows  first {http_times['first_page']['p50_ms']:.2f} ms  "
            f"deep {http_times['deep_page']['p50_ms']:.2f} ms  "
            f"get {http_times['get_by_id']['p50_ms']:.2f} ms  "
            f"{point['bytes_per_row']:.0f} B/row  (seeded in {seed_seconds:.0f} s)")
    largest = points[-1]
    per_100k = [p for p in points if p["rows"] >= 100_000]
    return {
        "points": points,
        "memory_per_100k_rows_mib": round(
            (per_100k[0] if per_100k else largest)["bytes_per_row"] * 100_000 / 2**20, 1),
        "bytes_per_row_at_largest": largest["bytes_per_row"],
        "samples": samples,
    }


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
    spec = load_spec()
    marks.append(("load_spec (resolved spec from .cache/spec)", time.perf_counter()))
    store = new_store()
    create_app(store, spec=spec)
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
    out = [{"site": "total", "bytes_per_row": round(total / rows, 1), "objects_per_row": None}]
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
        result = memory_breakdown()
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
