"""Both suites against an implementation we did not write: Prism mocking the bundled spec.

Prism (`@stoplight/prism-cli`, the version the benchmark pins, npm-installed into `.cache/node`)
answers every request with the spec's examples and keeps no state: a deleted row is still
there, both tenants see the same rows, an `Idempotency-Key` changes nothing. Run as a team's CI
would run them (subprocesses, a base URL, tokens, a JUnit file), both suites must fail on it —
naming at least delete-then-404 (RULE G-10), tenant isolation (RULE G-3) and idempotency
(RULE G-5) —, finish within the time bound, and write a JUnit file that says what the console
said: the same failures, by name, and no empty passing test case. Prism serves the spec's
paths at its root (no `/v1`): a base URL with `/v1` stops the property run at once, saying so.

Prism 5.14.2 dies (a TypeError in its multipart parser, parse-multipart-data) on a multipart
file part without a Content-Type, which Schemathesis sends to `POST /attachments`: the document
Prism mocks leaves the multipart request bodies out (`without_multipart`), so Prism answers
uploads without parsing them. The suites still send, and check, what the contract says.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import time
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import pytest

from bench.servers import Server, bundle_spec, start_prism
from conformance.checks import CHECK_RULES
from fixtures import tokens
from tests.e2e.conftest import ROOT

pytestmark = pytest.mark.e2e

BOUND = 600  # seconds: each suite, on a target that fails everything, on two cores
# The rules each suite must name among its failures against Prism, and how a reader knows
# them: the property suites by the invariant marker of the failing test.
MUST_FAIL = {"G-10": "delete-then-404", "G-3": "tenant isolation", "G-5": "idempotency"}
INVARIANT_RULES = {"delete": "G-10", "isolation": "G-3", "idempotency": "G-5"}
# Budgets below the defaults, to keep `make e2e` short (the defaults were measured by hand).
CONFORMANCE_MAX_EXAMPLES = 5
PROPERTY_WORKERS = "2"
SUMMARY = re.compile(r"^(?:FAILED|ERROR) (\S+)", re.MULTILINE)


def junit_name(nodeid: str) -> str:
    """A console node id as JUnit names it: the module path dotted, then the test's name (its
    parameters left as they are: they may hold slashes)."""
    path, _, name = nodeid.partition("::")
    return f"{path.removesuffix('.py').replace('/', '.')}.{name.replace('::', '.')}"


@dataclass(frozen=True)
class Run:
    """One suite's subprocess: exit status, console output, wall time and its JUnit file."""

    returncode: int
    output: str
    seconds: float
    junit: Path

    def cases(self) -> list[ET.Element]:
        return list(ET.parse(self.junit).getroot().iter("testcase"))


def outcome(case: ET.Element) -> str:
    """`failed` (a failure or an error), `skipped` or `passed`."""
    tags = {child.tag for child in case}
    return "failed" if tags & {"failure", "error"} else "skipped" if "skipped" in tags \
        else "passed"


def run_suite(argv: list[str], junit: Path) -> Run:
    """Run a suite as a subprocess from the repository root, with no FINANCE_* of ours."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("FINANCE_", "PYTEST_"))}
    start = time.monotonic()
    done = subprocess.run([sys.executable, *argv], cwd=ROOT, env=env, capture_output=True,
                          text=True, timeout=BOUND + 60, check=False)
    return Run(done.returncode, done.stdout + done.stderr, time.monotonic() - start, junit)


def without_multipart(bundled: Path) -> Path:
    """The bundled document with the multipart request bodies left out (Prism's crash)."""
    spec = json.loads(bundled.with_suffix(".json").read_text(encoding="utf-8"))
    for item in spec["paths"].values():
        for operation in item.values():
            body = operation.get("requestBody") if isinstance(operation, dict) else None
            if body and "multipart/form-data" in body.get("content", {}):
                del operation["requestBody"]
    path = bundled.with_name("openapi-for-prism.json")
    path.write_text(json.dumps(spec), encoding="utf-8")
    return path


@pytest.fixture(scope="module")
def prism(prism_bin: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    """Prism mocking the bundled spec on a free port; stopped by its process id."""
    where = tmp_path_factory.mktemp("prism")
    server = start_prism(prism_bin, without_multipart(bundle_spec(where)),
                         log_path=where / "prism.log")
    try:
        yield server
    finally:
        server.stop()


def test_a_base_url_one_v1_off_stops_the_property_run(prism: Server, tmp_path: Path) -> None:
    """The sanity probe: one line naming the URL to try, a non-zero exit, in seconds."""
    junit = tmp_path / "property.xml"
    run = run_suite(["-m", "pytest", "property_tests", "--base-url", f"{prism.api_url}/v1",
                     "--secret", tokens.DEFAULT_SECRET, "-p", "no:cacheprovider", "-q",
                     "--junitxml", str(junit)], junit)
    assert run.returncode == pytest.ExitCode.USAGE_ERROR, run.output[-2000:]
    assert f"try --base-url {prism.api_url}\n" in run.output, run.output[-2000:]
    assert run.seconds < 60


@pytest.fixture(scope="module")
def suites(prism: Server, tmp_path_factory: pytest.TempPathFactory
           ) -> Iterator[dict[str, Future[Run]]]:
    """Both suites against Prism, started together (Prism keeps no state to share)."""
    where = tmp_path_factory.mktemp("suites")
    property_xml, conformance_xml = where / "property.xml", where / "conformance.xml"
    with ThreadPoolExecutor(max_workers=2) as pool:
        yield {
            "property": pool.submit(run_suite, [
                "-m", "pytest", "property_tests", "--base-url", prism.api_url,
                "--secret", tokens.DEFAULT_SECRET, "-p", "no:cacheprovider", "-q",
                "-n", PROPERTY_WORKERS, "--junitxml", str(property_xml)], property_xml),
            "conformance": pool.submit(run_suite, [
                "-m", "conformance", "--base-url", prism.api_url,
                "--token-a", tokens.mint_token(tokens.TENANT_A),
                "--token-b", tokens.mint_token(tokens.TENANT_B),
                "--secret", tokens.DEFAULT_SECRET,
                "--max-examples", str(CONFORMANCE_MAX_EXAMPLES),
                "--junit-xml", str(conformance_xml)], conformance_xml),
        }


def test_property_suites_fail_on_prism(suites: dict[str, Future[Run]]) -> None:
    run = suites["property"].result()
    assert run.returncode == pytest.ExitCode.TESTS_FAILED, run.output[-3000:]
    assert run.seconds < BOUND
    cases = run.cases()
    failed = {f"{c.get('classname')}.{c.get('name')}": c for c in cases
              if outcome(c) == "failed"}
    # The console's short summary (`-ra`) names the same failures as the JUnit file.
    console = {junit_name(nodeid) for nodeid in SUMMARY.findall(run.output)}
    assert console == set(failed), (sorted(console ^ set(failed))[:10], run.output[-3000:])
    counts = re.search(r"(\d+) failed", run.output.splitlines()[-1])
    assert counts is not None and int(counts.group(1)) == len(failed), run.output[-500:]
    named = {INVARIANT_RULES[p.get("value", "")] for c in failed.values()
             for p in c.iter("property")
             if p.get("name") == "invariant" and p.get("value") in INVARIANT_RULES}
    missing = {MUST_FAIL[rule] for rule in MUST_FAIL.keys() - named}
    assert not missing, f"no failure names {missing}"
    # Every failure says how to reproduce it (where it sent a request at all).
    assert run.output.count("reproduce with curl") >= len(failed) // 2


def test_conformance_fails_on_prism(suites: dict[str, Future[Run]]) -> None:
    run = suites["conformance"].result()
    assert run.returncode not in (0, 2), run.output[-3000:]
    assert run.seconds < BOUND
    cases = run.cases()
    # One test case per operation (classname) × check (name) that applies.
    failures = [(case.get("classname", ""), failure) for case in cases
                for failure in case if failure.tag == "failure"]
    assert failures, run.output[-3000:]
    # The console names each failure of the JUnit file: its check and its operation.
    for operation, failure in failures:
        check = failure.get("type", "")
        assert check in run.output and operation in run.output, (check, operation)
    # The verdict line, not a progress line ("… 148 failures so far") printed before it.
    verdict = re.search(r"^FAILED: (\d+) failures?\b", run.output, re.MULTILINE)
    assert verdict is not None and int(verdict.group(1)) == len(failures), run.output[-800:]
    checks = {failure.get("type", "") for _, failure in failures}
    named = {rule for check in checks for rule in CHECK_RULES.get(check, ())}
    # Idempotency is required of conformance once one of its checks proves RULE G-5.
    wanted = {rule for rule in MUST_FAIL
              if rule != "G-5" or "G-5" in {r for rs in CHECK_RULES.values() for r in rs}}
    missing = {MUST_FAIL[rule] for rule in wanted - named}
    assert not missing, f"no conformance failure names {missing} (failing checks: {checks})"
    # No empty passing test case: a pass says how many cases exercised it (at least one).
    empty = [f"{c.get('classname')} {c.get('name')}" for c in cases if outcome(c) == "passed"
             and not re.search(r"exercised by [1-9][0-9]* cases", c.findtext("system-out") or "")]
    assert not empty, f"passing test cases that nothing exercised: {empty[:10]}"
    # Prism implements none of the contract's behaviour: no operation passes all its checks.
    outcomes: dict[str, set[str]] = {}
    for case in cases:
        outcomes.setdefault(case.get("classname", ""), set()).add(outcome(case))
    clean = sorted(op for op, seen in outcomes.items()
                   if op != "conformance" and seen == {"passed"})
    assert not clean, f"operations passing every check against Prism: {clean}"
