"""`property_tests.probe`: a base URL one `/v1` off is named, with the URL to try."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from conformance.targets import Target, embedded_mock, free_port
from fixtures import tokens
from property_tests.probe import alternative, check


def target(base_url: str) -> Target:
    return Target(base_url=base_url, token_a=tokens.mint_token(tokens.TENANT_A),
                  token_b=tokens.mint_token(tokens.TENANT_B), token_a_read_only=None,
                  secret=tokens.DEFAULT_SECRET, mode="mock")


@pytest.fixture(scope="module")
def base() -> Iterator[str]:
    with embedded_mock() as url:
        yield url


def test_the_right_base_url_passes(base: str) -> None:
    assert check(target(base)) is None
    assert check(target(base + "/")) is None


def test_a_base_url_without_v1_names_the_one_with_it(base: str) -> None:
    root = base.removesuffix("/v1")
    problem = check(target(root)) or ""
    assert problem.endswith(f"try --base-url {base}"), problem
    assert "\n" not in problem


def test_a_base_url_that_404s_both_ways_says_so(base: str) -> None:
    problem = check(target(base + "/api")) or ""
    assert "is 404, and so is" in problem and "\n" not in problem


def test_an_unreachable_target_says_so() -> None:
    problem = check(target(f"http://127.0.0.1:{free_port()}/v1")) or ""
    assert "is the target running" in problem


def test_alternative_adds_or_removes_v1() -> None:
    assert alternative("http://h:1/v1/") == "http://h:1"
    assert alternative("http://h:1") == "http://h:1/v1"
