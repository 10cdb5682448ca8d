"""Bad input never breaks the server (RULE G-12): every write operation of the spec, every
hostile body of `property_tests.hostile` (a lone surrogate escape in each string field, JSON
nested 10,000 deep, a duplicated key, NUL, a 1 MB string, 1e309, NaN, no or a wrong
Content-Type, invalid UTF-8; uploads the byte-level ones that apply), answers a 4xx
problem+json and writes nothing (`property_tests.battery`). One valid body per operation, each
variant once: no Hypothesis here, so the battery stays a few seconds long.
"""

from __future__ import annotations

from typing import Any

import pytest

from property_tests import battery
from property_tests.apispec import WriteOp, contract
from property_tests.client import Env
from property_tests.hostile import variants

pytestmark = [pytest.mark.errors, pytest.mark.rule("G-12")]


def _params() -> list[Any]:
    return [pytest.param(op, variant, id=f"{op.method}-"
                         f"{op.path.strip('/').replace('/', '.').replace('{id}', 'id')}-{variant}")
            for op in contract().writes for variant in variants(op.media_type)]


# RULE G-12
@pytest.mark.parametrize(("op", "variant"), _params())
def test_g12_hostile_body_is_a_4xx_problem_and_writes_nothing(writable: Env, op: WriteOp,
                                                              variant: str) -> None:
    with battery.tenant(writable) as api:
        failures = battery.run(api, op, variant)
    if failures:
        pytest.fail("\n".join(failures), pytrace=False)
