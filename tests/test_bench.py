"""Smoke tests of the `make bench` harness pieces, with tiny sizes and durations (no servers:
the load client runs against the reference app in-process, over httpx's ASGI transport)."""

from __future__ import annotations

import asyncio
import http.server
import shutil
import threading
import time
from typing import Any

import httpx
import pytest

from bench import ROOT, load, profiling, report, scale, workload
from bench.reference_app import create_reference_app
from fixtures import seed, tokens
from mock import seeding
from mock.app import create_app, new_store

TRANSACTION = "0b0b0b0b-0000-4000-8000-00000000000a"


def bearer(tenant: str = tokens.TENANT_A) -> dict[str, str]:
    return {"Authorization": f"Bearer {tokens.mint_token(tenant)}"}


@pytest.fixture(scope="module")
def reference() -> Any:
    return create_reference_app({
        "mock.api.transactions.get": {"status": 200, "body": {"id": TRANSACTION}},
        "mock.api.taxes.create": {"status": 201, "body": {"id": TRANSACTION, "name": "x"}},
    })


def test_lua_script_embeds_paths_headers_and_unique_tokens() -> None:
    scenario = load.Scenario("create", "POST /taxes", "POST", ("/taxes", '/q"uote'),
                             "mock.api.taxes.create", body='{"name": "t {n}"}',
                             headers={"Idempotency-Key": "k-{n}"}, expect=201)
    script = load.lua_script(scenario, "/v1", threads=2)
    assert '"/v1/taxes"' in script
    assert "\\034" in script  # the quote in a path is escaped for Lua
    assert '"Idempotency-Key"' in script and "k-{n}" in script
    assert "function done(summary, latency, requests)" in script
    assert load.parse_wrk("noise\nBENCH_JSON {\"requests\": 3}\n") == {"requests": 3}


def test_scenario_render_cycles_paths_and_fills_the_unique_token() -> None:
    scenario = load.Scenario("s", "s", "PATCH", ("/a", "/b"), "op", body='{"k": "{n}"}',
                             headers={"Idempotency-Key": "{n}"})
    assert scenario.render(3, "u7") == ("/b", '{"k": "u7"}', {"Idempotency-Key": "u7"})
    assert load.percentile([1.0, 2.0, 3.0, 4.0], 0.5) == 2.0
    assert load.percentile([], 0.99) == 0.0


def test_reference_app_answers_fixed_bodies_and_validates(reference: Any) -> None:
    async def go() -> list[httpx.Response]:
        transport = httpx.ASGITransport(app=reference)
        async with httpx.AsyncClient(transport=transport, base_url="http://ref/v1") as client:
            return [
                await client.get(f"/transactions/{TRANSACTION}", headers=bearer()),
                await client.get(f"/transactions/{TRANSACTION}"),
                await client.get("/transactions?limit=500", headers=bearer()),
                await client.post("/taxes", json={"name": 5}, headers=bearer()),
            ]

    ok, anonymous, bad_limit, bad_body = asyncio.run(go())
    assert (ok.status_code, ok.json()) == (200, {"id": TRANSACTION})
    assert anonymous.status_code == 401
    assert bad_limit.status_code == 400
    assert bad_body.status_code == 422


def test_python_load_client_counts_requests_and_statuses(reference: Any) -> None:
    scenario = load.with_headers(
        load.Scenario("create", "POST /taxes", "POST", ("/taxes",), "mock.api.taxes.create",
                      body='{"name": "Tax {n}"}', headers={"Idempotency-Key": "{n}"},
                      expect=201), bearer())
    config = load.LoadConfig(threads=1, connections=4, duration=0.3, warmup=0)
    result = asyncio.run(load.python_load(scenario, "http://ref/v1", config, server="reference",
                                          nonce="t", transport=httpx.ASGITransport(app=reference)))
    assert result.requests > 0 and result.errors == 0
    assert result.detail["statuses"] == {"201": result.requests}
    assert 0 < result.p50_ms <= result.p99_ms
    combined = load.combine([result, result])
    assert combined.requests == 2 * result.requests and len(combined.detail["rounds"]) == 2


class _Ok(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def do_GET(self) -> None:
        self.send_response(200)
        self.send_header("Content-Length", "2")
        self.end_headers()
        self.wfile.write(b"{}")

    def log_message(self, *_args: Any) -> None:
        pass


@pytest.mark.skipif(shutil.which("wrk") is None, reason="wrk is not installed")
def test_wrk_runs_the_generated_script() -> None:
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Ok)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        scenario = load.Scenario("s", "s", "GET", ("/a", "/b"), "op")
        config = load.LoadConfig(threads=1, connections=2, duration=1, warmup=0)
        result = load.run_wrk(scenario, f"http://127.0.0.1:{server.server_port}/v1", config,
                              server="tiny", nonce="n")
    finally:
        server.shutdown()
        server.server_close()
    assert result.requests > 0 and result.errors == 0 and result.tool == "wrk"
    # the paths reached: every request answered, those still in flight at the end, and the
    # one each thread's script builds when wrk checks it before the run
    span = result.detail["span"]
    assert result.requests <= span <= result.requests + config.connections + config.threads


def test_walks_start_each_run_where_the_last_stopped_and_count_repeats() -> None:
    scenario = load.Scenario("settle", "s", "PATCH", ("/a", "/b", "/c", "/d", "/e"), "op",
                             stateful=True)
    assert scenario.starting_at(2).paths == ("/c", "/d", "/e", "/a", "/b")
    assert scenario.starting_at(5) is scenario

    def reached(span: int) -> load.LoadResult:
        return load.LoadResult("settle", "mock", "wrk", span - 1, 1.0, 1.0, 1.0, 1.0, 0, 0.0,
                               detail={"span": span})

    walks = load.Walks()
    walks.record(scenario, "mock", reached(1), warm_up=True)  # from the other end: "/e"
    assert walks.run_for(scenario, "mock") is scenario  # the measured runs start at "/a"
    walks.record(scenario, "mock", reached(2))
    assert walks.run_for(scenario, "mock").paths[0] == "/c"
    assert walks.run_for(scenario, "floor") is scenario  # each server has its own walk
    walks.record(scenario, "mock", reached(3))  # "/c", "/d" and "/e": the warm-up's
    assert walks.summary([scenario]) == {"settle": {"mock": {
        "paths": 5, "measured": 5, "warm_up": 1, "repeated": 1}}}
    stateless = load.Scenario("get", "g", "GET", ("/a",), "op")
    walks.record(stateless, "mock", reached(9))
    assert walks.run_for(stateless, "mock") is stateless and "get" not in walks.summary(
        [scenario, stateless])
    assert "1 of the mock's requests went to a row an earlier request had changed already" in \
        report.walks_text(walks.summary([scenario]))


def test_settle_runs_in_a_row_each_settle_a_payable_still_pending() -> None:
    """Two runs of the bench's PATCH against the mock in-process: every request settled a
    payable no earlier request had (as many paid payables as requests). Without `Walks` the
    second run started at the first run's payables again and re-settled them."""
    store = new_store()
    tenant = store.tenant(tokens.TENANT_B)
    seeding.apply(tenant, seed.large_dataset(tokens.TENANT_B, 3000, resource="payables"))
    app = create_app(store, secret=tokens.DEFAULT_SECRET)
    settle = workload.scenarios(workload.plan(10, 3000, sample=10))[-1]
    scenario = load.with_headers(settle, workload.auth_headers(settle))
    config = load.LoadConfig(threads=1, connections=4, duration=0.15, warmup=0)
    walks = load.Walks()
    sent = 0
    for run in range(2):
        result = asyncio.run(load.python_load(
            walks.run_for(scenario, "mock"), "http://mock/v1", config, server="mock",
            nonce=f"r{run}", transport=httpx.ASGITransport(app=app)))
        assert result.requests > 0 and result.errors == 0, result.detail
        walks.record(scenario, "mock", result)
        sent += result.requests
    paid = sum(1 for row in tenant["payables"] if row.status == "paid")
    assert paid == sent == len(tenant["transactions"])  # one auto transaction per settle
    assert walks.summary([scenario])["settle"]["mock"]["repeated"] == 0


def test_workload_scenarios_address_seeded_rows() -> None:
    work = workload.plan(50, 20, sample=10)
    assert len(work.transaction_ids) == 10 and len(work.payable_ids) == 20 and work.account_id
    items = workload.scenarios(work)
    assert [s.name for s in items] == ["get_by_id", "list", "list_filter", "create", "settle"]
    settle = items[-1]
    assert [s.name for s in items if s.stateful] == ["settle"]
    assert work.account_id in (settle.body or "")
    assert workload.auth_headers(settle)["Authorization"].startswith("Bearer ")


def test_paths_are_timed_in_turns_and_a_slow_one_stops_at_its_budget() -> None:
    calls: list[str] = []
    tokens_sent: list[str] = []

    def answer(request: httpx.Request) -> httpx.Response:
        calls.append(request.url.path)
        tokens_sent.append(request.headers["Authorization"])
        if request.url.path.endswith("slow"):
            time.sleep(0.02)
        return httpx.Response(200, json={"data": [1], "next_cursor": None})

    async def main() -> dict[tuple[str, str], dict[str, Any]]:
        transport = httpx.MockTransport(answer)
        async with httpx.AsyncClient(transport=transport, base_url="http://x/v1") as client:
            timer = scale._Timer(client, {"x": {"fast": "t", "slow": "t"},
                                          "y": {"fast": "u"}})
            return await timer.sample_all({("x", "a"): "/fast", ("x", "b"): "/slow",
                                           ("y", "a"): "/fast"}, 6, budget=0.05, warmup=1)

    timed = asyncio.run(main())
    assert calls[:3] == ["/v1/fast", "/v1/slow", "/v1/fast"]  # the warm-ups
    assert calls[3:9] == ["/v1/fast", "/v1/slow", "/v1/fast"] * 2  # then one of each per turn
    assert tokens_sent[:3] == ["Bearer t", "Bearer t", "Bearer u"]  # each with its side's
    assert timed["x", "a"]["n"] == timed["y", "a"]["n"] == 6
    assert scale.MIN_SAMPLES <= timed["x", "b"]["n"] < 6
    assert timed["x", "b"]["p50_ms"] >= 20 and timed["x", "a"]["rows"] == 1


def test_scale_and_idempotency_on_tiny_sizes() -> None:
    result = scale.measure_scale((100, 300), samples=3, log=lambda _m: None)
    assert [p["rows"] for p in result["points"]] == [100, 300]
    point = result["points"][-1]
    assert point["table_rows"] == 300
    assert set(point["http"]) == {"first_page", "deep_page", "get_by_id"}
    assert set(point["filtered"]) == {q.name for q in scale.FILTERED} == set(result["filters"])
    assert point["store"]["first_page"]["p50_ms"] > 0
    assert point["store"]["account_detail"]["p50_ms"] > 0
    # The combinations built to match nothing find nothing; the single filters find rows.
    found = {name: timing["rows"] for name, timing in point["filtered"].items()}
    assert found["transactions?type=credit&person_id={supplier}"] == 0
    assert found["payables?person_id={customer}"] == 0
    assert found["transactions?type=debit"] == found["payables?person_id={supplier}"] == 25
    assert point["filtered"]["transactions?type=debit"]["continues"] is True
    # The baseline keeps the smallest size, in its own tenants, timed beside every size.
    for at in result["points"]:
        base = at["baseline"]
        assert base["rows"] == 100 and set(base["filtered"]) == set(at["filtered"])
        assert set(base["http"]) == set(at["http"]) and set(base["store"]) == set(at["store"])
        assert base["filtered"]["transactions?type=credit&person_id={supplier}"]["rows"] == 0
        assert base["filtered"]["transactions?type=debit"]["rows"] == 25
    worst = result["worst_filtered"]
    assert worst["query"] in point["filtered"] and (worst["small_rows"], worst["large_rows"]) \
        == (100, 300)
    assert worst["small"] == point["baseline"]["filtered"][worst["query"]]
    assert result["steepest_filtered"]["ratio"] >= worst["ratio"]
    # What the in-process client costs on its own, and the page's share without it.
    client = point["client"]
    assert client["p50_ms"] > 0 and client["n"] == 3 and worst["client"] == client
    small, large = (worst[k]["p50_ms"] - client["p50_ms"] for k in ("small", "large"))
    assert worst["app_ratio"] == (round(max(0.0, large) / small, 2) if small > 0 else None)
    assert worst["ratio"] == round(worst["large"]["p50_ms"] / worst["small"]["p50_ms"], 2)
    assert worst["large"]["cpu_p50_ms"] > 0 and worst["cpu_ratio"] == round(
        worst["large"]["cpu_p50_ms"] / worst["small"]["cpu_p50_ms"], 2)
    idem = scale.measure_idempotency(3000, step_seconds=60)
    assert idem["retained"] == 24 * 60  # one key a minute, a 24 h TTL
    assert idem["bytes_per_retained_entry"] > 0


def test_filtered_pages_name_values_the_seed_holds() -> None:
    seeded = scale.Seeded.of(tokens.TENANT_A, "transactions")
    steps = {s.id: s for s in seed.large_dataset(tokens.TENANT_A, 1)}
    assert steps[seeded.supplier].body["is_supplier"] and not \
        steps[seeded.supplier].body["is_customer"]
    assert steps[seeded.customer].body["is_customer"]
    assert steps[seeded.credit_category].body["type"] == "credit"
    assert seeded.other_month < seeded.day[:8] + "01"
    query = scale.FilterQuery("transactions", "type=credit&person_id={supplier}", "")
    assert query.path(seeded) == \
        f"/transactions?limit=25&type=credit&person_id={seeded.supplier}"


def test_worst_filtered_is_the_slowest_at_the_largest_size_steepest_grew_most() -> None:
    def point(rows: int, a: float, b: float) -> dict[str, Any]:
        return {"rows": rows, "filtered": {"a": {"p50_ms": a, "p99_ms": a}, "b": {
            "p50_ms": b, "p99_ms": b}}}

    points = [point(1000, 1.0, 0.5), point(10**6, 3.0, 2.0)]
    worst = scale.worst_filtered(points)
    assert worst is not None and (worst["query"], worst["ratio"]) == ("a", 3.0)
    assert worst["cpu_ratio"] is None  # no CPU times in these points
    # b is faster at both sizes, but grew 4x.
    steepest = scale.steepest_filtered(points)
    assert steepest is not None and (steepest["query"], steepest["ratio"]) == ("b", 4.0)
    assert scale.worst_filtered([point(1000, 1.0, 1.0)]) is None
    assert scale.steepest_filtered([point(1000, 1.0, 1.0)]) is None


def test_profile_summary_partitions_samples() -> None:
    raw = "\n".join([
        "main (mock/__main__.py:1);verify (mock/auth.py:50);PyJWT.decode (jwt/api_jwt.py:9) 3",
        "main (mock/__main__.py:1);ok (mock/api/crud.py:5);dumps (json/__init__.py:231) 1",
        "main (mock/__main__.py:1);verify (mock/auth.py:50);__init__ (uuid.py:3) 1",
    ])
    summary = profiling.summarize(profiling.parse_raw(raw))
    assert summary["samples"] == 5
    assert summary["components"]["PyJWT decode"] == 60.0
    assert summary["components"]["mock/auth.py"] == 20.0  # uuid counts for its caller
    assert summary["spans"]["mock/auth.py verify (JWT)"] == 80.0
    assert profiling.split_frame("f (/x/site-packages/jwt/api.py:3)") == ("f", "jwt/api.py")
    assert profiling.split_frame(f"g ({ROOT / 'mock' / 'store.py'}:7)") == ("g", "mock/store.py")
    assert profiling.split_frame("h (/usr/lib/python3.11/json/encoder.py:1)") == \
        ("h", "json/encoder.py")
    assert profiling.costs_us(summary, 1.0)["PyJWT decode"] == 600.0
    mock = {**summary, "cpu_ms_per_request": 1.0, "costs_us": profiling.costs_us(summary, 1.0)}
    table = report.profile_table({"get_by_id": {"mock": mock}})
    assert "| PyJWT decode | 600 | 0 | +600 |" in table
    # components the mock spends the same on come in a fixed order: the reference's cost, name
    tied = {"components": {}, "top_self": [], "costs_us": {"b": 0.0, "a": 0.0, "c": 0.0}}
    ref = {"components": {}, "top_self": [], "costs_us": {"a": 9.0, "b": 7.0, "c": 9.0}}
    rows = [line for line in report.profile_table({"s": {"mock": tied, "connexion": ref}})
            .splitlines() if line.startswith("| ") and not line.startswith("| Component")]
    assert [row.split(" | ")[0] for row in rows] == ["| a", "| c", "| b"]
    # the request path's own modules are named; the rest of mock/ is "other"
    parts = profiling.summarize(profiling.parse_raw("\n".join([
        "main (mock/__main__.py:1);__call__ (mock/operations.py:317) 2",
        "main (mock/__main__.py:1);loads (mock/strictjson.py:9) 1",
        "main (mock/__main__.py:1);apply (mock/seeding.py:4) 1",
    ])))["components"]
    assert parts == {"mock/operations.py (arguments, handler call)": 50.0,
                     "mock/strictjson.py (body parse)": 25.0, "mock/ (other)": 25.0}
