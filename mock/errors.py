"""Every error becomes an RFC 9457 problem+json answer here, and only here (G-6)."""

from __future__ import annotations

import json
import logging
import uuid
from collections.abc import Mapping
from typing import Any

from connexion.exceptions import ProblemException
from connexion.lifecycle import ConnexionRequest, ConnexionResponse
from starlette.exceptions import HTTPException
from starlette.responses import Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from mock.domain import errors as domain

PROBLEM_JSON = "application/problem+json"
# Every 500, with its traceback and request id (`mock.requestlog.configure` gives it a handler
# whatever the access log does; without one, Python's last-resort handler prints it).
ERROR_LOG = logging.getLogger("mock.errors")
REQUEST_ID_HEADER = "X-Request-Id"
PROBLEM_BASE = "https://api.finance.kobana.com.br/problems/"

TITLES: dict[int, str] = {
    400: "Bad Request",
    401: "Unauthorized",
    403: "Forbidden",
    404: "Not Found",
    405: "Method Not Allowed",
    406: "Not Acceptable",
    409: "Conflict",
    413: "Content Too Large",
    415: "Unsupported Media Type",
    422: "Unprocessable Content",
    500: "Internal Server Error",
}

# Domain error class -> HTTP status. The domain never names a status itself.
DOMAIN_STATUS: dict[type[domain.DomainError], int] = {
    domain.NotFound: 404,
    domain.Conflict: 409,
    domain.InUse: 422,
    domain.HasChildren: 422,
    domain.ValidationFailed: 422,
    domain.AmbiguousReference: 400,
    domain.StorageFull: 413,
    domain.TooLarge: 413,
}


class ApiProblem(Exception):
    """An HTTP-level refusal raised outside the domain (auth, cursors, idempotency, limits)."""

    def __init__(
        self,
        status: int,
        code: str,
        detail: str,
        *,
        headers: Mapping[str, str] | None = None,
        **extensions: Any,
    ) -> None:
        super().__init__(detail)
        self.status = status
        self.code = code
        self.detail = detail
        self.headers = dict(headers or {})
        self.extensions = extensions


def problem_body(status: int, code: str, detail: str, **extensions: Any) -> dict[str, Any]:
    """The RFC 9457 document: type, title, status, detail, plus our extension members."""
    body: dict[str, Any] = {
        "type": PROBLEM_BASE + code,
        "title": TITLES.get(status, "Error"),
        "status": status,
        "detail": detail,
        "code": code,
    }
    body.update({k: v for k, v in extensions.items() if v is not None})
    return body


def render(exc: BaseException, *, method: str = "-", path: str = "-"
           ) -> tuple[int, dict[str, str], bytes]:
    """Turn any exception into (status, headers, body bytes) of a problem+json answer. An
    unexpected one is a 500: logged with its traceback under a new request id, which the
    answer carries too (body `request_id`, header X-Request-Id)."""
    headers: dict[str, str] = {}
    if isinstance(exc, ApiProblem):
        status, body = exc.status, problem_body(exc.status, exc.code, exc.detail, **exc.extensions)
        headers.update(exc.headers)
    elif isinstance(exc, domain.DomainError):
        status = next(s for cls, s in DOMAIN_STATUS.items() if isinstance(exc, cls))
        extensions = dict(exc.extensions)
        # RULES name the machine-readable word both `code` and `reason` (seed: `reason: in_use`).
        extensions.setdefault("reason", exc.code)
        body = problem_body(status, exc.code, exc.detail, **extensions)
    elif isinstance(exc, ProblemException):
        status = exc.status
        ext = dict(exc.ext or {})
        code = str(ext.pop("code", _code_for_status(status)))
        body = problem_body(status, code, str(exc.detail or exc.title or ""), **ext)
        headers.update(exc.headers or {})
    elif isinstance(exc, HTTPException):
        status = exc.status_code
        body = problem_body(status, _code_for_status(status), str(exc.detail or ""))
        headers.update(exc.headers or {})
    else:
        status = 500
        request_id = uuid.uuid4().hex
        ERROR_LOG.error("%s %s answered 500 request_id=%s", method, path, request_id,
                        exc_info=(type(exc), exc, exc.__traceback__),
                        extra={"request_id": request_id, "method": method, "path": path})
        body = problem_body(500, "internal_error",
                            f"The mock hit an unexpected error; its log has the traceback "
                            f"under request_id {request_id}.", request_id=request_id)
        headers[REQUEST_ID_HEADER] = request_id
    headers["Content-Type"] = PROBLEM_JSON
    text = json.dumps(body, ensure_ascii=False)
    try:
        data = text.encode()
    except UnicodeEncodeError:  # a lone surrogate echoed from the request: escape it instead
        data = json.dumps(body).encode()
    return status, headers, data


def _code_for_status(status: int) -> str:
    return {
        400: "bad_request",
        401: "unauthorized",
        403: "forbidden",
        404: "not_found",
        405: "method_not_allowed",
        406: "not_acceptable",
        409: "conflict",
        413: "payload_too_large",
        415: "unsupported_media_type",
        422: "validation_failed",
    }.get(status, "error")


class ProblemAnswers:
    """The middleware where every exception raised below it becomes its problem+json answer
    (`render`). It stands where Connexion's ExceptionMiddleware stood with `problem_handler`
    registered for every exception class, and answers the same bytes and headers; that one,
    Starlette's under it, made a Request, a ConnexionRequest and an app wrapper per request.
    An exception after the answer has started cannot be answered: it goes on up."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = False

        async def sender(message: Message) -> None:
            nonlocal started
            started = True
            await send(message)

        try:
            await self.app(scope, receive, sender)
        except Exception as exc:
            if started:
                raise
            status, headers, body = render(exc, method=scope["method"], path=scope["path"])
            await Response(body, status, headers)(scope, receive, send)
            exc.__traceback__ = None  # a reused exception instance would grow its traceback


async def problem_handler(_request: ConnexionRequest, exc: Exception) -> ConnexionResponse:
    """`render` as an error handler of a Connexion app (the bare Connexion reference of
    `make bench`; a test app of `tests/test_operations.py`)."""
    status, headers, body = render(exc, method=_request.method, path=_request.url.path)
    content_type = headers.pop("Content-Type")
    return ConnexionResponse(
        status_code=status, body=body, headers=headers, mimetype=content_type,
        content_type=content_type,
    )
