"""Hypothesis settings profiles of the property suites: `ci` (the default) and `thorough`.

They are registered by `property_tests/conftest.py` (`register()`); `--hypothesis-profile
thorough` (what `make property-thorough` passes) selects the other one. Test modules decorate
with `active()`, so a plain `pytest` run uses `ci` here without changing the Hypothesis
defaults of the project's other tests.
"""

from __future__ import annotations

from hypothesis import HealthCheck, Phase, settings

CI = "ci"
THOROUGH = "thorough"
SELFCHECK = "selfcheck"
_HEALTH = [HealthCheck.too_slow, HealthCheck.data_too_large]
CI_PHASES = (Phase.explicit, Phase.reuse, Phase.generate)


def register() -> None:
    """`ci`: derandomized and bounded, for every CI run (about two minutes on two cores).
    `thorough`: random, many more examples and longer state-machine runs."""
    # No shrink phase in `ci`: shrinking a failing HTTP sequence replays it hundreds of times
    # (Hypothesis stops only after 500 shrinks or five minutes per test), so against a target
    # that fails everything a run would never end. A failure is reported as found, with the
    # requests that showed it (`property_tests.reproduce`), and one verdict per test.
    settings.register_profile(
        CI, derandomize=True, database=None, max_examples=4, stateful_step_count=20,
        deadline=None, print_blob=True, suppress_health_check=_HEALTH, phases=CI_PHASES,
        report_multiple_bugs=False,
    )
    # `make selfcheck` wants a verdict too: the same phases as `ci`.
    settings.register_profile(SELFCHECK, settings.get_profile(CI))
    settings.register_profile(
        THOROUGH, max_examples=40, stateful_step_count=60, deadline=None, print_blob=True,
        suppress_health_check=_HEALTH,
    )


def active(**overrides: object) -> settings:
    """The selected profile (`ci` unless another was asked for), with per-suite overrides."""
    register()
    name = settings.get_current_profile_name()
    parent = settings.get_profile(CI) if name == "default" else settings.default
    return settings(parent, **overrides)  # type: ignore[arg-type]


def scaled(ci: int, thorough: int | None = None) -> int:
    """A per-suite count: `ci` under the ci profile, else `thorough` (default 10x)."""
    name = settings.get_current_profile_name()
    return ci if name in ("default", CI, SELFCHECK) else (thorough or 10 * ci)
