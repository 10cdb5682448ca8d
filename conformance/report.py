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
from typing import Any

from schemathesis.engine import Status, events

from conformance.replay import Replayer

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
    """Everything a run found out; `verdict` is PASSED, FAILED or INCOMPLETE."""

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
    # (operation, check) pairs the run must exercise (conformance/applicability.py)
    expected: list[tuple[str, str]] = field(default_factory=list)
    needs: dict[str, str] = field(default_factory=dict)  # check -> what exercises it
    cases_by_operation: Counter[str] = field(default_factory=Counter)
    positive: Counter[str] = field(default_factory=Counter)  # positive cases per operation
    positive_2xx: Counter[str] = field(default_factory=Counter)  # ... that answered 2xx
    graph: list[str] = field(default_factory=list)  # what building the data graph said
    allow_gaps: bool = False

    @property
    def ok(self) -> bool:
        """Nothing failed (gaps aside: see `verdict`)."""
        return not (self.findings or self.errors or self.leftovers)

    @property
    def failing_checks(self) -> set[str]:
        return {f.check for f in self.findings}

    @property
    def gaps(self) -> list[tuple[str, str, str]]:
        """(operation, check, why) for every check that applies but was never exercised."""
        out = []
        for op, check in self.expected:
            key = (op, check)
            if self.passed[key] or self.failed[key]:
                continue
            if not self.cases_by_operation[op]:
                why = "no case of this operation was run"
            else:
                why = self.skipped.get(check) or (
                    f"no case gave {self.needs.get(check, 'a response it applies to')}")
            out.append((op, check, why))
        return out

    @property
    def verdict(self) -> str:
        if not self.ok:
            return "FAILED"
        return "INCOMPLETE" if self.gaps and not self.allow_gaps else "PASSED"

    @property
    def exit_code(self) -> int:
        """0 passed, 1 failed, 3 incomplete (2 is the command line's usage error)."""
        return {"PASSED": 0, "FAILED": 1, "INCOMPLETE": 3}[self.verdict]

    def replay_hint(self) -> str:
        return f"--seed {self.seed} --max-examples {self.max_examples}"

    def positive_rates(self) -> list[tuple[str, int, int]]:
        """(create operation, positive cases, of which 2xx) for every POST of the run."""
        return [(op, self.positive[op], self.positive_2xx[op]) for op in self.operations
                if op.startswith("POST ")]

    # --- console ----------------------------------------------------------------------------

    def render(self) -> str:
        lines = [f"Smart Finance API conformance: {self.base_url} (mode {self.mode})",
                 f"{len(self.operations)} operations, {self.cases} generated cases in "
                 f"{self.elapsed:.1f} s; seed {self.seed} (replay: {self.replay_hint()})", ""]
        lines += [f"data graph: {line}" for line in self.graph]
        lines += self._matrix()
        rates = self.positive_rates()
        if rates:
            lines += ["", "positive cases answered 2xx, per create operation:"]
            for op, total, good in rates:
                share = f"{100 * good / total:.0f}%" if total else "-"
                lines.append(f"  {op:<32} {good:>5}/{total:<5} {share}")
        for check, reason in sorted(self.skipped.items()):
            lines.append(f"skipped {check}: {reason}")
        if self.mode == "sandbox":
            lines.append(f"sandbox: {self.created} created rows deleted, "
                         f"{len(self.leftovers)} left over")
        for leftover in self.leftovers:
            lines.append(f"  LEFT OVER {leftover}")
        gaps = self.gaps
        if gaps:
            lines += ["", f"GAPS ({len(gaps)}): checks that apply but were never exercised"]
            lines += [f"- {check} on {op}: {why}" for op, check, why in gaps]
        if self.findings:
            lines += ["", f"FAILURES ({len(self.findings)})",
                      "(replay: export FINANCE_TOKEN_A and FINANCE_TOKEN_B, the two tenants' "
                      "tokens; FINANCE_JWT_SECRET for a token that lacks a scope)"]
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
        lines += ["", self._verdict_line()]
        # Fuzzed data may hold lone surrogates, which no terminal encoding accepts.
        return "\n".join(lines).encode("utf-8", "backslashreplace").decode("utf-8")

    def _verdict_line(self) -> str:
        gaps = len(self.gaps)
        if self.verdict == "FAILED":
            return (f"FAILED: {len(self.findings)} failures, {len(self.errors)} errors, "
                    f"{len(self.leftovers)} left over, {gaps} gaps")
        if self.verdict == "INCOMPLETE":
            return (f"INCOMPLETE: nothing failed, but {gaps} of {len(self.expected)} "
                    "operation × check pairs were never exercised (see GAPS; --allow-gaps "
                    "accepts that)")
        allowed = f" (WARNING: {gaps} gaps allowed)" if gaps else ""
        return f"PASSED: {len(self.expected)} operation × check pairs exercised{allowed}"

    def _matrix(self) -> list[str]:
        """Operations × checks: `.` ran and passed, `F` failed, `-` applies but was not
        exercised (a gap), blank: does not apply."""
        expected = set(self.expected)
        width = max((len(op) for op in self.operations), default=10)
        lines = ["checks:"]
        lines += [f"  {i:>2} {name}" for i, name in enumerate(self.checks, 1)]
        lines.append(f"{'':<{width}} " + " ".join(f"{i % 100:>2}" for i in
                                                  range(1, len(self.checks) + 1)))
        for op in self.operations:
            cells = []
            for check in self.checks:
                key = (op, check)
                cells.append(" F" if self.failed[key] else " ." if self.passed[key]
                             else " -" if key in expected else "  ")
            lines.append(f"{op:<{width}} " + " ".join(cells) +
                         f"  {self.cases_by_operation[op]} cases")
        lines.append("(. ran and passed, F failed, - applies but never exercised: a gap, "
                     "blank: does not apply; a built-in check counts as run on every "
                     "response it saw)")
        return lines

    # --- JUnit --------------------------------------------------------------------------------

    def write_junit(self, path: str | Path) -> None:
        """One test case per operation × check that applies: a finding is a `<failure>`, a
        gap a `<skipped>` with its reason, an operation with no case an `<error>`; never an
        empty passing case."""
        suite = ET.Element("testsuite", name="conformance", time=f"{self.elapsed:.3f}")
        properties = ET.SubElement(suite, "properties")
        for name, value in (("base_url", self.base_url), ("mode", self.mode),
                            ("seed", str(self.seed)), ("cases", str(self.cases)),
                            ("verdict", self.verdict)):
            ET.SubElement(properties, "property", name=name, value=value)
        by_key: dict[tuple[str, str], list[Finding]] = {}
        for finding in self.findings:
            by_key.setdefault((finding.operation, finding.check), []).append(finding)
        gaps = {(op, check): why for op, check, why in self.gaps}
        keys = [*self.expected, *(k for k in by_key if k not in set(self.expected))]
        failures = errors = skipped = 0
        for op, check in keys:
            case = ET.SubElement(suite, "testcase", classname=op, name=check)
            findings = by_key.get((op, check), [])
            for finding in findings:
                failures += 1
                failure = ET.SubElement(case, "failure", type=finding.check,
                                        message=_xml(f"{finding.check}: {finding.title}"))
                failure.text = _xml("\n".join([finding.message, finding.response,
                                               *finding.reproduce]))
            if findings:
                continue
            if not self.cases_by_operation[op]:
                errors += 1
                ET.SubElement(case, "error", message="no case of this operation was run")
            elif (op, check) in gaps:
                skipped += 1
                ET.SubElement(case, "skipped", message=_xml(gaps[(op, check)]))
            else:
                ET.SubElement(case, "system-out").text = (
                    f"exercised by {self.passed[(op, check)]} cases")
        problems = [*self.errors, *(f"left over: {x}" for x in self.leftovers)]
        if problems:
            run = ET.SubElement(suite, "testcase", classname="conformance", name="run")
            for problem in problems:
                errors += 1
                ET.SubElement(run, "error", message=_xml(problem.splitlines()[0][:200])).text = \
                    _xml(problem)
        suite.set("tests", str(len(suite.findall("testcase"))))
        suite.set("failures", str(failures))
        suite.set("errors", str(errors))
        suite.set("skipped", str(skipped))
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

    def __init__(self, report: Report, replayer: Replayer | None = None) -> None:
        self.report = report
        self.replayer = replayer
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

    def _curl(self, request: Any) -> str:
        """One runnable command for a sent request (a recorder `Request` or a prepared one)."""
        if self.replayer is None:
            return f"{request.method} {getattr(request, 'uri', None) or request.url}"
        body = request.body
        if isinstance(body, str):
            body = body.encode("utf-8")
        url = getattr(request, "uri", None) or request.url
        return self.replayer.curl(request.method, url, dict(request.headers), body)

    def _scenario(self, event: events.ScenarioFinished) -> None:
        recorder = event.recorder
        report = self.report
        # Every case that was sent counts, whether or not a check applied to it.
        for case_id, interaction in recorder.interactions.items():
            node = recorder.cases.get(case_id)
            label = node.value.operation.label if node else recorder.label
            response = interaction.response
            report.cases += 1
            report.cases_by_operation[label] += 1
            meta = node.value.meta if node else None
            if meta is not None and not meta.generation.mode.is_negative:
                report.positive[label] += 1
                if response is not None and 200 <= response.status_code < 300:
                    report.positive_2xx[label] += 1
        for case_id, nodes in recorder.checks.items():
            node = recorder.cases.get(case_id)
            label = node.value.operation.label if node else recorder.label
            for check in nodes:
                key = (label, check.name)
                if check.status == Status.SUCCESS:
                    report.passed[key] += 1
                    continue
                info = check.failure_info
                if check.status != Status.FAILURE or info is None:
                    continue
                report.failed[key] += 1
                failure = info.failure
                shown = recorder.interactions.get(failure.case_id or case_id)
                answer = shown.response if shown else None
                key3 = (label, check.name, failure.title)
                if key3 in self._seen:  # the curls of a repeat are not printed: skip them
                    self._seen[key3].occurrences += 1
                    continue
                self._finding(label, check.name, failure.title, failure.message,
                              self._reproduce(recorder, info, case_id),
                              answer.status_code if answer else None,
                              _excerpt(answer.content) if answer else "")

    def _reproduce(self, recorder: Any, info: Any, case_id: str) -> list[str]:
        """The requests that show a failure, each once: the stateful steps (or the case), then
        what the check itself sent."""
        requests: list[Any] = []
        for step_id in [step.case_id for step in info.steps] or [case_id]:
            interaction = recorder.interactions.get(step_id)
            if interaction is not None:
                requests.append(interaction.request)
        extra = list(getattr(info.failure, "requests", ()))
        if extra:  # a custom check: its own requests show it (with the original if listed)
            requests = extra
        commands: list[str] = []
        for request in requests:
            command = self._curl(request)
            if command not in commands:
                commands.append(command)
        return commands

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
