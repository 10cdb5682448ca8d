"""What a `make bench` run does and how long each part may take.

`FULL` must fit in 8 minutes on an idle 2-core machine, `QUICK` (BENCH_QUICK=1) in 2: each part
has a budget in seconds, the budgets add up to less than that, and the sizes (rounds, seconds
per round, rows, samples) are chosen to fit them. `Stopwatch` times the parts as they run; the
report puts each part's time beside its budget (figures, never a check that fails the run).

The load part's time follows from its sizes: every scenario on every server gets a warm-up and
`rounds` runs of `duration` seconds (`load_seconds`). The scale part's is mostly seeding one
million transactions and one million payables in-process, which `mock.seeding` sets.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field

PARTS = ("setup", "load", "profile", "journal", "startup", "scale", "breakdown", "idempotency")


@dataclass(frozen=True)
class Sizes:
    """The sizes of one kind of run, and its budget per part (seconds)."""

    duration: float  # seconds per measured round (wrk takes whole seconds)
    rounds: int  # rounds per scenario and server, interleaved across servers
    warmup: float  # seconds of discarded load per scenario and server
    rows: int  # transactions in the served mock's tenant A
    payables: int  # pending payables in tenant B, settled one each by the PATCH scenario
    checkpoints: tuple[int, ...]  # the in-process scale run's sizes
    samples: int  # timed requests per page kind and size in the scale run
    profile_seconds: float  # py-spy per profiled scenario and server
    startup_repeats: int
    idempotency_entries: int
    breakdown_rows: int  # rows seeded under tracemalloc for the bytes per allocation site
    budget: Mapping[str, float] = field(default_factory=dict)

    @property
    def total_budget(self) -> float:
        return sum(self.budget.values())

    def load_seconds(self, servers: int, scenarios: int) -> float:
        """The load part's wall-clock seconds of load (without wrk's start and stop)."""
        return servers * scenarios * (self.warmup + self.rounds * self.duration)

    @property
    def settles_sized_for(self) -> int:
        """The PATCH requests the payables must take, one pending payable each, at
        `SETTLE_RATE`: warm-up, rounds and profile (`bench.load.Walks`)."""
        seconds = self.warmup + self.rounds * self.duration + self.profile_seconds
        return round(seconds * SETTLE_RATE)


# The settles per second the payables are seeded for: the mock has settled 1,500–3,300 a second
# on one worker here, as loaded as the machine was; the report says if a run ever ran out of
# pending payables all the same.
SETTLE_RATE = 5_000

FULL = Sizes(
    duration=2.0, rounds=3, warmup=1.0, rows=100_000, payables=60_000,
    checkpoints=(1_000, 10_000, 100_000, 1_000_000), samples=200, profile_seconds=4.0,
    startup_repeats=3, idempotency_entries=500_000, breakdown_rows=20_000,
    # load: 4 servers × 5 scenarios × (1 + 3 × 2) s = 140 s of load; profile: 4 scenarios × 2
    # servers × (4 s + py-spy's start and stop); scale: seeding 2M rows (~100–150 s), then ~5 s
    # a size timing its pages in turns with the baseline's.
    budget={"setup": 28, "load": 155, "profile": 48, "journal": 36, "startup": 8,
            "scale": 170, "breakdown": 5, "idempotency": 20},
)
QUICK = Sizes(
    duration=1.0, rounds=1, warmup=0.0, rows=10_000, payables=10_000,
    checkpoints=(1_000, 10_000, 100_000), samples=50, profile_seconds=1.0,
    startup_repeats=1, idempotency_entries=50_000, breakdown_rows=5_000,
    # load: 4 × 5 × 1 s = 20 s of load, cold (the capture warmed the mock's validators only);
    # profile: 4 scenarios × 2 servers × (1 s + py-spy's start and stop); scale: seeding 200k
    # rows.
    budget={"setup": 10, "load": 25, "profile": 18, "journal": 10, "startup": 7,
            "scale": 30, "breakdown": 4, "idempotency": 4},
)
TOTAL_LIMIT = {"quick": 120.0, "full": 480.0}  # the done-when: 2 and 8 minutes


class Stopwatch:
    """Wall-clock seconds per part of the run, logged as each ends with its budget."""

    def __init__(self, budget: Mapping[str, float], log: Callable[[str], None]) -> None:
        self.budget = budget
        self.log = log
        self.seconds: dict[str, float] = {}
        self.began = time.perf_counter()

    @contextmanager
    def part(self, name: str) -> Iterator[None]:
        start = time.perf_counter()
        try:
            yield
        finally:
            took = time.perf_counter() - start
            self.seconds[name] = round(self.seconds.get(name, 0.0) + took, 1)
            self.log(f"bench: {name} took {took:.0f} s (budget {self.budget.get(name, 0):.0f} s)")

    @property
    def total(self) -> float:
        return round(time.perf_counter() - self.began, 1)

    def to_json(self) -> dict[str, dict[str, float | None]]:
        """Each part run: {seconds, budget}."""
        return {name: {"seconds": seconds, "budget": self.budget.get(name)}
                for name, seconds in self.seconds.items()}
