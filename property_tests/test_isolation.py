"""RULE G-3: tenant isolation, as a two-tenant state machine (see `property_tests.isolation`).

A failure prints the replayable program: `state = IsolationMachine()` and its steps.
"""

from __future__ import annotations

import pytest
from hypothesis.stateful import run_state_machine_as_test

from property_tests.client import Env
from property_tests.isolation import IsolationMachine
from property_tests.profiles import active, scaled

pytestmark = pytest.mark.isolation


# RULE G-3, RULE G-10, RULE ATT-4, RULE ATT-5, RULE G-5, RULE CMP-5
@pytest.mark.rule("G-3", "G-10", "ATT-4", "ATT-5", "G-5", "CMP-5")
def test_no_row_of_one_tenant_reaches_the_other(writable: Env) -> None:
    run_state_machine_as_test(IsolationMachine.bind(writable),
                              settings=active(max_examples=scaled(15, 100),
                                              stateful_step_count=scaled(40, 100)))
