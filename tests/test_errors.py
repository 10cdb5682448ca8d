"""Errors are problem+json (RULE G-6) and bad input never breaks the server (RULE G-12);
cursor and limit misuse on lists (RULE G-4)."""

from __future__ import annotations

from typing import Any

import pytest

from fixtures import factories
from mock.domain.errors import Conflict, DomainError, InUse, NotFound, ValidationFailed
from mock.errors import ApiProblem, ProblemAnswers, render

PROBLEM = "application/problem+json"


def assert_problem(r: Any, status: int, code: str | None = None) -> dict[str, Any]:
    assert r.status_code == status, r.text
    assert r.headers["content-type"] == PROBLEM
    body: dict[str, Any] = r.json()
    assert {"type", "title", "status", "detail"} <= set(body)
    assert body["status"] == status
    if code is not None:
        assert body["code"] == code
    return body


# RULE G-6
@pytest.mark.parametrize(("exc", "status", "code"), [
    (NotFound("x"), 404, "not_found"),
    (Conflict("x", details={"a": 1}), 409, "conflict"),
    (InUse("x", usage={"payables": 1}), 422, "in_use"),
    (ValidationFailed("bad", field="cnpj"), 422, "validation_failed"),
    (ApiProblem(400, "invalid_cursor", "x"), 400, "invalid_cursor"),
    (RuntimeError("boom"), 500, "internal_error"),
])
def test_render_maps_every_error_to_one_problem_shape(exc: Exception, status: int,
                                                      code: str) -> None:
    import json

    got_status, headers, body = render(exc)
    doc = json.loads(body)
    assert got_status == status == doc["status"]
    assert headers["Content-Type"] == PROBLEM
    assert doc["code"] == code
    assert doc["type"].endswith(code)
    if isinstance(exc, DomainError):
        assert doc["reason"] == code  # the seed names it `reason`, RULES `code`: both present


def _through(app: Any) -> tuple[list[dict[str, Any]], BaseException | None]:
    """The messages `ProblemAnswers` sends for `app`, and what it let through, if anything."""
    import asyncio

    sent: list[dict[str, Any]] = []

    async def receive() -> dict[str, Any]:
        return {"type": "http.request", "body": b"", "more_body": False}

    async def send(message: Any) -> None:
        sent.append(message)

    scope = {"type": "http", "method": "POST", "path": "/v1/taxes", "headers": []}
    try:
        asyncio.run(ProblemAnswers(app)(scope, receive, send))
    except Exception as exc:  # what went up is the result
        return sent, exc
    return sent, None


# RULE G-6
@pytest.mark.parametrize("exc", [ApiProblem(409, "idempotency_key_in_flight", "x",
                                            headers={"Retry-After": "1"}),
                                 NotFound("x"), RuntimeError("boom")])
def test_the_middleware_answers_what_render_gives(exc: Exception) -> None:
    async def app(scope: Any, receive: Any, send: Any) -> None:
        raise exc

    sent, escaped = _through(app)
    status, headers, body = render(exc)
    assert escaped is None
    assert sent[0]["status"] == status
    got = [(k.decode(), v.decode()) for k, v in sent[0]["headers"]]
    wanted = [(k.lower(), v) for k, v in headers.items()] + [("content-length", str(len(body)))]
    if isinstance(exc, RuntimeError):  # a 500 carries a new request id (and length) each time
        assert [k for k, _ in got] == [k for k, _ in wanted]
    else:
        assert got == wanted
        assert sent[1]["body"] == body


def test_an_error_after_the_answer_started_goes_up_unanswered() -> None:
    async def app(scope: Any, receive: Any, send: Any) -> None:
        await send({"type": "http.response.start", "status": 200, "headers": []})
        raise RuntimeError("midway")

    sent, escaped = _through(app)
    assert isinstance(escaped, RuntimeError)
    assert [m["type"] for m in sent] == ["http.response.start"]  # no second answer


# RULE G-6
def test_422_carries_field_errors(client: Any, auth_a: dict[str, str]) -> None:
    body = assert_problem(client.post("/v1/companies", headers=auth_a,
                                      json={"name": "X", "cnpj": "11222333000100"}),
                          422, "validation_failed")
    assert body["errors"] == [{"field": "cnpj", "message": body["errors"][0]["message"]}]


# RULE G-12
@pytest.mark.parametrize(("raw", "status"), [
    (b"{", 400),                        # malformed JSON
    (b'{"name": NaN, "cnpj": "1"}', 400),  # not JSON (RFC 8259 has no NaN)
    (b"\xff\xfe\x00", 400),             # not UTF-8 (Connexion 3.3 answered 500)
    (b"[]", 422),                       # JSON, wrong shape
    (b'"text"', 422),
    (b'{"name": 1, "cnpj": []}', 422),  # wrong types
])
def test_bad_bodies_are_4xx_problems(client: Any, auth_a: dict[str, str], raw: bytes,
                                     status: int) -> None:
    headers = auth_a | {"Content-Type": "application/json"}
    assert_problem(client.post("/v1/companies", headers=headers, content=raw), status)
    assert client.get("/v1/companies", headers=auth_a).json()["data"] == []  # nothing written


# RULE G-12
@pytest.mark.parametrize(("path", "params"), [
    ("/v1/companies/not-a-uuid", {}),                 # bad UUID (Connexion ignored format)
    ("/v1/companies", {"limit": 0}),
    ("/v1/companies", {"limit": 101}),
    ("/v1/companies", {"limit": "ten"}),
    ("/v1/companies", {"per_page": 500}),
    ("/v1/companies", {"sort": "cnpj; drop"}),
    ("/v1/companies", {"active": "maybe"}),
    ("/v1/transactions", {"occurred_at": "2026-13-45"}),
    ("/v1/categories", {"company_id": "123"}),
])
def test_bad_parameters_are_400(client: Any, auth_a: dict[str, str], path: str,
                                params: dict[str, Any]) -> None:
    assert_problem(client.get(path, headers=auth_a, params=params), 400)


# RULE G-12
def test_oversized_strings_and_unknown_enums_are_refused(client: Any,
                                                         auth_a: dict[str, str]) -> None:
    company = client.post("/v1/companies", headers=auth_a,
                          json=factories.make_company(factories.make_faker(1))).json()
    long_name = client.post("/v1/categories", headers=auth_a,
                            json={"company_id": company["id"], "name": "x" * 10_000,
                                  "type": "debit"})
    assert_problem(long_name, 422, "validation_failed")
    enum = client.post("/v1/categories", headers=auth_a,
                       json={"company_id": company["id"], "name": "x", "type": "sideways"})
    assert_problem(enum, 422, "validation_failed")


# RULE G-12
def test_json_body_over_the_cap_is_413(client: Any, auth_a: dict[str, str]) -> None:
    huge = b'{"name": "' + b"x" * (2 * 1024 * 1024) + b'"}'
    r = client.post("/v1/companies", headers=auth_a | {"Content-Type": "application/json"},
                    content=huge)
    assert_problem(r, 413, "payload_too_large")


# RULE G-12
def test_unknown_method_is_405_with_the_full_allow_header(client: Any,
                                                          auth_a: dict[str, str]) -> None:
    r = client.put("/v1/companies/00000000-0000-4000-8000-000000000000", headers=auth_a)
    assert_problem(r, 405)
    assert sorted(m.strip() for m in r.headers["allow"].split(",")) == ["DELETE", "GET", "PATCH"]


def test_unknown_path_is_a_404_problem(client: Any, auth_a: dict[str, str]) -> None:
    assert_problem(client.get("/v1/nothing-here", headers=auth_a), 404)


# RULE G-4
def test_limit_default_alias_and_envelope(client: Any, auth_a: dict[str, str]) -> None:
    fake = factories.make_faker(5)
    for _ in range(30):
        client.post("/v1/taxes", headers=auth_a, json=factories.make_tax(fake))
    page = client.get("/v1/taxes", headers=auth_a).json()
    assert set(page) == {"data", "next_cursor"}
    assert len(page["data"]) == 25 and isinstance(page["next_cursor"], str)
    assert len(client.get("/v1/taxes", headers=auth_a, params={"per_page": 7}).json()["data"]) == 7
    both = client.get("/v1/taxes", headers=auth_a, params={"per_page": 7, "limit": 3}).json()
    assert len(both["data"]) == 3  # limit wins


# RULE G-4
def test_cursor_is_bound_to_sort_filters_and_tenant(client: Any, auth_a: dict[str, str],
                                                    auth_b: dict[str, str]) -> None:
    fake = factories.make_faker(6)
    for _ in range(5):
        client.post("/v1/taxes", headers=auth_a, json=factories.make_tax(fake))
    cursor = client.get("/v1/taxes", headers=auth_a, params={"limit": 2}).json()["next_cursor"]
    ok = client.get("/v1/taxes", headers=auth_a, params={"limit": 2, "cursor": cursor})
    assert ok.status_code == 200
    misuses = [
        (auth_a, {"cursor": cursor, "sort": "-name"}),
        (auth_a, {"cursor": cursor, "active": True}),
        (auth_b, {"cursor": cursor}),
        (auth_a, {"cursor": cursor[:-2] + ("AA" if cursor[-2:] != "AA" else "BB")}),
        (auth_a, {"cursor": "garbage"}),
    ]
    for headers, params in misuses:
        assert_problem(client.get("/v1/taxes", headers=headers, params=params), 400,
                       "invalid_cursor")


# RULE G-12
def test_a_chunked_json_body_is_read_like_any_other(client: Any, auth_a: dict[str, str]) -> None:
    body = factories.make_company(factories.make_faker(9))

    def chunks() -> Any:
        import json

        raw = json.dumps(body).encode()
        yield raw[:10]
        yield raw[10:]

    r = client.post("/v1/companies", headers=auth_a | {"Content-Type": "application/json"},
                    content=chunks())
    assert r.status_code == 201, r.text
    assert r.json()["name"] == body["name"]


# -- 500s: logged with their traceback and a request id, which the answer carries ----------------


@pytest.fixture
def broken_taxes(monkeypatch: pytest.MonkeyPatch) -> None:
    """POST /v1/taxes hits a bug: a domain function that raises."""
    from mock.domain import taxes

    def bug(*_args: Any, **_kwargs: Any) -> Any:
        raise ZeroDivisionError("a bug in the mock")

    monkeypatch.setattr(taxes, "create", bug)


def test_a_500_is_logged_with_its_traceback_and_the_id_the_body_carries(
        client: Any, auth_a: dict[str, str], broken_taxes: None,
        caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level("ERROR", logger="mock.errors"):
        r = client.post("/v1/taxes", headers=auth_a, json={"name": "x"})
    body = assert_problem(r, 500, "internal_error")
    request_id = body["request_id"]
    assert r.headers["x-request-id"] == request_id
    assert request_id in body["detail"]
    (record,) = [rec for rec in caplog.records if rec.name == "mock.errors"]
    assert record.request_id == request_id  # type: ignore[attr-defined]
    assert record.method == "POST" and record.path == "/v1/taxes"  # type: ignore[attr-defined]
    assert record.exc_info is not None and record.exc_info[0] is ZeroDivisionError


def test_an_idempotent_500_is_logged_too(client: Any, auth_a: dict[str, str],
                                         broken_taxes: None,
                                         caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level("ERROR", logger="mock.errors"):
        r = client.post("/v1/taxes", headers=auth_a | {"Idempotency-Key": "boom-1"},
                        json={"name": "x"})
    body = assert_problem(r, 500, "internal_error")
    assert [getattr(rec, "request_id", None) for rec in caplog.records
            if rec.name == "mock.errors"] == [body["request_id"]]


@pytest.mark.parametrize("log_format", ["text", "json"])
def test_quiet_still_logs_every_500_in_the_chosen_format(
        client: Any, auth_a: dict[str, str], broken_taxes: None, log_format: str) -> None:
    import io
    import json

    from mock import requestlog
    from mock.errors import ERROR_LOG
    from tests.helpers import loggers_kept

    sink = io.StringIO()
    with loggers_kept(requestlog.LOGGER, ERROR_LOG):
        fmt: requestlog.LogFormat = "json" if log_format == "json" else "text"
        requestlog.configure(fmt, "warning", stream=sink, access=False)  # --quiet
        ok = client.get("/v1/taxes", headers=auth_a)
        r = client.post("/v1/taxes", headers=auth_a, json={"name": "x"})
    assert ok.status_code == 200
    request_id = r.json()["request_id"]
    out = sink.getvalue()
    assert "/v1/taxes 200" not in out  # no access line
    if log_format == "json":
        (line,) = out.splitlines()
        record = json.loads(line)
        assert record["request_id"] == request_id
        assert record["level"] == "error" and record["path"] == "/v1/taxes"
        assert "ZeroDivisionError: a bug in the mock" in record["traceback"]
    else:
        assert f"POST /v1/taxes answered 500 request_id={request_id}" in out
        assert "Traceback (most recent call last)" in out
        assert "ZeroDivisionError: a bug in the mock" in out


def test_python_m_mock_quiet_logs_a_500_with_its_traceback(tmp_path: Any) -> None:
    import subprocess
    import sys
    import time

    import httpx

    from conformance.targets import free_port
    from fixtures import tokens

    port = free_port()
    script = ("import sys\nfrom mock.domain import taxes\n"
              "def bug(*a, **k):\n    raise ZeroDivisionError('a bug in the mock')\n"
              "taxes.create = bug\nfrom mock.__main__ import main\n"
              f"sys.exit(main(['--port', '{port}', '--quiet', '--no-seed']))\n")
    proc = subprocess.Popen([sys.executable, "-c", script], stdout=subprocess.DEVNULL,
                            stderr=subprocess.PIPE, text=True)
    try:
        deadline = time.monotonic() + 60
        while True:
            assert proc.poll() is None, "the mock exited"
            try:
                if httpx.get(f"http://127.0.0.1:{port}/__mock/health").status_code == 200:
                    break
            except httpx.TransportError:
                pass
            assert time.monotonic() < deadline
            time.sleep(0.1)
        auth = {"Authorization": f"Bearer {tokens.standard_tokens().tenant_a}"}
        r = httpx.post(f"http://127.0.0.1:{port}/v1/taxes", json={"name": "x"}, headers=auth)
    finally:
        proc.terminate()
        _, err = proc.communicate(timeout=30)
    assert r.status_code == 500
    assert f"answered 500 request_id={r.json()['request_id']}" in err
    assert "ZeroDivisionError: a bug in the mock" in err


def test_an_error_above_the_inner_problem_layer_is_a_problem_500_too(
        monkeypatch: pytest.MonkeyPatch, auth_a: dict[str, str]) -> None:
    """The outermost layer answers what the request log or the journal raised, as `render`
    does: problem+json with the request id the error log names (not a bare 500)."""
    from starlette.testclient import TestClient

    from mock import requestlog
    from mock.app import create_app

    async def broken(self: Any, scope: Any, receive: Any, send: Any) -> None:
        if scope["type"] != "http":  # the client's lifespan
            return await self.app(scope, receive, send)
        raise RuntimeError("the request log broke")

    monkeypatch.setattr(requestlog.RequestLog, "__call__", broken)
    with TestClient(create_app(request_log="text"), raise_server_exceptions=False) as client:
        r = client.get("/v1/taxes", headers=auth_a)
    body = assert_problem(r, 500, "internal_error")
    assert body["request_id"] == r.headers["x-request-id"]
