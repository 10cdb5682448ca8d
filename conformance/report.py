"""The result of a conformance run: what ran, what failed, how to replay it.

`Report` is filled from Schemathesis's engine events by `ReportBuilder`, and rendered two ways:
`render()` for the console (operations × checks, then each failure with a curl to reproduce and
the seed), `write_junit()` for CI (one test case per operation, one `<failure>` per finding).
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

from schemathesis.engine import Status, events

__all__ = ["Finding", "Report", "ReportBuilder"]


@dataclass
class Finding:
    """One distinct failure: an operation, a check, what went wrong and how to see it again."""

    operation: str
    check: str
    title: str
    message: str
    reproduce: list[str]  # curl commands, in order (a stateful failure has several)
    status: int | None
    response: str = ""  # the start of the response body
    occurrences: int = 1


@dataclass
class Report:
    """Everything a run found out; `ok` is the verdict."""

    base_url: str
    mode: str
    seed: int
    max_examples: int
    operations: list[str]
    checks: list[str]
    cases: int = 0
    elapsed: float = 0.0
    passed: Counter[tuple[str, str]] = field(default_factory=Counter)  # (operation, check)
    failed: Counter[tuple[str, str]] = field(default_factory=Counter)
    findings: list[Finding] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)  # the run itself went wrong somewhere
    skipped: dict[str, str] = field(default_factory=dict)  # check -> why it could not run
    created: int = 0  # sandbox: rows the run created (and deleted)
    leftovers: list[str] = field(default_factory=list)  # sandbox: rows it could not delete

    @property
    def ok(self) -> bool:
        return not (self.findings or self.errors or self.leftovers)

    @property
    def failing_checks(self) -> set[str]:
        return {f.check for f in self.findings}

    def replay_hint(self) -> str:
        return f"--seed {self.seed} --max-examples {self.max_examples}"

    # --- console ----------------------------------------------------------------------------

    def render(self) -> str:
        lines = [f"Smart Finance API conformance: {self.base_url} (mode {self.mode})",
                 f"{len(self.operations)} operations, {self.cases} generated cases in "
                 f"{self.elapsed:.1f} s; seed {self.seed} (replay: {self.replay_hint()})", ""]
        lines += self._matrix()
        for check, reason in sorted(self.skipped.items()):
            lines.append(f"skipped {check}: {reason}")
        if self.mode == "sandbox":
            lines.append(f"sandbox: {self.created} created rows deleted, "
                         f"{len(self.leftovers)} left over")
        for leftover in self.leftovers:
            lines.append(f"  LEFT OVER {leftover}")
        if self.findings:
            lines += ["", f"FAILURES ({len(self.findings)})"]
        for number, finding in enumerate(self.findings, 1):
            status = f" [{finding.status}]" if finding.status is not None else ""
            times = f" (x{finding.occurrences})" if finding.occurrences > 1 else ""
            lines += ["", f"{number}. {finding.check} — {finding.operation}: "
                          f"{finding.title}{status}{times}"]
            lines += [f"   {line}" for line in finding.message.strip().splitlines()]
            if finding.response:
                lines.append(f"   response: {finding.response}")
            if finding.reproduce:
                lines.append("   reproduce:")
                lines += [f"     {line}" for command in finding.reproduce
                          for line in command.splitlines()]
        if self.errors:
            lines += ["", f"ERRORS ({len(self.errors)})"]
            lines += [f"- {error}" for error in self.errors]
        verdict = "PASSED" if self.ok else (
            f"FAILED: {len(self.findings)} failures, {len(self.errors)} errors, "
            f"{len(self.leftovers)} left over")
        lines += ["", verdict]
        # Fuzzed data may hold lone surrogates, which no terminal encoding accepts.
        return "\n".join(lines).encode("utf-8", "backslashreplace").decode("utf-8")

    def _matrix(self) -> list[str]:
        """Operations × checks: `.` passed, `F` failed, ` ` never applied."""
        width = max((len(op) for op in self.operations), default=10)
        lines = ["checks:"]
        lines += [f"  {i:>2} {name}" for i, name in enumerate(self.checks, 1)]
        lines.append(f"{'':<{width}} " + " ".join(f"{i % 100:>2}" for i in
                                                  range(1, len(self.checks) + 1)))
        for op in self.operations:
            cells = []
            for check in self.checks:
                key = (op, check)
                cells.append(" F" if self.failed[key] else " ." if self.passed[key] else "  ")
            lines.append(f"{op:<{width}} " + " ".join(cells))
        lines.append("(. passed, F failed, blank: did not apply; a built-in check counts a pass "
                     "also where it found nothing to look at)")
        return lines

    # --- JUnit --------------------------------------------------------------------------------

    def write_junit(self, path: str | Path) -> None:
        suite = ET.Element("testsuite", name="conformance", failures=str(len(self.findings)),
                           errors=str(len(self.errors) + len(self.leftovers)),
                           time=f"{self.elapsed:.3f}")
        properties = ET.SubElement(suite, "properties")
        for name, value in (("base_url", self.base_url), ("mode", self.mode),
                            ("seed", str(self.seed)), ("cases", str(self.cases))):
            ET.SubElement(properties, "property", name=name, value=value)
        by_operation: dict[str, list[Finding]] = {}
        for finding in self.findings:
            by_operation.setdefault(finding.operation, []).append(finding)
        for op in [*self.operations, *(o for o in by_operation if o not in self.operations)]:
            case = ET.SubElement(suite, "testcase", classname="conformance", name=op)
            for finding in by_operation.get(op, []):
                failure = ET.SubElement(case, "failure", type=finding.check,
                                        message=_xml(f"{finding.check}: {finding.title}"))
                failure.text = _xml("\n".join([finding.message, finding.response,
                                               *finding.reproduce]))
        run = ET.SubElement(suite, "testcase", classname="conformance", name="run")
        for problem in [*self.errors, *(f"left over: {x}" for x in self.leftovers)]:
            ET.SubElement(run, "error", message=_xml(problem.splitlines()[0][:200])).text = \
                _xml(problem)
        if self.skipped:
            ET.SubElement(run, "system-out").text = "\n".join(
                f"skipped {check}: {reason}" for check, reason in sorted(self.skipped.items()))
        suite.set("tests", str(len(suite.findall("testcase"))))
        ET.ElementTree(suite).write(path, encoding="utf-8", xml_declaration=True)


# Fuzzed requests and answers hold characters XML 1.0 cannot carry (controls, lone surrogates).
_NOT_XML = re.compile("[^\t\n\r\x20-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")


def _xml(text: str) -> str:
    return _NOT_XML.sub("\ufffd", text)


def _excerpt(content: bytes | None, limit: int = 300) -> str:
    text = (content or b"").decode("utf-8", "replace").replace("\n", " ")
    return text if len(text) <= limit else text[:limit] + "…"


class ReportBuilder:
    """Folds Schemathesis engine events into a `Report`."""

    def __init__(self, report: Report) -> None:
        self.report = report
        self._seen: dict[tuple[str, str, str], Finding] = {}

    def feed(self, event: events.EngineEvent) -> None:
        if isinstance(event, events.ScenarioFinished):
            self._scenario(event)
        elif isinstance(event, events.NonFatalError):
            self.report.errors.append(f"{event.label}: {event.info.title}: "
                                      f"{event.info.message}".strip())
        elif isinstance(event, events.FatalError):
            self.report.errors.append(f"fatal: {event.exception!r}")
        elif isinstance(event, events.EngineFinished):
            self.report.elapsed = event.running_time
            for failure in event.failures:
                self._finding(failure.operation or "run", "after_run", failure.title,
                              failure.message, [], None)

    def _scenario(self, event: events.ScenarioFinished) -> None:
        recorder = event.recorder
        for case_id, nodes in recorder.checks.items():
            node = recorder.cases.get(case_id)
            label = node.value.operation.label if node else recorder.label
            self.report.cases += 1
            for check in nodes:
                key = (label, check.name)
                if check.status == Status.SUCCESS:
                    self.report.passed[key] += 1
                    continue
                info = check.failure_info
                if check.status != Status.FAILURE or info is None:
                    continue
                self.report.failed[key] += 1
                failure = info.failure
                interaction = recorder.interactions.get(failure.case_id or case_id)
                response = interaction.response if interaction else None
                steps = [step.curl for step in info.steps] or [info.code_sample]
                self._finding(label, check.name, failure.title, failure.message, steps,
                              response.status_code if response else None,
                              _excerpt(response.content) if response else "")

    def _finding(self, operation: str, check: str, title: str, message: str,
                 reproduce: list[str], status: int | None, response: str = "") -> None:
        key = (operation, check, title)
        if key in self._seen:
            self._seen[key].occurrences += 1
            return
        finding = Finding(operation=operation, check=check, title=title, message=message,
                          reproduce=reproduce, status=status, response=response)
        self._seen[key] = finding
        self.report.findings.append(finding)
