"""How one operation runs once it is routed: validated by parts built at start-up, then invoked.

Connexion 3.3 rebuilds per request what depends only on the operation: the URI parser and the
parameter validator (`RequestValidationOperation`), and the whole decorator chain around the
handler — a new `StarletteDecorator`, the handler's signature read again, a new URI parser
(`AsyncOperation.fn`) — then parses the query a second time for the handler's arguments, behind
a context middleware of its own. Profiled, that was about a quarter of a GET's CPU. Here:

- `OnceBuiltValidation` is Connexion's request validation with the parameter validator and
  URI parser made once per operation; the parsed request it checked is kept on the scope
  (`PARSED`) for the handler's arguments, so the query is parsed once.
- `OperationApp` is the app inside the middleware stack: per operation, the handler, its
  argument names and the response conversion are resolved once; a request sets Connexion's
  context (what `ContextMiddleware` did), builds the arguments with Connexion's own
  `get_arguments` (defaults, types, body), calls the handler and sends its answer.

Routing and validation still come from the spec through Connexion's operation objects; only
when each piece is built has changed.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from connexion.apps.asynchronous import AsyncApi, AsyncASGIApp
from connexion.context import _context, _operation, _receive, _scope
from connexion.decorators.parameter import get_arguments, sanitized, unwrap_decorators
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
from connexion.utils import inspect_function_arguments, is_json_mimetype, is_nullable
from starlette.types import ASGIApp, Receive, Scope, Send

# Scope extensions this module leaves for itself: the parsed request (query and path parameters
# already resolved by the operation's URI parser) and a JSON body once parsed by its validator.
PARSED = "mock.parsed_request"
PARSED_BODY = "mock.parsed_body"
CONTEXT = "connexion_context"
_NO_BODY = object()


class _OnceBuiltOperation(RequestValidationOperation):
    """Connexion's validation of one operation, its parameter validator built here once."""

    def __init__(self, next_app: ASGIApp, **kwargs: Any) -> None:
        super().__init__(next_app, **kwargs)
        op = self._operation
        self.uri_parser = op._uri_parser_class(op.parameters, op.body_definition())
        self.parameters = self._validator_map["parameter"](
            op.parameters, uri_parser=self.uri_parser,
            strict_validation=self.strict_validation,
            security_query_params=self.security_query_params)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        request = ConnexionRequest(scope, uri_parser=self.uri_parser)
        self.parameters.validate_request(request)
        scope.setdefault("extensions", {})[PARSED] = request
        mime_type, encoding = self.extract_content_type(scope["headers"])
        self.validate_mime_type(mime_type)
        schema = self._operation.body_schema(mime_type)
        if schema:
            body_validator = self._validator_map["body"].get(mime_type)
            if body_validator is not None:
                op = self._operation
                validator = body_validator(
                    schema=schema, required=op.request_body.get("required", False),
                    nullable=_nullable(op.body_definition(mime_type)), encoding=encoding,
                    strict_validation=self.strict_validation, uri_parser=self.uri_parser)
                receive, scope = await validator.wrap_receive(receive, scope=scope)
        await self.next_app(scope, receive, send)


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


class _Invocation:
    """One operation's handler with what calling it needs, resolved once."""

    def __init__(self, operation: AbstractOperation) -> None:
        self.operation = operation
        self.handler: Handler = operation.function
        self.arguments, self.has_kwargs = inspect_function_arguments(
            unwrap_decorators(self.handler))
        self.uri_parser = operation._uri_parser_class(operation.parameters,
                                                      operation.body_definition())
        self.operation_id = operation.operation_id

    async def _body(self, request: ConnexionRequest, scope: Scope) -> Any:
        """The body as Connexion's parameter decorator reads it, when the handler takes it."""
        body_name = sanitized(self.operation.body_name(request.content_type))
        if not (body_name in self.arguments or self.has_kwargs):
            return None
        parsed = scope.get("extensions", {}).get(PARSED_BODY, _NO_BODY)
        if parsed is not _NO_BODY and is_json_mimetype(request.content_type):
            return parsed  # the validator's own parse of these very bytes
        return await request.get_body()

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        extensions = scope.get("extensions", {})
        context = extensions.get(CONTEXT, {})
        _context.set(context)
        _operation.set(self.operation)
        _receive.set(receive)
        _scope.set(scope)
        checked = extensions.get(PARSED)
        request = ConnexionRequest(scope, receive, uri_parser=self.uri_parser)
        if checked is not None:  # the query and path as validation already resolved them
            request._query_params = checked.query_params
            request._path_params = checked.path_params
        body = await self._body(request, scope)
        files = await request.files() if request.mimetype in FORM_CONTENT_TYPES else {}
        kwargs = get_arguments(
            self.operation, path_params=request.path_params, query_params=request.query_params,
            body=body, files=files, arguments=self.arguments, has_kwargs=self.has_kwargs,
            sanitize=sanitized, content_type=request.mimetype)
        kwargs = {sanitized(k): v for k, v in kwargs.items()}
        for key, value in context.items():
            if self.has_kwargs or key in self.arguments:
                kwargs[key] = value
        answer = await self.handler(**kwargs)
        if not isinstance(answer, ConnexionResponse):
            raise TypeError(f"{self.operation_id} answered {type(answer).__name__}, "
                            "not a ConnexionResponse")
        response = StarletteFramework.connexion_to_framework_response(answer)
        await response(scope, receive, send)


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


def remember_body(scope: Scope, body: Any) -> None:
    """For a JSON body validator: the parsed body, so the handler's argument is not parsed
    from the same bytes again."""
    scope.setdefault("extensions", {})[PARSED_BODY] = body

