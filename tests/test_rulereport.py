"""The rule-by-rule report (`conformance.rulereport`, `conformance.rulepage`) and its property
recorder (`property_tests.rulerecord`): a verdict per rule from synthetic inputs — verified,
failed with its replay, skipped with why, not exercised — the page, and the JUnit link."""

from __future__ import annotations

import datetime as dt
import json
import subprocess
import sys
import textwrap
import xml.etree.ElementTree as ET
from collections import Counter
from pathlib import Path

from conformance import rulereport
from conformance.report import Finding, Report
from conformance.rulepage import render
from conformance.rulereport import RuleInfo

ROOT = Path(__file__).resolve().parent.parent
TARGET = "http://127.0.0.1:8080/v1"
NOW = dt.datetime(2026, 12, 2, 16, 40, tzinfo=dt.UTC)
RULES = [RuleInfo("G-1", "Bearer JWT", "HS512 tokens; 401 otherwise."),
         RuleInfo("G-4", "Cursor pagination", "No skip, no duplicate."),
         RuleInfo("G-12", "Bad input never breaks the server", "A 4xx problem, never a 5xx."),
         RuleInfo("TAX-1", "Tax names", "Unique per workspace: 409."),
         RuleInfo("ATT-3", "Download", "The exact bytes."),
         RuleInfo("CMP-3", "Company type", "Derived from the branch digits.")]
CHECK_RULES = {"www_authenticate_on_401_403": ("G-1",), "page_envelope_and_limit": ("G-4",),
               "not_a_server_error": ("G-12",), "idle_check": ("CMP-3",)}


def conformance_run() -> Report:
    report = Report(base_url=TARGET, mode="mock", seed=42, max_examples=5,
                    operations=["GET /taxes", "POST /taxes"],
                    checks=["www_authenticate_on_401_403", "page_envelope_and_limit",
                            "not_a_server_error", "idle_check"], cases=30)
    report.passed = Counter({("GET /taxes", "www_authenticate_on_401_403"): 7,
                             ("POST /taxes", "www_authenticate_on_401_403"): 3,
                             ("GET /taxes", "page_envelope_and_limit"): 5,
                             ("GET /taxes", "not_a_server_error"): 9})
    report.failed = Counter({("POST /taxes", "not_a_server_error"): 1})
    report.findings = [Finding(
        operation="POST /taxes", check="not_a_server_error", title="Server error",
        message="500 on a nested body", status=500, response='{"status": 500}',
        reproduce=["curl -X POST http://127.0.0.1:8080/v1/taxes -d '[[[['"])]
    return report


def property_part() -> dict[str, object]:
    return {"source": "property_tests", "target": TARGET, "tests": [
        {"nodeid": "property_tests/rules/test_taxes.py::test_tax1_same_name_409",
         "rules": ["TAX-1"], "outcome": "passed", "reason": "", "duration": 0.2, "failure": ""},
        {"nodeid": "property_tests/rules/test_attachments.py::test_att3_bytes",
         "rules": ["ATT-3"], "outcome": "skipped", "reason": "production target: read-only",
         "duration": 0.0, "failure": ""},
        {"nodeid": "property_tests/test_hostile_input.py::test_g12[POST-taxes-nan]",
         "rules": ["G-12"], "outcome": "xfailed", "reason": "NaN is stored",
         "duration": 0.1, "failure": "E   AssertionError: answered 201"},
        {"nodeid": "property_tests/test_pagination.py::test_walk[taxes-name]",
         "rules": ["G-4"], "outcome": "failed", "reason": "", "duration": 1.0,
         "failure": "def test...\nE   AssertionError: row abc seen twice\nE   more"}]}


def built(**sources: object) -> rulereport.RuleReport:
    return rulereport.build(target=TARGET, rules=RULES, check_rules=CHECK_RULES, now=NOW,
                            **sources)  # type: ignore[arg-type]


def by_id(report: rulereport.RuleReport) -> dict[str, rulereport.RuleResult]:
    return {rule.id: rule for rule in report.rules}


def test_both_sources_give_each_rule_its_verdict() -> None:
    report = built(conformance=conformance_run(), properties=property_part())
    rules = by_id(report)
    assert {rule_id: rule.verdict for rule_id, rule in rules.items()} == {
        "G-1": "verified", "G-4": "failed", "G-12": "failed", "TAX-1": "verified",
        "ATT-3": "skipped", "CMP-3": "not exercised"}
    assert rules["G-1"].cases == 10 and rules["G-1"].checks == ["www_authenticate_on_401_403"]
    [tests] = rules["G-12"].summaries[:1]
    assert (tests.name, tests.cases, tests.outcomes) == (
        "test_hostile_input.py::test_g12", 1, {"xfailed": 1})
    assert rules["ATT-3"].why == "production target: read-only"
    assert "found nothing to check" in rules["CMP-3"].why
    assert report.overall == f"2 of 6 rules verified on {TARGET} at 2026-12-02 16:40:00 UTC"
    assert not report.ok


def test_a_failure_carries_the_request_the_response_and_the_replay() -> None:
    rules = by_id(built(conformance=conformance_run(), properties=property_part()))
    [server_error, known] = sorted(rules["G-12"].failures, key=lambda f: f.source)
    assert server_error.request.startswith("curl -X POST")
    assert server_error.response == '500 {"status": 500}'
    assert "--checks not_a_server_error --seed 42 --max-examples 5" in server_error.replay
    assert known.title == "expected failure (known defect): NaN is stored"
    assert rules["G-12"].why == "1 known defect(s) of the target"
    [walk] = rules["G-4"].failures
    assert walk.title == "AssertionError: row abc seen twice"
    assert walk.replay == ("python -m pytest 'property_tests/test_pagination.py::"
                           f"test_walk[taxes-name]' --base-url {TARGET}")


def test_a_run_of_one_suite_says_what_it_did_not_exercise() -> None:
    rules = by_id(built(conformance=conformance_run()))
    assert rules["TAX-1"].verdict == "not exercised"
    assert rules["TAX-1"].why == "not exercised by this run (ran: conformance)"
    nothing = by_id(built())
    assert {rule.verdict for rule in nothing.values()} == {"not exercised"}


def test_rule_ids_outside_the_catalogue_are_kept() -> None:
    part = {"tests": [{"nodeid": "t::x", "rules": ["NEW-1"], "outcome": "passed"}]}
    rules = by_id(built(properties=part))
    assert rules["NEW-1"].verdict == "verified"
    assert rules["NEW-1"].statement == "(not in the rule catalogue)"


def test_the_page_is_self_contained_and_escapes_what_targets_send(tmp_path: Path) -> None:
    run = conformance_run()
    run.findings[0].response = "<script>alert(1)</script>"
    report = built(conformance=run, properties=property_part())
    page = render(report)
    assert report.overall in page
    assert '<tr id="rule-G-12" class="rule" data-verdict="failed">' in page
    assert "<script>" not in page and "&lt;script&gt;" in page
    assert "src=" not in page and "<link" not in page and "@import" not in page
    written = rulereport.write(report, tmp_path / "out")
    assert written.read_text(encoding="utf-8") == page
    document = json.loads((tmp_path / "out" / "rules.json").read_text(encoding="utf-8"))
    assert document["overall"] == report.overall
    assert document["counts"] == {"verified": 2, "failed": 2, "skipped": 1, "not exercised": 1}
    assert [rule["id"] for rule in document["rules"]] == [info.id for info in RULES]


def test_a_report_reads_back_from_its_json(tmp_path: Path) -> None:
    report = built(conformance=conformance_run(), properties=property_part())
    rulereport.write(report, tmp_path)
    again = rulereport.load(tmp_path / rulereport.JSON_FILE)
    assert again.to_json() == report.to_json()
    assert render(again) == render(report)


def test_the_statement_shows_code_and_stays_escaped() -> None:
    rules = [RuleInfo("G-6", "Errors", "Bodies are `application/problem+json` <b>always</b>")]
    page = render(rulereport.build(target=TARGET, rules=rules, now=NOW))
    assert "<code>application/problem+json</code> &lt;b&gt;always&lt;/b&gt;" in page


def test_a_conformance_run_alone_writes_its_report(tmp_path: Path) -> None:
    junit = tmp_path / "junit.xml"
    run = conformance_run()
    run.write_junit(junit)
    lines = rulereport.write_for_conformance(run, tmp_path / "report", junit)
    assert lines.endswith(f"rule report: {tmp_path / 'report' / 'index.html'}")
    document = json.loads((tmp_path / "report" / "rules.json").read_text(encoding="utf-8"))
    assert document["sources"].keys() == {"conformance"}
    assert "rule_report" in junit.read_text(encoding="utf-8")


def test_the_junit_file_names_the_page(tmp_path: Path) -> None:
    junit = tmp_path / "junit.xml"
    conformance_run().write_junit(junit)
    rulereport.link_junit(junit, tmp_path / "index.html")
    suite = ET.parse(junit).getroot()
    names = {p.get("name"): p.get("value") for p in suite.iter("property")}
    assert names["rule_report"] == str((tmp_path / "index.html").resolve())
    assert names["seed"] == "42"


def test_the_recorder_keeps_rules_and_outcomes_across_xdist_workers(tmp_path: Path) -> None:
    (tmp_path / "pytest.ini").write_text(textwrap.dedent("""\
        [pytest]
        markers = rule(*ids): rule ids
        """))
    (tmp_path / "test_sample.py").write_text(textwrap.dedent("""\
        import pytest

        @pytest.mark.rule("TAX-1")
        def test_passes(): pass

        @pytest.mark.rule("TAX-2", "TAX-3")
        def test_fails(): assert 1 == 2, "two rules broken"

        @pytest.mark.rule("ATT-3")
        def test_skips(): pytest.skip("needs the admin surface")

        @pytest.mark.rule("G-12")
        @pytest.mark.xfail(strict=True, reason="known defect")
        def test_known(): assert False

        def test_no_rule(): pass
        """))
    part = tmp_path / "part.json"
    done = subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider",
                           "-p", "property_tests.rulerecord", "--rule-record", str(part),
                           "-n", "2", str(tmp_path)], cwd=tmp_path, capture_output=True,
                          text=True, check=False, env={"PYTHONPATH": str(ROOT)},
                          timeout=300)
    assert done.returncode == 1, done.stdout + done.stderr
    tests = {t["nodeid"].split("::")[-1]: t for t in rulereport.load_part(part)["tests"]}
    assert {name: (t["rules"], t["outcome"]) for name, t in tests.items()} == {
        "test_passes": (["TAX-1"], "passed"), "test_fails": (["TAX-2", "TAX-3"], "failed"),
        "test_skips": (["ATT-3"], "skipped"), "test_known": (["G-12"], "xfailed"),
        "test_no_rule": ([], "passed")}
    assert tests["test_skips"]["reason"] == "needs the admin surface"
    assert "two rules broken" in tests["test_fails"]["failure"]
    assert tests["test_known"]["reason"] == "known defect"
