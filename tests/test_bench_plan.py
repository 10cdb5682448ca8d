"""bench.plan: the sizes of a run add up to its budget, and the stopwatch keeps each part's time
(the figures of a real run are reported, never asserted)."""

from __future__ import annotations

import pytest

from bench import plan
from bench.__main__ import parse_args


def test_the_budgets_fit_the_limits_and_the_load_fits_its_budget() -> None:
    for sizes, kind in ((plan.FULL, "full"), (plan.QUICK, "quick")):
        assert set(sizes.budget) == set(plan.PARTS)
        assert sizes.total_budget < plan.TOTAL_LIMIT[kind]
        # four servers, five scenarios: the seconds of load alone fit the load's budget
        assert sizes.load_seconds(4, 5) < sizes.budget["load"]
        # a pending payable for every PATCH of the warm-up, the rounds and the profile
        assert sizes.payables >= sizes.settles_sized_for


def test_the_stopwatch_times_each_part_against_its_budget() -> None:
    lines: list[str] = []
    watch = plan.Stopwatch({"load": 10.0}, lines.append)
    with watch.part("load"):
        pass
    assert watch.to_json()["load"]["budget"] == 10.0
    assert lines[0].startswith("bench: load took 0 s (budget 10 s)")


def test_quick_and_overrides_pick_the_sizes(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("BENCH_QUICK", raising=False)
    assert parse_args(["--quick", "--tool", "python"]).sizes.rows == plan.QUICK.rows
    full = parse_args(["--tool", "python", "--rounds", "2", "--checkpoints", "1000,5000"])
    assert (full.sizes.rounds, full.sizes.checkpoints) == (2, (1000, 5000))
    assert full.config.duration == plan.FULL.duration


def test_only_picks_one_part() -> None:
    assert parse_args(["--only", "load", "--tool", "python"]).only == "load"
    assert parse_args(["--only", "journal", "--tool", "python"]).only == "journal"
