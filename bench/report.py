"""The bench's output: markdown tables (console and `results.md`), `results.json`, a PNG chart.

`results` is the dict `bench/__main__.py` builds: `meta`, `load` (one `LoadResult` dict per
scenario and server: the mock and its references, plain Starlette, bare Connexion, Prism),
`profile`, `journal`, `startup`, `scale`, `idempotency`. `targets(results)` sets each
performance target beside what this run measured (the mock's ratios to the references come
from the same run, rounds interleaved): a table of target / measured / met?, never a failure.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from bench import profiling
from bench.journal import table as journal_table
from bench.scale import BASELINE, baseline, p50_ratio

SERVERS: tuple[str, ...] = ("mock", "starlette", "connexion", "prism")
REFERENCES: tuple[str, ...] = SERVERS[1:]
SERVER_LABELS = {"mock": "mock", "starlette": "plain Starlette", "connexion": "bare Connexion",
                 "prism": "Prism -v error"}
SCENARIO_LABELS = {
    "get_by_id": "GET /transactions/{id}",
    "list": "GET /transactions?limit=25",
    "list_filter": "GET /transactions?limit=25&type=debit",
    "create": "POST /taxes (Idempotency-Key)",
    "settle": "PATCH /payables/{id} (settle)",
}
SHORT_LABELS = {"get_by_id": "GET by id", "list": "list page", "list_filter": "list ?type=",
                "create": "POST create", "settle": "PATCH settle"}

# The done-when of the load: the mock's req/s over a reference's, per endpoint, at least this.
LOAD_TARGETS: tuple[tuple[str, str, float], ...] = (
    ("get_by_id", "starlette", 0.5),
    ("list", "starlette", 0.35),
    ("list_filter", "starlette", 0.35),
    ("create", "starlette", 0.35),
    ("settle", "starlette", 0.35),
    *((scenario, "prism", 1.5) for scenario in SCENARIO_LABELS),
    ("get_by_id", "connexion", 0.8),
)
PAGE_FLATNESS = 1.5  # first and deep page p50 at the largest size over the smallest, at most
WORST_FILTERED = 2.0  # the worst filtered page's p50 at the largest size over the smallest
# The filtered pages the scale part singles out (its keys) and what the report calls them.
FILTERED_EXTREMES: tuple[tuple[str, str], ...] = (
    ("worst_filtered", "worst (slowest) filtered page"),
    ("steepest_filtered", "steepest-growing filtered page"),
)
BYTES_PER_ROW = 1024
STARTUP_S = 2.0
SEED_ROWS, SEED_S = 1_000_000, 60.0


def _index(load: Sequence[Mapping[str, Any]]) -> dict[tuple[str, str], Mapping[str, Any]]:
    return {(r["scenario"], r["server"]): r for r in load}


def _ratio(a: Mapping[str, Any] | None, b: Mapping[str, Any] | None) -> float | None:
    """Throughput of `a` over `b` in req/s."""
    if not a or not b or not b.get("rps"):
        return None
    return round(a["rps"] / b["rps"], 2)


def _cpu_ratio(a: Mapping[str, Any] | None, b: Mapping[str, Any] | None) -> float | None:
    """Throughput of `a` over `b` at equal CPU: b's CPU per request over a's."""
    if not a or not b or not a.get("cpu_ms_per_request") or not b.get("cpu_ms_per_request"):
        return None
    return round(b["cpu_ms_per_request"] / a["cpu_ms_per_request"], 2)


def _round_ratios(a: Mapping[str, Any] | None, b: Mapping[str, Any] | None
                  ) -> tuple[float, float] | None:
    """The lowest and highest of `a`'s req/s over `b`'s round by round (the rounds ran
    interleaved, the n-th of each server side by side): how far one run's ratio can swing on a
    shared machine. None with fewer than two rounds."""
    rounds = [r.get("detail", {}).get("rounds", []) for r in (a, b) if r]
    if len(rounds) != 2 or min(len(rounds[0]), len(rounds[1])) < 2:
        return None
    ratios = [x["rps"] / y["rps"] for x, y in zip(*rounds, strict=False) if y.get("rps")]
    return (round(min(ratios), 2), round(max(ratios), 2)) if ratios else None


def _fmt(value: float | None, spec: str = ".2f", suffix: str = "") -> str:
    return "–" if value is None else f"{value:{spec}}{suffix}"


def scenarios_of(load: Sequence[Mapping[str, Any]]) -> list[str]:
    """Scenario names in the order they ran."""
    seen: list[str] = []
    for r in load:
        if r["scenario"] not in seen:
            seen.append(r["scenario"])
    return seen


def throughput_table(load: Sequence[Mapping[str, Any]]) -> str:
    """Per endpoint and server: req/s, p50 and p99, server CPU per request, errors and the
    load average when its rounds began."""
    by = _index(load)
    lines = ["| Endpoint | Server | req/s | p50 ms | p99 ms | CPU ms/req | errors | load avg |",
             "|---|---|--:|--:|--:|--:|--:|--:|"]
    for scenario in scenarios_of(load):
        for server in SERVERS:
            r = by.get((scenario, server))
            if r is None:
                continue
            lines.append(
                f"| {SCENARIO_LABELS.get(scenario, scenario)} | {SERVER_LABELS[server]} "
                f"| {r['rps']:,.0f} | {r['p50_ms']:.1f} | {r['p99_ms']:.1f} "
                f"| {_fmt(r.get('cpu_ms_per_request'), '.3f')} | {r['errors']} "
                f"| {r['loadavg']:.2f} |")
    return "\n".join(lines)


def ratio_table(load: Sequence[Mapping[str, Any]]) -> str:
    """The mock's ratio to each reference per endpoint: req/s, and (in brackets) at equal CPU
    (the reference's CPU per request over the mock's)."""
    by = _index(load)
    lines = ["| Endpoint | " + " | ".join(f"mock ÷ {SERVER_LABELS[s]}" for s in REFERENCES)
             + " |", "|---" + "|--:" * len(REFERENCES) + "|"]
    for scenario in scenarios_of(load):
        mine = by.get((scenario, "mock"))
        cells = [f"{_fmt(_ratio(mine, by.get((scenario, s))), '.2f', '×')} "
                 f"({_fmt(_cpu_ratio(mine, by.get((scenario, s))), '.2f', '×')})"
                 for s in REFERENCES]
        lines.append(f"| {SCENARIO_LABELS.get(scenario, scenario)} | " + " | ".join(cells) + " |")
    return "\n".join(lines)


# A baseline's figures are those of the smallest size's tables, timed in turns with the point's.
_BESIDE = " (baseline, timed in turns)"


def scale_table(scale: Mapping[str, Any]) -> str:
    """Latency, memory per row and seeding time at each table size; and each size's p50s over
    the baseline's, timed in turns with them (first page, deep page, GET by id, account
    balance, slowest filtered page): at the smallest size, the baseline is its twin, and the
    ratios there are the measurement's own spread."""
    points = scale.get("points", [])
    lines = [
        "| Rows | first page p50 / p99 ms | deep page p50 / p99 ms | GET by id p50 / p99 ms "
        "| slowest filtered page p50 / p99 ms | Table.page first / deep µs "
        "| account balance µs | RSS bytes/row | seeded in s (transactions + payables) "
        "| ÷ baseline: first / deep / GET / balance / slowest filtered |",
        "|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|",
    ]
    for p in points:
        h, s = p["http"], p["store"]
        filtered = p.get("filtered", {})
        slowest = max(filtered, key=lambda n: filtered[n]["p50_ms"], default=None)
        base = p.get(BASELINE)
        over = "–" if base is None or slowest is None else " / ".join(
            _fmt(p50_ratio(small, large), ".2f", "×") for small, large in (
                (base["http"]["first_page"], h["first_page"]),
                (base["http"]["deep_page"], h["deep_page"]),
                (base["http"]["get_by_id"], h["get_by_id"]),
                (base["store"]["account_detail"], s["account_detail"]),
                (base["filtered"][slowest], filtered[slowest])))
        lines.append(
            f"| {p['rows']:,} | {h['first_page']['p50_ms']:.2f} / {h['first_page']['p99_ms']:.2f} "
            f"| {h['deep_page']['p50_ms']:.2f} / {h['deep_page']['p99_ms']:.2f} "
            f"| {h['get_by_id']['p50_ms']:.2f} / {h['get_by_id']['p99_ms']:.2f} "
            f"| {'–' if slowest is None else _pair(filtered[slowest])} "
            f"| {s['first_page']['p50_ms'] * 1000:.0f} / {s['deep_page']['p50_ms'] * 1000:.0f} "
            f"| {_fmt(_us(s.get('account_detail')), '.1f')} "
            f"| {p['bytes_per_row']:,.0f} "
            f"| {p.get('seed_seconds', 0):.1f} + {p.get('payables_seed_seconds', 0):.1f} "
            f"| {over} |")
    return "\n".join(lines)


def _app_share(worst: Mapping[str, Any]) -> str:
    """The page's p50s less the in-process client's own, and their ratio (an estimate)."""
    if worst.get("app_ratio") is None or not worst.get("app_small"):
        return ""  # no client timed (results from before it was)
    return (f" Less the in-process client's own {worst['client']['p50_ms']:.2f} ms (an app that "
            f"answers at once, through the same client): {worst['app_small']['p50_ms']:.2f} → "
            f"{worst['app_large']['p50_ms']:.2f} ms, about "
            f"{_fmt(worst['app_ratio'], '.1f', '×')} of the app's own time.")


def client_text(scale: Mapping[str, Any]) -> str:
    """What the in-process client adds to every HTTP figure, at each size."""
    costs = [(p["rows"], p["client"]) for p in scale.get("points", []) if p.get("client")]
    if not costs:
        return ""
    sizes = ", ".join(f"{c['p50_ms']:.2f} ms at {rows:,}" for rows, c in costs)
    return ("\n\nEvery HTTP figure here includes httpx's in-process client and transport: an ASGI "
            f"app that answers an empty page at once takes p50 {sizes} through it.")


def _us(timing: Mapping[str, Any] | None) -> float | None:
    """A timing's p50 in µs (None without one: results of a bench before it was timed)."""
    return None if timing is None else timing["p50_ms"] * 1000


def _pair(timing: Mapping[str, Any]) -> str:
    return f"{timing['p50_ms']:.2f} / {timing['p99_ms']:.2f}"


def filtered_table(scale: Mapping[str, Any]) -> str:
    """Every filtered page at the largest size and in its baseline (the smallest size, timed in
    turns with it): p50 / p99 (samples), the rows on the page at the largest (`+ cursor`: it
    has a next_cursor), and the ratio of the p50s; then the slowest and the steepest-growing."""
    points = scale.get("points", [])
    if not points or not points[-1].get("filtered"):
        return "Not measured."
    large = points[-1]
    small = baseline(large, points)
    notes = scale.get("filters", {})
    beside = _BESIDE if BASELINE in large else ""
    lines = [f"| Filtered page (limit=25) | rows on page | {small['rows']:,} rows{beside} "
             "p50 / p99 ms "
             f"| {large['rows']:,} rows p50 / p99 ms | ratio of p50s (in CPU time) |",
             "|---|--:|--:|--:|--:|"]
    for name, at_large in large["filtered"].items():
        at_small = small["filtered"].get(name, {})
        note = notes.get(name, {}).get("note")
        lines.append(
            f"| `{name}`{f' ({note})' if note else ''} | {at_large.get('rows', '–')}"
            f"{' + cursor' if at_large.get('continues') else ''} "
            f"| {_pair(at_small) if at_small else '–'} ({at_small.get('n', '–')}) "
            f"| {_pair(at_large)} ({at_large.get('n', '–')}) "
            f"| {_fmt(p50_ratio(at_small, at_large), '.2f', '×')} "
            f"({_fmt(p50_ratio(at_small, at_large, 'cpu_'), '.2f', '×')}) |")
    for key, label in FILTERED_EXTREMES:
        if not (worst := scale.get(key)):
            continue
        lines.append(
            f"\n{label.capitalize()} at {worst['large_rows']:,} rows: `{worst['query']}`, p50 "
            f"{worst['large']['p50_ms']:.2f} ms / p99 {worst['large']['p99_ms']:.2f} ms, against "
            f"p50 {worst['small']['p50_ms']:.2f} ms / p99 {worst['small']['p99_ms']:.2f} ms at "
            f"{worst['small_rows']:,} rows{beside}: "
            f"{_fmt(worst['ratio'], '.2f', '×')} "
            f"({_fmt(worst.get('cpu_ratio'), '.2f', '×')} in CPU time)."
            + _app_share(worst))
    lines.append("\n(Samples in brackets: a slow page is sampled for about a second per size, at "
                 "least 3 times.)")
    return "\n".join(lines)


def targets(results: Mapping[str, Any]) -> list[dict[str, Any]]:
    """Each performance target: {target, measured, unit, ok, at_equal_cpu} (ok None when not
    measured). Figures to read beside the load average, never a check that fails the run."""
    by = _index(results.get("load", []))
    out: list[dict[str, Any]] = []

    def add(name: str, measured: float | None, ok: bool | None, unit: str = "×",
            at_equal_cpu: float | None = None, rounds: tuple[float, float] | None = None
            ) -> None:
        out.append({"target": name, "measured": measured, "unit": unit, "ok": ok,
                    "at_equal_cpu": at_equal_cpu, "rounds": rounds})

    for scenario, server, floor in LOAD_TARGETS:
        mine, theirs = by.get((scenario, "mock")), by.get((scenario, server))
        ratio = _ratio(mine, theirs)
        add(f"{SHORT_LABELS[scenario]} req/s ≥ {floor}× {SERVER_LABELS[server]}", ratio,
            None if ratio is None else ratio >= floor, at_equal_cpu=_cpu_ratio(mine, theirs),
            rounds=_round_ratios(mine, theirs))
    scale = results.get("scale", {})
    points = scale.get("points", [])
    if len(points) >= 2:
        large = points[-1]
        small = baseline(large, points)
        for page in ("first_page", "deep_page"):
            at = small["http"][page], large["http"][page]
            ratio = p50_ratio(*at)
            add(f"{page.replace('_', ' ')} p50 at {large['rows']:,} rows ≤ {PAGE_FLATNESS}× at "
                f"{small['rows']:,}", ratio, None if ratio is None else ratio <= PAGE_FLATNESS,
                at_equal_cpu=p50_ratio(*at, "cpu_"))
        at = small["store"].get("account_detail"), large["store"].get("account_detail")
        if at[0] and at[1]:
            ratio = p50_ratio(*at)
            add(f"account balance (detail view, uncached) p50 at {large['rows']:,} rows ≤ "
                f"{PAGE_FLATNESS}× at {small['rows']:,}", ratio,
                None if ratio is None else ratio <= PAGE_FLATNESS)
        for key, label in FILTERED_EXTREMES:
            if worst := scale.get(key):
                add(f"{label} p50 at {large['rows']:,} rows ≤ {WORST_FILTERED}× at "
                    f"{small['rows']:,} (`{worst['query']}`)", worst["ratio"],
                    None if worst["ratio"] is None else worst["ratio"] <= WORST_FILTERED,
                    at_equal_cpu=worst.get("cpu_ratio"))
        add(f"memory ≤ {BYTES_PER_ROW} B per transaction row (RSS, at {large['rows']:,})",
            large["bytes_per_row"], large["bytes_per_row"] <= BYTES_PER_ROW, " B")
        seeded = large["rows"] == SEED_ROWS
        add(f"{SEED_ROWS:,}-row seed < {SEED_S:.0f} s (transactions, in-process)"
            + ("" if seeded else f": not measured, the largest size is {large['rows']:,}"),
            large.get("seed_seconds") if seeded else None,
            large.get("seed_seconds", SEED_S) < SEED_S if seeded else None, " s")
    startup = results.get("startup", {}).get("median_s")
    add(f"start-up with demo seed < {STARTUP_S:.0f} s (median)", startup,
        None if startup is None else startup < STARTUP_S, " s")
    meta = results.get("meta", {})
    took, limit = meta.get("seconds"), meta.get("limit_s")
    if limit:
        add(f"{'BENCH_QUICK=1 ' if meta.get('quick') else ''}make bench < {limit:.0f} s", took,
            None if took is None else took < limit, " s")
    return out


def targets_table(rows: Sequence[Mapping[str, Any]]) -> str:
    """The targets as a markdown table. "At equal CPU": for a ratio of servers, the ratio of
    their CPU per request; for a ratio of sizes, the same ratio in the app's CPU time. "Rounds":
    for a ratio of servers, its lowest and highest round by round."""
    lines = ["| target | measured | met? | at equal CPU | rounds |", "|---|--:|:-:|--:|--:|"]
    for t in rows:
        measured = "–" if t["measured"] is None else f"{t['measured']}{t['unit']}"
        met = {True: "yes", False: "**no**", None: "n/a"}[t["ok"]]
        cpu = t.get("at_equal_cpu")
        spread = t.get("rounds")
        swing = "–" if spread is None else f"{spread[0]:.2f}–{spread[1]:.2f}×"
        lines.append(f"| {t['target']} | {measured} | {met} | {_fmt(cpu, '.2f', '×')} "
                     f"| {swing} |")
    return "\n".join(lines)


def profile_table(profile: Mapping[str, Any], top: int = 6) -> str:
    """Per profiled scenario: approximate CPU µs per request by component, mock beside the
    bare Connexion app, and the mock's top functions by self time."""
    if not profile or "error" in profile:
        return f"(no profile: {profile.get('error', 'not run')})"
    parts = []
    for scenario, by_server in profile.items():
        mock = by_server.get("mock", {})
        ref = by_server.get("connexion", {})
        if "error" in mock or "components" not in mock:
            parts.append(f"**{scenario}**: {mock.get('error', 'no profile')}")
            continue
        costs, ref_costs = mock.get("costs_us", {}), ref.get("costs_us", {})
        parts.append(
            f"**{SCENARIO_LABELS.get(scenario, scenario)}** — CPU per request: mock "
            f"{_fmt(mock.get('cpu_ms_per_request'), '.3f')} ms, bare Connexion "
            f"{_fmt(ref.get('cpu_ms_per_request'), '.3f')} ms. By component (µs per request ≈ "
            "py-spy share × CPU per request; socket send/wait samples left out, they were "
            f"{mock['components'].get(profiling.SOCKET, 0)}% of the mock's):\n")
        parts.append("| Component | mock µs | bare Connexion µs | Δ µs |\n|---|--:|--:|--:|")
        # By the mock's cost, then the reference's, then name: ties in a fixed order (a set's
        # order moved them from one rendering of the same results to the next).
        names = sorted(set(costs) | set(ref_costs),
                       key=lambda k: (-costs.get(k, 0.0), -ref_costs.get(k, 0.0), k))
        for name in names:
            mine, theirs = costs.get(name, 0.0), ref_costs.get(name, 0.0)
            if max(mine, theirs) >= 5:
                parts.append(f"| {name} | {mine:.0f} | {theirs:.0f} | {mine - theirs:+.0f} |")
        parts.append("\nMock, top self time: " + "; ".join(
            f"`{name}` {pct}%" for name, pct in mock["top_self"][:top]) + ".\n")
    return "\n".join(parts)


def walks_text(walks: Mapping[str, Any]) -> str:
    """Per stateful scenario (a settle): whether each of the mock's requests, in the load and
    the profile, went to a row no earlier request had changed (`bench.load.Walks`)."""
    lines = []
    for scenario, by_server in walks.items():
        mock = by_server.get("mock")
        if mock is None:
            continue
        label = SCENARIO_LABELS.get(scenario, scenario)
        reached = (f"the measured runs reached {mock['measured']:,} of its {mock['paths']:,} "
                   f"rows, the warm-up {mock['warm_up']:,} from the other end")
        if mock["repeated"]:
            lines.append(f"\n\n**{label}: {mock['repeated']:,} of the mock's requests went to a "
                         f"row an earlier request had changed already** ({reached}): those "
                         "measured another, cheaper operation. Seed more rows (`payables` in "
                         "bench/plan.py).")
        else:
            lines.append(f"\n\n{label}: every request to the mock went to a row no earlier "
                         f"request had changed ({reached}).")
    return "".join(lines)


def load_table(results: Mapping[str, Any]) -> str:
    """The served part alone (`--only load`): throughput, ratios and the profile."""
    return "\n\n".join((throughput_table(results["load"]) + walks_text(results.get("walks", {})),
                        ratio_table(results["load"]), profile_table(results.get("profile", {}))))


def breakdown_text(sites: Sequence[Mapping[str, Any]]) -> str:
    """One line: bytes per row by allocation site (tracemalloc)."""
    if not sites:
        return ""
    total = next((s for s in sites if s["site"] == "total"), {})
    rest = "; ".join(f"`{s['site']}` {s['bytes_per_row']:.0f}" for s in sites
                     if s["site"] != "total")
    return (f" By allocation site (tracemalloc, {total.get('rows', 0):,} rows, "
            f"{total.get('bytes_per_row')} B/row in all): {rest}.")


def parts_table(meta: Mapping[str, Any]) -> str:
    """Where the run's time went: each part's seconds beside its budget (bench/plan.py)."""
    parts = meta.get("parts", {})
    if not parts:
        return "Not timed."
    lines = ["| part | budget s | took s |", "|---|--:|--:|"]
    for name, t in parts.items():
        lines.append(f"| {name} | {_fmt(t.get('budget'), '.0f')} | {t['seconds']:.0f} |")
    budget = sum(t.get("budget") or 0 for t in parts.values())
    lines.append(f"| **all** (limit {_fmt(meta.get('limit_s'), '.0f')} s) | {budget:.0f} "
                 f"| {_fmt(meta.get('seconds'), '.0f')} |")
    return "\n".join(lines)


def runtimes_text(meta: Mapping[str, Any]) -> str:
    """Which event loop and HTTP parser each Python server ran (from its memory map)."""
    runtimes = meta.get("runtimes", {})
    if not runtimes:
        return ""
    shown = ", ".join(f"{SERVER_LABELS.get(name, name)} {r['loop']} + {r['http']}"
                      for name, r in runtimes.items())
    same = len({(r["loop"], r["http"]) for r in runtimes.values()}) == 1
    return (f"Event loop and HTTP parser, as loaded in each server process: {shown}"
            + (" (the same for all)." if same else " — **not the same: the ratios compare "
               "loops too**."))


def markdown(results: Mapping[str, Any]) -> str:
    """Everything, as the markdown printed to the console and written to results.md."""
    meta = results.get("meta", {})
    idem = results.get("idempotency", {})
    startup = results.get("startup", {})
    scale = results.get("scale", {})
    load = results.get("load", [])
    parts = [
        "## Targets\n",
        targets_table(results.get("targets", [])),
        "\n## The mock's ratio to each reference (req/s; at equal CPU in brackets)\n",
        ratio_table(load),
        "\n" + runtimes_text(meta),
        "\n## Throughput (one uvicorn worker each; "
        f"{meta.get('tool', '?')} -t{meta.get('threads', '?')} -c{meta.get('connections', '?')} "
        f"-d{meta.get('duration', 0):.0f}s × {meta.get('rounds', 1)} rounds after "
        f"{meta.get('warmup', 0):.0f} s of warm-up, interleaved across servers; "
        f"{meta.get('rows', 0):,} transactions in the tenant)\n",
        throughput_table(load) + walks_text(results.get("walks", {})),
        "\n## The journal's write cost (`--db`: every 2xx committed and fsynced first)\n",
        journal_table(results["journal"]) if results.get("journal") else "Not measured.",
        "\n## Scale (in-process: tenant A's transactions and tenant B's payables grown "
        "together)\n",
        scale_table(scale) + client_text(scale),
        f"\nMemory per 100k rows: {scale.get('memory_per_100k_rows_mib', '–')} MiB (RSS growth)."
        + breakdown_text(scale.get("memory_breakdown", [])),
        "\n### Filtered pages\n",
        filtered_table(scale),
        f"\nStart-up with the demo seed (`python -m mock` to first 200 on /__mock/health): "
        f"median {startup.get('median_s', '–')} s over {startup.get('seconds', [])}; phases in "
        "a fresh interpreter: " + ", ".join(f"{k} {v} s" for k, v in
                                           startup.get("phases", {}).items()) + "."
        + (f" The first start after an edit of spec/ (prance parses and validates it again): "
           f"{startup['without_spec_cache_s']} s." if "without_spec_cache_s" in startup else ""),
        (f"Idempotency cache: {idem['entries']:,} keyed entries, one per {idem['step_seconds']} s "
         f"of fake time, ~{idem['body_bytes']} B bodies → {idem['retained']:,} retained after "
         f"24 h expiry, {idem['current_mib']} MiB (peak {idem['peak_mib']} MiB), "
         f"{idem['bytes_per_retained_entry']:.0f} B/entry, {idem['us_per_request']} µs per "
         "get+begin." if idem else "Idempotency cache: not measured."),
        "\n## Profile of the served mock (py-spy)\n",
        profile_table(results.get("profile", {})),
        "\n## Where the time went\n",
        parts_table(meta),
        f"\nMachine: {meta.get('cpus', '?')} CPUs shared with other work — load average "
        f"{meta.get('loadavg_start', '?')} at the start, {meta.get('loadavg_end', '?')} at the "
        f"end; req/s and latencies are noisy (the server got only part of a core), CPU ms per "
        f"request (from /proc, all of the server's processes) is steadier; the ratios (same run, "
        f"rounds interleaved) are the headline. "
        f"Run took {meta.get('seconds', '?')} s.",
    ]
    return "\n".join(parts) + "\n"


def write_chart(results: Mapping[str, Any], path: Path) -> Path | None:
    """Four panels: requests/s and server CPU per request by endpoint (servers side by side),
    the mock's ratio to each reference (req/s, with the targets' floors), and latency against
    rows (log axes, the worst filtered page among them)."""
    try:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        return None
    load = results.get("load", [])
    by = _index(load)
    scenarios = scenarios_of(load)
    fig, axes = plt.subplots(2, 2, figsize=(17, 11))
    (bars, cpu), (ratios, lines) = axes
    ticks = range(len(scenarios))
    for axis, key, title, unit in (
            (bars, "rps", "Throughput by endpoint", "requests/s (one worker, shared CPUs)"),
            (cpu, "cpu_ms_per_request", "Server CPU per request (lower is better)",
             "CPU ms per request")):
        _grouped_bars(axis, ticks, {
            SERVER_LABELS[server]: [(by[(s, server)].get(key) or 0) if (s, server) in by else 0
                                    for s in scenarios] for server in SERVERS})
        axis.set_ylabel(unit)
        axis.set_title(title)
    placed = _grouped_bars(ratios, ticks, {
        f"mock ÷ {SERVER_LABELS[server]}": [_ratio(by.get((s, "mock")), by.get((s, server)))
                                            or 0 for s in scenarios] for server in REFERENCES})
    marked = False
    for server in REFERENCES:
        xs = placed.get(f"mock ÷ {SERVER_LABELS[server]}")
        cpu_ratios = [_cpu_ratio(by.get((s, "mock")), by.get((s, server))) for s in scenarios]
        if xs is None or not any(cpu_ratios):
            continue
        ratios.scatter([x for x, r in zip(xs, cpu_ratios, strict=True) if r],
                       [r for r in cpu_ratios if r], marker="D", color="black", s=18, zorder=3,
                       label=None if marked else "at equal CPU")
        marked = True
    if marked:
        ratios.legend(fontsize=8)
    for floor in sorted({f for _, _, f in LOAD_TARGETS}):
        ratios.axhline(floor, color="grey", linewidth=0.8, linestyle=":")
    ratios.axhline(1.0, color="black", linewidth=0.8)
    ratios.set_ylabel("mock's req/s over the reference's (dotted: target floors)")
    ratios.set_title("The mock's ratio to each reference (bars: req/s; ◆: at equal CPU)")
    for axis in (bars, cpu, ratios):
        axis.set_xticks(list(ticks))
        axis.set_xticklabels([SHORT_LABELS.get(s, s) for s in scenarios], fontsize=8)
    points = results.get("scale", {}).get("points", [])
    if points:
        rows = [p["rows"] for p in points]
        for key, label in (("first_page", "first page"), ("deep_page", "deep page (cursor)"),
                           ("get_by_id", "GET by id")):
            lines.plot(rows, [p["http"][key]["p50_ms"] for p in points], marker="o",
                       label=f"{label} (HTTP, in-process)")
        if all(BASELINE in p for p in points):  # flat unless the machine's pace moved
            lines.plot(rows, [p[BASELINE]["http"]["first_page"]["p50_ms"] for p in points],
                       marker=".", linestyle=":", color="grey",
                       label=f"first page of the {points[0][BASELINE]['rows']:,}-row baseline, "
                             "timed in turns with each size")
        worst = results.get("scale", {}).get("worst_filtered")
        if worst and all(worst["query"] in p.get("filtered", {}) for p in points):
            lines.plot(rows, [p["filtered"][worst["query"]]["p50_ms"] for p in points],
                       marker="s", color="red", label=f"worst filtered: {worst['query']}")
        for key, label in (("first_page", "Table.page first"), ("deep_page", "Table.page deep")):
            lines.plot(rows, [p["store"][key]["p50_ms"] for p in points], marker="x",
                       linestyle="--", label=label)
        lines.set_xscale("log")
        lines.set_yscale("log")
        lines.set_xlabel("rows in the table")
        lines.set_ylabel("p50 latency (ms)")
        lines.set_title("Latency against rows")
        lines.legend(fontsize=7)
    fig.tight_layout()
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, dpi=100)
    plt.close(fig)
    return path


def _grouped_bars(axis: Any, ticks: range,
                  series: Mapping[str, Sequence[float]]) -> dict[str, list[float]]:
    """One bar per series at each tick, side by side; series of zeros are left out. Returns
    each drawn series' bar positions."""
    drawn = {label: values for label, values in series.items() if any(values)}
    width = 0.8 / max(1, len(drawn))
    placed: dict[str, list[float]] = {}
    for i, (label, values) in enumerate(drawn.items()):
        placed[label] = [x + (i - (len(drawn) - 1) / 2) * width for x in ticks]
        axis.bar(placed[label], values, width, label=label)
    if drawn:
        axis.legend(fontsize=8)
    return placed


def write_all(results: dict[str, Any], out_dir: Path) -> str:
    """Fill in the targets, write results.json, results.md and bench.png; return the markdown."""
    results["targets"] = targets(results)
    out_dir.mkdir(parents=True, exist_ok=True)
    text = markdown(results)
    (out_dir / "results.json").write_text(json.dumps(results, indent=2, default=str))
    (out_dir / "results.md").write_text(text)
    write_chart(results, out_dir / "bench.png")
    return text
