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
to `DIR/property-junit.xml`, and every JUnit file written names the page. The probe of
`python -m conformance` runs first: no API at the base URL stops both suites at once. Exit
status as `python -m conformance`'s: 0 when nothing failed and every check that applies was
exercised, 1 when a rule, a property test or a check failed, 2 for a usage error or no API at
the base URL, 3 when nothing failed but a check was never exercised (`--allow-gaps`: 0).
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
from conformance.__main__ import Stop, probed, run_checks, target_of
from conformance.__main__ import parse_args as conformance_args
from conformance.targets import Target

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
    folder = Path(args.report_dir)
    folder.mkdir(parents=True, exist_ok=True)
    try:
        with target_of(args) as target, tempfile.TemporaryDirectory() as tmp:
            operations = probed(target)  # a wrong base URL stops both suites at once
            part = Path(tmp) / "property.json"
            status = run_properties(target, part, folder / PROPERTY_JUNIT, args.pytest_workers)
            properties = rulereport.load_part(part) if part.exists() else None
            report = run_checks(target, args, operations)
    except Stop as stop:
        return stop.said()
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
    return verdict(rules_ok=rules.ok, properties_status=status, conformance=report.exit_code)


def verdict(*, rules_ok: bool, properties_status: int, conformance: int) -> int:
    """The exit status: 1 when a rule, a property test or a conformance check failed; else the
    conformance run's own (0 passed, 3 incomplete: a check that applies was never exercised,
    unless `--allow-gaps`)."""
    if not rules_ok or properties_status != 0 or conformance == 1:
        return 1
    return conformance


if __name__ == "__main__":
    sys.exit(main())
