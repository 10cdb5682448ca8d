"""`python -m bench` (what `make bench` runs): load against the mock and its three references
(plain Starlette, bare Connexion, Prism), a py-spy profile of the mock, start-up, scale and
memory; then the table, JSON and chart.

The sizes and each part's time budget are in `bench/plan.py`: the full run fits in 8 minutes on
an idle 2-core machine (three interleaved 2 s rounds per scenario and server, 100k rows, scale
to 1M), BENCH_QUICK=1 (or `--quick`) in 2 (one cold 1 s round, 10k rows, scale to 100k).
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shlex
import shutil
import subprocess
import sys
import time
from collections.abc import Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from bench import OUT_DIR, ROOT, journal, load, plan, profiling, report, scale, servers, workload


@dataclass(frozen=True)
class Settings:
    """What one run does, from the options and BENCH_QUICK."""

    quick: bool
    tool: load.Tool
    config: load.LoadConfig
    sizes: plan.Sizes
    mock_args: tuple[str, ...]
    prism: bool
    out: Path
    only: str | None = None

    @property
    def rounds(self) -> int:
        return self.sizes.rounds


def log(message: str) -> None:
    """Progress on stdout, flushed (make shows it as it happens)."""
    print(message, flush=True)


def parse_args(argv: Sequence[str] | None = None) -> Settings:
    """Options -> Settings; with `--tool auto` and no wrk, tries to apt-get install it first."""
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__)
    parser.add_argument("--quick", action="store_true",
                        default=os.environ.get("BENCH_QUICK", "") not in ("", "0"))
    parser.add_argument("--tool", choices=("auto", "wrk", "python"), default="auto")
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--connections", type=int, default=32)
    parser.add_argument("--duration", type=float, help="seconds per round (2; quick 1)")
    parser.add_argument("--rounds", type=int,
                        help="rounds per scenario and server, interleaved across servers "
                             "(3; quick 1)")
    parser.add_argument("--mock-args", default="",
                        help="extra arguments for `python -m mock` (e.g. '--quiet')")
    parser.add_argument("--rows", type=int, help="transactions for the load (100k; quick 10k)")
    parser.add_argument("--checkpoints", help="scale sizes, comma-separated")
    parser.add_argument("--no-prism", action="store_true")
    parser.add_argument("--no-install", action="store_true", help="do not apt-get install wrk")
    parser.add_argument("--out", type=Path, default=OUT_DIR)
    parser.add_argument("--only", choices=("journal", "load"),
                        help="run one part alone: journal = POST and PATCH req/s with and "
                             "without --db (bench/journal.py); load = the servers' load and "
                             "profile, to load.json")
    args = parser.parse_args(argv)
    quick = bool(args.quick)
    if args.tool == "auto" and not load.wrk_path() and not args.no_install:
        install_wrk()
    tool: load.Tool = load.default_tool() if args.tool == "auto" else args.tool
    sizes = plan.QUICK if quick else plan.FULL
    overrides: dict[str, Any] = {
        "duration": args.duration, "rounds": args.rounds, "rows": args.rows,
        "checkpoints": tuple(int(c) for c in args.checkpoints.split(","))
        if args.checkpoints else None,
    }
    sizes = replace(sizes, **{k: v for k, v in overrides.items() if v is not None})
    return Settings(
        quick=quick, tool=tool,
        config=load.LoadConfig(args.threads, args.connections, sizes.duration, sizes.warmup),
        sizes=sizes, mock_args=tuple(shlex.split(args.mock_args)), prism=not args.no_prism,
        out=args.out, only=args.only,
    )


def install_wrk() -> None:
    """wrk from Debian when apt works and we are root; otherwise the Python client is used."""
    if not shutil.which("apt-get") or os.geteuid() != 0:
        log("bench: wrk missing and apt-get unavailable: using the Python load client")
        return
    log("bench: installing wrk (apt-get) …")
    try:
        subprocess.run(["apt-get", "update", "-qq"], check=True, timeout=300,
                       capture_output=True)
        subprocess.run(["apt-get", "install", "-y", "-qq", "wrk"], check=True, timeout=300,
                       capture_output=True)
    except (subprocess.SubprocessError, OSError) as exc:
        log(f"bench: apt-get install wrk failed ({exc}): using the Python load client")


def start_servers(settings: Settings, results: dict[str, Any],
                  started: list[servers.Server]) -> list[load.Scenario]:
    """The mock (seeded), then the references on the mock's event loop: the plain Starlette
    floor and bare Connexion (both answering the bodies captured from the mock), and Prism.
    Appends each to `started` as it comes up (the caller stops them); returns the scenarios."""
    logs = settings.out / "logs"
    logs.mkdir(parents=True, exist_ok=True)
    sizes = settings.sizes
    mock = servers.start_mock(log_path=logs / "mock.log", extra=settings.mock_args)
    started.append(mock)
    t0 = time.perf_counter()
    for body in workload.seed_bodies(sizes.rows, sizes.payables):
        servers.seed_mock(mock, body)
    log(f"bench: mock seeded in {time.perf_counter() - t0:.1f} s "
        f"({sizes.rows:,} transactions, {sizes.payables:,} payables)")
    work = workload.plan(sizes.rows, sizes.payables)
    items = workload.scenarios(work)
    bodies_path = settings.out / "reference-bodies.json"
    bodies_path.write_text(json.dumps(workload.capture(mock.api_url, items)))
    ids_path = settings.out / "reference-ids.json"
    ids_path.write_text(json.dumps(work.ids()))
    loop = mock.runtime().loop or "auto"
    started.append(servers.start_starlette(bodies_path, ids_path, loop=loop,
                                           log_path=logs / "starlette.log"))
    started.append(servers.start_connexion(bodies_path, loop=loop,
                                           log_path=logs / "connexion.log"))
    if settings.prism:
        binary = servers.ensure_prism(log)
        if binary is not None:
            spec_path = servers.bundle_spec(settings.out / "spec")
            started.append(servers.start_prism(binary, spec_path,
                                               log_path=logs / "prism.log"))
    results["meta"]["prism_version"] = servers.installed_prism_version()
    results["meta"]["runtimes"] = {s.name: s.runtime().to_json() for s in started if s.python}
    log("bench: servers " + ", ".join(
        f"{name} ({r['loop']}, {r['http']})" for name, r in results["meta"]["runtimes"].items())
        + (", prism" if any(s.name == "prism" for s in started) else ""))
    return items


def run_load(settings: Settings, targets: Sequence[servers.Server],
             items: Sequence[load.Scenario], results: dict[str, Any], walks: load.Walks) -> None:
    """Every scenario on every server: a warm-up each, then rounds interleaved across the
    servers (so all see the same background load), with the server's CPU from /proc; a
    stateful scenario's runs each go on where the last stopped (`walks`)."""
    nonce = f"{int(time.time())}"
    for scenario in items:
        headers = workload.auth_headers(scenario)
        rounds: dict[str, list[load.LoadResult]] = {s.name: [] for s in targets}
        for server in targets:
            warm = load.warm_up(scenario, server.api_url, settings.config, server=server.name,
                                tool=settings.tool, nonce=f"{nonce}{server.name[0]}",
                                base_headers=headers)
            walks.record(scenario, server.name, warm, warm_up=True)
        for number in range(settings.rounds):
            for server in targets:
                before = server.cpu_seconds()
                result = load.run(
                    walks.run_for(scenario, server.name), server.api_url, settings.config,
                    server=server.name, tool=settings.tool,
                    nonce=f"{nonce}{server.name[0]}{number}", base_headers=headers)
                after = server.cpu_seconds()
                walks.record(scenario, server.name, result)
                cpu = None if before is None or after is None else after - before
                rounds[server.name].append(result.with_cpu(cpu))
        for server in targets:
            result = load.combine(rounds[server.name])
            results["load"].append(result.to_json())
            log(f"bench: {scenario.name:<12} {server.name:<10} {result.rps:>8,.0f} req/s  "
                f"p50 {result.p50_ms:6.1f} ms  p99 {result.p99_ms:6.1f} ms  "
                f"CPU {result.cpu_ms_per_request or 0:.3f} ms/req  "
                f"errors {result.errors}  load {result.loadavg}")


PROFILED_SCENARIOS = ("get_by_id", "list", "create", "settle")
PROFILED_SERVERS = ("mock", "connexion")


def run_profile(settings: Settings, targets: Sequence[servers.Server],
                items: Sequence[load.Scenario], walks: load.Walks) -> dict[str, Any]:
    """py-spy on the mock's and bare Connexion's pids while the GET-by-id, list, POST and
    PATCH loads run (a settle going on past the load's payables, `walks`); the CPU per request
    measured meanwhile turns sample shares into µs per request."""
    binary = profiling.pyspy_path()
    if binary is None:
        return {"error": "py-spy not installed"}
    out: dict[str, Any] = {}
    seconds = settings.sizes.profile_seconds
    config = load.LoadConfig(settings.config.threads, settings.config.connections, seconds, 0)
    for scenario in items:
        if scenario.name not in PROFILED_SCENARIOS:
            continue
        out[scenario.name] = {}
        for server in targets:
            if server.name not in PROFILED_SERVERS:
                continue
            raw = settings.out / f"profile-{scenario.name}-{server.name}.txt"
            recorder = profiling.start_record(server.pid, seconds + 1, raw, binary=binary)
            time.sleep(0.5)  # let py-spy attach
            before = server.cpu_seconds()
            result = load.run(walks.run_for(scenario, server.name), server.api_url, config,
                              server=server.name, tool=settings.tool,
                              nonce=f"p{int(time.time())}",
                              base_headers=workload.auth_headers(scenario))
            after = server.cpu_seconds()
            walks.record(scenario, server.name, result)
            try:
                _, err = recorder.communicate(timeout=60)
            except subprocess.TimeoutExpired:
                recorder.kill()
                _, err = recorder.communicate()
            if recorder.returncode != 0 or not raw.exists():
                out[scenario.name][server.name] = {"error": f"py-spy: {err.decode()[-500:]}"}
                continue
            summary = profiling.summarize_file(raw, top=20)
            if before is not None and after is not None and result.requests:
                cpu_ms = 1000 * (after - before) / result.requests
                summary["cpu_ms_per_request"] = round(cpu_ms, 4)
                summary["costs_us"] = profiling.costs_us(summary, cpu_ms)
            out[scenario.name][server.name] = summary
            log(f"bench: profiled {scenario.name} on {server.name} "
                f"({summary['samples']} samples)")
    return out


def scale_part(part: str, *args: str, timeout: float = 3600) -> Any:
    """`python -m bench.scale PART …` in a fresh process; its JSON answer."""
    proc = subprocess.run([sys.executable, "-W", "ignore::DeprecationWarning", "-m",
                           "bench.scale", part, *args], cwd=ROOT,
                          timeout=timeout, check=False, stdout=subprocess.PIPE, text=True)
    if proc.returncode != 0:
        raise RuntimeError(f"bench.scale {part} failed ({proc.returncode})")
    return json.loads(proc.stdout.strip().splitlines()[-1])


def run_served(settings: Settings, results: dict[str, Any], watch: plan.Stopwatch) -> None:
    """The parts that need the servers up: load, then the profile."""
    started: list[servers.Server] = []
    walks = load.Walks()
    try:
        with watch.part("setup"):
            items = start_servers(settings, results, started)
        with watch.part("load"):
            run_load(settings, started, items, results, walks)
        with watch.part("profile"):
            results["profile"] = run_profile(settings, started, items, walks)
        results["walks"] = walks.summary(items)
    finally:
        for server in reversed(started):
            server.stop()


def main(argv: Sequence[str] | None = None) -> int:
    settings = parse_args(argv)
    settings.out.mkdir(parents=True, exist_ok=True)
    sizes = settings.sizes
    kind = "quick" if settings.quick else "full"
    results: dict[str, Any] = {
        "meta": {
            "quick": settings.quick, "tool": settings.tool, "threads": settings.config.threads,
            "connections": settings.config.connections, "duration": sizes.duration,
            "warmup": sizes.warmup, "rounds": sizes.rounds,
            "mock_args": list(settings.mock_args), "rows": sizes.rows,
            "payables": sizes.payables, "cpus": os.cpu_count(),
            "python": platform.python_version(),
            "loadavg_start": [round(x, 2) for x in os.getloadavg()],
            "started": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
            "wrk": load.wrk_path(), "limit_s": plan.TOTAL_LIMIT[kind],
        },
        "load": [], "profile": {},
    }
    log(f"bench: {kind} run with {settings.tool}, load average {os.getloadavg()[0]:.2f} on "
        f"{os.cpu_count()} CPUs; budget {sizes.total_budget:.0f} s "
        f"(limit {plan.TOTAL_LIMIT[kind]:.0f} s)")
    if settings.only == "journal":
        return run_journal_only(settings, results)
    if settings.only == "load":
        return run_load_only(settings, results)
    watch = plan.Stopwatch(sizes.budget, log)
    run_served(settings, results, watch)
    with watch.part("journal"):
        log("bench: the journal's write cost (--db) …")
        results["journal"] = journal.run(settings.config, settings.tool, settings.rounds,
                                         settings.out / "logs", log)
    with watch.part("startup"):
        results["startup"] = scale.measure_startup(sizes.startup_repeats)
        results["startup"]["phases"] = scale.startup_phases()
        results["startup"]["without_spec_cache_s"] = scale.measure_startup(
            1, spec_cache=False)["median_s"]
        log(f"bench: start-up median {results['startup']['median_s']} s")
    with watch.part("scale"):
        log("bench: scale (in-process) …")
        results["scale"] = scale_part(
            "scale", "--checkpoints", ",".join(map(str, sizes.checkpoints)),
            "--samples", str(sizes.samples))
    with watch.part("breakdown"):
        results["scale"]["memory_breakdown"] = scale_part(
            "breakdown", "--rows", str(sizes.breakdown_rows))
    with watch.part("idempotency"):
        results["idempotency"] = scale_part("idempotency", "--entries",
                                            str(sizes.idempotency_entries))
    results["meta"]["loadavg_end"] = [round(x, 2) for x in os.getloadavg()]
    results["meta"]["parts"] = watch.to_json()
    results["meta"]["seconds"] = watch.total
    text = report.write_all(results, settings.out)
    print("\n" + text)
    log(f"bench: wrote {settings.out / 'results.json'}, results.md and bench.png; "
        + ", ".join(f"{name} {seconds:.0f} s" for name, seconds in watch.seconds.items())
        + f"; {watch.total:.0f} s in all")
    return 0


def run_journal_only(settings: Settings, results: dict[str, Any]) -> int:
    """`--only journal`: the journal's write cost alone, to `journal.json` and the screen."""
    results["journal"] = journal.run(settings.config, settings.tool, settings.rounds,
                                     settings.out / "logs", log)
    path = settings.out / "journal.json"
    path.write_text(json.dumps(results, indent=2) + "\n", encoding="utf-8")
    print("\n" + journal.table(results["journal"]))
    log(f"bench: wrote {path}")
    return 0


def run_load_only(settings: Settings, results: dict[str, Any]) -> int:
    """`--only load`: the load and profile against the references, to `load.json` and the
    screen (each scenario's ratios to the others), without start-up, scale or memory."""
    watch = plan.Stopwatch(settings.sizes.budget, log)
    run_served(settings, results, watch)
    path = settings.out / "load.json"
    path.write_text(json.dumps(results, indent=2) + "\n", encoding="utf-8")
    print("\n" + report.load_table(results))
    log(f"bench: wrote {path} in {watch.total:.0f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
