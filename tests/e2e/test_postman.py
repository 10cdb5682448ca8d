"""Postman round-trip: the served spec (bundled: named component `$ref`s), converted by Postman's
own converter (openapi-to-postmanv2) from both its JSON and its YAML, runs in newman against the
mock with the demo token; so does the API's own Postman export, its placeholder ids substituted
from the demo data, and each of its 52 requests must answer the status `EXPECTED` names. No
request may get a 5xx, and every response must be one the spec declares (status, media type,
and the body valid against its schema)."""

from __future__ import annotations

import json
import random
import re
import subprocess
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

import httpx
import pytest
from openapi_schema_validator import OAS30Validator

from contract.spec import dereference
from fixtures import tokens
from fixtures.documents import generate_cnpj
from fixtures.files import SAMPLES
from mock.docs import PUBLIC_SPEC_YAML, SPEC_JSON
from tests.e2e.conftest import ROOT
from tests.helpers import postman_requests

pytestmark = pytest.mark.e2e

TOKEN = tokens.standard_tokens().tenant_a
SEED_EXPORT = ROOT / "fixtures" / "postman-collection-v1.json"
# Converter options: folders by tag, example values, optional parameters and headers off (an
# optional filter set to its example value would only ever list nothing).
CONVERTER_OPTIONS = ",".join(["folderStrategy=Tags", "parametersResolution=Example",
                             "enableOptionalParameters=false"])
RUN_TIMEOUT = 300


@pytest.fixture(scope="module")
def served_bundle(mock_base: str) -> dict[str, Any]:
    """The served document as it is: bundled, with local `$ref`s."""
    spec: dict[str, Any] = httpx.get(mock_base.removesuffix("/v1") + SPEC_JSON,
                                     timeout=30).json()
    return spec


@pytest.fixture(scope="module")
def served_spec(served_bundle: dict[str, Any]) -> dict[str, Any]:
    """The served document with its `$ref`s followed, to check responses against."""
    out: dict[str, Any] = dereference(served_bundle, served_bundle)
    return out


# -- checking a response against the spec ------------------------------------------------------


def _path_patterns(spec: Mapping[str, Any]) -> list[tuple[re.Pattern[str], str]]:
    patterns = []
    for template in spec["paths"]:
        regex = re.sub(r"\\\{[^/]+?\\\}", "[^/]+", re.escape(template))
        patterns.append((re.compile(f"^{regex}$"), template))
    return patterns


def _media_range(media: str, content: Mapping[str, Any]) -> str | None:
    """The spec's media type (or range, RFC 9110 §12.5.1) a response's type falls under."""
    kind = media.split("/")[0]
    for candidate in (media, f"{kind}/*", "*/*"):
        if candidate in content:
            return candidate
    return None


def problems_with(spec: Mapping[str, Any], execution: Mapping[str, Any]) -> list[str]:
    """What is wrong with one newman execution: a request error, a 5xx, or a response the spec
    does not declare (status, media type, body schema)."""
    request = execution["request"]
    method = request["method"].upper()
    path = "/" + "/".join(request["url"]["path"])
    name = f"{method} {path}"
    if "response" not in execution:
        return [f"{name}: no response ({execution.get('requestError', {}).get('message')})"]
    response = execution["response"]
    code = int(response["code"])
    if code >= 500:
        return [f"{name}: {code}"]
    api_path = path.removeprefix("/v1")
    template = next((t for p, t in _path_patterns(spec) if p.match(api_path)), None)
    operation = spec["paths"].get(template, {}).get(method.lower()) if template else None
    if operation is None:
        return [f"{name}: {code} for an operation the spec does not have"]
    responses = operation["responses"]
    declared = responses.get(str(code)) or responses.get(f"{code // 100}XX") \
        or responses.get("default")
    if declared is None:
        return [f"{name}: status {code} is not declared (declared: {sorted(responses)})"]
    headers = {h["key"].lower(): h["value"] for h in response.get("header", [])}
    body = bytes(response.get("stream", {}).get("data", []))
    content = declared.get("content", {})
    if not content:
        return [f"{name}: {code} has a body the spec does not declare"] if body else []
    media = headers.get("content-type", "").split(";")[0].strip().lower()
    declared_media = _media_range(media, content)
    if declared_media is None:
        return [f"{name}: {code} answered {media!r}, the spec declares {sorted(content)}"]
    schema = content[declared_media].get("schema")
    if schema is None or not media.endswith("json"):
        return []
    try:
        document = json.loads(body)
    except ValueError:
        return [f"{name}: {code} body is not JSON: {body[:200]!r}"]
    validator = OAS30Validator(schema, format_checker=OAS30Validator.FORMAT_CHECKER)
    return [f"{name}: {code} body: {error.message} at /{'/'.join(map(str, error.path))}"
            for error in validator.iter_errors(document)]


def _newman(node_bin: Path, collection: Path, mock_base: str, out: Path) -> list[dict[str, Any]]:
    done = subprocess.run(
        [str(node_bin / "newman"), "run", str(collection),
         "--env-var", f"baseUrl={mock_base}", "--env-var", f"bearerToken={TOKEN}",
         "--reporters", "cli,json", "--reporter-json-export", str(out),
         "--timeout-request", "15000", "--color", "off", "--disable-unicode"],
        capture_output=True, text=True, timeout=RUN_TIMEOUT, check=False)
    assert out.exists(), f"newman wrote no report:\n{done.stdout[-3000:]}\n{done.stderr[-3000:]}"
    report = json.loads(out.read_text(encoding="utf-8"))
    failures = report["run"].get("failures", [])
    assert not failures, json.dumps(failures, indent=1)[:3000]
    executions: list[dict[str, Any]] = report["run"]["executions"]
    return executions


# -- the converted spec ------------------------------------------------------------------------


def _point_at_demo_rows(collection: dict[str, Any], mock_base: str) -> None:
    """Give each `:id` a demo row of its resource (so GET/PATCH/DELETE meet real rows, not
    only 404s) and each write a fresh Idempotency-Key (the spec's one example key, sent on
    every write, would make all but the first a 422 key reuse)."""
    auth = {"Authorization": f"Bearer {TOKEN}"}
    first_ids: dict[str, str] = {}
    for request in postman_requests(collection["item"]):
        resource = request["url"]["path"][0]
        for variable in request["url"].get("variable", []):
            if variable["key"] == "id":
                if resource not in first_ids:
                    page = httpx.get(f"{mock_base}/{resource}", headers=auth, timeout=30).json()
                    first_ids[resource] = page["data"][0]["id"]
                variable["value"] = first_ids[resource]
        for header in request.get("header", []):
            if header["key"].lower() == "idempotency-key":
                header["value"] = "{{$guid}}"
                header.pop("disabled", None)


def _convert(node_bin: Path, spec_file: Path, out: Path) -> dict[str, Any]:
    done = subprocess.run(
        [str(node_bin / "openapi2postmanv2"), "-s", str(spec_file), "-o", str(out),
         "-O", CONVERTER_OPTIONS], capture_output=True, text=True, timeout=RUN_TIMEOUT,
        check=False)
    assert done.returncode == 0 and out.exists(), done.stdout + done.stderr
    collection: dict[str, Any] = json.loads(out.read_text(encoding="utf-8"))
    return collection


def test_the_served_spec_converted_by_postman_runs_clean_in_newman(
        node_bin: Path, mock_base: str, served_spec: dict[str, Any], tmp_path: Path) -> None:
    root = mock_base.removesuffix("/v1")
    converted = tmp_path / "collection.json"
    collections = {}
    # Both served files, as they are (bundled: named `$ref`s), import in Postman's converter.
    for path in (SPEC_JSON, PUBLIC_SPEC_YAML):
        spec_file = tmp_path / path.rsplit("/", 1)[-1]
        spec_file.write_bytes(httpx.get(root + path, timeout=30).content)
        collections[path] = _convert(node_bin, spec_file, tmp_path / f"{spec_file.stem}.pm.json")
    by_file = [sorted((r["method"], "/".join(r["url"]["path"]))
                      for r in postman_requests(c["item"])) for c in collections.values()]
    assert by_file[0] == by_file[1] and len(by_file[0]) == 52
    collection = collections[SPEC_JSON]
    assert collection["auth"]["type"] == "bearer"  # from the bearerAuth scheme
    _point_at_demo_rows(collection, mock_base)
    converted.write_text(json.dumps(collection), encoding="utf-8")

    executions = _newman(node_bin, converted, mock_base, tmp_path / "report.json")
    operations = sum(len([m for m in item if m != "parameters"])
                     for item in served_spec["paths"].values())
    assert len(executions) == operations
    problems = [p for e in executions for p in problems_with(served_spec, e)]
    assert not problems, "\n".join(problems)
    ok = [e for e in executions if e["response"]["code"] < 300]
    lists = [e for e in ok if e["request"]["method"] == "GET" and len(e["request"]["url"]["path"])
             == 2]
    assert len(lists) == 10, "every list answered 200 with the demo token"
    assert len(ok) >= len(executions) // 2, [(e["request"]["method"], e["response"]["code"])
                                             for e in executions]


def test_the_check_catches_what_it_should(served_spec: dict[str, Any]) -> None:
    def execution(method: str, path: str, code: int, body: Any, media: str) -> dict[str, Any]:
        return {"request": {"method": method, "url": {"path": path.strip("/").split("/")}},
                "response": {"code": code, "header": [{"key": "Content-Type", "value": media}],
                             "stream": {"data": list(json.dumps(body).encode())}}}

    good = execution("GET", "/v1/companies", 200, {"data": [], "next_cursor": None},
                     "application/json")
    assert problems_with(served_spec, good) == []
    assert problems_with(served_spec, execution("GET", "/v1/companies", 200, {"data": []},
                                                "application/json"))  # next_cursor missing
    assert problems_with(served_spec, execution("GET", "/v1/companies", 502, {}, "text/html"))
    assert problems_with(served_spec, execution("GET", "/v1/companies", 418, {},
                                                "application/json"))
    assert problems_with(served_spec, execution("GET", "/v1/companies", 200, {}, "text/html"))
    assert problems_with(served_spec, {"request": good["request"], "requestError": {}})


# -- the API's own export ----------------------------------------------------------------------

# Every request of the export, ids substituted from the demo data, and the status it must
# answer. Each folder's POST creates the row its GET / PATCH / DELETE then use (a Postman test
# script keeps its id), as a Postman user chains them; the exceptions say why.
EXPECTED: dict[tuple[str, str], int] = {
    ("GET", "/accounts"): 200, ("POST", "/accounts"): 201, ("GET", "/accounts/{id}"): 200,
    ("PATCH", "/accounts/{id}"): 200, ("DELETE", "/accounts/{id}"): 204,
    ("GET", "/attachments"): 200, ("POST", "/attachments"): 201,
    ("GET", "/attachments/{id}/download"): 200, ("GET", "/attachments/{id}"): 200,
    ("DELETE", "/attachments/{id}"): 204,
    # Links: the export's order deletes the new attachment first, so a demo one is linked.
    ("POST", "/attachments/{id}/links"): 201, ("DELETE", "/attachments/{id}/links"): 204,
    ("GET", "/categories"): 200, ("POST", "/categories"): 201,
    ("GET", "/categories/{id}"): 200, ("PATCH", "/categories/{id}"): 200,
    ("DELETE", "/categories/{id}"): 204,
    ("GET", "/companies"): 200, ("POST", "/companies"): 201, ("GET", "/companies/{id}"): 200,
    ("PATCH", "/companies/{id}"): 200, ("DELETE", "/companies/{id}"): 204,
    ("GET", "/cost_centers"): 200, ("POST", "/cost_centers"): 201,
    ("GET", "/cost_centers/{id}"): 200, ("PATCH", "/cost_centers/{id}"): 200,
    ("DELETE", "/cost_centers/{id}"): 204,
    ("GET", "/payables"): 200, ("POST", "/payables"): 201, ("GET", "/payables/{id}"): 200,
    ("PATCH", "/payables/{id}"): 200, ("DELETE", "/payables/{id}"): 204,
    ("GET", "/people"): 200, ("POST", "/people"): 201, ("GET", "/people/{id}"): 200,
    ("PATCH", "/people/{id}"): 200, ("DELETE", "/people/{id}"): 204,
    ("GET", "/receivables"): 200, ("POST", "/receivables"): 201,
    ("GET", "/receivables/{id}"): 200, ("PATCH", "/receivables/{id}"): 200,
    ("DELETE", "/receivables/{id}"): 204,
    # Taxes: the export's example name, IRRF, is a demo tax: 409 (TAX-1); GET / PATCH /
    # DELETE then use the demo IRRF, which bills charge: DELETE is 422 in_use (TAX-3).
    ("GET", "/taxes"): 200, ("POST", "/taxes"): 409, ("GET", "/taxes/{id}"): 200,
    ("PATCH", "/taxes/{id}"): 200, ("DELETE", "/taxes/{id}"): 422,
    # Transactions: the export's order is PATCH, DELETE, then GET: deleted, so 404 (G-10).
    ("GET", "/transactions"): 200, ("POST", "/transactions"): 201,
    ("PATCH", "/transactions/{id}"): 200, ("DELETE", "/transactions/{id}"): 204,
    ("GET", "/transactions/{id}"): 404,
}
PLACEHOLDER = "00000000-0000-0000-0000-000000000000"
CREATED = "created_{resource}"  # the collection variable a POST's test script sets


def _demo(mock_base: str) -> dict[str, str]:
    """Ids of the demo data the export's placeholders become: one company and its rows."""
    auth = {"Authorization": f"Bearer {TOKEN}"}

    def rows(resource: str, **params: Any) -> list[dict[str, Any]]:
        page = httpx.get(f"{mock_base}/{resource}", headers=auth, timeout=30,
                         params={"limit": 100, **params}).json()
        out: list[dict[str, Any]] = page["data"]
        return out

    company = next(c["id"] for c in rows("companies") if rows("accounts", company_id=c["id"]))
    categories = rows("categories", company_id=company, level=1)
    centers = rows("cost_centers", company_id=company)
    return {
        "company": company,
        "account": rows("accounts", company_id=company)[0]["id"],
        "supplier": rows("people", company_id=company, is_supplier="true")[0]["id"],
        "customer": rows("people", company_id=company, is_customer="true")[0]["id"],
        "debit": next(c["id"] for c in categories if c["type"] == "debit"),
        "credit": next(c["id"] for c in categories if c["type"] == "credit"),
        "cost": next(c["id"] for c in centers if c["type"] == "cost"),
        "revenue": next(c["id"] for c in centers if c["type"] == "revenue"),
        "tax": next(t["id"] for t in rows("taxes") if t["name"] == "ISS"),
        "irrf": next(t["id"] for t in rows("taxes") if t["name"] == "IRRF"),
        "attachment": rows("attachments")[0]["id"],
        "unlinked_payable": next(p["id"] for p in rows("payables", company_id=company)
                                 if p["attachments_count"] == 0),
    }


def _fill_body(resource: str, method: str, body: dict[str, Any],
               ids: dict[str, str]) -> dict[str, Any]:
    """The export's template with the demo's ids and the required blanks a client fills in
    (`name`, bills' `description`; the companies example CNPJ has wrong check digits)."""
    credit = resource == "receivables"
    refs = {"company_id": ids["company"], "financial_account_id": ids["account"],
            "expected_account_id": ids["account"],
            "person_id": ids["customer" if credit else "supplier"],
            "category_id": ids["credit" if credit else "debit"],
            "cost_center_id": ids["revenue" if credit else "cost"],
            "parent_id": ids["debit"]}
    out = {k: refs.get(k, v) if v == PLACEHOLDER else v for k, v in body.items()}
    for share in out.get("cost_centers", []):
        share["cost_center_id"] = refs["cost_center_id"]
    for charge in out.get("tax_charges", []):
        charge["tax_id"] = ids["tax"]
    if resource == "attachments":  # the link body: a demo payable
        out["id"] = ids["unlinked_payable"]
    for blank in ("name", "description"):
        if out.get(blank) == "" and (blank == "name" or resource in ("payables",
                                                                       "receivables")):
            out[blank] = f"Postman {resource}"
    if resource == "companies" and method == "POST":
        out["cnpj"] = generate_cnpj(random.Random(18))
    return out


def _fill_export(export: dict[str, Any], ids: dict[str, str], upload: Path) -> None:
    for item in _items(export["item"]):
        request = item["request"]
        resource = request["url"]["path"][0]
        method = request["method"]
        body = request.get("body") or {}
        if body.get("mode") == "raw":
            body["raw"] = json.dumps(_fill_body(resource, method, json.loads(body["raw"]), ids))
        if (method, resource) == ("POST", "attachments") and len(request["url"]["path"]) == 1:
            # The export's upload has no body; a client sends a file.
            request["body"] = {"mode": "formdata", "formdata": [
                {"key": "file", "type": "file", "src": str(upload)},
                {"key": "title", "type": "text", "value": "Nota fiscal"}]}
        if method == "POST" and len(request["url"]["path"]) == 1:
            item["event"] = [{"listen": "test", "script": {"type": "text/javascript", "exec": [
                "if (pm.response.code === 201) { pm.collectionVariables.set("
                f"'{CREATED.format(resource=resource)}', pm.response.json().id); }}"]}}]
        for variable in request["url"].get("variable", []):
            if variable["key"] != "id":
                continue
            if resource == "taxes":
                variable["value"] = ids["irrf"]
            elif request["url"]["path"][-1] == "links":
                variable["value"] = ids["attachment"]
            else:
                variable["value"] = "{{" + CREATED.format(resource=resource) + "}}"


def _items(items: list[dict[str, Any]]) -> Iterator[dict[str, Any]]:
    for item in items:
        if "item" in item:
            yield from _items(item["item"])
        else:
            yield item


def _template(request: Mapping[str, Any]) -> str:
    return "/" + "/".join("{id}" if part.startswith(":") else part
                          for part in request["url"]["path"])


def test_expected_covers_every_request_of_the_export() -> None:
    export = json.loads(SEED_EXPORT.read_text(encoding="utf-8"))
    keys = [(i["request"]["method"], _template(i["request"])) for i in _items(export["item"])]
    assert sorted(keys) == sorted(EXPECTED) and len(keys) == 52


def test_the_apis_postman_export_answers_the_expected_status_per_request(
        node_bin: Path, mock_base: str, served_spec: dict[str, Any], tmp_path: Path) -> None:
    export = json.loads(SEED_EXPORT.read_text(encoding="utf-8"))
    upload = tmp_path / SAMPLES["pdf"].file_name
    upload.write_bytes(SAMPLES["pdf"].content)
    _fill_export(export, _demo(mock_base), upload)
    collection = tmp_path / "export.json"
    collection.write_text(json.dumps(export), encoding="utf-8")
    executions = _newman(node_bin, collection, mock_base, tmp_path / "report.json")
    assert len(executions) == len(EXPECTED)
    assert all(urlhost == "127.0.0.1" for urlhost in
               {".".join(e["request"]["url"]["host"]) for e in executions})
    got = {}
    for execution in executions:
        path = "/" + "/".join(execution["request"]["url"]["path"][1:])  # without /v1
        key = next(k for k in EXPECTED if k[0] == execution["request"]["method"]
                   and re.fullmatch(re.sub(r"\\{id\\}", "[^/]+", re.escape(k[1])), path))
        got[key] = int(execution["response"]["code"])
    table = "\n".join(f"{m:6} {p:32} {got.get((m, p))} (expected {s})"
                      for (m, p), s in EXPECTED.items())
    assert got == EXPECTED, table
    problems = [p for e in executions for p in problems_with(served_spec, e)]
    assert not problems, "\n".join(problems)
