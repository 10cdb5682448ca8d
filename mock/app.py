"""`create_app()`: the Connexion 3 AsyncApp serving the stateful mock from the resolved spec.

A request's way through: front door (mock pages, 405, body cap) → routing → auth (401/403,
tenant) → validation (spec) → idempotency → handler → domain rule → store → response.
Errors of every kind become problem+json in `mock.errors`, registered here once.
"""

from __future__ import annotations

from typing import Any

from connexion import AsyncApp
from connexion.exceptions import ProblemException
from connexion.middleware import ConnexionMiddleware, MiddlewarePosition
from connexion.middleware.security import SecurityMiddleware
from connexion.middleware.swagger_ui import SwaggerUIMiddleware
from starlette.exceptions import HTTPException

from contract.spec import idempotent_operations, iter_operations, load_spec
from fixtures.tokens import DEFAULT_SECRET
from mock.admin import PREFIX as ADMIN_PREFIX
from mock.admin import admin_app
from mock.auth import AuthMiddleware
from mock.docs import SPEC_JSON, SPEC_YAML, docs_app
from mock.domain.errors import DomainError
from mock.domain.registry import TABLES
from mock.errors import ApiProblem, problem_handler
from mock.faults import PlainJsonErrors
from mock.frontdoor import UPLOAD_BODY_LIMIT, FrontDoor, compile_paths
from mock.idempotency import IdempotencyCache, IdempotencyMiddleware
from mock.requestlog import LogFormat, RequestLog
from mock.store import Store
from mock.validation import VALIDATOR_MAP

BASE_PATH = "/v1"


def new_store(faults: frozenset[str] = frozenset()) -> Store:
    """An empty store; `faults` (mock.faults) switch on named defects for the self-check."""
    return Store(TABLES, faults=faults)


def create_app(
    store: Store | None = None,
    *,
    spec: dict[str, Any] | None = None,
    secret: str = DEFAULT_SECRET,
    validate_responses: bool = False,
    admin: bool = True,
    request_log: LogFormat | None = None,
) -> AsyncApp:
    """The mock app. `store` defaults to a fresh empty one; it is on `app.store`.
    `request_log` ("text" | "json") adds one log line per request (`mock.requestlog`)."""
    store = store or new_store()
    spec = spec or load_spec()
    operations = list(iter_operations(spec))
    cache = IdempotencyCache(store.clock.now)

    # Our AuthMiddleware replaces Connexion's security (it knows neither our 401/403 headers
    # nor per-operation scopes on an http bearer scheme); the docs are served by FrontDoor.
    middlewares = [m for m in ConnexionMiddleware.default_middlewares
                   if m not in (SecurityMiddleware, SwaggerUIMiddleware)]
    app = AsyncApp(__name__, middlewares=middlewares)
    app.add_api(
        spec, base_path=BASE_PATH, validate_responses=validate_responses,
        validator_map=VALIDATOR_MAP, strict_validation=False, pythonic_params=False,
    )

    paths: dict[str, set[str]] = {}
    for op in operations:
        paths.setdefault(op.path, set()).add(op.method)
    docs = docs_app(spec)
    mounts: dict[str, Any] = {"/docs": docs, SPEC_JSON: docs, SPEC_YAML: docs}
    if admin:
        mounts[ADMIN_PREFIX] = admin_app(store, cache, secret)
    upload_paths = {BASE_PATH + op.path for op in operations
                    if op.method == "POST" and "multipart/form-data"
                    in op.op.get("requestBody", {}).get("content", {})}
    upload_limit = 64 * 1024 * 1024 if "upload_limit_ignored" in store.faults \
        else UPLOAD_BODY_LIMIT  # FAULT
    app.add_middleware(FrontDoor, position=MiddlewarePosition.BEFORE_ROUTING, mounts=mounts,
                       paths=compile_paths(BASE_PATH, paths), upload_paths=upload_paths,
                       upload_limit=upload_limit)
    app.add_middleware(
        AuthMiddleware, position=MiddlewarePosition.BEFORE_VALIDATION, secret=secret,
        store=store, scopes={op.operation_id: op.required_scopes for op in operations},
    )
    idempotent = idempotent_operations(spec)
    app.add_middleware(IdempotencyMiddleware, position=MiddlewarePosition.BEFORE_CONTEXT,
                       cache=cache, operations=idempotent, faults=store.faults)
    if "errors_not_problem_json" in store.faults:
        app.add_middleware(PlainJsonErrors, position=MiddlewarePosition.BEFORE_EXCEPTION)

    if request_log is not None:  # outermost, so it sees the status every error became
        app.add_middleware(RequestLog, position=MiddlewarePosition.BEFORE_EXCEPTION,
                           log_format=request_log)

    for exc_class in (ApiProblem, DomainError, ProblemException, HTTPException, Exception):
        app.add_error_handler(exc_class, problem_handler)
    app.store = store
    app.idempotency = cache
    return app
