"""`python -m conformance`: certify a target against the contract.

    python -m conformance [--base-url URL] [--token-a T] [--token-b T] [--secret S]
                          [--mode mock|sandbox|production] [--workers N] [--junit-xml PATH]
                          [--seed N] [--max-examples N] [--checks A,B] [--phases A,B]
                          [--allow-gaps] [--replay-dir DIR]

Options fall back to the environment (`FINANCE_BASE_URL`, `FINANCE_TOKEN_A`, `FINANCE_TOKEN_B`,
`FINANCE_JWT_SECRET`, `FINANCE_MODE`, `FINANCE_WORKERS`, `FINANCE_SEED`,
`FINANCE_MAX_EXAMPLES`, `FINANCE_JUNIT_XML`, `FINANCE_PHASES`, `FINANCE_ALLOW_GAPS=1`,
`FINANCE_REPORT_DIR`). `--report-dir DIR` also writes the rule-by-rule report of what the run
covered (`conformance.rulereport`). With no base URL the mock is started on a free port and
stopped afterwards.

First a probe: one authenticated GET of a list. A target that cannot be reached, or 404s where
the API should be (a base URL with or without `/v1` by mistake), stops the run at once with
the URL to try. Then, outside production, the run builds through the API the small data graph
the writes need, in both tenants, and generates its cases against it.

Exit status:
  0  PASSED: nothing failed, and every check that applies was exercised on every operation
  1  FAILED: a check failed (or the run itself went wrong, or sandbox rows were left over)
  2  usage error: bad options, or the probe found no API at the base URL
  3  INCOMPLETE: nothing failed, but some check that applies was never exercised (a gap:
     e.g. no 2xx to replay without a scope); --allow-gaps turns that into a warning (exit 0)
"""

from __future__ import annotations

import argparse
import contextlib
import logging
import os
import sys
from collections.abc import Iterator, Mapping, Sequence
from pathlib import Path

from conformance import rulereport
from conformance.context import OperationFacts, operation_facts
from conformance.probe import probe
from conformance.progress import Progress
from conformance.report import Report
from conformance.runner import DEFAULT_MAX_EXAMPLES, PHASES, check_names, fetch_spec, run
from conformance.targets import MODES, Target, TargetConfig, UnsafeRequest, resolve


def _int(env: Mapping[str, str], name: str) -> int | None:
    value = env.get(name)
    return int(value) if value else None


def parse_args(argv: Sequence[str] | None = None, env: Mapping[str, str] | None = None
               ) -> argparse.Namespace:
    env = os.environ if env is None else env
    parser = argparse.ArgumentParser(prog="python -m conformance", description=__doc__.split(
        "\n\n")[0], epilog="\n\n".join(__doc__.split("\n\n")[2:]),
        formatter_class=argparse.RawDescriptionHelpFormatter)
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
    parser.add_argument("--report-dir", metavar="DIR", default=env.get("FINANCE_REPORT_DIR"),
                        help="write the rule-by-rule report (index.html, rules.json) there")
    parser.add_argument("--checks", metavar="A,B",
                        help="run only these checks (default: every check that applies)")
    parser.add_argument("--phases", metavar="A,B",
                        default=env.get("FINANCE_PHASES") or ",".join(PHASES),
                        help=f"run only these phases of {', '.join(PHASES)} (default: all)")
    parser.add_argument("--allow-gaps", action="store_true",
                        default=env.get("FINANCE_ALLOW_GAPS", "") not in ("", "0"),
                        help="a check that applies but was never exercised is a warning, "
                             "not exit status 3")
    parser.add_argument("--replay-dir", metavar="DIR", type=Path,
                        help="where binary request bodies of failures are written for their "
                             "curls (default: beside the JUnit file, else ./conformance-replays)")
    args = parser.parse_args(argv)
    if args.workers < 1 or args.max_examples < 1:
        parser.error("--workers and --max-examples must be at least 1")
    args.phases = [p.strip() for p in args.phases.split(",") if p.strip()]
    if not args.phases or set(args.phases) - set(PHASES):
        parser.error(f"--phases takes some of {', '.join(PHASES)}")
    if args.checks:
        args.checks = [c.strip() for c in args.checks.split(",") if c.strip()]
        unknown = sorted(set(args.checks) - set(check_names()))
        if unknown:
            parser.error(f"unknown check(s): {', '.join(unknown)}")
    return args


def quiet_embedded_mock(target: Target) -> None:
    """The embedded mock's libraries log what the fuzzer sends them: not on our console."""
    if target.embedded:
        for noisy in ("connexion", "python_multipart"):
            logging.getLogger(noisy).setLevel(logging.CRITICAL)


class Stop(Exception):
    """The run ends before a verdict: exit `status`, saying why on stderr (`line`, if any)."""

    def __init__(self, status: int, line: str = "") -> None:
        super().__init__(line)
        self.status, self.line = status, line

    def said(self) -> int:
        """Say why on stderr; the exit status."""
        if self.line:
            print(self.line, file=sys.stderr)
        return self.status


@contextlib.contextmanager
def target_of(args: argparse.Namespace) -> Iterator[Target]:
    """The target the options and the environment name, resolved — the embedded mock started
    when they name none, and stopped after — and announced. A bad configuration (a bad
    FINANCE_MODE, one tenant where two are needed) is `Stop(2)`; a request the target's mode
    forbids, `Stop(1)`. `python -m conformance` and `python -m conformance.certify` both
    start here."""
    try:
        config = TargetConfig.from_env(base_url=args.base_url, token_a=args.token_a,
                                       token_b=args.token_b, secret=args.secret, mode=args.mode)
        with resolve(config) as target:
            quiet_embedded_mock(target)
            print(f"target {target.base_url} (mode {target.mode}"
                  f"{', embedded mock' if target.embedded else ''})", flush=True)
            yield target
    except ValueError as exc:
        raise Stop(2, f"error: {exc}") from None
    except UnsafeRequest as exc:  # pragma: no cover - the guard stopped the run itself
        raise Stop(1, f"error: {exc}") from None


def probed(target: Target) -> list[OperationFacts]:
    """The operations of the spec the target serves (else this repository's), once the probe
    found the API at the base URL; `Stop(2)` when it did not."""
    document, source = fetch_spec(target)
    operations = list(operation_facts(document))
    print(f"spec: {source}", flush=True)
    sanity = probe(target, [f.path for f in operations if f.is_page])
    print(sanity.message, flush=True)
    if not sanity.ok:
        raise Stop(2)
    return operations


def run_checks(target: Target, args: argparse.Namespace,
               operations: Sequence[OperationFacts]) -> Report:
    """The conformance run as the options ask, with its progress on the console."""
    replay_dir = args.replay_dir or (
        Path(f"{args.junit_xml}.replays") if args.junit_xml else None)
    return run(target, seed=args.seed, max_examples=args.max_examples, only=args.checks,
               workers=args.workers, allow_gaps=args.allow_gaps, phases=args.phases,
               replay_dir=replay_dir,
               on_event=Progress(sum(target.allows(f.method) for f in operations)))


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    try:
        with target_of(args) as target:
            report = run_checks(target, args, probed(target))
    except Stop as stop:
        return stop.said()
    print(report.render())
    if args.junit_xml:
        report.write_junit(args.junit_xml)
        print(f"JUnit XML: {args.junit_xml}")
    if args.report_dir:
        print(rulereport.write_for_conformance(report, args.report_dir, args.junit_xml))
    return report.exit_code


if __name__ == "__main__":
    sys.exit(main())
