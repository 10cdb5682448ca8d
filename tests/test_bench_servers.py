"""The plain Starlette floor (bench/starlette_app.py), in-process and as the bench starts it:
a real server on a free port, on the event loop asked for, under a short load, then stopped."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path
from typing import Any

import httpx
import pytest

from bench import load, servers, workload
from bench.starlette_app import create_app
from fixtures import tokens

TRANSACTIONS = [f"00000000-0000-4000-8000-{n:012d}" for n in range(60)]
PAYABLES = ["11111111-0000-4000-8000-000000000001"]
BODIES = {
    "mock.api.transactions.get": {"status": 200, "body": {"id": "x", "type": "debit",
                                                          "amount": "1.00"}},
    "mock.api.payables.update": {"status": 200, "body": {"id": "y", "status": "paid"}},
    "mock.api.taxes.create": {"status": 201, "body": {"id": "z", "name": "t"}},
}
IDS = {"transactions": TRANSACTIONS, "payables": PAYABLES}


def bearer() -> dict[str, str]:
    return {"Authorization": f"Bearer {tokens.mint_token(tokens.TENANT_A)}"}


def test_the_floor_does_each_endpoints_least_work() -> None:
    async def go() -> list[httpx.Response]:
        transport = httpx.ASGITransport(app=create_app(BODIES, IDS))
        async with httpx.AsyncClient(transport=transport, base_url="http://floor/v1",
                                     headers=bearer()) as client:
            key = {"Idempotency-Key": "k1"}
            return [
                await client.get(f"/transactions/{TRANSACTIONS[3]}"),
                await client.get("/transactions/00000000-0000-4000-8000-999999999999"),
                await client.get("/transactions?limit=25&type=debit"),
                await client.post("/taxes", json={"name": "Tax"}, headers=key),
                await client.post("/taxes", json={"name": "Tax"}, headers=key),
                await client.patch(f"/payables/{PAYABLES[0]}", json={"status": "paid"}),
                await client.get("/transactions?limit=25", headers={"Authorization": ""}),
            ]

    got, missing, debits, created, replayed, settled, anonymous = asyncio.run(go())
    assert (got.status_code, got.json()["id"]) == (200, TRANSACTIONS[3])
    assert missing.status_code == 404
    page = debits.json()["data"]
    assert len(page) == 25 and {r["type"] for r in page} == {"debit"}
    assert created.status_code == replayed.status_code == 201
    assert created.json()["id"] == replayed.json()["id"]  # the same key replays the answer
    assert (settled.status_code, settled.json()["id"]) == (200, PAYABLES[0])
    assert anonymous.status_code == 401


@pytest.fixture
def files(tmp_path: Path) -> tuple[Path, Path]:
    bodies, ids = tmp_path / "bodies.json", tmp_path / "ids.json"
    bodies.write_text(json.dumps(BODIES))
    ids.write_text(json.dumps(IDS))
    return bodies, ids


@pytest.mark.parametrize("loop", ["asyncio", "uvloop"])
def test_the_floor_starts_on_the_loop_asked_for_serves_load_and_stops(
        files: tuple[Path, Path], tmp_path: Path, loop: str) -> None:
    server = servers.start_starlette(*files, loop=loop, log_path=tmp_path / "floor.log")
    try:
        assert server.name == "starlette" and server.python
        runtime = server.runtime()
        assert (runtime.loop, runtime.http) == (loop, "httptools")
        before = server.cpu_seconds()
        scenario = load.Scenario("get_by_id", "GET", "GET",
                                 tuple(f"/transactions/{i}" for i in TRANSACTIONS), "op")
        result = load.run(scenario, server.api_url, load.LoadConfig(1, 4, 1.0, 0),
                          server=server.name, tool=load.default_tool(), nonce="t",
                          base_headers=bearer())
        used = server.cpu_seconds()
        assert result.requests > 0 and result.errors == 0
        assert before is not None and used is not None and used > before
    finally:
        server.stop()
    assert server.proc.poll() is not None


def test_runtime_of_a_process_that_is_gone() -> None:
    assert servers.runtime(2**22 + 1) == servers.Runtime(None, None)


def test_the_ids_the_floor_serves_are_the_workloads() -> None:
    work = workload.plan(50, 20, sample=10)
    assert work.ids() == {"transactions": list(work.transaction_ids),
                          "payables": list(work.payable_ids)}




def test_the_bench_starts_the_seeded_mock_and_both_python_references_alike(
        tmp_path: Path) -> None:
    """`python -m bench`'s own start-up, tiny (no Prism): every server on the mock's loop and
    parser; the references answer every scenario as the mock did; one short round each."""
    from dataclasses import replace

    from bench.__main__ import parse_args, run_load, start_servers

    settings = parse_args(["--quick", "--no-prism", "--rows", "200", "--duration", "1",
                           "--out", str(tmp_path)])
    settings = replace(settings, sizes=replace(settings.sizes, payables=50),
                       config=replace(settings.config, warmup=0))
    results: dict[str, Any] = {"meta": {}, "load": []}
    started: list[servers.Server] = []
    try:
        items = start_servers(settings, results, started)
        assert [s.name for s in started] == ["mock", "starlette", "connexion"]
        assert len({(r["loop"], r["http"]) for r in results["meta"]["runtimes"].values()}) == 1
        for reference in started[1:]:
            workload.capture(reference.api_url, items)  # raises unless each answers as expected
        run_load(settings, started, items[:1], results, load.Walks())
    finally:
        for server in reversed(started):
            server.stop()
    assert [r["server"] for r in results["load"]] == ["mock", "starlette", "connexion"]
    assert all(r["requests"] > 0 and r["errors"] == 0 and r["cpu_ms_per_request"]
               for r in results["load"])
