"""What the mock serves besides the API: docs, the bundled spec, the admin surface."""

from __future__ import annotations

from typing import Any

import yaml
from starlette.testclient import TestClient

from fixtures import tokens
from mock.app import create_app
from tests.conftest import bearer


def test_spec_is_served_as_json_and_yaml_with_this_mock_first(client: Any) -> None:
    as_json = client.get("/api/v1/openapi.json")
    as_yaml = client.get("/api/v1/openapi.yaml")
    assert as_json.status_code == as_yaml.status_code == 200
    doc = as_json.json()
    assert yaml.safe_load(as_yaml.text) == doc
    assert doc["servers"][0]["url"] == "http://testserver/v1"
    assert len(doc["servers"]) == 4  # this mock, then production, sandbox and the default mock
    assert len(doc["paths"]) == 22


def test_docs_page_works_offline(client: Any) -> None:
    page = client.get("/docs")
    assert page.status_code == 200
    assert "/docs/assets/swagger-ui-bundle.js" in page.text
    assert "/api/v1/openapi.json" in page.text
    assert "http" not in page.text.split("<script>")[-1].split("url:")[0]  # no CDN
    assert client.get("/docs/assets/swagger-ui-bundle.js").status_code == 200


def test_admin_health_tokens_seed_clock_reset(client: Any) -> None:
    assert client.get("/__mock/health").json()["status"] == "ok"
    minted = client.post("/__mock/tokens", json={"tenant": tokens.TENANT_B,
                                                 "scopes": ["finance.companies"]}).json()
    auth = bearer(minted["token"])
    assert client.get("/v1/companies", headers=auth).status_code == 200
    assert client.get("/v1/taxes", headers=auth).status_code == 403
    seeded = client.post("/__mock/seed", json={"tenant": tokens.TENANT_B}).json()
    assert seeded["steps"] > 100
    assert client.get("/v1/companies", headers=auth).json()["data"]
    before = client.get("/__mock/clock").json()["now"]
    after = client.post("/__mock/clock", json={"advance_seconds": 3600}).json()["now"]
    assert after > before
    client.post("/__mock/reset")
    assert client.get("/v1/companies", headers=auth).json()["data"] == []


def test_seeded_rows_are_frozen_out_of_the_collector_until_reset(client: Any) -> None:
    import gc

    gc.unfreeze()
    client.post("/__mock/seed", json={"tenant": tokens.TENANT_B, "rows": 50})
    assert gc.get_freeze_count() > 0  # full collections no longer walk the rows
    client.post("/__mock/reset")
    assert gc.get_freeze_count() == 0  # the dropped tenants can be collected


def test_admin_refuses_bad_input_with_400(client: Any) -> None:
    assert client.post("/__mock/clock", json={"advance_seconds": -1}).status_code == 400
    assert client.post("/__mock/seed", json={"rows": 0}).status_code == 400
    assert client.post("/__mock/seed", json={"rows": 10, "resource": "nope"}).status_code == 400
    bad = client.post("/__mock/tokens", content=b"{", headers={"Content-Type": "application/json"})
    assert bad.status_code == 400
    for path in ("/__mock/tokens", "/__mock/seed", "/__mock/clock"):
        assert client.post(path, json=[1]).status_code == 400, path  # JSON, but no object


def test_admin_takes_any_key_at_face_value(client: Any) -> None:
    """No in-band sentinel: an object with any extra key is read like any other."""
    minted = client.post("/__mock/tokens", json={"tenant": tokens.TENANT_B, "__invalid__": 1})
    assert minted.status_code == 200 and minted.json()["tenant"] == tokens.TENANT_B


def test_admin_can_be_turned_off() -> None:
    app = create_app(admin=False)
    with TestClient(app) as c:
        assert c.get("/__mock/health").status_code == 404
        assert c.get("/api/v1/openapi.json").status_code == 200
