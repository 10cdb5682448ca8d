"""A pytest plugin that records, per test, the rule ids it checks and how it ended, for the
rule-by-rule report (`conformance.rulereport`).

`pytest property_tests --rule-record PATH` writes PATH at the end of the session: a JSON
document with one entry per test — its node id, its `@pytest.mark.rule(...)` ids, its outcome
(`passed`, `failed`, `error`, `skipped` with the reason, `xfailed` with the reason, `xpassed`),
its duration and, for a failure, the failure text. Without the option nothing is recorded.

The suites' conftest calls `add_option` and `configure`; elsewhere `-p property_tests.rulerecord`
loads the same as a plugin. Under xdist the rule ids travel with each test's reports as a user
property (the workers know the markers, the controller only sees reports), and only the
controller writes the file.
"""

from __future__ import annotations

import datetime as dt
import json
import os
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import pytest

OPTION = "--rule-record"
RULES_PROPERTY = "rules"
FAILURE_LIMIT = 4000  # characters of a failure's text kept in the record


def pytest_addoption(parser: pytest.Parser) -> None:
    add_option(parser.getgroup("rulerecord", "rule-by-rule report"))


def pytest_configure(config: pytest.Config) -> None:
    configure(config)


def add_option(group: pytest.OptionGroup) -> None:
    group.addoption(OPTION, dest="rule_record", metavar="PATH", default=None,
                    help="write each test's rule ids and outcome to PATH (JSON) for the "
                         "rule-by-rule report")


def configure(config: pytest.Config) -> None:
    """Register the recorder when `--rule-record` is given (from the suites' conftest)."""
    path = config.getoption("rule_record", default=None)
    if path:
        config.pluginmanager.register(RuleRecorder(Path(str(path)), config), "rulerecord")


@dataclass
class TestRecord:
    """How one test ended, and the rules it speaks for."""

    nodeid: str
    rules: list[str]
    outcome: str = "passed"
    reason: str = ""
    duration: float = 0.0
    failure: str = ""


@dataclass
class RuleRecorder:
    path: Path
    config: pytest.Config
    started: str = field(default_factory=lambda: dt.datetime.now(dt.UTC).isoformat(
        timespec="seconds"))
    tests: dict[str, TestRecord] = field(default_factory=dict)

    @pytest.hookimpl(trylast=True)
    def pytest_collection_modifyitems(self, items: list[pytest.Item]) -> None:
        for item in items:
            rules = sorted({str(r) for mark in item.iter_markers("rule") for r in mark.args})
            item.user_properties.append((RULES_PROPERTY, " ".join(rules)))

    def pytest_runtest_logreport(self, report: pytest.TestReport) -> None:
        rules = next((str(value).split() for name, value in report.user_properties
                      if name == RULES_PROPERTY), [])
        record = self.tests.setdefault(report.nodeid, TestRecord(report.nodeid, rules))
        record.duration += report.duration
        xfail = getattr(report, "wasxfail", None)
        if report.when == "call" and xfail is not None:
            record.outcome, record.reason = ("xfailed", str(xfail)) if report.skipped else \
                ("xpassed", str(xfail))
            record.failure = report.longreprtext[-FAILURE_LIMIT:] if report.skipped else ""
        elif report.skipped:
            record.outcome, record.reason = "skipped", _skip_reason(report)
        elif report.failed:
            record.outcome = "failed" if report.when == "call" else "error"
            record.failure = report.longreprtext[-FAILURE_LIMIT:]

    def pytest_sessionfinish(self, session: pytest.Session) -> None:
        if hasattr(self.config, "workerinput"):
            return  # an xdist worker: the controller has every report and writes the file
        self.path.parent.mkdir(parents=True, exist_ok=True)
        document = {"source": "property_tests", "started": self.started,
                    "target": _target(self.config),
                    "tests": [asdict(record) for record in self.tests.values()]}
        self.path.write_text(json.dumps(document, indent=1), encoding="utf-8")


def _skip_reason(report: pytest.TestReport) -> str:
    longrepr: Any = report.longrepr
    if isinstance(longrepr, tuple) and len(longrepr) == 3:
        return str(longrepr[2]).removeprefix("Skipped: ")
    return str(longrepr or "")


def _target(config: pytest.Config) -> str:
    return str(config.getoption("base_url", default=None) or os.environ.get(
        "FINANCE_BASE_URL") or "the embedded mock")
