"""`python -m conformance`: certify a target against the contract.

    python -m conformance [--base-url URL] [--token-a T] [--token-b T] [--secret S]
                          [--mode mock|sandbox|production] [--workers N] [--junit-xml PATH]
                          [--seed N] [--max-examples N]

Options fall back to the environment (`FINANCE_BASE_URL`, `FINANCE_TOKEN_A`, `FINANCE_TOKEN_B`,
`FINANCE_JWT_SECRET`, `FINANCE_MODE`, `FINANCE_WORKERS`, `FINANCE_SEED`,
`FINANCE_MAX_EXAMPLES`, `FINANCE_JUNIT_XML`). With no base URL the mock is started on a free
port and stopped afterwards. Exit status: 0 when nothing failed, 1 when something did, 2 for a
usage error.
"""

from __future__ import annotations

import argparse
import logging
import os
import sys
from collections.abc import Mapping, Sequence

from schemathesis.engine import events

from conformance.runner import DEFAULT_MAX_EXAMPLES, check_names, run
from conformance.targets import MODES, TargetConfig, UnsafeRequest, resolve


def _int(env: Mapping[str, str], name: str) -> int | None:
    value = env.get(name)
    return int(value) if value else None


def parse_args(argv: Sequence[str] | None = None, env: Mapping[str, str] | None = None
               ) -> argparse.Namespace:
    env = os.environ if env is None else env
    parser = argparse.ArgumentParser(prog="python -m conformance", description=__doc__.split(
        "\n\n")[0], formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--base-url", help="the target, ending in /v1 (default: start the mock)")
    parser.add_argument("--token-a", help="bearer token of tenant A (all scopes)")
    parser.add_argument("--token-b", help="bearer token of tenant B (all scopes)")
    parser.add_argument("--secret", help="the JWT secret, to mint tokens (scope checks need it)")
    parser.add_argument("--mode", choices=MODES,
                        help="mock | sandbox (writes cleaned up) | production (GET only); "
                             "default: mock for a local host, production otherwise")
    parser.add_argument("--workers", type=int, default=_int(env, "FINANCE_WORKERS") or 1,
                        help="concurrent Schemathesis workers (default 1)")
    parser.add_argument("--junit-xml", metavar="PATH", default=env.get("FINANCE_JUNIT_XML"),
                        help="also write a JUnit XML report")
    parser.add_argument("--seed", type=int, default=_int(env, "FINANCE_SEED"),
                        help="replay a run (default: random, printed)")
    parser.add_argument("--max-examples", type=int,
                        default=_int(env, "FINANCE_MAX_EXAMPLES") or DEFAULT_MAX_EXAMPLES,
                        help=f"examples per operation and phase (default {DEFAULT_MAX_EXAMPLES})")
    parser.add_argument("--checks", metavar="A,B",
                        help="run only these checks (default: every check that applies)")
    args = parser.parse_args(argv)
    if args.workers < 1 or args.max_examples < 1:
        parser.error("--workers and --max-examples must be at least 1")
    if args.checks:
        args.checks = [c.strip() for c in args.checks.split(",") if c.strip()]
        unknown = sorted(set(args.checks) - set(check_names()))
        if unknown:
            parser.error(f"unknown check(s): {', '.join(unknown)}")
    return args


def progress(event: events.EngineEvent) -> None:
    """One line per phase, so a long run shows where it is."""
    if isinstance(event, events.PhaseFinished) and event.phase.is_enabled:
        print(f"  {event.phase.name.value}: {event.status.value}", flush=True)


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    try:
        config = TargetConfig.from_env(base_url=args.base_url, token_a=args.token_a,
                                       token_b=args.token_b, secret=args.secret, mode=args.mode)
    except ValueError as exc:  # a bad FINANCE_MODE
        print(f"error: {exc}", file=sys.stderr)
        return 2
    try:
        with resolve(config) as target:
            if target.embedded:  # the mock's libraries log what the fuzzer sends them
                for noisy in ("connexion", "python_multipart"):
                    logging.getLogger(noisy).setLevel(logging.CRITICAL)
            print(f"target {target.base_url} (mode {target.mode}"
                  f"{', embedded mock' if target.embedded else ''})", flush=True)
            report = run(target, seed=args.seed, max_examples=args.max_examples, only=args.checks,
                         workers=args.workers, on_event=progress)
    except ValueError as exc:  # two tenants are needed
        print(f"error: {exc}", file=sys.stderr)
        return 2
    except UnsafeRequest as exc:  # pragma: no cover - the guard stopped the run itself
        print(f"error: {exc}", file=sys.stderr)
        return 1
    print(report.render())
    if args.junit_xml:
        report.write_junit(args.junit_xml)
        print(f"JUnit XML: {args.junit_xml}")
    return 0 if report.ok else 1


if __name__ == "__main__":
    sys.exit(main())
