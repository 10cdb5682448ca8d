"""The bench's output: markdown tables (console and `results.md`), `results.json`, a PNG chart.

`results` is the dict `bench/__main__.py` builds: `meta`, `load` (one `LoadResult` dict per
scenario and server), `profile`, `startup`, `scale`, `idempotency`. `targets(results)` checks
the project's performance targets (mock vs. reference) as ratios measured in the same run.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from bench import profiling

SERVERS: tuple[str, ...] = ("mock", "reference", "prism")
SERVER_LABELS = {"mock": "mock", "reference": "bare Connexion", "prism": "Prism -v error"}
SCENARIO_LABELS = {
    "get_by_id": "GET /transactions/{id}",
    "list": "GET /transactions?limit=25",
    "list_filter": "GET /transactions?limit=25&type=debit",
    "create": "POST /taxes (Idempotency-Key)",
    "settle": "PATCH /payables/{id} (settle)",
}
SHORT_LABELS = {"get_by_id": "GET by id", "list": "list page", "list_filter": "list ?type=",
                "create": "POST create", "settle": "PATCH settle"}


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
    """Per endpoint and server: req/s, p50/p99 and CPU ms per request; the mock's ratios to
    each reference in req/s and, in brackets, at equal CPU."""
    by = _index(load)
    head = ["Endpoint"]
    for server in SERVERS:
        head += [f"{SERVER_LABELS[server]} req/s", "p50 / p99 ms", "CPU ms/req"]
    head += ["mock ÷ Connexion", "mock ÷ Prism", "errors m/c/p", "load avg"]
    lines = ["| " + " | ".join(head) + " |", "|---" + "|--:" * (len(head) - 1) + "|"]
    for scenario in scenarios_of(load):
        cells = [SCENARIO_LABELS.get(scenario, scenario)]
        rows = [by.get((scenario, s)) for s in SERVERS]
        for r in rows:
            if r is None:
                cells += ["–", "–", "–"]
            else:
                cells += [f"{r['rps']:,.0f}", f"{r['p50_ms']:.1f} / {r['p99_ms']:.1f}",
                          _fmt(r.get("cpu_ms_per_request"), ".3f")]
        for other in rows[1:]:
            cells.append(f"{_fmt(_ratio(rows[0], other), '.2f', '×')} "
                         f"({_fmt(_cpu_ratio(rows[0], other), '.2f', '×')})")
        cells.append("/".join("–" if r is None else str(r["errors"]) for r in rows))
        loads = [r["loadavg"] for r in rows if r is not None]
        cells.append(f"{min(loads):.1f}–{max(loads):.1f}" if loads else "–")
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines)


def scale_table(scale: Mapping[str, Any]) -> str:
    """Latency and memory per row at each table size."""
    lines = [
        "| Rows | first page p50 / p99 ms | deep page p50 / p99 ms | filtered page p50 ms "
        "| GET by id p50 / p99 ms | Table.page first / deep µs | RSS bytes/row |",
        "|--:|--:|--:|--:|--:|--:|--:|",
    ]
    for p in scale.get("points", []):
        h, s = p["http"], p["store"]
        lines.append(
            f"| {p['rows']:,} | {h['first_page']['p50_ms']:.2f} / {h['first_page']['p99_ms']:.2f} "
            f"| {h['deep_page']['p50_ms']:.2f} / {h['deep_page']['p99_ms']:.2f} "
            f"| {h['filtered_page']['p50_ms']:.2f} "
            f"| {h['get_by_id']['p50_ms']:.2f} / {h['get_by_id']['p99_ms']:.2f} "
            f"| {s['first_page']['p50_ms'] * 1000:.0f} / {s['deep_page']['p50_ms'] * 1000:.0f} "
            f"| {p['bytes_per_row']:,.0f} |")
    return "\n".join(lines)


def targets(results: Mapping[str, Any]) -> list[dict[str, Any]]:
    """Each performance target: {target, measured, ok} (ok None when not measured)."""
    by = _index(results.get("load", []))
    out: list[dict[str, Any]] = []

    def add(name: str, measured: float | None, ok: bool | None, unit: str = "×",
            at_equal_cpu: float | None = None) -> None:
        out.append({"target": name, "measured": measured, "unit": unit, "ok": ok,
                    "at_equal_cpu": at_equal_cpu})

    for scenario, what, server, floor in (("get_by_id", "GET by id", "prism", 1.0),
                                          ("get_by_id", "GET by id", "reference", 0.8),
                                          ("list", "list page", "prism", 0.8)):
        mine, theirs = by.get((scenario, "mock")), by.get((scenario, server))
        ratio = _ratio(mine, theirs)
        add(f"{what} req/s ≥ {floor}× {SERVER_LABELS[server]}", ratio,
            None if ratio is None else ratio >= floor, at_equal_cpu=_cpu_ratio(mine, theirs))
    points = results.get("scale", {}).get("points", [])
    if len(points) >= 2:
        small, large = points[0], points[-1]
        for page in ("first_page", "deep_page"):
            ratio = round(large["http"][page]["p50_ms"] / small["http"][page]["p50_ms"], 2)
            add(f"{page.replace('_', ' ')} p50 at {large['rows']:,} rows ≤ 1.5× at "
                f"{small['rows']:,}", ratio, ratio <= 1.5)
        add(f"memory ≤ 1024 B per transaction row (RSS, at {large['rows']:,})",
            large["bytes_per_row"], large["bytes_per_row"] <= 1024, " B")
    startup = results.get("startup", {}).get("median_s")
    add("start-up with demo seed < 2 s (median)", startup,
        None if startup is None else startup < 2.0, " s")
    return out


def targets_table(rows: Sequence[Mapping[str, Any]]) -> str:
    """The targets as a markdown table."""
    lines = ["| Target | Measured | Met | At equal CPU |", "|---|--:|:-:|--:|"]
    for t in rows:
        measured = "–" if t["measured"] is None else f"{t['measured']}{t['unit']}"
        met = {True: "yes", False: "**no**", None: "n/a"}[t["ok"]]
        cpu = t.get("at_equal_cpu")
        lines.append(f"| {t['target']} | {measured} | {met} | {_fmt(cpu, '.2f', '×')} |")
    return "\n".join(lines)


def profile_table(profile: Mapping[str, Any], top: int = 6) -> str:
    """Per profiled scenario: approximate CPU µs per request by component, mock beside the
    bare Connexion app, and the mock's top functions by self time."""
    if not profile or "error" in profile:
        return f"(no profile: {profile.get('error', 'not run')})"
    parts = []
    for scenario, by_server in profile.items():
        mock = by_server.get("mock", {})
        ref = by_server.get("reference", {})
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
        names = sorted(set(costs) | set(ref_costs), key=lambda k: -costs.get(k, 0.0))
        for name in names:
            mine, theirs = costs.get(name, 0.0), ref_costs.get(name, 0.0)
            if max(mine, theirs) >= 5:
                parts.append(f"| {name} | {mine:.0f} | {theirs:.0f} | {mine - theirs:+.0f} |")
        parts.append("\nMock, top self time: " + "; ".join(
            f"`{name}` {pct}%" for name, pct in mock["top_self"][:top]) + ".\n")
    return "\n".join(parts)


def breakdown_text(sites: Sequence[Mapping[str, Any]]) -> str:
    """One line: bytes per row by allocation site (tracemalloc)."""
    if not sites:
        return ""
    total = next((s["bytes_per_row"] for s in sites if s["site"] == "total"), None)
    rest = "; ".join(f"`{s['site']}` {s['bytes_per_row']:.0f}" for s in sites
                     if s["site"] != "total")
    return f" By allocation site (tracemalloc, 20k rows, {total} B/row in all): {rest}."


def markdown(results: Mapping[str, Any]) -> str:
    """Everything, as the markdown printed to the console and written to results.md."""
    meta = results.get("meta", {})
    idem = results.get("idempotency", {})
    startup = results.get("startup", {})
    scale = results.get("scale", {})
    parts = [
        "## Throughput (one uvicorn worker; "
        f"{meta.get('tool', '?')} -t{meta.get('threads', '?')} -c{meta.get('connections', '?')} "
        f"-d{meta.get('duration', 0):.0f}s × {meta.get('rounds', 1)} rounds interleaved across "
        f"servers; {meta.get('rows', 0):,} transactions in the tenant)\n",
        throughput_table(results.get("load", [])),
        "\n## Scale (in-process, one tenant's transactions)\n",
        scale_table(scale),
        f"\nMemory per 100k rows: {scale.get('memory_per_100k_rows_mib', '–')} MiB (RSS growth)."
        + breakdown_text(scale.get("memory_breakdown", [])),
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
        "\n## Targets\n",
        targets_table(results.get("targets", [])),
        "\n## Profile of the served mock (py-spy)\n",
        profile_table(results.get("profile", {})),
        f"\nMachine: {meta.get('cpus', '?')} CPUs shared with other work — load average "
        f"{meta.get('loadavg_start', '?')} at the start, {meta.get('loadavg_end', '?')} at the "
        f"end; req/s and latencies are noisy (the server got only part of a core), CPU ms per "
        f"request (from /proc, all of the server's processes) is steadier; the ratios (same run, "
        f"rounds interleaved) are the headline. "
        f"Run took {meta.get('seconds', '?')} s.",
    ]
    return "\n".join(parts) + "\n"


def write_chart(results: Mapping[str, Any], path: Path) -> Path | None:
    """requests/s and CPU per request by endpoint (servers side by side), and latency against
    rows (log axes)."""
    try:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        return None
    load = results.get("load", [])
    by = _index(load)
    scenarios = scenarios_of(load)
    fig, (bars, cpu, lines) = plt.subplots(1, 3, figsize=(19, 5.5))
    width = 0.27
    for axis, key, title, unit in (
            (bars, "rps", "Throughput by endpoint", "requests/s (one worker, shared CPUs)"),
            (cpu, "cpu_ms_per_request", "Server CPU per request (lower is better)",
             "CPU ms per request")):
        drawn = False
        for i, server in enumerate(SERVERS):
            values = [by[(s, server)].get(key) or 0 if (s, server) in by else 0
                      for s in scenarios]
            if any(values):
                axis.bar([x + (i - 1) * width for x in range(len(scenarios))], values, width,
                         label=SERVER_LABELS[server])
                drawn = True
        axis.set_xticks(range(len(scenarios)))
        axis.set_xticklabels([SHORT_LABELS.get(s, s) for s in scenarios], fontsize=8)
        axis.set_ylabel(unit)
        axis.set_title(title)
        if drawn:
            axis.legend(fontsize=8)
    points = results.get("scale", {}).get("points", [])
    if points:
        rows = [p["rows"] for p in points]
        for key, label in (("first_page", "first page"), ("deep_page", "deep page (cursor)"),
                           ("filtered_page", "filtered page"), ("get_by_id", "GET by id")):
            lines.plot(rows, [p["http"][key]["p50_ms"] for p in points], marker="o",
                       label=f"{label} (HTTP, in-process)")
        for key, label in (("first_page", "Table.page first"), ("deep_page", "Table.page deep")):
            lines.plot(rows, [p["store"][key]["p50_ms"] for p in points], marker="x",
                       linestyle="--", label=label)
        lines.set_xscale("log")
        lines.set_yscale("log")
        lines.set_xlabel("transactions in the tenant")
        lines.set_ylabel("p50 latency (ms)")
        lines.set_title("Latency against rows")
        lines.legend(fontsize=8)
    fig.tight_layout()
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return path


def write_all(results: dict[str, Any], out_dir: Path) -> str:
    """Fill in the targets, write results.json, results.md and bench.png; return the markdown."""
    results["targets"] = targets(results)
    out_dir.mkdir(parents=True, exist_ok=True)
    text = markdown(results)
    (out_dir / "results.json").write_text(json.dumps(results, indent=2, default=str))
    (out_dir / "results.md").write_text(text)
    write_chart(results, out_dir / "bench.png")
    return text
