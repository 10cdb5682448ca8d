"""Postman round-trip: the served spec, converted by Postman's own converter
(openapi-to-postmanv2), runs in newman against the mock with the demo token; so does the API's
own Postman export. No request may get a 5xx, and every response must be one the spec declares
(status, media type, and the body valid against its schema)."""

from __future__ import annotations

import json
import re
import subprocess
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

import httpx
import pytest
from openapi_schema_validator import OAS30Validator

from fixtures import tokens
from mock.docs import SPEC_JSON
from tests.e2e.conftest import ROOT

pytestmark = pytest.mark.e2e

TOKEN = tokens.standard_tokens().tenant_a
SEED_EXPORT = ROOT / "fixtures" / "postman-collection-v1.json"
# Converter options: folders by tag, example values, optional parameters and headers off (an
# optional filter set to its example value would only ever list nothing).
CONVERTER_OPTIONS = ",".join(["folderStrategy=Tags", "parametersResolution=Example",
                             "enableOptionalParameters=false"])
RUN_TIMEOUT = 300


@pytest.fixture(scope="module")
def served_spec(mock_base: str) -> dict[str, Any]:
    spec: dict[str, Any] = httpx.get(mock_base.removesuffix("/v1") + SPEC_JSON,
                                     timeout=30).json()
    return spec


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


def _requests(items: list[dict[str, Any]]) -> Iterator[dict[str, Any]]:
    for item in items:
        if "item" in item:
            yield from _requests(item["item"])
        else:
            yield item["request"]


def _point_at_demo_rows(collection: dict[str, Any], mock_base: str) -> None:
    """Give each `:id` a demo row of its resource (so GET/PATCH/DELETE meet real rows, not
    only 404s) and each write a fresh Idempotency-Key (the spec's one example key, sent on
    every write, would make all but the first a 422 key reuse)."""
    auth = {"Authorization": f"Bearer {TOKEN}"}
    first_ids: dict[str, str] = {}
    for request in _requests(collection["item"]):
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


def test_the_served_spec_converted_by_postman_runs_clean_in_newman(
        node_bin: Path, mock_base: str, served_spec: dict[str, Any], tmp_path: Path) -> None:
    spec_file = tmp_path / "openapi.json"
    spec_file.write_text(json.dumps(served_spec), encoding="utf-8")
    converted = tmp_path / "collection.json"
    done = subprocess.run(
        [str(node_bin / "openapi2postmanv2"), "-s", str(spec_file), "-o", str(converted),
         "-O", CONVERTER_OPTIONS], capture_output=True, text=True, timeout=RUN_TIMEOUT,
        check=False)
    assert done.returncode == 0 and converted.exists(), done.stdout + done.stderr
    collection = json.loads(converted.read_text(encoding="utf-8"))
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


def test_the_apis_postman_export_runs_against_the_mock_without_5xx(
        node_bin: Path, mock_base: str, served_spec: dict[str, Any], tmp_path: Path) -> None:
    executions = _newman(node_bin, SEED_EXPORT, mock_base, tmp_path / "report.json")
    assert len(executions) == len(list(_requests(json.loads(
        SEED_EXPORT.read_text(encoding="utf-8"))["item"])))
    assert all(urlhost == "127.0.0.1" for urlhost in
               {".".join(e["request"]["url"]["host"]) for e in executions})
    problems = [p for e in executions for p in problems_with(served_spec, e)]
    assert not problems, "\n".join(problems)
