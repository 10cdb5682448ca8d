"""The write cost of the journal: POST and PATCH requests/s with and without `--db`.

`python -m bench --only journal` (BENCH_QUICK=1 for short runs) starts the mock twice — memory
only, then with a fresh SQLite state file — and drives the same two writes at each: a create
(`POST /taxes`, unique name and Idempotency-Key) and an edit (`PATCH /taxes/{id}`, a new name
each time). Every acknowledged write with `--db` waited for its commit (`synchronous = FULL`:
an fsync), so the difference is the price of "a 2xx is on disk".
"""

from __future__ import annotations

import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx

from bench import load, servers
from fixtures import tokens

TAXES = 200  # rows the PATCH load spreads over


def scenarios(tax_ids: list[str]) -> list[load.Scenario]:
    return [
        load.Scenario("journal_post", "POST /taxes", "POST", ("/taxes",),
                      "mock.api.taxes.create",
                      body=f'{{"name": "Journal tax {load.UNIQUE}", "default_rate": "2.50"}}',
                      headers={"Idempotency-Key": f"journal-{load.UNIQUE}"}, expect=201),
        load.Scenario("journal_patch", "PATCH /taxes/{id}", "PATCH",
                      tuple(f"/taxes/{i}" for i in tax_ids), "mock.api.taxes.update",
                      body=f'{{"name": "Journal edit {load.UNIQUE}"}}'),
    ]


def _taxes(api_url: str, headers: dict[str, str]) -> list[str]:
    with httpx.Client(base_url=api_url, headers=headers, timeout=30) as client:
        out = []
        for n in range(TAXES):
            r = client.post("/taxes", json={"name": f"Journal seed {n}"})
            r.raise_for_status()
            out.append(r.json()["id"])
        return out


def run(config: load.LoadConfig, tool: load.Tool, rounds: int, logs: Path,
        log: Callable[[str], None] = print) -> dict[str, Any]:
    """Both modes, `rounds` interleaved rounds of each scenario; results and the ratio."""
    headers = {"Authorization": "Bearer " + tokens.mint_token(tokens.TENANT_A,
                                                              expires_in=24 * 3600)}
    logs.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="bench-journal-") as tmp:
        started = {
            "memory": servers.start_mock(log_path=logs / "mock-memory.log", extra=("--quiet",)),
            "journal": servers.start_mock(log_path=logs / "mock-journal.log",
                                          extra=("--quiet", "--db", str(Path(tmp) / "s.db"))),
        }
        try:
            plans = {mode: scenarios(_taxes(server.api_url, headers))
                     for mode, server in started.items()}
            results: dict[str, dict[str, Any]] = {}
            nonce = str(int(time.time()))
            for index, name in enumerate(("journal_post", "journal_patch")):
                measured: dict[str, list[load.LoadResult]] = {mode: [] for mode in started}
                for mode, server in started.items():
                    scenario = plans[mode][index]
                    load.warm_up(scenario, server.api_url, config, server=mode, tool=tool,
                                 nonce=f"{nonce}{mode[0]}", base_headers=headers)
                for number in range(rounds):
                    for mode, server in started.items():
                        before = server.cpu_seconds()
                        result = load.run(plans[mode][index], server.api_url, config,
                                          server=mode, tool=tool,
                                          nonce=f"{nonce}{mode[0]}{number}",
                                          base_headers=headers)
                        after = server.cpu_seconds()
                        cpu = None if before is None or after is None else after - before
                        measured[mode].append(result.with_cpu(cpu))
                combined = {mode: load.combine(r) for mode, r in measured.items()}
                memory, journal = combined["memory"], combined["journal"]
                results[name] = {
                    "label": plans["memory"][index].label,
                    "memory": memory.to_json(), "journal": journal.to_json(),
                    "journal_over_memory": round(journal.rps / memory.rps, 3)
                    if memory.rps else None,
                }
                log(f"bench: {name:<14} memory {memory.rps:>7,.0f} req/s  --db "
                    f"{journal.rps:>7,.0f} req/s  ({results[name]['journal_over_memory']}×)  "
                    f"p50 {memory.p50_ms:.1f} / {journal.p50_ms:.1f} ms  errors "
                    f"{memory.errors}/{journal.errors}  load {journal.loadavg}")
            return results
        finally:
            for server in started.values():
                server.stop()


def table(results: dict[str, Any]) -> str:
    """The side-by-side table (markdown)."""
    lines = ["| write | memory only req/s | with --db req/s | --db ÷ memory "
             "| p50 ms (memory / --db) |",
             "| --- | --: | --: | --: | --: |"]
    for row in results.values():
        memory, journal = row["memory"], row["journal"]
        lines.append(f"| {row['label']} | {memory['rps']:,.0f} | {journal['rps']:,.0f} | "
                     f"{row['journal_over_memory']}× | {memory['p50_ms']:.1f} / "
                     f"{journal['p50_ms']:.1f} |")
    return "\n".join(lines)
