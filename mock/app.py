"""`create_app()`: the Connexion 3 AsyncApp serving the stateful mock from the resolved spec.

A request's way through, one module each: request log (`mock.requestlog`) → errors to
problem+json (`mock.errors`, registered here once) → `/api/v1` alias (`mock.addresses`) →
front door: mock pages, 405, body caps and checks (`mock.frontdoor`) → one routing pass
(`mock.routing`) → auth: 401/403, tenant (`mock.auth`) → validation from the spec, built once
per operation (`mock.operations`, `mock.validation`) → idempotency (`mock.idempotency`) →
handler (`mock.api`) → domain rule (`mock.domain`) → store (`mock.store`) → response. With a
state file, the journal holds each answer until its writes are on disk (`mock.statefile`).
"""

from __future__ import annotations

from functools import partial
from typing import Any

from connexion import AsyncApp
from connexion.middleware.response_validation import ResponseValidationMiddleware

from contract.spec import idempotent_operations, iter_operations, load_spec
from fixtures.tokens import DEFAULT_SECRET
from mock.addresses import ApiV1Alias
from mock.admin import PREFIX as ADMIN_PREFIX
from mock.admin import admin_app
from mock.auth import AuthMiddleware
from mock.docs import SPEC_PATHS, docs_app
from mock.domain.registry import TABLES
from mock.errors import ProblemAnswers
from mock.faults import PlainJsonErrors, WrongTypeCrash
from mock.frontdoor import BODY_TIMEOUT, UPLOAD_BODY_LIMIT, FrontDoor, compile_paths
from mock.idempotency import IdempotencyCache, IdempotencyMiddleware
from mock.operations import OnceBuiltValidation, OperationApp
from mock.requestlog import LogFormat, RequestLog
from mock.routing import CompiledRouting
from mock.specification import add_project_api
from mock.statefile import Durable, Journal
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
    body_timeout: float = BODY_TIMEOUT,
    journal: Journal | None = None,
) -> AsyncApp:
    """The mock app. `store` defaults to a fresh empty one; it is on `app.store`.
    `request_log` ("text" | "json") adds one log line per request (`mock.requestlog`).
    `journal` (`mock.statefile`) is loaded into the store and made the journal of record:
    no response leaves before the writes made so far are in it."""
    store = store or new_store()
    own_spec = spec is None  # the project's document: validated by prance already
    spec = spec or load_spec()
    operations = list(iter_operations(spec))
    cache = IdempotencyCache(store.clock.now, listener=store.changes.key)

    paths: dict[str, set[str]] = {}
    bodies: dict[tuple[str, str], list[str]] = {}
    for op in operations:
        paths.setdefault(op.path, set()).add(op.method)
        if content := op.op.get("requestBody", {}).get("content"):
            bodies[(op.path, op.method)] = list(content)
    docs = docs_app()
    mounts: dict[str, Any] = {"/docs": docs, **dict.fromkeys(SPEC_PATHS, docs)}
    if admin:
        mounts[ADMIN_PREFIX] = admin_app(store, cache, secret)
    upload_paths = {BASE_PATH + op.path for op in operations
                    if op.method == "POST" and "multipart/form-data"
                    in op.op.get("requestBody", {}).get("content", {})}
    upload_limit = 64 * 1024 * 1024 if "upload_limit_ignored" in store.faults \
        else UPLOAD_BODY_LIMIT  # FAULT
    if journal is not None:
        journal.attach(store, cache)

    # The request's way in, outermost first: Connexion's stack from this list rather than from
    # its defaults, our middlewares where they belong, and left out the layers that cost every
    # request without serving this app: Connexion's security (AuthMiddleware knows our 401/403
    # headers and per-operation scopes on an http bearer scheme), its Swagger UI (FrontDoor
    # serves the docs), its lifespan (there is none), its context (OperationApp sets it), and
    # response validation unless asked for.
    stack: list[Any] = [
        # The last resort, in Connexion's ServerErrorMiddleware's place: an exception of the
        # layers above the inner ProblemAnswers (the request log, the journal's) answered the
        # same way, a 500 with its request id.
        ProblemAnswers,
        *([PlainJsonErrors] if "errors_not_problem_json" in store.faults else []),  # FAULT
        *([WrongTypeCrash] if "wrong_type_is_500" in store.faults else []),  # FAULT
        # Sees the status every error became; then nothing is sent before it is durable.
        *([partial(RequestLog, log_format=request_log)] if request_log is not None else []),
        *([partial(Durable, journal=journal)] if journal is not None else []),
        ProblemAnswers,  # every error becomes problem+json here (mock.errors)
        ApiV1Alias,  # `/api/v1/…` becomes `/v1/…` before the front door sees it
        partial(FrontDoor, mounts=mounts, paths=compile_paths(BASE_PATH, paths, bodies),
                upload_paths=upload_paths, upload_limit=upload_limit,
                body_timeout=body_timeout),
        CompiledRouting,
        partial(AuthMiddleware, secret=secret, store=store,
                scopes={op.operation_id: op.required_scopes for op in operations}),
        OnceBuiltValidation,
        *([ResponseValidationMiddleware] if validate_responses else []),
        partial(IdempotencyMiddleware, cache=cache, operations=idempotent_operations(spec),
                faults=store.faults),
    ]
    app = AsyncApp(__name__, middlewares=stack)
    app._middleware_app = app.middleware.app = OperationApp()  # in place of AsyncApp's own
    api_options: dict[str, Any] = {
        "validate_responses": validate_responses, "validator_map": VALIDATOR_MAP,
        "strict_validation": True, "pythonic_params": False}
    if own_spec:
        add_project_api(app, spec, base_path=BASE_PATH, **api_options)
    else:
        app.add_api(spec, base_path=BASE_PATH, **api_options)
    app.store = store
    app.idempotency = cache
    app.journal = journal
    return app
