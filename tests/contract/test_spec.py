"""The OpenAPI document (spec/) against the API's own Postman export and the contract.

The export (``fixtures/postman-collection-v1.json``) is the API's own listing of
its operations, query filters and body fields; the document must cover exactly
those operations and every filter and field, typed as the rule catalogue (docs/rules.md) says.
"""

from __future__ import annotations

import json
import re
import shutil
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

import pytest
from openapi_schema_validator import OAS30Validator, OAS30WriteValidator
from prance import ResolvingParser, ValidationError

from contract.rules import BY_ID
from contract.spec import SPEC_ROOT, SPEC_ROOT_FILE, Operation, iter_operations, load_spec, main

EXPORT_FILE = Path(__file__).resolve().parents[2] / "fixtures" / "postman-collection-v1.json"

RESOURCES = {
    "accounts": "Accounts",
    "attachments": "Attachments",
    "categories": "Categories",
    "companies": "Companies",
    "cost_centers": "CostCenters",
    "payables": "Payables",
    "people": "People",
    "receivables": "Receivables",
    "taxes": "Taxes",
    "transactions": "Transactions",
}

# (method, path shape) -> handler verb; attachments add their own four.
VERBS = {
    ("GET", "/{r}"): "search",
    ("POST", "/{r}"): "create",
    ("GET", "/{r}/{id}"): "get",
    ("PATCH", "/{r}/{id}"): "update",
    ("DELETE", "/{r}/{id}"): "delete",
    ("GET", "/{r}/{id}/download"): "download",
    ("POST", "/{r}/{id}/links"): "link",
    ("DELETE", "/{r}/{id}/links"): "unlink",
}

DEFAULT_SORT = {  # RULE G-4 and each resource's "default sort" in docs/rules.md
    "companies": "name",
    "categories": "name",
    "cost_centers": "name",
    "taxes": "name",
    "people": "name",
    "accounts": "name",
    "transactions": "-occurred_at",
    "payables": "due_date",
    "receivables": "due_date",
    "attachments": "-uploaded_at",
}

# Every rule id of the catalogue; each must shape at least one operation.
RULE_IDS = frozenset(BY_ID)
RULE_ID_RE = re.compile(r"\b(?:G|CMP|CAT|CC|TAX|PER|ACC|TRX|PAY|ATT)-\d+\b")

NESTED_BODY_KEYS = ("cost_centers", "tax_charges", "tax_data")

FORMAT_CHECKER = OAS30Validator.FORMAT_CHECKER


# --------------------------------------------------------------------------- helpers


def _postman_path(raw_url: str) -> str:
    """``{{baseUrl}}/accounts/:id?x=1`` -> ``/accounts/{id}``."""
    path = raw_url.split("?", 1)[0].replace("{{baseUrl}}", "")
    return re.sub(r":(\w+)", r"{\1}", path)


def _export_requests() -> list[dict[str, Any]]:
    """The export flattened: one dict per request (folder, name, method, path, request)."""
    export = json.loads(EXPORT_FILE.read_text(encoding="utf-8"))
    out = []
    for folder in export["item"]:
        for item in folder["item"]:
            request = item["request"]
            out.append(
                {
                    "folder": folder["name"],
                    "name": item["name"],
                    "method": request["method"],
                    "path": _postman_path(request["url"]["raw"]),
                    "request": request,
                }
            )
    return out


EXPORT = _export_requests()
SPEC = load_spec()
OPERATIONS = list(iter_operations(SPEC))
OPS_BY_KEY = {(op.method, op.path): op for op in OPERATIONS}
OPS_BY_ID = {op.operation_id: op for op in OPERATIONS}


def _op_id(op: Operation) -> str:
    return f"{op.method} {op.path}"


def _verb(method: str, path: str) -> str:
    resource = path.strip("/").split("/", 1)[0]
    if (method, path) == ("POST", "/attachments"):
        return "upload"
    return VERBS[(method, path.replace(f"/{resource}", "/{r}", 1))]


def _json_schema(op: Operation) -> Mapping[str, Any]:
    return op.op["requestBody"]["content"]["application/json"]["schema"]


def _merged_properties(schema: Mapping[str, Any]) -> dict[str, Any]:
    """Properties of a schema, following ``allOf``."""
    props: dict[str, Any] = dict(schema.get("properties", {}))
    for part in schema.get("allOf", ()):
        props.update(_merged_properties(part))
    return props


def _merged_required(schema: Mapping[str, Any]) -> set[str]:
    required = set(schema.get("required", ()))
    for part in schema.get("allOf", ()):
        required |= _merged_required(part)
    return required


def _success(op: Operation) -> tuple[str, Mapping[str, Any]]:
    codes = [c for c in op.op["responses"] if c.startswith("2")]
    assert len(codes) == 1, f"{_op_id(op)}: one 2xx response expected, got {codes}"
    return codes[0], op.op["responses"][codes[0]]


def _schema_named(op: Operation, status: str) -> Mapping[str, Any]:
    return op.op["responses"][status]["content"]["application/json"]["schema"]


def _walk(node: Any, trail: str = "#") -> Iterator[tuple[str, Any]]:
    yield trail, node
    if isinstance(node, dict):
        for key, value in node.items():
            yield from _walk(value, f"{trail}/{key}")
    elif isinstance(node, list):
        for index, value in enumerate(node):
            yield from _walk(value, f"{trail}/{index}")


def _errors(schema: Mapping[str, Any], instance: Any, *, write: bool = False) -> list[str]:
    cls = OAS30WriteValidator if write else OAS30Validator
    return [e.message for e in cls(schema, format_checker=FORMAT_CHECKER).iter_errors(instance)]


def _common_schema(name: str) -> Mapping[str, Any]:
    return SPEC["components"]["schemas"][name]


# --------------------------------------------------------------------------- (a) validity


def test_prance_resolves_and_validates_with_openapi_spec_validator() -> None:
    parser = ResolvingParser(str(SPEC_ROOT_FILE), backend="openapi-spec-validator")
    spec = parser.specification
    assert spec["openapi"] == "3.0.3"
    refs = [trail for trail, node in _walk(spec) if isinstance(node, dict) and "$ref" in node]
    assert refs == [], f"unresolved $ref left: {refs[:5]}"
    assert spec == SPEC


def test_validation_really_runs_on_a_broken_copy(tmp_path: Path) -> None:
    # A document with an operation that lost its responses must be refused.
    copy_root = tmp_path / "spec"
    shutil.copytree(SPEC_ROOT, copy_root, ignore=shutil.ignore_patterns("build"))
    companies = copy_root / "paths" / "companies.yaml"
    text = companies.read_text(encoding="utf-8")
    broken = text.replace("    responses:\n", "    x-no-responses:\n", 1)
    assert broken != text
    companies.write_text(broken, encoding="utf-8")
    with pytest.raises(ValidationError):
        ResolvingParser(str(copy_root / "openapi.yaml"), backend="openapi-spec-validator")


def test_split_files_are_joined_with_relative_refs() -> None:
    root = (SPEC_ROOT / "openapi.yaml").read_text(encoding="utf-8")
    for resource in RESOURCES:
        assert (SPEC_ROOT / "paths" / f"{resource}.yaml").is_file()
        assert (SPEC_ROOT / "components" / f"{resource}.yaml").is_file()
        assert f"paths/{resource}.yaml#/" in root
    assert (SPEC_ROOT / "components" / "common.yaml").is_file()


# --------------------------------------------------------------------------- the resolved cache


@pytest.fixture
def spec_copy(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A copy of spec/ that contract.spec reads, with its cache in tmp_path/cache."""
    import contract.spec

    root = tmp_path / "spec"
    shutil.copytree(SPEC_ROOT, root, ignore=shutil.ignore_patterns("build"))
    monkeypatch.setattr(contract.spec, "SPEC_ROOT", root)
    monkeypatch.setattr(contract.spec, "SPEC_ROOT_FILE", root / "openapi.yaml")
    monkeypatch.setenv("MOCK_SPEC_CACHE", str(tmp_path / "cache"))
    return root


def _fresh() -> dict[str, Any]:
    import contract.spec

    resolved: dict[str, Any] = contract.spec._resolved.__wrapped__()
    return resolved


def test_the_cached_document_is_what_prance_resolved(spec_copy: Path) -> None:
    first = _fresh()  # parsed and written
    assert len(list((spec_copy.parent / "cache").glob("resolved-*.json"))) == 1
    assert _fresh() == first == SPEC  # read back


def test_an_edited_source_is_parsed_and_validated_again(spec_copy: Path) -> None:
    _fresh()
    companies = spec_copy / "paths" / "companies.yaml"
    text = companies.read_text(encoding="utf-8")
    companies.write_text(text.replace("    responses:\n", "    x-no-responses:\n", 1),
                         encoding="utf-8")
    with pytest.raises(ValidationError):
        _fresh()
    companies.write_text(text.replace("summary:", "summary: Edited —", 1), encoding="utf-8")
    edited = _fresh()
    assert edited != SPEC and "Edited —" in json.dumps(edited, ensure_ascii=False)
    # Only the newest document is kept.
    assert len(list((spec_copy.parent / "cache").glob("resolved-*.json"))) == 1


def test_a_damaged_cache_file_is_parsed_over(spec_copy: Path) -> None:
    _fresh()
    (cached,) = (spec_copy.parent / "cache").glob("resolved-*.json")
    cached.write_text('{"truncated', encoding="utf-8")
    assert _fresh() == SPEC
    assert json.loads(cached.read_text(encoding="utf-8")) == SPEC


def test_the_cache_can_be_turned_off(spec_copy: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MOCK_SPEC_CACHE", "off")
    assert _fresh() == SPEC
    assert not (spec_copy.parent / "cache").exists()


def test_load_spec_returns_an_independent_copy() -> None:
    first = load_spec()
    first["paths"].clear()
    assert load_spec()["paths"], "mutating one load_spec() result leaked into the next"


def test_servers_tags_and_security_scheme() -> None:
    assert [s["url"] for s in SPEC["servers"]] == [
        "https://api.finance.kobana.com.br/v1",
        "https://api.finance.sandbox.kobana.com.br/v1",
        "http://127.0.0.1:8080/v1",
    ]
    assert all(not path.startswith("/v1") for path in SPEC["paths"])
    tags = {t["name"]: t.get("description", "") for t in SPEC["tags"]}
    assert set(tags) == set(RESOURCES.values())
    assert all(tags.values()), "every tag needs a description"
    # RULE G-1
    scheme = SPEC["components"]["securitySchemes"]["bearerAuth"]
    assert (scheme["type"], scheme["scheme"], scheme["bearerFormat"]) == ("http", "bearer", "JWT")
    assert "HS512" in scheme["description"]
    assert SPEC["security"] == [{"bearerAuth": []}]


def test_cli_writes_the_resolved_bundle(tmp_path: Path, capsys: pytest.CaptureFixture) -> None:
    assert main(["--out", str(tmp_path)]) == 0
    assert json.loads((tmp_path / "openapi.json").read_text(encoding="utf-8")) == SPEC
    yaml_text = (tmp_path / "openapi.yaml").read_text(encoding="utf-8")
    assert "$ref" not in yaml_text
    assert yaml_text.startswith("openapi: 3.0.3")
    assert "52 operations" in capsys.readouterr().out


# --------------------------------------------------------------------------- (b) operations


def test_operations_are_exactly_those_of_the_export() -> None:
    exported = [(r["method"], r["path"]) for r in EXPORT]
    assert len(exported) == len(set(exported)), "the export repeats an operation"
    assert set(OPS_BY_KEY) == set(exported)
    assert len(OPERATIONS) == len(exported)
    # The export's prose says "50 operations", but it lists 52 requests (attachments
    # has 7: list, upload, get, download, delete, link, unlink). The list wins.
    assert len(OPERATIONS) == 52
    assert {op.resource for op in OPERATIONS} == set(RESOURCES)


# --------------------------------------------------------------------------- (c) filters, fields


@pytest.mark.parametrize("req", EXPORT, ids=lambda r: f"{r['method']} {r['path']}")
def test_export_query_keys_are_typed_parameters(req: dict[str, Any]) -> None:
    op = OPS_BY_KEY[(req["method"], req["path"])]
    params = {p["name"]: p for p in op.parameters if p["in"] == "query"}
    for entry in req["request"]["url"].get("query", []):
        key, value = entry["key"], entry.get("value") or ""
        assert key in params, f"{_op_id(op)}: query key {key!r} is not a parameter"
        schema = params[key]["schema"]
        if not value or (key == "limit" and value == "0"):
            continue  # placeholders of the export (empty strings, limit=0)
        typed: Any = value
        if schema.get("type") == "integer":
            typed = int(value)
        elif schema.get("type") == "boolean":
            typed = {"true": True, "false": False}[value]
        if key == "sort":
            continue  # checked against the allow-list in test_lists_*
        assert _errors(schema, typed) == [], f"{_op_id(op)}: {key}={value!r}"


@pytest.mark.parametrize(
    "req", [r for r in EXPORT if "body" in r["request"]], ids=lambda r: f"{r['method']} {r['path']}"
)
def test_export_body_fields_are_request_schema_properties(req: dict[str, Any]) -> None:
    op = OPS_BY_KEY[(req["method"], req["path"])]
    body = json.loads(req["request"]["body"]["raw"])
    props = _json_schema(op)["properties"]
    missing = sorted(set(body) - set(props))
    assert missing == [], f"{_op_id(op)}: body fields not in the schema: {missing}"
    for key in NESTED_BODY_KEYS:
        if key not in body:
            continue
        sample = body[key][0] if isinstance(body[key], list) else body[key]
        schema = props[key]["items"] if props[key].get("type") == "array" else props[key]
        missing = sorted(set(sample) - set(schema["properties"]))
        assert missing == [], f"{_op_id(op)}: {key} keys not in the schema: {missing}"


def test_upload_is_multipart_with_file_and_title() -> None:
    # RULE ATT-1
    op = OPS_BY_KEY[("POST", "/attachments")]
    schema = op.op["requestBody"]["content"]["multipart/form-data"]["schema"]
    assert schema["required"] == ["file"]
    assert schema["properties"]["file"]["type"] == "string"
    assert schema["properties"]["file"]["format"] == "binary"
    assert schema["properties"]["title"]["maxLength"] == 255
    assert {"201", "413", "422"} <= set(op.op["responses"])


# --------------------------------------------------------------------------- (d) metadata


@pytest.mark.parametrize("op", OPERATIONS, ids=_op_id)
def test_operation_id_tag_summary_description(op: Operation) -> None:
    req = next(r for r in EXPORT if (r["method"], r["path"]) == (op.method, op.path))
    assert op.operation_id == f"mock.api.{op.resource}.{_verb(op.method, op.path)}"
    assert op.op["tags"] == [RESOURCES[op.resource]]
    assert op.op["summary"] == req["name"]
    description = op.op["description"]
    assert description.startswith(req["request"]["description"].strip())
    named = set(RULE_ID_RE.findall(description.rsplit("Rules:", 1)[-1]))
    assert named, f"{_op_id(op)}: the description names no rule id"
    assert named <= RULE_IDS, f"{_op_id(op)}: unknown rule ids {sorted(named - RULE_IDS)}"
    assert {"G-1", "G-2", "G-6"} <= named


def test_every_rule_shapes_some_operation() -> None:
    named: set[str] = set()
    for op in OPERATIONS:
        named |= set(RULE_ID_RE.findall(op.op["description"].rsplit("Rules:", 1)[-1]))
    assert sorted(RULE_IDS - named) == []


@pytest.mark.parametrize("op", OPERATIONS, ids=_op_id)
def test_required_scopes_are_machine_readable(op: Operation) -> None:
    # RULE G-2
    expected = f"finance.{op.resource}" + ("" if op.method == "GET" else ".write")
    assert op.op["x-required-scopes"] == [expected]
    assert op.required_scopes == (expected,)
    assert f"`{expected}`" in op.op["description"]


@pytest.mark.parametrize("op", OPERATIONS, ids=_op_id)
def test_success_response_has_a_schema(op: Operation) -> None:
    status, response = _success(op)
    if status == "204":
        assert "content" not in response
        assert op.method == "DELETE"
        return
    content = response["content"]
    if op.operation_id == "mock.api.attachments.download":
        assert content["application/octet-stream"]["schema"]["format"] == "binary"
        return
    schema = content["application/json"]["schema"]
    assert schema.get("type") == "object" or "allOf" in schema


@pytest.mark.parametrize("op", OPERATIONS, ids=_op_id)
def test_errors_are_problem_details(op: Operation) -> None:
    # RULE G-6
    responses = op.op["responses"]
    assert {"400", "401", "403"} <= set(responses)
    if "{id}" in op.path:
        assert "404" in responses
    for status, response in responses.items():
        if int(status) < 400:
            continue
        assert set(response["content"]) == {"application/problem+json"}, status
        schema = response["content"]["application/problem+json"]["schema"]
        assert set(schema["required"]) == {"type", "title", "status", "detail"}
        assert {"code", "errors", "usage", "details"} <= set(schema["properties"])
    # RULE G-1
    for status in ("401", "403"):
        assert "WWW-Authenticate" in responses[status]["headers"]


@pytest.mark.parametrize(
    "op",
    [op for op in OPERATIONS if op.method in ("POST", "PATCH")],
    ids=_op_id,
)
def test_writes_declare_422_and_idempotency(op: Operation) -> None:
    # RULE G-5: creates and updates take Idempotency-Key; upload and links do not.
    assert "422" in op.op["responses"]
    headers = {p["name"]: p for p in op.parameters if p["in"] == "header"}
    _status, response = _success(op)
    if op.operation_id in ("mock.api.attachments.upload", "mock.api.attachments.link"):
        assert "Idempotency-Key" not in headers
        return
    key = headers["Idempotency-Key"]
    assert key["required"] is False
    assert key["schema"]["minLength"] == 1 and key["schema"]["maxLength"] == 255
    pattern = re.compile(key["schema"]["pattern"])
    assert pattern.search("7f3d2c1b-0a9e-4d8c")
    assert not pattern.search("with space")
    assert not pattern.search("acentuação")
    assert response["headers"]["Idempotent-Replayed"]["schema"]["enum"] == ["true"]
    assert "409" in op.op["responses"], "a key still in flight is 409 (G-5)"


def test_reads_and_deletes_take_no_idempotency_key() -> None:
    # RULE G-5: only creates and PATCH; upload and links are excluded above
    for op in OPERATIONS:
        names = {p["name"] for p in op.parameters}
        expected = op.method == "PATCH" or (op.method == "POST" and op.verb == "create")
        assert ("Idempotency-Key" in names) is expected, _op_id(op)


def test_conflicts_and_rule_statuses_of_deletes() -> None:
    # RULE CMP-5, ATT-5 (409) and CAT-4, CC-2, TAX-3, ACC-4, TRX-4 (422) and G-10 (204)
    expected = {
        "companies": "409",
        "attachments": "409",
        "categories": "422",
        "cost_centers": "422",
        "taxes": "422",
        "accounts": "422",
        "transactions": "422",
    }
    for op in OPERATIONS:
        if op.method != "DELETE" or op.path.endswith("/links"):
            continue
        assert "204" in op.op["responses"]
        if op.resource in expected:
            assert expected[op.resource] in op.op["responses"], _op_id(op)
    # RULE CMP-2, TAX-1: duplicates on create are 409
    for resource in ("companies", "taxes"):
        assert "409" in OPS_BY_KEY[("POST", f"/{resource}")].op["responses"]
    # RULE ATT-4
    assert "409" in OPS_BY_KEY[("POST", "/attachments/{id}/links")].op["responses"]


# --------------------------------------------------------------------------- (e) links


CREATES = [op for op in OPERATIONS if op.method == "POST" and op.path.count("/") == 1]


@pytest.mark.parametrize("op", CREATES, ids=_op_id)
def test_creates_link_to_their_item_operations(op: Operation) -> None:
    links = op.op["responses"]["201"]["links"]
    name = _success(op)[1]["content"]["application/json"]["schema"]
    assert "id" in _merged_properties(name)
    if op.resource == "attachments":
        verbs = {"get", "delete", "download", "link", "unlink"}
    else:
        verbs = {"get", "update", "delete"}
    targets = {link["operationId"]: link for link in links.values()}
    assert set(targets) == {f"mock.api.{op.resource}.{verb}" for verb in verbs}
    for link_name, link in links.items():
        assert link["operationId"] in OPS_BY_ID, link["operationId"]
        assert link["parameters"] == {"id": "$response.body#/id"}
        verb = link["operationId"].rsplit(".", 1)[1]
        assert link_name.lower().startswith(verb), link_name
        target = OPS_BY_ID[link["operationId"]]
        assert "id" in {p["name"] for p in target.parameters if p["in"] == "path"}


# --------------------------------------------------------------------------- shapes


LISTS = [op for op in OPERATIONS if op.method == "GET" and op.path.count("/") == 1]


@pytest.mark.parametrize("op", LISTS, ids=_op_id)
def test_lists_paginate_with_a_cursor(op: Operation) -> None:
    # RULE G-4
    params = {p["name"]: p["schema"] for p in op.parameters if p["in"] == "query"}
    assert params["limit"] == {"type": "integer", "minimum": 1, "maximum": 100, "default": 25}
    assert (params["per_page"]["minimum"], params["per_page"]["maximum"]) == (1, 100)
    assert params["cursor"]["maxLength"] == 512
    sort = params["sort"]
    assert sort["default"] == DEFAULT_SORT[op.resource]
    assert sort["default"] in sort["enum"]
    ascending = {v for v in sort["enum"] if not v.startswith("-")}
    assert set(sort["enum"]) == ascending | {f"-{v}" for v in ascending}
    page = _schema_named(op, "200")
    assert set(page["required"]) == {"data", "next_cursor"}
    assert page["properties"]["next_cursor"]["nullable"] is True
    assert page["properties"]["data"]["type"] == "array"
    assert _errors(page, {"data": [], "next_cursor": None}) == []


def _row_schema(resource: str) -> Mapping[str, Any]:
    return _schema_named(OPS_BY_KEY[("GET", f"/{resource}")], "200")["properties"]["data"]["items"]


@pytest.mark.parametrize("resource", sorted(RESOURCES))
def test_rows_are_complete_and_detail_extends_them(resource: str) -> None:
    # RULE G-11, G-9
    row = _row_schema(resource)
    assert set(row["required"]) == set(row["properties"]), "every key is always sent"
    assert row["properties"]["id"]["format"] == "uuid"
    assert row["properties"]["workspace_id"]["readOnly"] is True
    get = OPS_BY_KEY[("GET", f"/{resource}/{{id}}")]
    detail = _schema_named(get, "200")
    assert set(row["properties"]) <= set(_merged_properties(detail))
    assert set(row["required"]) <= _merged_required(detail)
    for name, prop in row["properties"].items():
        if name in ("created_at", "updated_at", "uploaded_at"):
            assert prop["format"] == "date-time"
        elif name.endswith("_id") or name == "id":
            assert prop["format"] == "uuid", name


def test_account_balance_only_on_detail() -> None:
    # RULE ACC-2
    assert "balance" not in _row_schema("accounts")["properties"]
    detail = _schema_named(OPS_BY_KEY[("GET", "/accounts/{id}")], "200")
    assert "balance" in _merged_required(detail)
    assert _merged_properties(detail)["balance"]["pattern"] == _common_schema("Money")["pattern"]


def test_person_never_exposes_sensitive_fields() -> None:
    # RULE PER-3
    props = set(_row_schema("people")["properties"])
    for forbidden in ("bank", "pix", "address", "custom_data", "birthday", "emails", "phones"):
        assert not [p for p in props if forbidden in p], forbidden


@pytest.mark.parametrize("resource", ["payables", "receivables"])
def test_billing_rows_and_details(resource: str) -> None:
    # RULE PAY-8, PAY-7
    row = _row_schema(resource)["properties"]
    for key in (
        "person_name",
        "category_name",
        "cost_center_name",
        "tax_charges_count",
        "cost_center_allocations_count",
        "attachments_count",
        "interest_amount",
        "discount_amount",
        "ticket_amount",
        "nominal_amount",
        "status",
        "group_id",
    ):
        assert key in row, key
    assert row["nominal_amount"]["readOnly"] is True
    detail = _schema_named(OPS_BY_KEY[("GET", f"/{resource}/{{id}}")], "200")
    extras = _merged_properties(detail)
    assert extras["reconciliation"]["nullable"] is True
    assert extras["cost_center_allocations"]["type"] == "array"
    assert extras["tax_charges"]["type"] == "array"


@pytest.mark.parametrize(
    ("resource", "settled"), [("payables", "paid"), ("receivables", "received")]
)
def test_billing_status_refuses_draft(resource: str, settled: str) -> None:
    # RULE PAY-4
    update = _json_schema(OPS_BY_KEY[("PATCH", f"/{resource}/{{id}}")])
    assert _errors(update, {"status": settled}, write=True) == []
    assert _errors(update, {"status": "draft"}, write=True) != []
    assert "status" not in _json_schema(OPS_BY_KEY[("POST", f"/{resource}")])["properties"]


@pytest.mark.parametrize("op", [op for op in OPERATIONS if "requestBody" in op.op], ids=_op_id)
def test_request_bodies_ignore_unknown_fields(op: Operation) -> None:
    # RULE G-7: unknown and server-owned fields are ignored, not refused
    (schema,) = (c["schema"] for c in op.op["requestBody"]["content"].values())
    assert schema["additionalProperties"] is True
    assert op.op["requestBody"]["required"] is True


REQUIRED_ON_CREATE = {
    "companies": {"name", "cnpj"},
    "accounts": {"company_id", "name", "type"},
    "transactions": {"company_id", "financial_account_id", "amount", "type", "occurred_at"},
    "payables": {"company_id", "description", "amount", "due_date"},
    "receivables": {"company_id", "description", "amount", "due_date"},
}


@pytest.mark.parametrize("resource", sorted(REQUIRED_ON_CREATE))
def test_create_requires_what_the_rules_require(resource: str) -> None:
    # RULE CMP-1, ACC-1, TRX-1
    create = _json_schema(OPS_BY_KEY[("POST", f"/{resource}")])
    assert set(create["required"]) == REQUIRED_ON_CREATE[resource]
    update = _json_schema(OPS_BY_KEY[("PATCH", f"/{resource}/{{id}}")])
    assert "required" not in update, "PATCH bodies are partial (G-7)"


# --------------------------------------------------------------------------- values


@pytest.mark.parametrize(
    ("name", "good", "bad"),
    [
        # RULE G-8
        ("Money", ["1500.00", "-12.30", "0.00"], ["1500", "1500.0", "1,500.00", 1500.0]),
        ("MoneyInput", ["1500", "1500.5", "0.00", 1500, 12.5, 0], ["-1.00", -1, "1e3", "", "١٢"]),
        (
            "PositiveMoneyInput",
            ["0.01", "1500.00", "1", 0.01, 1],
            ["0", "0.00", "000.0", 0, 0.0, -5, "-1.00", "12.345"],
        ),
        ("SignedMoneyInput", ["-250.00", "0", 10], ["--1", "1.234"]),
        # RULE G-9
        (
            "BusinessDate",
            ["2026-01-15", "2026-01-15T10:30:00Z", "2026-01-15T10:30:00-03:00"],
            ["15/01/2026", "2026-1-5", "yesterday", "2026-01-15T10:30:00", 20260115],
        ),
        # RULE CMP-1, PER-1
        (
            "CnpjInput",
            ["11222333000181", "11.222.333/0001-81"],
            ["1122233300018", "11222333/0001-81"],
        ),
        (
            "DocumentNumberInput",
            ["52998224725", "529.982.247-25", "11222333000181"],
            ["5299822472", "abc", ""],
        ),
        ("PercentageInput", ["0", "100", "100.00", "33.33", 50], ["100.01", "101", -1, 100.5]),
    ],
)
def test_value_schemas(name: str, good: list[Any], bad: list[Any]) -> None:
    schema = _common_schema(name)
    for value in good:
        assert _errors(schema, value) == [], f"{name} refused {value!r}"
    for value in bad:
        assert _errors(schema, value) != [], f"{name} accepted {value!r}"


def test_money_in_every_response_row() -> None:
    # RULE G-8: amounts in responses are two-place decimal strings
    money = _common_schema("Money")["pattern"]
    for resource in ("transactions", "payables", "receivables"):
        row = _row_schema(resource)["properties"]
        amounts = [k for k in row if k == "amount" or k.endswith("_amount")]
        assert amounts, resource
        for key in amounts:
            assert row[key]["type"] == "string" and row[key]["pattern"] == money, (resource, key)
    for resource in ("transactions", "payables", "receivables"):
        create = _json_schema(OPS_BY_KEY[("POST", f"/{resource}")])
        assert _errors(create["properties"]["amount"], "0.00") != []
        assert _errors(create["properties"]["amount"], 1500) == []


def test_nullable_clears_where_the_rules_say() -> None:
    # RULE CC-1, TAX-2
    cc = _json_schema(OPS_BY_KEY[("PATCH", "/cost_centers/{id}")])
    assert _errors(cc, {"description": None}, write=True) == []
    tax = _json_schema(OPS_BY_KEY[("PATCH", "/taxes/{id}")])
    assert _errors(tax, {"default_rate": None}, write=True) == []
    assert _errors(tax, {"default_rate": "100.01"}, write=True) != []
    # RULE PER-4: null for an optional string is accepted (and ignored)
    person = _json_schema(OPS_BY_KEY[("PATCH", "/people/{id}")])
    assert _errors(person, {"nickname": None, "notes": None}, write=True) == []
    # RULE CMP-3: a company's type is never read from a request
    assert "type" not in _json_schema(OPS_BY_KEY[("POST", "/companies")])["properties"]


def test_every_example_matches_its_schema() -> None:
    checked = 0
    for trail, node in _walk(SPEC):
        if not isinstance(node, dict) or "example" not in node:
            continue
        if "schema" in node:  # a parameter, header or media type
            schema, write = node["schema"], "/requestBody/" in trail or "/parameters/" in trail
        elif trail.endswith("/schema") or "/properties/" in trail or "type" in node:
            schema, write = node, False
        else:
            continue
        errors = _errors(schema, node["example"], write=write)
        assert errors == [], f"{trail}: {errors}"
        checked += 1
    assert checked > 300
