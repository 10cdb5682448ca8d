"""The target of the property suites, its tenants, and the Hypothesis profiles.

The target comes from pytest options (`--base-url`, `--token-a`, `--token-b`, `--secret`,
`--mode`) or the environment (`FINANCE_BASE_URL`, …); with neither, the mock is started on a
free loopback port once per session (per xdist worker). Tests that write skip against a
production target; tests that need the mock's `/__mock/` admin surface skip where it is
absent. In sandbox mode everything a run creates is deleted at the end.
"""

from __future__ import annotations

import contextlib
import dataclasses
import os
from collections.abc import Iterator

import pytest

from conformance.targets import MODES, Target, TargetConfig, default_mode, resolve
from fixtures import tokens
from property_tests import mock_bugs, profiles
from property_tests.client import Env

profiles.register()

OPTIONS = (("--base-url", "base URL of the target, ending in /v1 (FINANCE_BASE_URL)"),
           ("--token-a", "bearer token of tenant A (FINANCE_TOKEN_A)"),
           ("--token-b", "bearer token of tenant B (FINANCE_TOKEN_B)"),
           ("--secret", "JWT secret to mint tokens instead (FINANCE_JWT_SECRET)"))
READ_ONLY = "production target: read-only (GET only), and this test writes"
NO_ADMIN = ("needs the mock's /__mock/ admin surface (clock, reset); the target has none "
            "(not a mock, or started with --no-admin)")
SHARED_CLOCK = ("moves the clock of a mock that other xdist workers share; run it with -n 0, "
                "or against the embedded mock (one per worker)")


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("finance", "Smart Finance target (property_tests)")
    for name, help_text in OPTIONS:
        _add(group, name, help=help_text)
    _add(group, "--mode", choices=MODES, help="mock | sandbox | production (FINANCE_MODE)")
    _add(group, "--rule", action="append",
         help="run only the tests marked with this rule id (`@pytest.mark.rule(\"TAX-1\")`); "
              "repeatable")


def _add(group: pytest.OptionGroup, name: str, **kwargs: object) -> None:
    # The conformance suite's conftest may have registered it first: then it is shared.
    with contextlib.suppress(ValueError):
        group.addoption(name, dest=name.lstrip("-").replace("-", "_"), default=None,
                        **kwargs)


def _option(config: pytest.Config, name: str) -> str | None:
    value = config.getoption(name, default=None)
    return None if value is None else str(value)


def _config(pytestconfig: pytest.Config) -> TargetConfig:
    return TargetConfig.from_env(None, **{name: _option(pytestconfig, name) for name in
                                    ("base_url", "token_a", "token_b", "secret", "mode")})


def target_is_mock(config: pytest.Config) -> bool:
    """Whether the configured target is a mock (the embedded one unless a base URL is given)."""
    wanted = _config(config)
    if wanted.base_url is None:
        return wanted.mode in (None, "mock")
    return (wanted.mode or default_mode(wanted.base_url)) == "mock"


def rules_of(item: pytest.Item) -> set[str]:
    """The rule ids a test is marked with (`@pytest.mark.rule("TAX-1", "TAX-3")`)."""
    return {str(rule) for mark in item.iter_markers("rule") for rule in mark.args}


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """`--rule ID` keeps only the tests of those rules; known mock defects (`mock_bugs`) are
    strict xfails against a mock target."""
    wanted = set(config.getoption("rule", default=None) or ())
    if wanted:
        kept = [item for item in items if rules_of(item) & wanted]
        config.hook.pytest_deselected(items=[item for item in items if item not in kept])
        items[:] = kept
    if not target_is_mock(config):
        return
    for item in items:
        why = mock_bugs.reason(item.nodeid)
        if why is not None:
            item.add_marker(pytest.mark.xfail(strict=True, reason=why))


@pytest.fixture(scope="session")
def target(pytestconfig: pytest.Config) -> Iterator[Target]:
    """The live target: options over environment; the embedded mock when no base URL."""
    config = _config(pytestconfig)
    with resolve(config) as live:
        if live.secret and not (config.token_a or config.token_b):
            # Tokens that outlive a long `thorough` run (resolve() mints one-hour tokens).
            ttl = tokens.STANDARD_TOKEN_TTL
            live = dataclasses.replace(
                live, token_a=tokens.mint_token(tokens.TENANT_A, secret=live.secret,
                                                expires_in=ttl),
                token_b=tokens.mint_token(tokens.TENANT_B, secret=live.secret, expires_in=ttl))
        yield live


@pytest.fixture(scope="session")
def env(target: Target) -> Iterator[Env]:
    """Both tenants' clients; in sandbox mode, what the run made is deleted afterwards
    (a teardown error lists anything that could not be)."""
    opened = Env.open(target)
    try:
        yield opened
    finally:
        left = opened.close()
        assert not left, "sandbox rows this run could not delete: " + ", ".join(
            f"tenant {tenant} /{resource}/{row_id}" for tenant, resource, row_id in left)


@pytest.fixture(scope="session")
def writable(env: Env) -> Env:
    """The env, for a test that writes: skipped against a production target."""
    if not env.writable:
        pytest.skip(READ_ONLY)
    return env


@pytest.fixture(scope="session")
def admin(writable: Env) -> Env:
    """The env, for a test that moves the mock's clock: skipped without `/__mock/`, and on a
    mock other xdist workers share (a day later, their idempotency keys would expire)."""
    if not writable.has_admin:
        pytest.skip(NO_ADMIN)
    if not writable.target.embedded and int(os.environ.get("PYTEST_XDIST_WORKER_COUNT",
                                                           "1")) > 1:
        pytest.skip(SHARED_CLOCK)
    return writable
