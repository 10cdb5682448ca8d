"""bench.report: the tables, the targets and the chart, on a fabricated results dict."""

from __future__ import annotations

import importlib.util
import json
from pathlib import Path
from typing import Any

from bench import load, report, scale

SCENARIOS = ("get_by_id", "list", "list_filter", "create", "settle")
RPS = {"mock": 900.0, "starlette": 1500.0, "connexion": 1000.0, "prism": 450.0}
CPU_S = {"mock": 0.5, "starlette": 0.3, "connexion": 0.4, "prism": 0.9}


def run(scenario: str, server: str) -> dict[str, Any]:
    rps = RPS[server]
    result = load.LoadResult(scenario, server, "wrk", int(rps), 1.0, rps, 1.0, 2.0, 0, 0.5)
    return result.with_cpu(CPU_S[server]).to_json()


def point(rows: int, ms: float, worst_ms: float, seed_s: float) -> dict[str, Any]:
    """A scale point: wall-clock `ms`, CPU time half of it (the worst page's: a third)."""
    timing = {"p50_ms": ms, "p99_ms": ms * 2, "cpu_p50_ms": ms / 2, "cpu_p99_ms": ms,
              "n": 200, "rows": 25}
    return {"rows": rows, "bytes_per_row": 900.0, "seed_seconds": seed_s,
            "payables_seed_seconds": seed_s,
            "http": dict.fromkeys(("first_page", "deep_page", "get_by_id"), timing),
            "filtered": {"transactions?type=debit": timing,
                         "transactions?type=credit&person_id={supplier}": {
                             "p50_ms": worst_ms, "p99_ms": worst_ms, "cpu_p50_ms": worst_ms / 3,
                             "cpu_p99_ms": worst_ms / 3, "n": 3, "rows": 0,
                             "continues": True}},
            "store": {**dict.fromkeys(("first_page", "deep_page", "filtered_page"), timing),
                      "account_detail": {**timing, "p50_ms": ms / 100}}}


def results(largest: int = 1_000_000, seconds: float = 400.0) -> dict[str, Any]:
    points = [point(1000, 1.0, 1.5, 0.1), point(largest, 1.2, 4.5, 45.0)]
    return {
        "meta": {"tool": "wrk", "rows": 10, "duration": 1.0, "seconds": seconds,
                 "limit_s": 480.0, "quick": False,
                 "runtimes": {"mock": {"loop": "uvloop", "http": "httptools"},
                              "starlette": {"loop": "uvloop", "http": "httptools"}},
                 "parts": {"load": {"seconds": 150.2, "budget": 155}}},
        "load": [run(s, server) for s in SCENARIOS for server in report.SERVERS],
        "scale": {"points": points, "worst_filtered": {
            "query": "transactions?type=credit&person_id={supplier}", "small_rows": 1000,
            "large_rows": largest, "small": points[0]["filtered"][
                "transactions?type=credit&person_id={supplier}"],
            "large": points[1]["filtered"]["transactions?type=credit&person_id={supplier}"],
            "ratio": 3.0, "cpu_ratio": 3.0}},
        "startup": {"median_s": 1.5, "seconds": [1.5]},
    }


def test_targets_set_each_floor_beside_the_measured_ratio() -> None:
    met = {t["target"]: t for t in report.targets(results())}
    get = met["GET by id req/s ≥ 0.5× plain Starlette"]
    assert (get["measured"], get["ok"], get["at_equal_cpu"]) == (0.6, True, 0.36)
    assert met["PATCH settle req/s ≥ 0.35× plain Starlette"]["ok"] is True
    assert all(met[f"{label} req/s ≥ 1.5× Prism -v error"]["measured"] == 2.0
               for label in report.SHORT_LABELS.values())
    assert met["GET by id req/s ≥ 0.8× bare Connexion"]["ok"] is True
    worst = next(t for t in met.values() if t["target"].startswith("worst (slowest) filtered"))
    assert (worst["measured"], worst["ok"], worst["at_equal_cpu"]) == (3.0, False, 3.0)
    first = met["first page p50 at 1,000,000 rows ≤ 1.5× at 1,000"]
    assert (first["measured"], first["ok"], first["at_equal_cpu"]) == (1.2, True, 1.2)
    assert "type=credit&person_id" in worst["target"]
    balance = met["account balance (detail view, uncached) p50 at 1,000,000 rows ≤ 1.5× at "
                  "1,000"]
    assert (balance["measured"], balance["ok"]) == (1.2, True)
    assert met["1,000,000-row seed < 60 s (transactions, in-process)"]["ok"] is True
    assert met["start-up with demo seed < 2 s (median)"]["ok"] is True
    assert met["make bench < 480 s"]["measured"] == 400.0


def test_a_ratio_target_shows_how_far_its_rounds_swing() -> None:
    def rounds(server: str, *rps: float) -> dict[str, Any]:
        return load.combine([load.LoadResult("get_by_id", server, "wrk", int(r), 1.0, r, 1.0, 2.0,
                                             0, 0.5) for r in rps]).to_json()

    fabricated = results()
    fabricated["load"] = [r for r in fabricated["load"] if r["scenario"] != "get_by_id"] + [
        rounds("mock", 580.0, 390.0, 450.0), rounds("starlette", 1000.0, 1000.0, 1000.0)]
    met = {t["target"]: t for t in report.targets(fabricated)}
    get = met["GET by id req/s ≥ 0.5× plain Starlette"]
    assert (get["measured"], get["ok"], get["rounds"]) == (0.47, False, (0.39, 0.58))
    assert "| GET by id req/s ≥ 0.5× plain Starlette | 0.47× | **no** | – | 0.39–0.58× |" in \
        report.targets_table(list(met.values()))
    # One round each (as `results()` makes them): nothing to compare.
    assert met["list page req/s ≥ 0.35× plain Starlette"]["rounds"] is None


def test_size_ratios_are_read_against_the_baseline_timed_beside(tmp_path: Path) -> None:
    fabricated = results()
    large = fabricated["scale"]["points"][1]
    # The machine slowed between the sizes: the baseline, timed in turns with the 1M point,
    # reads 1.1 ms where the 1k point read 1.0 (its worst page: 3.0 ms).
    large["baseline"] = {**point(1000, 1.1, 3.0, 0.0), "rows": 1000}
    large["client"] = {"p50_ms": 1.0, "p99_ms": 2.0, "cpu_p50_ms": 1.0, "cpu_p99_ms": 2.0}
    worst = scale.worst_filtered(fabricated["scale"]["points"])
    assert worst is not None and (worst["ratio"], worst["small_rows"]) == (1.5, 1000)
    assert worst["app_ratio"] == 1.75  # (4.5 - 1.0) / (3.0 - 1.0): less the client's own
    fabricated["scale"]["worst_filtered"] = worst
    fabricated["scale"]["steepest_filtered"] = scale.steepest_filtered(
        fabricated["scale"]["points"])
    met = {t["target"]: t for t in report.targets(fabricated)}
    first = met["first page p50 at 1,000,000 rows ≤ 1.5× at 1,000"]
    assert (first["measured"], first["at_equal_cpu"]) == (1.09, 1.09)  # 1.2 / 1.1, not 1.2
    steepest = met["steepest-growing filtered page p50 at 1,000,000 rows ≤ 2.0× at 1,000 "
                   "(`transactions?type=credit&person_id={supplier}`)"]
    assert (steepest["measured"], steepest["ok"]) == (1.5, True)
    text = report.write_all(fabricated, tmp_path)
    # Each size over its baseline: first / deep / GET / balance / slowest filtered page.
    assert "| 1.09× / 1.09× / 1.09× / 1.09× / 1.50× |" in text
    assert "| 0.1 + 0.1 | – |" in text  # the 1k point has no baseline in these results
    assert "| 1,000 rows (baseline, timed in turns) p50 / p99 ms |" in text
    assert "against p50 3.00 ms / p99 3.00 ms at 1,000 rows (baseline, timed in turns): " \
           "1.50×" in text
    assert "Less the in-process client's own 1.00 ms (an app that answers at once, through the " \
           "same client): 2.00 → 3.50 ms, about 1.8× of the app's own time." in text
    assert "takes p50 1.00 ms at 1,000,000 through it." in text


def test_a_target_not_measured_says_so() -> None:
    fabricated = results(largest=100_000, seconds=130.0)
    fabricated["meta"].update(quick=True, limit_s=120.0)
    fabricated["load"] = [r for r in fabricated["load"] if r["server"] != "prism"]
    met = {t["target"]: t for t in report.targets(fabricated)}
    assert met["GET by id req/s ≥ 1.5× Prism -v error"]["ok"] is None
    seed = next(t for t in met.values() if "row seed" in t["target"])
    assert seed["ok"] is None and "the largest size is 100,000" in seed["target"]
    assert met["BENCH_QUICK=1 make bench < 120 s"]["ok"] is False
    assert "| GET by id req/s ≥ 1.5× Prism -v error | – | n/a | – | – |" in \
        report.targets_table(list(met.values()))


def test_report_writes_tables_json_and_chart(tmp_path: Path) -> None:
    fabricated = results()
    text = report.write_all(fabricated, tmp_path)
    assert "| GET /transactions/{id} | mock | 900 | 1.0 | 2.0 | 0.556 | 0 | 0.50 |" in text
    # mock ÷ Starlette, ÷ Connexion, ÷ Prism: req/s, and at equal CPU in brackets
    assert "| GET /transactions/{id} | 0.60× (0.36×) | 0.90× (0.72×) | 2.00× (3.60×) |" in text
    assert "plain Starlette uvloop + httptools (the same for all)" in text
    assert "| `transactions?type=credit&person_id={supplier}` | 0 + cursor | 1.50 / 1.50 (3) " \
           "| 4.50 / 4.50 (3) | 3.00× (3.00×) |" in text
    assert "Worst (slowest) filtered page at 1,000,000 rows" in text
    assert "| 1,000,000 | 1.20 / 2.40 |" in text and "| 1200 / 1200 | 12.0 | 900 |" in text
    assert "| load | 155 | 150 |" in text
    assert "| target | measured | met? | at equal CPU | rounds |" in text
    assert json.loads((tmp_path / "results.json").read_text())["targets"]
    if importlib.util.find_spec("matplotlib") is not None:  # the `bench` extra
        assert (tmp_path / "bench.png").stat().st_size > 1000
    else:  # `make test` does not install it: the report is written without the chart
        assert not (tmp_path / "bench.png").exists()


def test_different_loops_are_called_out() -> None:
    meta = {"runtimes": {"mock": {"loop": "asyncio", "http": "httptools"},
                         "starlette": {"loop": "uvloop", "http": "httptools"}}}
    assert "not the same" in report.runtimes_text(meta)


def test_load_table_is_the_served_part_alone() -> None:
    text = report.load_table({"load": results()["load"], "profile": {}})
    assert "| GET /transactions/{id} | mock | 900 | 1.0 | 2.0 | 0.556 | 0 | 0.50 |" in text
    assert "| GET /transactions/{id} | 0.60× (0.36×) | 0.90× (0.72×) | 2.00× (3.60×) |" in text
    assert "(no profile: not run)" in text
    assert "Worst filtered" not in text
