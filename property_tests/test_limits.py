"""Uniqueness limits any implementation must enforce (RULE CMP-2; the upload limit, ATT-1, is
in `property_tests/rules/test_attachments.py`)."""

from __future__ import annotations

import random
from collections.abc import Iterator

import httpx
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from conformance.targets import Target
from contract.documents import normalize_document
from fixtures import documents

pytestmark = pytest.mark.rules


@pytest.fixture(scope="module")
def http(target: Target) -> Iterator[httpx.Client]:
    if not target.allows("POST"):
        pytest.skip("production target: GET only")
    with httpx.Client(base_url=target.base_url, timeout=60,
                      headers={"Authorization": f"Bearer {target.token_a}"}) as client:
        yield client


# RULE CMP-2
@settings(max_examples=5, deadline=None)
@given(seed=st.integers(0, 10**9), formatted=st.booleans())
def test_a_second_active_company_with_one_cnpj_is_409(http: httpx.Client, seed: int,
                                                      formatted: bool) -> None:
    cnpj = documents.generate_cnpj(random.Random(seed), formatted=formatted)
    first = http.post("/companies", json={"name": "Primeira Ltda", "cnpj": cnpj})
    assert first.status_code == 201, first.text
    try:
        twin = http.post("/companies", json={"name": "Segunda Ltda",
                                             "cnpj": normalize_document(cnpj)})
        assert twin.status_code == 409, twin.text
        http.patch(f"/companies/{first.json()['id']}", json={"active": False})
        again = http.post("/companies", json={"name": "Terceira Ltda", "cnpj": cnpj})
        assert again.status_code == 201, "CMP-2 only counts *active* companies"
        http.delete(f"/companies/{again.json()['id']}")
    finally:
        http.delete(f"/companies/{first.json()['id']}")
