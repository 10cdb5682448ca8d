"""The rule-by-rule report: for each rule id of the catalogue, its verdict on one target.

Two sources speak for the rules: the property suites (the part file `property_tests.rulerecord`
writes: each test with its rule ids and outcome) and a conformance run (`Report`: passes and
failures per operation × check, and `CHECK_RULES`, the rules each check proves). `build()`
merges whatever of them ran into a `RuleReport`; `write()` puts `rules.json` and `index.html`
(`conformance.rulepage`) in a directory. A rule is

- **failed** when any check covering it failed (a known defect, an expected failure of the
  suites, counts: the target does not honour the rule);
- **verified** when none failed and at least one passed with cases;
- **skipped** when every check covering it was skipped (the reasons are kept);
- **not exercised** when nothing in this run covered it.
"""

from __future__ import annotations

import datetime as dt
import json
import xml.etree.ElementTree as ET
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, Literal

from conformance.checks import CHECK_RULES
from conformance.report import Report

__all__ = ["Evidence", "Failure", "RuleInfo", "RuleReport", "RuleResult", "build", "catalogue",
           "link_junit", "load", "load_part", "write", "write_for_conformance"]

Verdict = Literal["verified", "failed", "skipped", "not exercised"]
VERDICTS: tuple[Verdict, ...] = ("verified", "failed", "skipped", "not exercised")
PROPERTY = "property_tests"
CONFORMANCE = "conformance"
FAILING = frozenset({"failed", "error", "xfailed"})
JSON_FILE = "rules.json"
HTML_FILE = "index.html"
JUNIT_PROPERTY = "rule_report"


@dataclass(frozen=True)
class RuleInfo:
    """One rule of the catalogue: its id, title and one-line statement."""

    id: str
    title: str = ""
    statement: str = ""


def catalogue() -> list[RuleInfo]:
    """The rule catalogue (`contract.rules.RULES`), in its order."""
    from contract.rules import RULES

    return [RuleInfo(rule.id, rule.title, rule.statement) for rule in RULES]


@dataclass(frozen=True)
class Evidence:
    """One check that spoke for a rule: a property test or a conformance check."""

    source: str  # PROPERTY or CONFORMANCE
    name: str  # the test's node id, or the check's name
    outcome: str  # passed, failed, error, skipped, xfailed, xpassed, not applied
    cases: int = 0
    reason: str = ""


@dataclass(frozen=True)
class Failure:
    """A failure of a check that covers a rule: what was sent, what came back, how to see it
    again."""

    source: str
    check: str
    title: str
    request: str = ""
    response: str = ""
    replay: str = ""
    detail: str = ""


@dataclass(frozen=True)
class CheckSummary:
    """The evidence of one check, or of one property test over all its parameters."""

    source: str
    name: str
    cases: int
    outcomes: dict[str, int]

    @property
    def outcome_line(self) -> str:
        if self.source == CONFORMANCE:  # one check: its outcome over all its cases
            return ", ".join(self.outcomes)
        return ", ".join(f"{n} {outcome}" for outcome, n in self.outcomes.items())


def _check_name(evidence: Evidence) -> str:
    if evidence.source != PROPERTY:
        return evidence.name
    return evidence.name.split("[", 1)[0].removeprefix(f"{PROPERTY}/")


@dataclass
class RuleResult:
    id: str
    title: str
    statement: str
    verdict: Verdict = "not exercised"
    why: str = ""
    evidence: list[Evidence] = field(default_factory=list)
    failures: list[Failure] = field(default_factory=list)

    @property
    def cases(self) -> int:
        return sum(item.cases for item in self.evidence)

    @property
    def summaries(self) -> list[CheckSummary]:
        """The checks that covered the rule: a property test once over all its parameters."""
        grouped: dict[tuple[str, str], list[Evidence]] = {}
        for item in self.evidence:
            grouped.setdefault((item.source, _check_name(item)), []).append(item)
        return [CheckSummary(source, name, sum(i.cases for i in items),
                             dict(Counter(i.outcome for i in items)))
                for (source, name), items in grouped.items()]

    @property
    def checks(self) -> list[str]:
        return [summary.name for summary in self.summaries]


@dataclass
class RuleReport:
    target: str
    generated: str  # RFC 3339, UTC
    sources: dict[str, str]  # source -> one line on what ran
    rules: list[RuleResult]
    notes: list[str] = field(default_factory=list)  # what went wrong with a run itself

    def count(self, verdict: Verdict) -> int:
        return sum(1 for rule in self.rules if rule.verdict == verdict)

    @property
    def ok(self) -> bool:
        return self.count("failed") == 0 and not self.notes

    @property
    def overall(self) -> str:
        moment = self.generated.replace("T", " ").replace("+00:00", " UTC")
        return (f"{self.count('verified')} of {len(self.rules)} rules verified on {self.target} "
                f"at {moment}")

    def to_json(self) -> dict[str, Any]:
        return {
            "overall": self.overall, "target": self.target, "generated": self.generated,
            "counts": {verdict: self.count(verdict) for verdict in VERDICTS},
            "sources": self.sources, "notes": self.notes,
            "rules": [{**{k: v for k, v in asdict(rule).items()
                          if k not in ("evidence", "failures")},
                       "cases": rule.cases, "checks": [asdict(c) for c in rule.summaries],
                       "evidence": [asdict(e) for e in rule.evidence],
                       "failures": [asdict(f) for f in rule.failures]} for rule in self.rules],
        }


# -- the sources -------------------------------------------------------------------------------


def load(path: str | Path) -> RuleReport:
    """A report back from its `rules.json` (to render the page again, or merge it later); the
    verdicts are derived again from the evidence, by the same rules as `build()`."""
    document = json.loads(Path(path).read_text(encoding="utf-8"))
    rules = []
    for rule in document["rules"]:
        result = RuleResult(rule["id"], rule["title"], rule["statement"],
                            evidence=[Evidence(**item) for item in rule["evidence"]],
                            failures=[Failure(**item) for item in rule["failures"]])
        result.verdict, result.why = _verdict(result.evidence, document["sources"])
        rules.append(result)
    return RuleReport(target=document["target"], generated=document["generated"],
                      sources=dict(document["sources"]), rules=rules,
                      notes=list(document["notes"]))


def load_part(path: str | Path) -> dict[str, Any]:
    """A part file written by `pytest --rule-record PATH`."""
    document: dict[str, Any] = json.loads(Path(path).read_text(encoding="utf-8"))
    return document


def _property_evidence(part: Mapping[str, Any], base_url: str
                       ) -> Iterable[tuple[str, Evidence, Failure | None]]:
    for test in part.get("tests", ()):
        outcome = str(test.get("outcome", ""))
        nodeid = str(test["nodeid"])
        evidence = Evidence(PROPERTY, nodeid, outcome, 0 if outcome == "skipped" else 1,
                            str(test.get("reason", "")))
        failure = None
        if outcome in FAILING:
            text = str(test.get("failure", ""))
            title = (f"expected failure (known defect): {test.get('reason', '')}"
                     if outcome == "xfailed" else _last_error_line(text))
            failure = Failure(PROPERTY, nodeid, title, detail=text,
                              replay=f"python -m pytest '{nodeid}' --base-url {base_url}")
        for rule in test.get("rules", ()):
            yield str(rule), evidence, failure


def _last_error_line(text: str) -> str:
    lines = [line[1:].strip() for line in text.splitlines() if line.startswith("E ")]
    return (lines[0] if lines else next((line for line in text.splitlines() if line.strip()),
                                        "failed"))[:300]


def _conformance_evidence(report: Report, check_rules: Mapping[str, Sequence[str]]
                          ) -> Iterable[tuple[str, Evidence, Failure | None]]:
    for check in report.checks:
        passed = sum(n for (_, name), n in report.passed.items() if name == check)
        failed = sum(n for (_, name), n in report.failed.items() if name == check)
        findings = [f for f in report.findings if f.check == check]
        if findings or failed:
            outcome = "failed"
        elif passed:
            outcome = "passed"
        elif check in report.skipped:
            outcome = "skipped"
        else:
            outcome = "not applied"
        evidence = Evidence(CONFORMANCE, check, outcome, passed + failed,
                            report.skipped.get(check, ""))
        replay = (f"python -m conformance --base-url {report.base_url} --mode {report.mode} "
                  f"--checks {check} {report.replay_hint()}")
        failures = [Failure(CONFORMANCE, check, f"{f.operation}: {f.title}",
                            request="\n".join(f.reproduce),
                            response=(f"{f.status} " if f.status is not None else "") + f.response,
                            replay=replay, detail=f.message) for f in findings]
        for rule in check_rules.get(check, ()):
            yield rule, evidence, None
            for failure in failures:
                yield rule, evidence, failure


# -- the merge ---------------------------------------------------------------------------------


def build(*, target: str, conformance: Report | None = None,
          properties: Mapping[str, Any] | None = None, rules: Sequence[RuleInfo] | None = None,
          check_rules: Mapping[str, Sequence[str]] = CHECK_RULES,
          now: dt.datetime | None = None) -> RuleReport:
    """Every rule of `rules` (the catalogue by default) with its verdict from the sources
    that ran; rule ids the sources name that the catalogue lacks are added at the end."""
    known = list(rules if rules is not None else catalogue())
    results = {info.id: RuleResult(info.id, info.title, info.statement) for info in known}
    sources: dict[str, str] = {}
    notes: list[str] = []
    found: list[tuple[str, Evidence, Failure | None]] = []
    if properties is not None:
        tests = list(properties.get("tests", ()))
        sources[PROPERTY] = f"{len(tests)} tests (pytest property_tests)"
        found += _property_evidence(properties, target)
    if conformance is not None:
        sources[CONFORMANCE] = (f"{len(conformance.operations)} operations × "
                                f"{len(conformance.checks)} checks, {conformance.cases} cases, "
                                f"seed {conformance.seed}")
        found += _conformance_evidence(conformance, check_rules)
        notes += [f"conformance: {error}" for error in conformance.errors]
        notes += [f"conformance: left over {row}" for row in conformance.leftovers]
    for rule, evidence, failure in found:
        result = results.setdefault(rule, RuleResult(rule, "", "(not in the rule catalogue)"))
        if evidence not in result.evidence:
            result.evidence.append(evidence)
        if failure is not None:
            result.failures.append(failure)
    for result in results.values():
        result.verdict, result.why = _verdict(result.evidence, sources)
    moment = (now or dt.datetime.now(dt.UTC)).astimezone(dt.UTC).replace(microsecond=0)
    extra = sorted((rule for rule in results if rule not in {info.id for info in known}),
                   key=_rule_order)
    return RuleReport(target=target, generated=moment.isoformat(), sources=sources,
                      rules=[results[rule] for rule in [*(i.id for i in known), *extra]],
                      notes=notes)


def _rule_order(rule_id: str) -> tuple[str, int, str]:
    """G-2 before G-10: by family, then number."""
    family, _, number = rule_id.partition("-")
    return (family, int(number) if number.isdigit() else 0, number)


def _verdict(evidence: Sequence[Evidence], sources: Mapping[str, str]) -> tuple[Verdict, str]:
    outcomes = [item.outcome for item in evidence]
    if any(outcome in FAILING for outcome in outcomes):
        known = sum(1 for outcome in outcomes if outcome == "xfailed")
        return "failed", f"{known} known defect(s) of the target" if known else ""
    if any(item.outcome in ("passed", "xpassed") and item.cases for item in evidence):
        return "verified", ""
    skipped = [item for item in evidence if item.outcome == "skipped"]
    if skipped:
        return "skipped", "; ".join(dict.fromkeys(item.reason or "skipped" for item in skipped))
    ran = ", ".join(sources) or "nothing"
    if evidence:
        return "not exercised", f"its checks found nothing to check in this run (ran: {ran})"
    return "not exercised", f"not exercised by this run (ran: {ran})"


# -- output ------------------------------------------------------------------------------------


def write(report: RuleReport, directory: str | Path) -> Path:
    """`rules.json` and `index.html` in `directory`; returns the page's path."""
    from conformance.rulepage import render  # Jinja2 is only needed to write the page

    folder = Path(directory)
    folder.mkdir(parents=True, exist_ok=True)
    # Fuzzed requests and answers may hold lone surrogates, which UTF-8 cannot carry.
    (folder / JSON_FILE).write_text(json.dumps(report.to_json(), indent=1, ensure_ascii=False),
                                    encoding="utf-8", errors="backslashreplace")
    page = folder / HTML_FILE
    page.write_text(render(report), encoding="utf-8", errors="backslashreplace")
    return page


def write_for_conformance(report: Report, directory: str | Path,
                          junit: str | Path | None = None) -> str:
    """`python -m conformance --report-dir DIR`: the report of a conformance run alone (the
    rules only the property suites check say "not exercised by this run"); the JUnit file,
    if any, names the page. Returns the lines to print."""
    rules = build(target=report.base_url, conformance=report)
    page = write(rules, directory)
    if junit:
        link_junit(junit, page)
    return f"{rules.overall}\nrule report: {page}"


def link_junit(junit: str | Path, page: str | Path) -> None:
    """Name the report page in a JUnit file: a `rule_report` property on each testsuite."""
    tree = ET.parse(junit)
    root = tree.getroot()
    suites = [root] if root.tag == "testsuite" else root.findall("testsuite")
    for suite in suites:
        properties = suite.find("properties")
        if properties is None:
            properties = ET.Element("properties")
            suite.insert(0, properties)
        ET.SubElement(properties, "property", name=JUNIT_PROPERTY,
                      value=str(Path(page).resolve()))
    tree.write(junit, encoding="utf-8", xml_declaration=True)
