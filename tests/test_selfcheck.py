"""`make selfcheck` itself: its rule mapping, its verdicts, and real faults caught end to end."""

from __future__ import annotations

import subprocess
import sys

from conformance import selfcheck
from conformance.checks import CHECK_RULES
from conformance.runner import check_names
from contract.rules import RULES
from mock import faults

IDS = [rule.id for rule in RULES]


def test_the_conformance_checks_of_a_rule_are_known_checks() -> None:
    assert set(CHECK_RULES) <= set(check_names())
    assert {r for rules in CHECK_RULES.values() for r in rules} <= set(IDS)
    assert selfcheck.checks_of("G-10") == [c for c, r in CHECK_RULES.items() if "G-10" in r]
    assert selfcheck.checks_of("TAX-1") == []


def test_every_fault_names_a_rule_of_the_catalogue() -> None:
    assert selfcheck.unknown_rules() == []
    stray = faults.Fault("x", "rules", "ZZZ-9", "not a rule")
    assert selfcheck.unknown_rules([stray]) == ["x (ZZZ-9)"]


def test_the_rules_without_a_fault_are_listed_in_catalogue_order() -> None:
    only = [faults.BY_NAME["tax_name_case_sensitive"], faults.BY_NAME["limit_ignored"]]
    left = selfcheck.uncovered(only)
    assert left == [i for i in IDS if i not in ("TAX-1", "G-4")]
    assert set(selfcheck.uncovered()) <= set(IDS) - {f.rule for f in faults.CATALOGUE}


def test_faults_are_chosen_by_name_or_by_rule() -> None:
    assert [f.name for f in selfcheck.choose("limit_ignored", None)] == ["limit_ignored"]
    assert {f.rule for f in selfcheck.choose(None, "G-1,TAX-1")} == {"G-1", "TAX-1"}
    assert len(selfcheck.choose(None, None)) == len(faults.CATALOGUE)


def test_verdicts_and_table() -> None:
    caught = selfcheck.Outcome("limit_ignored", "G-4", True, "property_tests/t.py::t",
                               ("G-4",), 1.0)
    missed = selfcheck.Outcome("delete_twice_204", "G-10", False, seconds=2.0)
    clean = selfcheck.Outcome("control", "all", False, seconds=3.0)
    dirty = selfcheck.Outcome("control", "all", True, "property_tests/t.py::t", (), 3.0)
    assert caught.ok and not missed.ok and clean.ok and not dirty.ok
    text = selfcheck.table([caught, missed, clean])
    assert "| limit_ignored | G-4 | caught | property_tests/t.py::t | G-4 | 1 |" in text
    assert "| delete_twice_204 | G-10 | MISSED | - | - | 2 |" in text
    assert "| control | all | passed |" in text


def test_a_real_fault_is_caught_by_its_rules_check_and_the_control_passes() -> None:
    done = subprocess.run(
        [sys.executable, "-m", "conformance.selfcheck", "--workers", "1",
         "--faults", "tax_name_case_sensitive"],
        capture_output=True, text=True, timeout=600, check=False)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "| tax_name_case_sensitive | TAX-1 | caught | property_tests/rules/test_taxes.py::" \
        "test_tax_1_" in done.stdout
    assert "| control | all | passed |" in done.stdout
    assert "1 of 1 faults caught" in done.stdout
