"""Errors are problem+json (RULE G-6) and bad input never breaks the server (RULE G-12);
cursor and limit misuse on lists (RULE G-4)."""

from __future__ import annotations

from typing import Any

import pytest

from fixtures import factories
from mock.domain.errors import Conflict, DomainError, InUse, NotFound, ValidationFailed
from mock.errors import ApiProblem, render

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
