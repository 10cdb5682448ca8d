"""The report's accounting: gaps are not passes, JUnit never shows an empty passing case, the
grid tells ran / failed / not exercised apart, and every curl replays as printed."""

from __future__ import annotations

import io
import shlex
from pathlib import Path
from typing import Any
from xml.etree import ElementTree

import pytest
from schemathesis.engine import Status

from conformance import applicability
from conformance.context import OperationFacts
from conformance.progress import Progress
from conformance.replay import Replayer
from conformance.report import Finding, Report
from conformance.targets import Target
from fixtures import tokens

OPS = ["GET /taxes", "DELETE /taxes/{id}"]
CHECKS = ["not_a_server_error", "delete_twice_is_404", "page_envelope_and_limit"]


def report(**kwargs: Any) -> Report:
    facts = [OperationFacts("GET", "/taxes", ("finance.taxes",), True, 25),
             OperationFacts("DELETE", "/taxes/{id}", ("finance.taxes.write",), False, 25)]
    return Report(base_url="http://127.0.0.1:1/v1", mode="mock", seed=1, max_examples=1,
                  operations=OPS, checks=CHECKS,
                  expected=applicability.expected(CHECKS, facts),
                  needs={c: applicability.needs(c) for c in CHECKS}, **kwargs)


def test_applicability_is_declared_per_check() -> None:
    item_read = OperationFacts("GET", "/taxes/{id}", ("finance.taxes",), False, 25)
    a_list = OperationFacts("GET", "/taxes", ("finance.taxes",), True, 25)
    delete = OperationFacts("DELETE", "/taxes/{id}", ("finance.taxes.write",), False, 25)
    assert applicability.applies("foreign_id_is_missing", item_read)
    assert not applicability.applies("foreign_id_is_missing", a_list)
    assert applicability.applies("delete_twice_is_404", delete)
    assert not applicability.applies("delete_twice_is_404", item_read)
    assert applicability.applies("page_envelope_and_limit", a_list)
    assert not applicability.applies("page_envelope_and_limit", delete)
    assert all(applicability.applies("scopes_enforced", f) for f in (item_read, a_list, delete))
    assert not applicability.applies(
        "scopes_enforced", OperationFacts("GET", "/health", (), False, 25))
    assert applicability.applies("not_a_server_error", delete)  # a built-in: everywhere


def test_a_check_that_applies_but_never_ran_is_a_gap_and_the_verdict_incomplete() -> None:
    r = report()
    r.cases_by_operation.update({"GET /taxes": 3, "DELETE /taxes/{id}": 2})
    r.passed.update({("GET /taxes", "not_a_server_error"): 3,
                     ("GET /taxes", "page_envelope_and_limit"): 1,
                     ("DELETE /taxes/{id}", "not_a_server_error"): 2})
    assert r.ok  # nothing failed...
    assert [(op, check) for op, check, _ in r.gaps] == [("DELETE /taxes/{id}",
                                                          "delete_twice_is_404")]
    assert r.verdict == "INCOMPLETE" and r.exit_code == 3  # ...but it is no pass
    text = r.render()
    assert "INCOMPLETE" in text and "PASSED" not in text
    assert "delete_twice_is_404 on DELETE /taxes/{id}: no case gave a 2xx DELETE" in text
    r.allow_gaps = True
    assert r.verdict == "PASSED" and r.exit_code == 0
    assert "WARNING: 1 gaps allowed" in r.render()


def test_a_failure_wins_over_gaps() -> None:
    r = report()
    r.findings.append(Finding("GET /taxes", "not_a_server_error", "Server error", "", [], 500))
    assert r.verdict == "FAILED" and r.exit_code == 1


def test_the_grid_shows_ran_failed_and_not_exercised_apart() -> None:
    r = report()
    r.cases_by_operation.update({"GET /taxes": 3, "DELETE /taxes/{id}": 2})
    r.passed[("GET /taxes", "not_a_server_error")] = 3
    r.failed[("DELETE /taxes/{id}", "not_a_server_error")] = 1
    rows = {line.split("  ")[0]: line for line in r.render().splitlines()
            if line.startswith(("GET /taxes ", "DELETE /taxes"))}
    # columns: not_a_server_error, delete_twice_is_404, page_envelope_and_limit
    assert rows["GET /taxes"].split()[2:5] == [".", "-", "3"]  # ran, gap (list), no column 2
    assert rows["DELETE /taxes/{id}"].split()[2:5] == ["F", "-", "2"]  # failed, gap


def test_junit_has_no_empty_passing_case(tmp_path: Path) -> None:
    r = report()
    r.cases_by_operation["GET /taxes"] = 3  # DELETE: not one case ran
    r.passed[("GET /taxes", "not_a_server_error")] = 3
    r.failed[("GET /taxes", "page_envelope_and_limit")] = 1
    r.findings.append(Finding("GET /taxes", "page_envelope_and_limit", "Page envelope broken",
                              "26 rows for limit 25", ["curl …"], 200))
    path = tmp_path / "junit.xml"
    r.write_junit(path)
    suite = ElementTree.parse(path).getroot()
    cases = {(c.get("classname"), c.get("name")): c for c in suite.iter("testcase")}
    assert set(cases) == set(r.expected)  # one test case per operation × check that applies
    assert cases[("GET /taxes", "page_envelope_and_limit")].find("failure") is not None
    assert cases[("GET /taxes", "not_a_server_error")].find("system-out") is not None
    for check in ("not_a_server_error", "delete_twice_is_404"):
        error = cases[("DELETE /taxes/{id}", check)].find("error")
        assert error is not None and "no case" in (error.get("message") or "")
    for case in suite.iter("testcase"):  # none is an empty pass
        assert len(case) > 0
    assert suite.get("failures") == "1" and suite.get("errors") == "2"


def test_junit_marks_a_gap_skipped_with_its_reason(tmp_path: Path) -> None:
    r = report()
    r.cases_by_operation.update({"GET /taxes": 1, "DELETE /taxes/{id}": 1})
    r.skipped["delete_twice_is_404"] = "no secret"
    r.write_junit(tmp_path / "j.xml")
    suite = ElementTree.parse(tmp_path / "j.xml").getroot()
    skipped = [c for c in suite.iter("testcase") if c.find("skipped") is not None]
    assert len(skipped) == len(r.expected) == int(suite.get("skipped") or 0)
    reasons = {c.find("skipped").get("message") for c in skipped}  # type: ignore[union-attr]
    assert "no secret" in reasons


# --- curls ----------------------------------------------------------------------------------


@pytest.fixture
def target() -> Target:
    return Target(base_url="http://127.0.0.1:1/v1",
                  token_a=tokens.mint_token(tokens.TENANT_A),
                  token_b=tokens.mint_token(tokens.TENANT_B), token_a_read_only=None,
                  secret=tokens.DEFAULT_SECRET, mode="mock")


def test_a_curl_names_the_tokens_and_keeps_real_values(target: Target, tmp_path: Path) -> None:
    replayer = Replayer(target, tmp_path)
    command = replayer.curl("POST", "http://127.0.0.1:1/v1/payables?x=1",
                            {"Authorization": [f"Bearer {target.token_b}"],
                             "Idempotency-Key": ["k-1"], "User-Agent": ["python-requests"],
                             "Content-Type": "application/json"},
                            b'{"pix_key": "a@b.c", "pix_key_type": "email"}')
    words = shlex.split(command)
    assert "Authorization: Bearer $FINANCE_TOKEN_B" in words
    assert "Idempotency-Key: k-1" in words and "--data-raw" in words
    assert '{"pix_key": "a@b.c", "pix_key_type": "email"}' in words
    assert "Filtered" not in command and "python-requests" not in command
    assert target.token_b not in command


def test_a_binary_body_goes_to_a_file(target: Target, tmp_path: Path) -> None:
    body = b"%PDF-1.4\n\x00\xff\xfe binary"
    command = Replayer(target, tmp_path).curl("POST", "http://h/v1/attachments",
                                              {"Authorization": f"Bearer {target.token_a}"},
                                              body)
    words = shlex.split(command)
    data = words[words.index("--data-binary") + 1]
    assert data.startswith("@") and Path(data[1:]).read_bytes() == body
    assert "\ufffd" not in command


def test_a_token_lacking_a_scope_prints_how_to_mint_it(target: Target, tmp_path: Path) -> None:
    replayer = Replayer(target, tmp_path)
    replayer.all_scopes = set(tokens.ALL_SCOPES)
    limited = tokens.mint_token(tokens.TENANT_A, [s for s in tokens.ALL_SCOPES
                                                  if s != "finance.taxes.write"])
    command = replayer.curl("POST", "http://h/v1/taxes", {"Authorization": f"Bearer {limited}"},
                            None)
    setup, curl = command.splitlines()
    assert setup == (f"FINANCE_TOKEN_LIMITED=$(python -m conformance.mint --sub "
                     f"{tokens.TENANT_A} --without finance.taxes.write)")
    assert "$FINANCE_TOKEN_LIMITED" in curl and limited not in command


def test_the_mint_command_prints_a_token_without_the_scope(
        capsys: pytest.CaptureFixture[str]) -> None:
    import jwt

    from conformance import mint

    assert mint.main(["--sub", tokens.TENANT_A, "--without", "finance.taxes.write"]) == 0
    token = capsys.readouterr().out.strip()
    claims = jwt.decode(token, tokens.DEFAULT_SECRET, algorithms=[tokens.ALGORITHM])
    assert claims["sub"] == tokens.TENANT_A
    assert "finance.taxes.write" not in claims["scope"].split()
    assert "finance.taxes" in claims["scope"].split()


# --- progress -------------------------------------------------------------------------------


class FakeRecorder:
    def __init__(self, label: str, statuses: list[Status]) -> None:
        self.label = label
        self.checks = {str(i): [type("Node", (), {"status": s})()] for i, s in
                       enumerate(statuses)}
        self.interactions = dict.fromkeys(self.checks)


def test_progress_reports_operations_cases_and_failures() -> None:
    from schemathesis.engine import events

    out = io.StringIO()
    clock = iter(range(0, 100, 10))
    progress = Progress(2, stream=out, every=5, clock=lambda: float(next(clock)))
    phase = type("Phase", (), {"is_enabled": True, "name": type("N", (), {"value": "fuzzing"})})
    started = events.PhaseStarted.__new__(events.PhaseStarted)
    object.__setattr__(started, "phase", phase)
    progress(started)
    finished = events.ScenarioFinished.__new__(events.ScenarioFinished)
    object.__setattr__(finished, "recorder",
                       FakeRecorder("GET /taxes", [Status.SUCCESS, Status.FAILURE]))
    progress(finished)
    assert out.getvalue().strip() == ("fuzzing: running; 1/2 operations, 2 cases, "
                                      "1 failures so far")
