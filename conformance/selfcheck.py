"""`make selfcheck`: prove the suites can fail. For every named fault of `mock.faults`, start
the mock with that one defect and run the parts of the suites that guard the fault's declared
invariant; the fault must be caught. A control run with no fault must pass.

Which parts run is decided by the invariant, never by a test name:
- `property_tests` marked with the invariant (`pytest -m <invariant>`) run first;
- if they miss it, the conformance checks tagged with the invariant (`INVARIANT_CHECKS`) run.
Each run is a subprocess against a mock subprocess on a free loopback port, so two faults can
be checked at once and nothing of one run leaks into the next.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
import xml.etree.ElementTree as ET
from collections.abc import Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import httpx

from conformance.targets import free_port, stop_process
from contract.invariants import INVARIANTS
from mock.faults import CATALOGUE, Fault

ROOT = Path(__file__).resolve().parent.parent
# The conformance checks that guard each invariant (Schemathesis built-ins and ours).
INVARIANT_CHECKS: dict[str, tuple[str, ...]] = {
    "pagination": ("page_envelope_and_limit",),
    "isolation": ("foreign_id_is_missing", "object_level_authorization"),
    "idempotency": (),
    "delete": ("delete_twice_is_404", "use_after_free", "ensure_resource_availability"),
    "auth": ("www_authenticate_on_401_403", "scopes_enforced", "ignored_auth"),
    "errors": ("problem_details_on_errors", "content_type_conformance"),
    "rules": (),
}
CONFORMANCE_EXAMPLES = 3


@dataclass(frozen=True)
class Outcome:
    """One row of the table: a fault (or the control), caught or not, by what, how long."""

    name: str
    invariant: str
    caught: bool
    by: str
    seconds: float

    @property
    def ok(self) -> bool:
        # The control row "passes" when nothing failed; a fault row when it was caught.
        return self.caught if self.name != "control" else not self.caught


@contextmanager
def mock_with(faults: Sequence[str]) -> Iterator[str]:
    """`python -m mock` with these faults on a free port; yields its /v1 base URL."""
    port = free_port()
    command = [sys.executable, "-m", "mock", "--port", str(port), "--no-seed", "--quiet"]
    if faults:
        command += ["--faults", ",".join(faults)]
    proc = subprocess.Popen(command, cwd=ROOT, stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL)
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                if httpx.get(f"{base}/__mock/health", timeout=1).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            if proc.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"the mock did not start with faults {faults}")
            time.sleep(0.1)
        yield f"{base}/v1"
    finally:
        stop_process(proc)


def _first_failure(junit: Path) -> str:
    for case in ET.parse(junit).getroot().iter("testcase"):
        if case.find("failure") is not None or case.find("error") is not None:
            return f"property_tests::{case.get('name')}"
    return ""


def run_property_tests(base_url: str, marker: str | None, *, stop_at_first: bool) -> str:
    """The property tests of one invariant (all of them when `marker` is None) against
    `base_url`: the first failing test's name, or "" when all passed."""
    with tempfile.TemporaryDirectory(prefix="selfcheck-") as tmp:
        junit = Path(tmp) / "junit.xml"
        command = [sys.executable, "-m", "pytest", "property_tests", "-q", "-p",
                   "no:cacheprovider", "-n", "0", "--junitxml", str(junit),
                   "--hypothesis-profile", "selfcheck",
                   "--base-url", base_url]
        if marker is not None:
            command += ["-m", marker]
        if stop_at_first:
            command.append("-x")
        done = subprocess.run(command, cwd=ROOT, capture_output=True, text=True,
                              env={**os.environ, "PYTHONUNBUFFERED": "1"})
        if done.returncode == 5:  # no test carries the marker
            return ""
        if done.returncode not in (0, 1):
            raise RuntimeError(f"pytest could not run (exit {done.returncode}):\n"
                               f"{done.stdout[-2000:]}{done.stderr[-2000:]}")
        return _first_failure(junit) if done.returncode == 1 else ""


def run_conformance(base_url: str, checks: Sequence[str]) -> str:
    """The conformance checks of one invariant: the first failing check, or ""."""
    if not checks:
        return ""
    with tempfile.TemporaryDirectory(prefix="selfcheck-") as tmp:
        junit = Path(tmp) / "junit.xml"
        done = subprocess.run(
            [sys.executable, "-m", "conformance", "--base-url", base_url, "--seed", "0",
             "--max-examples", str(CONFORMANCE_EXAMPLES), "--checks", ",".join(checks),
             "--junit-xml", str(junit)],
            cwd=ROOT, capture_output=True, text=True)
        if done.returncode == 0:
            return ""
        if not junit.exists():
            raise RuntimeError(f"conformance could not run (exit {done.returncode}):\n"
                               f"{done.stdout[-2000:]}{done.stderr[-2000:]}")
        for failure in ET.parse(junit).getroot().iter("failure"):
            return f"conformance::{failure.get('type')}"
        return "conformance::run errors"


def check_fault(fault: Fault) -> Outcome:
    started = time.monotonic()
    with mock_with([fault.name]) as base_url:
        by = run_property_tests(base_url, fault.invariant, stop_at_first=True)
        if not by:
            by = run_conformance(base_url, INVARIANT_CHECKS[fault.invariant])
    return Outcome(fault.name, fault.invariant, bool(by), by or "-",
                   time.monotonic() - started)


def check_control() -> Outcome:
    """No fault: every part the faults use must pass, or the catches above mean nothing."""
    started = time.monotonic()
    with mock_with([]) as base_url:
        by = run_property_tests(base_url, None, stop_at_first=False)
        if not by:
            wanted = sorted({c for checks in INVARIANT_CHECKS.values() for c in checks})
            by = run_conformance(base_url, wanted)
    return Outcome("control", "all", bool(by), by or "-", time.monotonic() - started)


def table(outcomes: Sequence[Outcome]) -> str:
    lines = ["| fault | invariant | result | caught by | seconds |",
             "| --- | --- | --- | --- | --: |"]
    for o in outcomes:
        if o.name == "control":
            result = "passed" if o.ok else "FAILED"
        else:
            result = "caught" if o.caught else "MISSED"
        lines.append(f"| {o.name} | {o.invariant} | {result} | {o.by} | {o.seconds:.0f} |")
    return "\n".join(lines)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m conformance.selfcheck",
                                     description=__doc__.split("\n\n")[0])
    parser.add_argument("--faults", help="only these faults (default: every one)")
    parser.add_argument("--workers", type=int, default=2, help="faults checked at once")
    parser.add_argument("--no-control", action="store_true", help="skip the control run")
    args = parser.parse_args(argv)
    chosen = [f for f in CATALOGUE
              if not args.faults or f.name in args.faults.split(",")]
    assert set(INVARIANT_CHECKS) == set(INVARIANTS)
    started = time.monotonic()
    with ThreadPoolExecutor(max_workers=max(1, args.workers)) as pool:
        control = None if args.no_control else pool.submit(check_control)
        outcomes = list(pool.map(check_fault, chosen))
        if control is not None:
            outcomes.append(control.result())
    print(table(outcomes))
    missed = [o.name for o in outcomes if not o.ok]
    print(f"\n{sum(o.caught for o in outcomes if o.name != 'control')} of {len(chosen)} "
          f"faults caught in {time.monotonic() - started:.0f} s"
          + (f"; NOT OK: {', '.join(missed)}" if missed else "; control passed"
             if control is not None else ""))
    return 1 if missed else 0


if __name__ == "__main__":
    sys.exit(main())
