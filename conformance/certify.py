"""`python -m conformance.certify` (`make certify`): both suites against one target, then the
rule-by-rule report.

    python -m conformance.certify [--base-url URL] [--token-a T] [--token-b T] [--secret S]
                                  [--mode M] [--workers N] [--max-examples N] [--seed N]
                                  [--junit-xml PATH] [--report-dir DIR] [--pytest-workers N]

The target options are those of `python -m conformance` (and the same `FINANCE_*`
environment). With no base URL the mock is started once, here, and both suites run against
it: first the property suites (`pytest property_tests`, in a subprocess, recording each test's
rules with `--rule-record`), then the conformance run. The report goes to
`DIR/index.html` and `DIR/rules.json` (`report/` by default); the property suites' JUnit goes
to `DIR/property-junit.xml`, and every JUnit file written names the page. Exit status 0 when
no rule failed and neither suite failed, 1 otherwise, 2 for a usage error.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
from collections.abc import Sequence
from pathlib import Path

from conformance import rulereport
from conformance.__main__ import parse_args as conformance_args
from conformance.__main__ import quiet_embedded_mock
from conformance.runner import run
from conformance.targets import Target, TargetConfig, UnsafeRequest, resolve

DEFAULT_REPORT_DIR = "report"
PROPERTY_JUNIT = "property-junit.xml"


def parse_args(argv: Sequence[str] | None = None) -> argparse.Namespace:
    """The conformance options (`--report-dir` defaults to `report/` here), plus the pytest
    workers."""
    parser = argparse.ArgumentParser(add_help=False)
    parser.add_argument("--pytest-workers", default=os.environ.get("FINANCE_PYTEST_WORKERS")
                        or "2", help="pytest-xdist workers for the property suites (0: none)")
    ours, rest = parser.parse_known_args(argv)
    args = conformance_args(rest)
    args.report_dir = args.report_dir or DEFAULT_REPORT_DIR
    args.pytest_workers = ours.pytest_workers
    return args


def run_properties(target: Target, part: Path, junit: Path, workers: str) -> int:
    """`pytest property_tests` against `target` (passed in the environment, tokens included,
    so they stay off the command line); returns pytest's exit status."""
    env = {**os.environ, "FINANCE_BASE_URL": target.base_url, "FINANCE_MODE": target.mode,
           "FINANCE_TOKEN_A": target.token_a, "FINANCE_TOKEN_B": target.token_b}
    if target.secret:
        env["FINANCE_JWT_SECRET"] = target.secret
    command = [sys.executable, "-m", "pytest", "property_tests", "-q", "-p", "no:cacheprovider",
               "--rule-record", str(part), "--junit-xml", str(junit), "-n", workers]
    print("$ " + " ".join(command), flush=True)
    return subprocess.run(command, env=env, check=False,
                          cwd=Path(__file__).resolve().parent.parent).returncode


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    try:
        config = TargetConfig.from_env(base_url=args.base_url, token_a=args.token_a,
                                       token_b=args.token_b, secret=args.secret, mode=args.mode)
    except ValueError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    folder = Path(args.report_dir)
    folder.mkdir(parents=True, exist_ok=True)
    try:
        with resolve(config) as target, tempfile.TemporaryDirectory() as tmp:
            quiet_embedded_mock(target)
            print(f"target {target.base_url} (mode {target.mode}"
                  f"{', embedded mock' if target.embedded else ''})", flush=True)
            part = Path(tmp) / "property.json"
            status = run_properties(target, part, folder / PROPERTY_JUNIT, args.pytest_workers)
            properties = rulereport.load_part(part) if part.exists() else None
            report = run(target, seed=args.seed, max_examples=args.max_examples,
                         only=args.checks, workers=args.workers)
    except ValueError as exc:  # two tenants are needed
        print(f"error: {exc}", file=sys.stderr)
        return 2
    except UnsafeRequest as exc:  # pragma: no cover - the guard stopped the run itself
        print(f"error: {exc}", file=sys.stderr)
        return 1
    print(report.render())
    rules = rulereport.build(target=report.base_url, conformance=report, properties=properties)
    if properties is None:
        rules.notes.append(f"property_tests: pytest exited {status} and recorded nothing")
    page = rulereport.write(rules, folder)
    junits = [folder / PROPERTY_JUNIT]
    if args.junit_xml:
        report.write_junit(args.junit_xml)
        junits.append(Path(args.junit_xml))
    for junit in junits:
        if junit.exists():
            rulereport.link_junit(junit, page)
    print(f"\n{rules.overall}\nrule report: {page}")
    return 0 if rules.ok and report.ok and status == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
