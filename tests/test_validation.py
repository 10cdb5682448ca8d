"""mock.validation: 422s that name each faulty field once, in words (RULE G-6)."""

from __future__ import annotations

from typing import Any

import pytest

from contract.spec import load_spec
from mock.validation import PATTERN_WORDS, body_errors, compiled


def _errors(client: Any, auth_a: dict[str, str], path: str, body: Any) -> list[dict[str, str]]:
    r = client.post(path, headers=auth_a, json=body)
    assert r.status_code == 422, r.text
    errors: list[dict[str, str]] = r.json()["errors"]
    return errors


# RULE G-6
def test_each_missing_field_is_named_once(client: Any, auth_a: dict[str, str]) -> None:
    assert _errors(client, auth_a, "/v1/payables", {}) == [
        {"field": "amount", "message": "is required"},
        {"field": "company_id", "message": "is required"},
        {"field": "description", "message": "is required"},
        {"field": "due_date", "message": "is required"},
    ]


# RULE G-6
@pytest.mark.parametrize(("path", "body", "field", "message"), [
    ("/v1/payables", {"amount": -5}, "amount", "must be greater than 0"),
    ("/v1/payables", {"amount": 0}, "amount", "must be greater than 0"),
    ("/v1/payables", {"amount": "abc"}, "amount",
     "must be an amount greater than 0 with at most two decimal places, such as 1500.00"),
    ("/v1/payables", {"amount": True}, "amount", "must be a string or a number"),
    ("/v1/payables", {"company_id": "nope"}, "company_id", "must be a UUID"),
    ("/v1/payables", {"due_date": "31/01/2026"}, "due_date", "must be a date (YYYY-MM-DD)"),
    ("/v1/companies", {"name": "x", "cnpj": "123"}, "cnpj",
     "must match 12.345.678/0001-90 or 14 digits"),
    ("/v1/taxes", {"name": 5}, "name", "must be a string"),
    ("/v1/taxes", {"name": ""}, "name", "must not be empty"),
    ("/v1/taxes", {"name": "x", "default_rate": "abc"}, "default_rate",
     "must be a percentage from 0 to 100 with at most two decimal places"),
])
def test_a_wrong_field_is_named_with_its_fault_in_words(
        client: Any, auth_a: dict[str, str], path: str, body: dict[str, Any], field: str,
        message: str) -> None:
    errors = _errors(client, auth_a, path, body)
    mine = [e for e in errors if e["field"] == field]
    assert mine == [{"field": field, "message": message}], errors  # one error per fault
    assert all("\\\\" not in e["message"] and "^" not in e["message"] for e in errors)


# RULE G-6
def test_the_detail_names_the_first_fault_and_counts_the_rest(client: Any,
                                                             auth_a: dict[str, str]) -> None:
    r = client.post("/v1/payables", headers=auth_a, json={"amount": -5})
    assert r.json()["detail"] == \
        "The request body is invalid: amount must be greater than 0 (and 3 more)."


# RULE G-6
def test_a_bad_query_parameter_says_what_it_must_be(client: Any, auth_a: dict[str, str]
                                                    ) -> None:
    r = client.get("/v1/payables", headers=auth_a, params={"company_id": "nope"})
    assert r.status_code == 400
    assert r.json()["errors"] == [{"field": "company_id", "message": "must be a UUID"}]


def test_every_pattern_of_the_spec_has_words() -> None:
    found: set[str] = set()

    def walk(node: Any) -> None:
        if isinstance(node, dict):
            if isinstance(node.get("pattern"), str):
                found.add(node["pattern"])
            for value in node.values():
                walk(value)
        elif isinstance(node, list):
            for value in node:
                walk(value)

    walk(load_spec())
    assert found - set(PATTERN_WORDS) == set()


def test_nested_required_fields_are_named_with_their_path() -> None:
    schema = {"type": "object", "properties": {"items": {"type": "array", "items": {
        "type": "object", "required": ["a", "b"]}}}}
    errors = body_errors(compiled(schema).iter_errors({"items": [{"a": 1}, {}]}))
    assert errors == [{"field": "items.0.b", "message": "is required"},
                      {"field": "items.1.a", "message": "is required"},
                      {"field": "items.1.b", "message": "is required"}]
