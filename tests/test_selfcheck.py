"""`make selfcheck` itself: its mapping, its verdicts, and one real fault caught end to end."""

from __future__ import annotations

from conformance import selfcheck
from conformance.runner import check_names
from contract.invariants import INVARIANTS
from mock import faults


def test_every_invariant_maps_to_known_checks() -> None:
    assert set(selfcheck.INVARIANT_CHECKS) == set(INVARIANTS)
    known = set(check_names())
    for checks in selfcheck.INVARIANT_CHECKS.values():
        assert set(checks) <= known


def test_verdicts_and_table() -> None:
    caught = selfcheck.Outcome("limit_ignored", "pagination", True, "property_tests::t", 1.0)
    missed = selfcheck.Outcome("delete_twice_204", "delete", False, "-", 2.0)
    clean = selfcheck.Outcome("control", "all", False, "-", 3.0)
    dirty = selfcheck.Outcome("control", "all", True, "property_tests::t", 3.0)
    assert caught.ok and not missed.ok and clean.ok and not dirty.ok
    text = selfcheck.table([caught, missed, clean])
    assert "| limit_ignored | pagination | caught | property_tests::t | 1 |" in text
    assert "| delete_twice_204 | delete | MISSED |" in text
    assert "| control | all | passed |" in text


def test_a_real_fault_is_caught_end_to_end() -> None:
    outcome = selfcheck.check_fault(faults.BY_NAME["delete_twice_204"])
    assert outcome.caught, outcome
