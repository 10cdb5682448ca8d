"""HTTP load: scenarios, and two ways to drive them — wrk with a generated Lua script, or an
asyncio + httpx client when wrk is missing.

A `Scenario` is one endpoint under load: a method, paths relative to the API root (cycled, so a
GET by id spreads over many rows), an optional JSON body and headers. In a body or header value,
`{n}` becomes a token unique to the request (run nonce, thread, counter): unique tax names and
Idempotency-Keys. A stateful scenario (a settle: each request changes the row it names) must not
send a path twice; `Walks` has each run go on where the last one stopped.
"""

from __future__ import annotations

import asyncio
import itertools
import json
import os
import shutil
import statistics
import subprocess
import tempfile
import time
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path
from typing import Any, Literal
from urllib.parse import urlsplit

import httpx

Tool = Literal["wrk", "python"]
UNIQUE = "{n}"
_RESULT_PREFIX = "BENCH_JSON "


@dataclass(frozen=True)
class Scenario:
    """One endpoint under load; `paths` are relative to the API root (`/transactions/…`)."""

    name: str
    label: str
    method: str
    paths: tuple[str, ...]
    operation_id: str
    body: str | None = None
    headers: Mapping[str, str] = field(default_factory=dict)
    expect: int = 200
    # Each request changes the row its path names (a settle), so a second request to it would
    # be another operation (re-settling a paid payable: no auto transaction). See `Walks`.
    stateful: bool = False

    def starting_at(self, position: int) -> Scenario:
        """This scenario with its paths rotated to begin at path number `position` (cycled)."""
        shift = position % len(self.paths)
        return self if shift == 0 else replace(self, paths=self.paths[shift:] + self.paths[:shift])

    def render(self, index: int, unique: str) -> tuple[str, str | None, dict[str, str]]:
        """The path, body and extra headers of request number `index` with token `unique`."""
        path = self.paths[index % len(self.paths)]
        body = None if self.body is None else self.body.replace(UNIQUE, unique)
        headers = {k: v.replace(UNIQUE, unique) for k, v in self.headers.items()}
        return path, body, headers


@dataclass(frozen=True)
class LoadConfig:
    """wrk-style knobs: threads, open connections, seconds of load (and of warm-up before)."""

    threads: int = 2
    connections: int = 32
    duration: float = 10.0
    warmup: float = 1.0


@dataclass
class LoadResult:
    """What one run measured. Latencies in milliseconds; `errors` counts non-2xx/3xx answers,
    socket errors and timeouts; `loadavg` is the 1-minute load average when the run began."""

    scenario: str
    server: str
    tool: Tool
    requests: int
    duration_s: float
    rps: float
    p50_ms: float
    p99_ms: float
    errors: int
    loadavg: float
    detail: dict[str, Any] = field(default_factory=dict)
    # CPU seconds the server's processes used during the run, and per request (ms): steadier
    # than req/s on a shared machine, where the server gets only part of a core.
    cpu_s: float | None = None
    cpu_ms_per_request: float | None = None

    def with_cpu(self, cpu_s: float | None) -> LoadResult:
        """This result with the server's CPU seconds during the run (and per request)."""
        if cpu_s is None or not self.requests:
            return self
        return replace(self, cpu_s=round(cpu_s, 3),
                       cpu_ms_per_request=round(1000 * cpu_s / self.requests, 4))

    def to_json(self) -> dict[str, Any]:
        """A plain dict for results.json."""
        return asdict(self)


def loadavg() -> float:
    """The 1-minute load average (the machine is shared: every figure is recorded beside it)."""
    try:
        return round(os.getloadavg()[0], 2)
    except OSError:  # pragma: no cover - not on Linux
        return -1.0


def wrk_path() -> str | None:
    """wrk on the PATH, if any."""
    return shutil.which("wrk")


def default_tool() -> Tool:
    """wrk when installed, else the Python client."""
    return "wrk" if wrk_path() else "python"


# --- wrk ------------------------------------------------------------------------------------


def lua_string(text: str) -> str:
    """A Lua 5.1 string literal for any text (non-printable bytes as decimal escapes)."""
    out = []
    for byte in text.encode():
        char = chr(byte)
        if char in '"\\' or not 32 <= byte < 127:
            out.append(f"\\{byte:03d}")
        else:
            out.append(char)
    return '"' + "".join(out) + '"'


def lua_script(scenario: Scenario, prefix: str, threads: int) -> str:
    """A wrk script for `scenario`: requests built per call, a JSON summary printed at the end.

    `prefix` is the API root's path on the server (`/v1`, or `` for Prism). wrk runs one Lua
    state per thread; `setup` numbers them so `{n}` tokens and path indexes never collide.
    """
    paths = ",\n  ".join(lua_string(prefix + p) for p in scenario.paths)
    headers = ",\n  ".join(
        f"{{{lua_string(k)}, {lua_string(v)}}}" for k, v in scenario.headers.items()
    )
    body = "nil" if scenario.body is None else lua_string(scenario.body)
    return f"""-- generated by bench/load.py for scenario {scenario.name}
local paths = {{
  {paths}
}}
local header_templates = {{
  {headers}
}}
local method = {lua_string(scenario.method)}
local body_template = {body}
local threads = {threads}
counter = 0 -- a global: `done` reads each thread's (thread:get), for the span
local nonce = "run"
local next_id = 0
local started = {{}}

function setup(thread)
  thread:set("tid", next_id)
  next_id = next_id + 1
  table.insert(started, thread)
end

function init(args)
  if args[1] ~= nil then nonce = args[1] end
  if tid == nil then tid = 0 end
end

local function fill(template, unique)
  return (string.gsub(template, "{{n}}", unique))
end

function request()
  local index = counter * threads + tid
  counter = counter + 1
  local unique = nonce .. "-" .. tid .. "-" .. counter
  local headers = {{}}
  for _, pair in ipairs(header_templates) do
    headers[pair[1]] = fill(pair[2], unique)
  end
  local body = nil
  if body_template ~= nil then body = fill(body_template, unique) end
  return wrk.format(method, paths[(index % #paths) + 1], headers, body)
end

function done(summary, latency, requests)
  local e = summary.errors
  -- the paths reached: one past the highest index any thread built a request for (answered
  -- or not: requests still in flight at the end reached the server too; wrk also builds one
  -- per thread to check the script before the run)
  local span = 0
  for _, thread in ipairs(started) do
    local built = thread:get("counter")
    if built > 0 then span = math.max(span, (built - 1) * threads + thread:get("tid") + 1) end
  end
  io.write(string.format(
    '{_RESULT_PREFIX}{{"requests":%d,"duration_us":%d,"bytes":%d,"p50_us":%d,"p90_us":%d,' ..
    '"p99_us":%d,"mean_us":%.1f,"connect":%d,"read":%d,"write":%d,"status":%d,"timeout":%d,' ..
    '"span":%d}}\\n',
    summary.requests, summary.duration, summary.bytes, latency:percentile(50),
    latency:percentile(90), latency:percentile(99), latency.mean,
    e.connect, e.read, e.write, e.status, e.timeout, span))
end
"""


def parse_wrk(stdout: str) -> dict[str, Any]:
    """The JSON summary the script's `done` printed."""
    for line in reversed(stdout.splitlines()):
        if line.startswith(_RESULT_PREFIX):
            parsed: dict[str, Any] = json.loads(line[len(_RESULT_PREFIX):])
            return parsed
    raise RuntimeError(f"wrk printed no summary:\n{stdout[-2000:]}")


def run_wrk(scenario: Scenario, api_url: str, config: LoadConfig, *, server: str,
            nonce: str, wrk: str = "wrk") -> LoadResult:
    """One wrk run of `config.duration` seconds (wall-clock bounded by a subprocess timeout)."""
    parts = urlsplit(api_url)
    script = lua_script(scenario, parts.path.rstrip("/"), config.threads)
    started_load = loadavg()
    with tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False) as handle:
        handle.write(script)
        script_path = Path(handle.name)
    try:
        seconds = max(1, round(config.duration))
        proc = subprocess.run(
            [wrk, f"-t{config.threads}", f"-c{config.connections}", f"-d{seconds}s",
             "--timeout", "5s", "-s", str(script_path), f"{parts.scheme}://{parts.netloc}",
             "--", nonce],
            capture_output=True, text=True, timeout=seconds + 30, check=False,
        )
    finally:
        script_path.unlink(missing_ok=True)
    if proc.returncode != 0:
        raise RuntimeError(f"wrk failed ({proc.returncode}): {proc.stderr[-2000:]}")
    raw = parse_wrk(proc.stdout)
    duration = raw["duration_us"] / 1e6
    errors = sum(raw[k] for k in ("connect", "read", "write", "status", "timeout"))
    return LoadResult(
        scenario=scenario.name, server=server, tool="wrk", requests=raw["requests"],
        duration_s=round(duration, 3), rps=round(raw["requests"] / duration, 1),
        p50_ms=raw["p50_us"] / 1000, p99_ms=raw["p99_us"] / 1000, errors=errors,
        loadavg=started_load, detail=raw,
    )


# --- the Python client ----------------------------------------------------------------------


def percentile(sorted_values: Sequence[float], fraction: float) -> float:
    """Nearest-rank percentile of an ascending sequence (0.0 when empty)."""
    if not sorted_values:
        return 0.0
    rank = min(len(sorted_values) - 1, max(0, round(fraction * len(sorted_values)) - 1))
    return sorted_values[rank]


async def python_load(scenario: Scenario, api_url: str, config: LoadConfig, *, server: str,
                      nonce: str, transport: httpx.AsyncBaseTransport | None = None,
                      base_headers: Mapping[str, str] | None = None) -> LoadResult:
    """`config.connections` workers on one event loop, each sending back to back until the
    deadline. Slower than wrk (the client shares the CPUs and the GIL) — the fallback only."""
    started_load = loadavg()
    limits = httpx.Limits(max_connections=config.connections,
                          max_keepalive_connections=config.connections)
    counter = itertools.count()
    latencies: list[float] = []
    statuses: dict[int, int] = {}
    failures = 0
    url = api_url.rstrip("/")

    async def worker(client: httpx.AsyncClient, worker_id: int, deadline: float) -> None:
        nonlocal failures
        while time.perf_counter() < deadline:
            index = next(counter)
            path, body, headers = scenario.render(index, f"{nonce}-{worker_id}-{index}")
            if body is not None:
                headers.setdefault("Content-Type", "application/json")
            start = time.perf_counter()
            try:
                response = await client.request(scenario.method, url + path, content=body,
                                                headers=headers)
            except httpx.HTTPError:
                failures += 1
                continue
            latencies.append(time.perf_counter() - start)
            statuses[response.status_code] = statuses.get(response.status_code, 0) + 1

    async with httpx.AsyncClient(limits=limits, timeout=10.0, transport=transport,
                                 headers=dict(base_headers or {})) as client:
        begin = time.perf_counter()
        deadline = begin + config.duration
        await asyncio.gather(*(worker(client, i, deadline) for i in range(config.connections)))
        elapsed = time.perf_counter() - begin
    latencies.sort()
    bad = sum(count for status, count in statuses.items() if status >= 400)
    return LoadResult(
        scenario=scenario.name, server=server, tool="python", requests=len(latencies),
        duration_s=round(elapsed, 3), rps=round(len(latencies) / elapsed, 1),
        p50_ms=round(percentile(latencies, 0.50) * 1000, 3),
        p99_ms=round(percentile(latencies, 0.99) * 1000, 3),
        errors=bad + failures, loadavg=started_load,
        detail={"statuses": {str(k): v for k, v in sorted(statuses.items())},
                "failures": failures, "span": next(counter)},
    )


def with_headers(scenario: Scenario, base_headers: Mapping[str, str]) -> Scenario:
    """The scenario with the shared headers (the bearer token) and a JSON content type added."""
    headers = {**base_headers, **scenario.headers}
    if scenario.body is not None:
        headers.setdefault("Content-Type", "application/json")
    return replace(scenario, headers=headers)


def run(scenario: Scenario, api_url: str, config: LoadConfig, *, server: str, tool: Tool,
        nonce: str, base_headers: Mapping[str, str]) -> LoadResult:
    """One measured run of `config.duration` seconds with wrk or the Python client."""
    merged = with_headers(scenario, base_headers)
    if tool == "wrk":
        return run_wrk(merged, api_url, config, server=server, nonce=nonce,
                       wrk=wrk_path() or "wrk")
    return asyncio.run(python_load(merged, api_url, config, server=server, nonce=nonce))


def warm_up(scenario: Scenario, api_url: str, config: LoadConfig, *, server: str, tool: Tool,
            nonce: str, base_headers: Mapping[str, str]) -> LoadResult | None:
    """`config.warmup` seconds of the same load, discarded (None if there is no warm-up). The
    paths are walked from the end, so a stateful scenario (settling payables) leaves the
    measured runs' rows, taken from the start (`Walks`), alone."""
    if config.warmup <= 0:
        return None
    reverse = replace(scenario, paths=scenario.paths[::-1])
    short = LoadConfig(config.threads, config.connections, config.warmup, 0)
    return run(reverse, api_url, short, server=server, tool=tool, nonce=f"{nonce}w",
               base_headers=base_headers)


class Walks:
    """How far each server's runs of a stateful scenario have gone through its paths.

    wrk's and the Python client's request counters start at 0 every run, so each round of a
    settle began at the first round's payables again: past the first round, most PATCHes found
    their payable paid already and did no settlement (no auto transaction), a cheaper request
    than the one the table names. Here each measured run starts where that scenario's last run
    on that server stopped (`run_for`), by the span of paths it reached (`record`); the
    warm-up takes paths from the other end. `summary` says whether any path was sent twice."""

    def __init__(self) -> None:
        self.measured: dict[tuple[str, str], int] = {}  # (scenario, server) -> paths reached
        self.warmed: dict[tuple[str, str], int] = {}

    def run_for(self, scenario: Scenario, server: str) -> Scenario:
        """The scenario as the next measured run on `server` sends it."""
        if not scenario.stateful:
            return scenario
        return scenario.starting_at(self.measured.get((scenario.name, server), 0))

    def record(self, scenario: Scenario, server: str, result: LoadResult | None, *,
               warm_up: bool = False) -> None:
        """A run's paths reached (its `span`; the requests counted, for a result without)."""
        if not scenario.stateful or result is None:
            return
        span = int(result.detail.get("span", result.requests))
        book = self.warmed if warm_up else self.measured
        key = (scenario.name, server)
        book[key] = book.get(key, 0) + span

    def summary(self, scenarios: Sequence[Scenario]) -> dict[str, dict[str, dict[str, int]]]:
        """Per stateful scenario and server: its paths, those the measured runs and the warm-up
        reached, and how many requests were sent to a path a second time (`repeated`)."""
        out: dict[str, dict[str, dict[str, int]]] = {}
        for scenario in scenarios:
            if not scenario.stateful:
                continue
            servers = {server for name, server in (*self.measured, *self.warmed)
                       if name == scenario.name}
            out[scenario.name] = {}
            for server in sorted(servers):
                measured = self.measured.get((scenario.name, server), 0)
                warmed = self.warmed.get((scenario.name, server), 0)
                out[scenario.name][server] = {
                    "paths": len(scenario.paths), "measured": measured, "warm_up": warmed,
                    "repeated": max(0, measured + warmed - len(scenario.paths))}
        return out


def combine(rounds: Sequence[LoadResult]) -> LoadResult:
    """Rounds of one scenario on one server, run interleaved with the other servers' so all
    see the same background load: requests/s over the summed time, median p50 and p99, CPU
    per request over all rounds."""
    if len(rounds) == 1:
        return rounds[0]
    first = rounds[0]
    requests = sum(r.requests for r in rounds)
    duration = sum(r.duration_s for r in rounds)
    cpu = [r.cpu_s for r in rounds]
    combined = LoadResult(
        scenario=first.scenario, server=first.server, tool=first.tool, requests=requests,
        duration_s=round(duration, 3), rps=round(requests / duration, 1) if duration else 0.0,
        p50_ms=round(statistics.median(r.p50_ms for r in rounds), 3),
        p99_ms=round(statistics.median(r.p99_ms for r in rounds), 3),
        errors=sum(r.errors for r in rounds),
        loadavg=round(statistics.mean(r.loadavg for r in rounds), 2),
        detail={"rounds": [{"rps": r.rps, "p50_ms": r.p50_ms, "p99_ms": r.p99_ms,
                            "cpu_ms_per_request": r.cpu_ms_per_request,
                            "loadavg": r.loadavg, "errors": r.errors} for r in rounds]},
    )
    return combined.with_cpu(None if None in cpu else sum(c or 0.0 for c in cpu))
