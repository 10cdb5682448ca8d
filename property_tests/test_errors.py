"""Every refusal is an RFC 9457 problem (RULE G-6), on every resource, for any target."""

from __future__ import annotations

import uuid
from collections.abc import Iterator

import httpx
import pytest

from conformance.targets import Target
from fixtures import tokens
from property_tests.client import http_client

pytestmark = pytest.mark.errors

PROBLEM = "application/problem+json"


@pytest.fixture(scope="module")
def http(target: Target) -> Iterator[httpx.Client]:
    with http_client(target.base_url, target.token_a) as client:
        yield client


def assert_problem(r: httpx.Response, status: int) -> None:
    assert r.status_code == status, r.text
    assert r.headers["content-type"].split(";")[0] == PROBLEM
    body = r.json()
    assert {"type", "title", "status", "detail"} <= set(body)
    assert body["status"] == status


# RULE G-6
@pytest.mark.rule("G-6")
@pytest.mark.parametrize("resource", tokens.RESOURCES)
def test_missing_row_is_a_404_problem(http: httpx.Client, resource: str) -> None:
    assert_problem(http.get(f"/{resource}/{uuid.uuid4()}"), 404)


# RULE G-6, RULE G-12
@pytest.mark.rule("G-6", "G-12")
@pytest.mark.parametrize("resource", tokens.RESOURCES)
def test_bad_parameters_are_400_problems(http: httpx.Client, resource: str) -> None:
    assert_problem(http.get(f"/{resource}/not-a-uuid"), 400)
    assert_problem(http.get(f"/{resource}", params={"limit": 0}), 400)
    assert_problem(http.get(f"/{resource}", params={"cursor": "garbage"}), 400)


# RULE G-6, RULE G-12
@pytest.mark.rule("G-6", "G-12")
@pytest.mark.parametrize("resource", [r for r in tokens.RESOURCES if r != "attachments"])
def test_bad_bodies_are_problems(http: httpx.Client, target: Target, resource: str) -> None:
    if not target.allows("POST"):
        pytest.skip("production target: GET only")
    malformed = http.post(f"/{resource}", content=b"{",
                          headers={"Content-Type": "application/json"})
    assert_problem(malformed, 400)
    wrong = http.post(f"/{resource}", json={"name": 12, "company_id": 7, "amount": []})
    assert_problem(wrong, 422)
    assert wrong.json().get("errors"), "a 422 names its fields (G-6)"
