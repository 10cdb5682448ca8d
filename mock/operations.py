"""How one operation runs once it is routed: validated by parts built at start-up, then invoked.

Connexion 3.3 rebuilds per request what depends only on the operation: the URI parser and the
parameter validator (`RequestValidationOperation`), and the whole decorator chain around the
handler — a new `StarletteDecorator`, the handler's signature read again, a new URI parser
(`AsyncOperation.fn`) — then parses the query a second time for the handler's arguments, behind
a context middleware of its own. Profiled, that was about a quarter of a GET's CPU. Here:

- `OnceBuiltValidation` is Connexion's request validation with the parameter validator, URI
  parser and per-media-type body plan made once per operation; the parameters it resolved and
  checked are kept on the scope (`PARSED`) for the handler's arguments, so the query is parsed
  once (and a JSON body, `mock.bodies`).
- `OperationApp` is the app inside the middleware stack: per operation, the handler, its
  argument names, its parameter definitions and defaults are resolved once (and what a JSON
  body's argument needs, once per media type); a request sets Connexion's context (what
  `ContextMiddleware` did), builds the arguments by Connexion's own conversions
  (`get_arguments` itself for form data), calls the handler and sends its answer.

Routing and validation still come from the spec through Connexion's operation objects; only
when each piece is built has changed.
"""

from __future__ import annotations

import functools
from collections.abc import Awaitable, Callable
from copy import deepcopy
from dataclasses import dataclass
from typing import Any, TypeVar

from connexion.apps.asynchronous import AsyncApi, AsyncASGIApp
from connexion.context import _context, _operation, _receive, _scope
from connexion.decorators.parameter import (
    _get_query_defaults,
    _get_val_from_param,
    get_arguments,
    unwrap_decorators,
)
from connexion.decorators.parameter import sanitized as _sanitized
from connexion.frameworks.starlette import Starlette as StarletteFramework
from connexion.http_facts import FORM_CONTENT_TYPES
from connexion.lifecycle import ConnexionRequest, ConnexionResponse
from connexion.middleware.abstract import ROUTING_CONTEXT
from connexion.middleware.request_validation import (
    RequestValidationAPI,
    RequestValidationMiddleware,
    RequestValidationOperation,
)
from connexion.operations import AbstractOperation
from connexion.utils import (
    inspect_function_arguments,
    is_json_mimetype,
    is_null,
    is_nullable,
    split_content_type,
)
from python_multipart.multipart import parse_options_header
from starlette.datastructures import Headers, QueryParams
from starlette.responses import Response
from starlette.types import ASGIApp, Receive, Scope, Send

from mock.bodies import MISSING, recall_json

# The scope extension this module leaves for itself: the request's parameters, as the
# operation's URI parser resolved them and validation checked them.
PARSED = "mock.parsed_request"
CONTEXT = "connexion_context"
# Connexion's name sanitizer (three regular-expression substitutions) is a pure function of a
# parameter name, of which the spec has a few dozen: remembered, not recomputed per request.
sanitized = functools.lru_cache(maxsize=1024)(_sanitized)
# What an operation keeps per request media type: enough for the few spellings clients use, and
# never more (a client can send any Content-Type).
MEDIA_TYPE_PLANS = 8
T = TypeVar("T")


def planned(plans: dict[str, T], media_type: str, make: Callable[[str], T]) -> T:
    """`make(media_type)`, kept in `plans` for the next request of that media type (for the
    first `MEDIA_TYPE_PLANS` types an operation sees)."""
    plan = plans.get(media_type)
    if plan is None:
        plan = make(media_type)
        if len(plans) < MEDIA_TYPE_PLANS:
            plans[media_type] = plan
    return plan


@dataclass(slots=True)
class Parsed:
    """A request's parameters as the operation's URI parser resolves them (types, duplicates),
    read straight from the scope: what `ConnexionRequest` would give, without building one."""

    path_params: dict[str, Any]
    query_params: dict[str, Any]
    headers: Headers


def uri_parser(operation: AbstractOperation) -> Any:
    """The operation's URI parser (Connexion's class for its spec), with `param_schemas` and
    `form_defns` made once: Connexion rebuilds each of those dicts on every read, and reads
    `param_schemas` once per query parameter of every request (twice, for a filtered list)."""
    cls = _once_built_parser(operation._uri_parser_class)
    return cls(operation.parameters, operation.body_definition())


@functools.cache
def _once_built_parser(cls: type[Any]) -> type[Any]:
    class OnceBuiltParser(cls):
        @functools.cached_property
        def param_schemas(self) -> dict[str, Any]:
            return dict(super().param_schemas)

        @functools.cached_property
        def form_defns(self) -> dict[str, Any]:
            return dict(super().form_defns)

    OnceBuiltParser.__name__ = OnceBuiltParser.__qualname__ = f"OnceBuilt{cls.__name__}"
    return OnceBuiltParser


def parse(scope: Scope, uri_parser: Any) -> Parsed:
    query = scope.get("query_string", b"")
    params = QueryParams(query) if query else None
    return Parsed(
        uri_parser.resolve_path(dict(scope.get("path_params", {}))),
        uri_parser.resolve_query({k: params.getlist(k) for k in params}) if params else {},
        Headers(scope=scope))


def sent_query(scope: Scope) -> dict[str, Any]:
    """The query parameters the request itself sent (no spec defaults): as validation resolved
    them, or parsed here when no validation ran."""
    parsed: Parsed | None = scope.get("extensions", {}).get(PARSED)
    if parsed is not None:
        return parsed.query_params
    return dict(QueryParams(scope.get("query_string", b"")))


class _OnceBuiltOperation(RequestValidationOperation):
    """Connexion's validation of one operation, its parameter validator built here once."""

    def __init__(self, next_app: ASGIApp, **kwargs: Any) -> None:
        super().__init__(next_app, **kwargs)
        op = self._operation
        self.uri_parser = uri_parser(op)
        self.parameters = self._validator_map["parameter"](
            op.parameters, uri_parser=self.uri_parser,
            strict_validation=self.strict_validation,
            security_query_params=self.security_query_params)
        self.takes_body = bool(op.consumes)
        # media type -> (body schema, its validator class, nullable): looked up once per type
        self.bodies: dict[str, tuple[Any, Any, bool]] = {}

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        parsed = parse(scope, self.uri_parser)
        self.parameters.validate_request(parsed)
        scope.setdefault("extensions", {})[PARSED] = parsed
        if self.takes_body:  # else Connexion would find no body schema and go on
            receive, scope = await self._body(scope, receive)
        await self.next_app(scope, receive, send)

    def extract_content_type(self, headers: list[tuple[bytes, bytes]]) -> tuple[str, str]:
        """Connexion's, less its `utils.extract_content_type`, which builds a `typing` alias on
        every call (a tenth of a POST's CPU, profiled): the same header, split the same way."""
        content_type = next((value.decode("latin-1") for key, value in headers
                             if key.decode("latin-1").lower() == "content-type"), None)
        mime_type, encoding = split_content_type(content_type)
        if mime_type is None:
            mime_type = self._operation.consumes[0] if self._operation.consumes \
                else "application/octet-stream"
        return mime_type, "utf-8" if encoding is None else encoding

    async def _body(self, scope: Scope, receive: Receive) -> tuple[Receive, Scope]:
        mime_type, encoding = self.extract_content_type(scope["headers"])
        schema, body_validator, nullable = planned(self.bodies, mime_type, self._body_plan)
        if body_validator is None:
            return receive, scope
        validator = body_validator(
            schema=schema, required=self._operation.request_body.get("required", False),
            nullable=nullable, encoding=encoding, strict_validation=self.strict_validation,
            uri_parser=self.uri_parser)
        received: tuple[Receive, Scope] = await validator.wrap_receive(receive, scope=scope)
        return received

    def _body_plan(self, mime_type: str) -> tuple[Any, Any, bool]:
        self.validate_mime_type(mime_type)  # a type the operation does not take: refused
        op = self._operation
        schema = op.body_schema(mime_type)
        return (schema, self._validator_map["body"].get(mime_type) if schema else None,
                _nullable(op.body_definition(mime_type)))


def _as_sent(definition: dict[str, Any]) -> bool:
    """A parameter whose value Connexion's `_get_val_from_param` returns as it is: a string
    (`str` of a str) that cannot be null."""
    schema = definition.get("schema", definition)
    return schema.get("type") == "string" and schema.get("format") != "binary" \
        and not is_nullable(schema)


def _nullable(definition: dict[str, Any]) -> bool:
    return bool(is_nullable(definition))


class _OnceBuiltValidationAPI(RequestValidationAPI):
    def make_operation(self, operation: AbstractOperation) -> _OnceBuiltOperation:
        return _OnceBuiltOperation(self.next_app, operation=operation,
                                   strict_validation=self.strict_validation,
                                   validator_map=self.validator_map)


class OnceBuiltValidation(RequestValidationMiddleware):
    """Connexion's request validation, each operation's validator built once (see the module)."""

    api_cls = _OnceBuiltValidationAPI


Handler = Callable[..., Awaitable[Any]]
# What a handler answers: a Starlette response as it is sent (`mock.api.crud.ok`), or a
# ConnexionResponse, turned into one as Connexion would.
Answer = Response | ConnexionResponse


class _Invocation:
    """One operation's handler with what calling it needs, resolved once."""

    def __init__(self, operation: AbstractOperation) -> None:
        self.operation = operation
        self.handler: Handler = operation.function
        self.arguments, self.has_kwargs = inspect_function_arguments(
            unwrap_decorators(self.handler))
        self.uri_parser = uri_parser(operation)
        self.operation_id = operation.operation_id
        self.takes_body = operation.is_request_body_defined
        # What Connexion's `get_arguments` looks up per request, looked up here: the path and
        # query definitions and the query defaults (`_plain_arguments` below).
        defined = operation.parameters
        # A path parameter Connexion's conversion would hand on as it came maps to None.
        self.path_defs = {p["name"]: None if _as_sent(p) else p
                          for p in defined if p["in"] == "path"}
        self.query_defs = {p["name"]: p for p in defined if p["in"] == "query"}
        self.query_defaults = _get_query_defaults(self.query_defs)
        self.plain = not any(isinstance(v, dict | list) for v in self.query_defaults.values())
        # media type -> (body argument name or None, nullable, default): `_json_body_argument`
        self.json_bodies: dict[str, tuple[str | None, bool, Any]] = {}

    def _plain_arguments(self, parsed: Parsed, body: Any, mimetype: str) -> dict[str, Any]:
        """`get_arguments` for a request without form data, by Connexion's own conversions, its
        loops over the definitions done once (tests/test_operations.py holds the two equal)."""
        kwargs: dict[str, Any] = {}
        for name, value in parsed.path_params.items():
            defn = self.path_defs.get(name)
            kwargs[sanitized(name)] = value if defn is None else _get_val_from_param(value, defn)
        query = dict(self.query_defaults)  # scalars: Connexion's deep copy and merge, as is
        query.update(parsed.query_params)
        for key, value in query.items():
            defn = self.query_defs.get(key)
            name = sanitized(key)
            if defn is not None and (self.has_kwargs or name in self.arguments):
                kwargs[name] = _get_val_from_param(value, defn)
        if self.takes_body:
            kwargs.update(self._json_body_argument(body, mimetype))
        return kwargs

    def _json_body_argument(self, body: Any, mimetype: str) -> dict[str, Any]:
        """Connexion's `_get_body_argument` for a body that is not form data, what it reads
        from the spec on every request (the body's name, schema, nullability and default) read
        once per media type."""
        name, nullable, default = planned(self.json_bodies, mimetype, self._json_body_plan)
        if name is None:
            return {}
        if nullable and is_null(body):
            return {name: None}
        return {name: deepcopy(default) if body is None else body}

    def _json_body_plan(self, mimetype: str) -> tuple[str | None, bool, Any]:
        op = self.operation
        schema = op.body_schema(mimetype)
        name = sanitized(op.body_name(mimetype))
        wanted = name in self.arguments or self.has_kwargs
        return name if wanted else None, bool(is_nullable(schema)), schema.get("default", {})

    async def _arguments(self, scope: Scope, receive: Receive) -> dict[str, Any]:
        """The handler's keyword arguments, by Connexion's `get_arguments` (defaults, types,
        body), from the parameters validation resolved and the body parsed once (mock.bodies); a
        form or multipart body is read through a `ConnexionRequest`, as Connexion does."""
        extensions = scope.get("extensions", {})
        parsed: Parsed | None = extensions.get(PARSED)
        body: Any = None
        files: Any = {}
        mimetype = ""  # an operation without a body does not read the request's media type
        if self.takes_body:
            headers = parsed.headers if parsed is not None else Headers(scope=scope)
            content_type = headers.get("content-type", "application/octet-stream")
            mimetype = parse_options_header(content_type)[0].decode()
            body_name = sanitized(self.operation.body_name(content_type))
            stashed = recall_json(scope)
            if mimetype in FORM_CONTENT_TYPES or stashed is MISSING \
                    or not is_json_mimetype(content_type):
                request = ConnexionRequest(scope, receive, uri_parser=self.uri_parser)
                if body_name in self.arguments or self.has_kwargs:
                    body = await request.get_body()
                if mimetype in FORM_CONTENT_TYPES:
                    files = await request.files()
            elif body_name in self.arguments or self.has_kwargs:
                body = stashed  # the one parse of these bytes (mock.bodies)
        if parsed is None:
            parsed = parse(scope, self.uri_parser)
        if self.plain and not files and mimetype not in FORM_CONTENT_TYPES:
            return self._plain_arguments(parsed, body, mimetype)
        kwargs = get_arguments(
            self.operation, path_params=parsed.path_params, query_params=parsed.query_params,
            body=body, files=files, arguments=self.arguments, has_kwargs=self.has_kwargs,
            sanitize=sanitized, content_type=mimetype)
        return {sanitized(k): v for k, v in kwargs.items()}

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        context = scope.get("extensions", {}).get(CONTEXT, {})
        _context.set(context)
        _operation.set(self.operation)
        _receive.set(receive)
        _scope.set(scope)
        kwargs = await self._arguments(scope, receive)
        for key, value in context.items():
            if self.has_kwargs or key in self.arguments:
                kwargs[key] = value
        answer = await self.handler(**kwargs)
        if isinstance(answer, ConnexionResponse):
            answer = StarletteFramework.connexion_to_framework_response(answer)
        elif not isinstance(answer, Response):
            raise TypeError(f"{self.operation_id} answered {type(answer).__name__}, "
                            "not a Response or ConnexionResponse")
        await answer(scope, receive, send)


class _OperationApi(AsyncApi):
    def make_operation(self, operation: AbstractOperation) -> Any:
        return _Invocation(operation)


class OperationApp(AsyncASGIApp):
    """The app inside Connexion's middleware stack (see the module); it replaces AsyncApp's."""

    api_cls = _OperationApi

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        routed = scope.get("extensions", {}).get(ROUTING_CONTEXT, {})
        for api in self.apis.get(routed.get("api_base_path"), ()):
            invocation = api.operations.get(routed.get("operation_id"))
            if invocation is not None:
                await invocation(scope, receive, send)
                return
        await super().__call__(scope, receive, send)
