"""The shared handlers (mock.api.crud): the JSON they write and the functions Connexion calls."""

from __future__ import annotations

import importlib
import inspect
import json
from typing import Any

from contract.spec import iter_operations, load_spec
from fixtures import factories, tokens
from mock.api.crud import ok
from tests.conftest import bearer

AUTH = bearer(tokens.mint_token(tokens.TENANT_A))


def test_ok_writes_utf8_json_equal_to_what_json_dumps_wrote() -> None:
    body: dict[str, Any] = {"name": "Ação – Ünïcode 😀 \"q\" \\ \n\t\u0000", "amount": "1500.00",
                            "n": 3, "none": None, "flag": False,
                            "data": [{"x": "é"}, []], "big": 2**53}
    response = ok(body, 201)
    assert response.status_code == 201
    raw = response.body
    assert isinstance(raw, bytes)
    assert "Ação – Ünïcode 😀".encode() in raw  # UTF-8 as is, never \\u escapes
    assert json.loads(raw) == json.loads(json.dumps(body, ensure_ascii=False)) == body


def test_a_non_ascii_name_comes_back_as_utf8(client: Any) -> None:
    name = "Papelaria São João – Ação"
    company = factories.make_company(factories.make_faker(9), name=name)
    created = client.post("/v1/companies", headers=AUTH, json=company)
    assert created.status_code == 201
    assert created.headers["content-type"] == "application/json"
    assert name.encode() in created.content
    listed = client.get("/v1/companies", headers=AUTH)
    assert name.encode() in listed.content
    assert listed.json()["data"][0]["name"] == name


def test_every_operation_resolves_to_a_coroutine_named_as_its_operation() -> None:
    """Bound methods as they are: `mock.operations` reads each handler's signature once, at
    start-up, so no wrapper is needed to make that cheap per request."""
    for op in iter_operations(load_spec()):
        module_name, _, verb = op.operation_id.rpartition(".")
        assert module_name.startswith("mock.api.")
        handler = getattr(importlib.import_module(module_name), verb)
        assert inspect.iscoroutinefunction(handler), op.operation_id
        assert handler.__name__ == verb


def test_the_handlers_take_the_parameters_connexion_passes() -> None:
    from mock.api import attachments, transactions

    assert list(inspect.signature(transactions.get).parameters) == ["id"]
    assert list(inspect.signature(transactions.update).parameters) == ["id", "body"]
    assert [p.kind for p in inspect.signature(transactions.search).parameters.values()] == [
        inspect.Parameter.VAR_KEYWORD]
    assert list(inspect.signature(attachments.delete).parameters) == ["id"]
