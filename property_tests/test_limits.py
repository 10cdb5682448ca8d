"""Size limits any implementation must enforce (RULE ATT-1). CNPJ uniqueness (CMP-2) is in
`property_tests/rules/test_companies.py`."""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest

from conformance.targets import Target
from fixtures import files

pytestmark = pytest.mark.rules


@pytest.fixture(scope="module")
def http(target: Target) -> Iterator[httpx.Client]:
    if not target.allows("POST"):
        pytest.skip("production target: GET only")
    with httpx.Client(base_url=target.base_url, timeout=60,
                      headers={"Authorization": f"Bearer {target.token_a}"}) as client:
        yield client


# RULE ATT-1
def test_an_upload_over_10_mb_is_413_and_stores_nothing(http: httpx.Client) -> None:
    before = {r["id"] for r in http.get("/attachments", params={"limit": 100}).json()["data"]}
    big = files.pdf_bytes() + b"0" * (10 * 1024 * 1024)
    r = http.post("/attachments", files={"file": ("grande.pdf", big, "application/pdf")})
    assert r.status_code == 413, r.text[:300]
    after = {r["id"] for r in http.get("/attachments", params={"limit": 100}).json()["data"]}
    assert after == before
