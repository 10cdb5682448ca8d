"""`make selfcheck`: prove the suites can fail, rule by rule. For every named fault of
`mock.faults`, serve a mock with that one defect and run the checks of the rule it breaks; the
fault must be caught. A control run on a healthy mock must pass every test and check that
caught a fault, and every rule id of the rule catalogue (`contract.rules`) must have at least
one fault.

Which checks run is decided by the fault's rule, never by a test name, in three steps that
stop at the first catch:
1. the property tests marked with the rule (`pytest property_tests --rule <id>`);
2. if they miss it, the property tests of the fault's invariant (`pytest -m <invariant>`);
3. then the conformance checks mapped to the rule (`conformance.checks.CHECK_RULES`).
The table names the test or check that caught each fault and the rule ids it is marked with.

Speed: a worker process imports the suites once and checks faults one after another, each
with its own mock (a fresh store, served on a free loopback port in a thread of the worker)
and its own in-process pytest session; two workers run at once. Paying the imports of pytest,
Hypothesis, Connexion and the spec once per worker instead of twice per fault is what keeps
the whole self-check within minutes on two busy cores.
"""

from __future__ import annotations

import argparse
import contextlib
import functools
import io
import logging
import subprocess
import sys
import tempfile
import time
import xml.etree.ElementTree as ET
from collections.abc import Iterator, Sequence
from concurrent.futures import ProcessPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass, field
from multiprocessing import get_context
from pathlib import Path

import pytest

from conformance.checks import CHECK_RULES
from conformance.targets import serve
from contract.rules import RULES
from mock.faults import BY_NAME, CATALOGUE, Fault

ROOT = Path(__file__).resolve().parent.parent
CONFORMANCE_EXAMPLES = 3
CONTROL = "control"
SUITE = ROOT / "property_tests"
# In-process sessions: no cache, plain asserts (a module imported by an earlier session cannot
# be rewritten again, and the verdict needs no assertion introspection), no xdist.
PYTEST_ARGS = ("-p", "no:cacheprovider", "--assert=plain", "-n", "0", "--rootdir", str(ROOT),
               "--hypothesis-profile", "selfcheck")


@dataclass(frozen=True)
class Outcome:
    """One row of the table: a fault (or the control), caught or not, by what, how long."""

    name: str
    rule: str
    caught: bool
    by: str = "-"  # the test or conformance check that failed
    by_rules: tuple[str, ...] = ()  # the rule ids that test or check is marked with
    seconds: float = 0.0

    @property
    def ok(self) -> bool:
        # The control row "passes" when nothing failed; a fault row when it was caught.
        return self.caught if self.name != CONTROL else not self.caught


@dataclass
class Recorder:
    """A pytest plugin: per collected test its file and its markers (the rule ids of
    `@pytest.mark.rule`, and the invariant tags), and the first test that failed."""

    rules: dict[str, tuple[str, ...]] = field(default_factory=dict)
    files: dict[str, set[str]] = field(default_factory=dict)  # rule id or tag -> test files
    nodeid: str = ""

    def pytest_collection_modifyitems(self, items: list[pytest.Item]) -> None:
        for item in items:
            rules = sorted({str(r) for mark in item.iter_markers("rule") for r in mark.args})
            self.rules[item.nodeid] = tuple(rules)
            tags = {mark.name for mark in item.iter_markers() if mark.name != "rule"}
            for key in (*rules, *tags):
                self.files.setdefault(key, set()).add(str(item.path))

    def pytest_runtest_logreport(self, report: pytest.TestReport) -> None:
        if report.failed and not self.nodeid:
            self.nodeid = report.nodeid


def _pytest(args: Sequence[str], recorder: Recorder) -> None:
    output = io.StringIO()
    with contextlib.redirect_stdout(output), contextlib.redirect_stderr(output):
        code = pytest.main(list(args), plugins=[recorder])
    if code not in (pytest.ExitCode.OK, pytest.ExitCode.TESTS_FAILED,
                    pytest.ExitCode.NO_TESTS_COLLECTED):
        raise RuntimeError(f"pytest {' '.join(args)} could not run (exit {code}):\n"
                           f"{output.getvalue()[-2000:]}")


@functools.cache
def suite_files() -> dict[str, frozenset[str]]:
    """Rule id or invariant tag -> the property test files holding its tests; collected once
    per worker, so that each fault's session collects only those files."""
    recorder = Recorder()
    _pytest([*PYTEST_ARGS, str(SUITE), "--collect-only"], recorder)
    return {key: frozenset(files) for key, files in recorder.files.items()}


def run_property_tests(base_url: str, selection: Sequence[str] = (), *, key: str | None,
                       stop_at_first: bool) -> tuple[str, tuple[str, ...]]:
    """The property tests of `key` (a rule id or an invariant tag, narrowed by the pytest
    `selection` arguments; only the `selection` when None) against `base_url`, in this
    process: the first failing test and its rule ids, or ("", ()) when all passed or none
    was selected."""
    paths = [] if key is None else sorted(suite_files().get(key, ()))
    if key is not None and not paths:
        return "", ()
    recorder = Recorder()
    _pytest([*PYTEST_ARGS, *paths, "--base-url", base_url, *selection,
             *(["-x"] if stop_at_first else [])], recorder)
    if not recorder.nodeid:
        return "", ()
    return recorder.nodeid, recorder.rules.get(recorder.nodeid, ())


def checks_of(rule: str) -> list[str]:
    """The conformance checks that prove `rule`."""
    return [check for check, rules in CHECK_RULES.items() if rule in rules]


def run_conformance(base_url: str, checks: Sequence[str]) -> tuple[str, tuple[str, ...]]:
    """The given conformance checks (a subprocess): the first failing check and its rule
    ids, or ("", ())."""
    if not checks:
        return "", ()
    with tempfile.TemporaryDirectory(prefix="selfcheck-") as tmp:
        junit = Path(tmp) / "junit.xml"
        done = subprocess.run(
            [sys.executable, "-m", "conformance", "--base-url", base_url, "--seed", "0",
             "--max-examples", str(CONFORMANCE_EXAMPLES), "--checks", ",".join(checks),
             # The question is only whether a check fails: the checks left out of `--checks`
             # are gaps of this run by design, not a finding (exit 3 without this).
             "--allow-gaps", "--junit-xml", str(junit)],
            cwd=ROOT, capture_output=True, text=True, check=False)
        if done.returncode == 0:
            return "", ()
        if not junit.exists():
            raise RuntimeError(f"conformance could not run (exit {done.returncode}):\n"
                               f"{done.stdout[-2000:]}{done.stderr[-2000:]}")
        for failure in ET.parse(junit).getroot().iter("failure"):
            check = str(failure.get("type"))
            return f"conformance::{check}", CHECK_RULES.get(check, ())
        return "conformance::run errors", ()


@contextmanager
def mock_with(faults: Sequence[str]) -> Iterator[str]:
    """A fresh mock with these faults, on a free loopback port in a thread; its /v1 URL.
    Served as `python -m mock` serves it (no response validation, admin surface on)."""
    from mock.app import create_app, new_store

    logging.getLogger("connexion").setLevel(logging.ERROR)  # as quiet as `python -m mock -q`
    with serve(create_app(new_store(frozenset(faults)))) as root:
        yield f"{root}/v1"


def check_fault(name: str) -> Outcome:
    """Serve the fault and run the checks of its rule, then of its invariant, then the
    conformance checks of its rule, until one fails."""
    fault: Fault = BY_NAME[name]
    started = time.monotonic()
    with mock_with([fault.name]) as base_url:
        by, rules = run_property_tests(base_url, ["--rule", fault.rule], key=fault.rule,
                                       stop_at_first=True)
        if not by:
            by, rules = run_property_tests(base_url, ["-m", fault.invariant],
                                           key=fault.invariant, stop_at_first=True)
        if not by:
            by, rules = run_conformance(base_url, checks_of(fault.rule))
    return Outcome(fault.name, fault.rule, bool(by), by or "-", rules,
                   time.monotonic() - started)


def check_control(catches: Sequence[str]) -> Outcome:
    """No fault: every test and check that caught a fault must pass on a healthy mock, or
    its catch proves nothing. (The whole suites pass on the mock in `make test`.)"""
    started = time.monotonic()
    tests = sorted({str(ROOT / c) for c in catches if not c.startswith("conformance::")})
    checks = sorted({c.removeprefix("conformance::") for c in catches
                     if c.startswith("conformance::") and c.removeprefix("conformance::")
                     in CHECK_RULES})
    by: str = ""
    by_rules: tuple[str, ...] = ()
    with mock_with([]) as base_url:
        if tests:
            by, by_rules = run_property_tests(base_url, tests, key=None, stop_at_first=False)
        if not by:
            by, by_rules = run_conformance(base_url, checks)
    return Outcome(CONTROL, "all", bool(by), by or "-", by_rules, time.monotonic() - started)


def uncovered(faults: Sequence[Fault] = CATALOGUE) -> list[str]:
    """The rule ids of the catalogue that no fault breaks, in catalogue order."""
    broken = {fault.rule for fault in faults}
    return [rule.id for rule in RULES if rule.id not in broken]


def unknown_rules(faults: Sequence[Fault] = CATALOGUE) -> list[str]:
    """Faults that name a rule id the catalogue does not have."""
    known = {rule.id for rule in RULES}
    return [f"{fault.name} ({fault.rule})" for fault in faults if fault.rule not in known]


def table(outcomes: Sequence[Outcome]) -> str:
    lines = ["| fault | rule | result | caught by | its rules | seconds |",
             "| --- | --- | --- | --- | --- | --: |"]
    for o in outcomes:
        if o.name == CONTROL:
            result = "passed" if o.ok else "FAILED"
        else:
            result = "caught" if o.caught else "MISSED"
        lines.append(f"| {o.name} | {o.rule} | {result} | {o.by} | "
                     f"{', '.join(o.by_rules) or '-'} | {o.seconds:.0f} |")
    return "\n".join(lines)


def choose(faults: str | None, rules: str | None) -> list[Fault]:
    names = set(faults.split(",")) if faults else None
    ids = set(rules.split(",")) if rules else None
    unknown = sorted((names or set()) - BY_NAME.keys())
    if unknown:
        raise SystemExit(f"unknown fault(s): {', '.join(unknown)}")
    return [f for f in CATALOGUE
            if (names is None or f.name in names) and (ids is None or f.rule in ids)]


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m conformance.selfcheck",
                                     description=(__doc__ or "").split("\n\n")[0])
    parser.add_argument("--faults", help="only these faults, comma-separated (default: all)")
    parser.add_argument("--rules", help="only the faults of these rule ids, comma-separated")
    parser.add_argument("--workers", type=int, default=2, help="faults checked at once")
    parser.add_argument("--no-control", action="store_true", help="skip the control run")
    args = parser.parse_args(argv)
    chosen = choose(args.faults, args.rules)
    started = time.monotonic()
    # spawn: each worker imports the suites itself, with no threads inherited from here.
    with ProcessPoolExecutor(max_workers=max(1, args.workers),
                             mp_context=get_context("spawn")) as pool:
        outcomes = list(pool.map(check_fault, [f.name for f in chosen]))
        control = None if args.no_control else pool.submit(
            check_control, [o.by for o in outcomes if o.caught]).result()
    if control is not None:
        outcomes.append(control)
    print(table(outcomes))
    missed = [o.name for o in outcomes if not o.ok]
    no_fault, strays = uncovered(), unknown_rules()
    whole = not (args.faults or args.rules)  # a partial run answers for what it ran only
    caught = sum(o.caught for o in outcomes if o.name != CONTROL)
    print(f"\n{caught} of {len(chosen)} faults caught in {time.monotonic() - started:.0f} s"
          + ("" if control is None else "; control passed" if control.ok
             else "; control FAILED"))
    print(f"{len(RULES) - len(no_fault)} of {len(RULES)} rule ids have a fault"
          + (f"; rule ids with no fault: {' '.join(no_fault)}" if no_fault else ""))
    if strays:
        print(f"faults naming a rule id the catalogue lacks: {', '.join(strays)}")
    if missed:
        print(f"NOT OK: {', '.join(missed)}")
    return 1 if missed or strays or (whole and no_fault) else 0


if __name__ == "__main__":
    sys.exit(main())
