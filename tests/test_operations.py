"""mock.operations: a handler gets exactly the arguments Connexion's own stack would give it.

Two apps over the spec, with every handler replaced by a recorder of the keyword arguments it
is called with (and the real handler's signature): Connexion's default path (its router,
request validation, context middleware and AsyncApp with its decorators) and ours (the tree,
validation built once, OperationApp). The same requests must reach the same handlers with the
same arguments, and the same refusals must come back.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable
from typing import Any

import pytest
from connexion import AsyncApp
from connexion.lifecycle import ConnexionResponse
from connexion.middleware.context import ContextMiddleware
from connexion.middleware.exceptions import ExceptionMiddleware
from connexion.middleware.request_validation import RequestValidationMiddleware
from connexion.middleware.routing import RoutingMiddleware
from connexion.middleware.server_error import ServerErrorMiddleware
from connexion.resolver import Resolver
from starlette.testclient import TestClient
from starlette.types import ASGIApp, Receive, Scope, Send

from contract.spec import load_spec
from mock.errors import ApiProblem, problem_handler
from mock.operations import OnceBuiltValidation, OperationApp
from mock.routing import CompiledRouting
from mock.validation import VALIDATOR_MAP

ID = "0b8f9c1e-3f4a-4c5d-9e6f-7a8b9c0d1e2f"
Calls = list[tuple[str, dict[str, Any]]]


class Principal:
    """What the auth middleware would leave in the operation's context."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            context = scope.setdefault("extensions", {}).setdefault("connexion_context", {})
            context.update(principal="p", tenant="t")
        await self.app(scope, receive, send)


def _recorder(calls: Calls) -> Callable[[str], Any]:
    real = Resolver()

    def resolve(operation_id: str) -> Any:
        async def handler(**kwargs: Any) -> ConnexionResponse:
            calls.append((operation_id, kwargs))
            return ConnexionResponse(status_code=200, body=b"{}", mimetype="application/json",
                                     content_type="application/json")

        handler.__signature__ = inspect.signature(  # type: ignore[attr-defined]
            real.resolve_function_from_operation_id(operation_id))
        return handler

    return resolve


def _app(ours: bool, calls: Calls) -> AsyncApp:
    stack: list[Any] = [ServerErrorMiddleware, ExceptionMiddleware,
                        CompiledRouting if ours else RoutingMiddleware, Principal,
                        OnceBuiltValidation if ours else RequestValidationMiddleware]
    if not ours:
        stack.append(ContextMiddleware)
    app = AsyncApp(__name__, middlewares=stack)
    if ours:
        app._middleware_app = app.middleware.app = OperationApp()
    app.add_api(load_spec(), base_path="/v1", resolver=Resolver(_recorder(calls)),
                validator_map=VALIDATOR_MAP, strict_validation=True, pythonic_params=False)
    for exc_class in (ApiProblem, Exception):
        app.add_error_handler(exc_class, problem_handler)
    return app


PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
REQUESTS: list[tuple[str, str, dict[str, Any]]] = [
    ("GET", "/v1/transactions", {}),
    ("GET", "/v1/transactions", {"params": {"limit": "5", "type": "debit",
                                            "sort": "-occurred_at"}}),
    ("GET", "/v1/transactions", {"params": {"per_page": "7", "limit": "3"}}),
    ("GET", "/v1/payables", {"params": [("status", "pending"), ("status", "paid")]}),
    ("GET", "/v1/people", {"params": {"active": "true", "limit": "abc"}}),
    ("GET", "/v1/people", {"params": {"nope": "1"}}),
    ("GET", f"/v1/transactions/{ID}", {}),
    ("GET", f"/v1/transactions/{ID.upper()}", {}),
    ("GET", "/v1/transactions/not-a-uuid", {}),
    ("POST", "/v1/taxes", {"json": {"name": "CSLL", "default_rate": "1.00"},
                           "headers": {"Idempotency-Key": "k-1"}}),
    ("POST", "/v1/taxes", {"json": {"default_rate": 3}}),
    ("POST", "/v1/taxes", {"content": b"", "headers": {"Content-Type": "application/json"}}),
    ("PATCH", f"/v1/taxes/{ID}", {"content": b"null",
                                  "headers": {"Content-Type": "application/json"}}),
    ("PATCH", f"/v1/payables/{ID}", {"json": {"status": "paid", "payment_date": "2026-01-31"}}),
    ("PATCH", f"/v1/taxes/{ID}", {"json": {"default_rate": None}}),
    ("DELETE", f"/v1/taxes/{ID}", {}),
    ("DELETE", f"/v1/attachments/{ID}/links", {"json": {"owner_type": "payable",
                                                         "owner_id": ID}}),
    ("POST", "/v1/attachments", {"files": {"file": ("a.pdf", PDF, "application/pdf")},
                                 "data": {"title": "Nota"}}),
]


def _comparable(kwargs: dict[str, Any]) -> dict[str, Any]:
    """The upload's parsed parts by value (the objects differ per request)."""
    out = dict(kwargs)
    upload = out.pop("multipart", None)
    if upload is not None:
        out["multipart"] = (upload.file.filename, upload.file.file.read(), upload.fields)
    return out


@pytest.fixture(scope="module")
def apps() -> dict[bool, tuple[AsyncApp, Calls]]:
    """Both apps, built once (each build validates the spec): ours under True."""
    built = {}
    for ours in (False, True):
        calls: Calls = []
        built[ours] = (_app(ours, calls), calls)
    return built


def _send(app: AsyncApp, calls: Calls, method: str, path: str,
          options: dict[str, Any]) -> tuple[tuple[int, bytes], list[tuple[str, Any]]]:
    calls.clear()
    with TestClient(app, raise_server_exceptions=False) as client:
        response = client.request(method, path, **options)
    return (response.status_code, response.content), [
        (op, _comparable(kwargs)) for op, kwargs in calls]


@pytest.mark.parametrize(("method", "path", "options"), REQUESTS,
                         ids=[f"{m} {p} {sorted(o)}" for m, p, o in REQUESTS])
def test_handlers_get_what_connexion_would_give_them(
        apps: dict[bool, tuple[AsyncApp, Calls]], method: str, path: str,
        options: dict[str, Any]) -> None:
    theirs = _send(*apps[False], method, path, options)
    ours = _send(*apps[True], method, path, options)
    assert ours == theirs


def test_the_requests_reach_handlers_and_refusals_alike(
        apps: dict[bool, tuple[AsyncApp, Calls]]) -> None:
    results = [_send(*apps[True], m, p, o) for m, p, o in REQUESTS]
    reached = sum(bool(calls) for _, calls in results)
    refused = sum(status >= 400 for (status, _), _ in results)
    assert reached >= 10 and refused >= 4  # both kinds are compared above


def test_a_uri_parser_builds_its_schema_maps_once_and_as_connexion_does() -> None:
    from connexion.operations import OpenAPIOperation
    from connexion.uri_parsing import OpenAPIURIParser

    from mock.operations import uri_parser

    spec = load_spec()
    checked = 0
    for path, methods in spec["paths"].items():
        for method, op in methods.items():
            if method not in ("get", "post", "patch", "put", "delete"):
                continue
            operation = OpenAPIOperation(
                method, path, op, Resolver(lambda _: (lambda **_kw: None)),
                path_parameters=methods.get("parameters", []),
                components=spec.get("components"), uri_parser_class=OpenAPIURIParser)
            ours = uri_parser(operation)
            theirs = OpenAPIURIParser(operation.parameters, operation.body_definition())
            assert isinstance(ours, OpenAPIURIParser)
            assert ours.param_schemas == theirs.param_schemas
            assert ours.param_schemas is ours.param_schemas  # made once, then kept
            if operation.body_definition().get("schema", {}).get("type") == "object":
                assert ours.form_defns == theirs.form_defns
            checked += 1
    assert checked >= 50


def test_a_plan_is_made_once_per_media_type_and_never_kept_past_the_bound() -> None:
    from mock.operations import MEDIA_TYPE_PLANS, planned

    made: list[str] = []

    def make(media_type: str) -> str:
        made.append(media_type)
        return media_type.upper()

    plans: dict[str, str] = {}
    types = [f"application/x-{i}" for i in range(MEDIA_TYPE_PLANS + 3)]
    for _ in range(2):
        assert [planned(plans, t, make) for t in types] == [t.upper() for t in types]
    assert len(plans) == MEDIA_TYPE_PLANS
    assert made == types + types[MEDIA_TYPE_PLANS:]  # the kept ones were made once
