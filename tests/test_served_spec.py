"""The spec as served (bundled, named components) and the overview's addresses."""

from __future__ import annotations

import json
import re
from typing import Any

import yaml
from openapi_spec_validator import validate

from contract.bundle import bundle
from contract.spec import dereference, dump_yaml, load_spec

MAX_BYTES = 300 * 1024
ANCHOR = re.compile(r"(^|\s)[&*]id\d+", re.MULTILINE)


def test_the_bundle_is_the_resolved_document_with_named_components() -> None:
    doc = bundle()
    validate(doc)  # openapi-spec-validator: a valid OpenAPI 3.0 document
    resolved = load_spec()
    assert dereference(doc, doc["paths"]) == resolved["paths"]
    assert set(doc["components"]["schemas"]) == set(resolved["components"]["schemas"])
    refs = re.findall(r'"\$ref": "([^"]+)"', json.dumps(doc))
    assert refs and all(ref.startswith("#/components/") for ref in refs)
    payable = doc["paths"]["/payables/{id}"]["get"]["responses"]["200"]
    assert payable["content"]["application/json"]["schema"] == {
        "$ref": "#/components/schemas/PayableDetail"}


def test_the_bundle_is_small_and_has_no_yaml_anchors() -> None:
    doc = bundle()
    as_json, as_yaml = json.dumps(doc, ensure_ascii=False), dump_yaml(doc)
    assert len(as_json.encode()) < MAX_BYTES and len(as_yaml.encode()) < MAX_BYTES
    assert not ANCHOR.search(as_yaml)
    assert yaml.safe_load(as_yaml) == doc


def test_the_served_files_are_the_bundle(client: Any) -> None:
    as_json = client.get("/api/v1/openapi.json")
    as_yaml = client.get("/api/v1/openapi.yaml")
    public = client.get("/public/openapi-v1.yaml")  # the overview's address
    assert as_json.status_code == as_yaml.status_code == public.status_code == 200
    assert public.headers["content-type"].startswith("application/yaml")
    assert yaml.safe_load(public.text) == yaml.safe_load(as_yaml.text) == as_json.json()
    served = as_json.json()
    assert served["servers"][0]["url"] == "http://testserver/v1"
    assert {k: v for k, v in served.items() if k != "servers"} == {
        k: v for k, v in bundle().items() if k != "servers"}
    assert len(as_json.content) < MAX_BYTES


def test_the_api_answers_under_api_v1_with_the_same_rules(client: Any,
                                                          auth_a: dict[str, str]) -> None:
    # The overview's curl: `…/api/v1/payables`. Same app: auth, validation, rules, store.
    assert client.get("/api/v1/payables").status_code == 401
    created = client.post("/api/v1/taxes", headers=auth_a, json={"name": "ISS"})
    assert created.status_code == 201, created.text
    tax_id = created.json()["id"]
    assert client.get(f"/v1/taxes/{tax_id}", headers=auth_a).json() == created.json()
    assert client.get(f"/api/v1/taxes/{tax_id}", headers=auth_a).json() == created.json()
    again = client.post("/api/v1/taxes", headers=auth_a, json={"name": "iss"})
    assert again.status_code == 409  # RULE TAX-1, one store behind both addresses
    assert client.get("/api/v1/taxes?nope=1", headers=auth_a).status_code == 400
    assert client.put(f"/api/v1/taxes/{tax_id}", headers=auth_a, json={}).status_code == 405
    assert client.delete(f"/api/v1/taxes/{tax_id}", headers=auth_a).status_code == 204
    assert client.get(f"/v1/taxes/{tax_id}", headers=auth_a).status_code == 404


# -- /docs "Try it out" on the demo data -------------------------------------------------------


def _example_request(op: Any) -> tuple[str, dict[str, Any] | None]:
    """The path and JSON body Swagger UI's "Try it out" sends by default: the path
    parameters' examples, no optional query parameter, the body schema's example."""
    path = op.path
    for param in op.parameters:
        if param["in"] == "path":
            path = path.replace("{" + param["name"] + "}", str(param["example"]))
        assert param["in"] != "query" or "example" not in param, (op.operation_id, param)
    content = op.op.get("requestBody", {}).get("content", {})
    body = content.get("application/json", {}).get("schema", {}).get("example")
    return "/v1" + path, body


def test_try_it_out_examples_work_on_the_demo_data(client: Any,
                                                   auth_a: dict[str, str]) -> None:
    from contract.spec import iter_operations

    assert client.post("/__mock/seed", json={}).status_code == 200
    seen: dict[str, int] = {}
    operations = [op for op in iter_operations(load_spec()) if op.method != "DELETE"]
    for op in operations:
        if "multipart/form-data" in op.op.get("requestBody", {}).get("content", {}):
            continue  # the upload: Swagger UI asks for a file
        path, body = _example_request(op)
        r = client.request(op.method, path, headers=auth_a, json=body)
        seen[f"{op.method} {op.path}"] = r.status_code
        expected = {"GET": 200, "PATCH": 200, "POST": 201}[op.method]
        assert r.status_code == expected, (op.method, op.path, body, r.text)
        if op.method == "GET" and "{" not in op.path:
            assert r.json()["data"], f"{op.path}: the default list shows the demo rows"
    # Deleting an example row reaches it (204, or the rule that keeps it: 409 / 422).
    for op in iter_operations(load_spec()):
        if op.method == "DELETE":
            path, body = _example_request(op)
            status = client.request("DELETE", path, headers=auth_a, json=body).status_code
            assert status in (204, 409, 422), (op.path, status)
    assert len(seen) == 40
