"""Bare Connexion (`connexion` in `make bench`): a Connexion 3.3 AsyncApp on the same spec with
no logic — the framework's own cost, below which the mock cannot go without leaving it.

Same routing, same request validation (`mock.validation.VALIDATOR_MAP`, compiled schemas), the
same middleware list (Connexion's defaults minus its security and Swagger UI, as in the mock),
a bearer JWT verified with PyJWT (HS512) before validation, once per distinct token as the mock
does (the floor's `Tokens`), validation errors rendered by the mock's problem handler — and then
handlers that return a fixed, pre-encoded body per operation. The mock's requests/s over this
app's is the cost of its rules, store and rendering.

`python -m bench.reference_app --port P --bodies FILE [--loop L]` serves it on one uvicorn
worker (on the event loop L: the bench passes the mock's); FILE maps
operationId -> {"status": int, "body": any JSON} (the bench captures them from the mock, so both
servers send the same bytes). Other operations answer 200 `{}`.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Awaitable, Callable, Mapping, Sequence
from pathlib import Path
from typing import Any

import uvicorn
from connexion import AsyncApp
from connexion.lifecycle import ConnexionResponse
from connexion.middleware import ConnexionMiddleware, MiddlewarePosition
from connexion.middleware.security import SecurityMiddleware
from connexion.middleware.swagger_ui import SwaggerUIMiddleware
from connexion.resolver import Resolver
from starlette.types import ASGIApp, Receive, Scope, Send

from bench.servers import LOOP_CHOICES
from bench.starlette_app import Tokens
from contract.spec import load_spec
from fixtures.tokens import DEFAULT_SECRET
from mock import seeding
from mock.errors import ApiProblem, problem_handler
from mock.validation import VALIDATOR_MAP

JSON = "application/json"
ROUTING = "connexion_routing"
_UNAUTHORIZED = json.dumps({"type": "about:blank", "title": "Unauthorized", "status": 401}).encode()

Handler = Callable[..., Awaitable[ConnexionResponse]]


class BearerJwt:
    """Verify `Authorization: Bearer <jwt>` (HS512, `sub` and `exp` required; PyJWT once per
    distinct token, as the mock does), or answer 401."""

    def __init__(self, app: ASGIApp, *, secret: str) -> None:
        self.app = app
        self.tokens = Tokens(secret)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        routed = scope.get("extensions", {}).get(ROUTING, {}).get("operation_id")
        if scope["type"] != "http" or routed is None:
            await self.app(scope, receive, send)
            return
        header = next((v.decode("latin-1") for k, v in scope["headers"]
                       if k == b"authorization"), "")
        if self.tokens.claims(header) is None:
            await send({"type": "http.response.start", "status": 401,
                        "headers": [(b"content-type", b"application/problem+json"),
                                    (b"content-length", str(len(_UNAUTHORIZED)).encode())]})
            await send({"type": "http.response.body", "body": _UNAUTHORIZED})
            return
        await self.app(scope, receive, send)


def fixed_handler(status: int, body: Any) -> Handler:
    """A handler answering `body` (encoded once, here) with `status`, whatever it is sent."""
    encoded = b"" if status == 204 else json.dumps(body, ensure_ascii=False).encode()

    async def handler(**_params: Any) -> ConnexionResponse:
        if status == 204:
            return ConnexionResponse(status_code=204)
        return ConnexionResponse(status_code=status, body=encoded, mimetype=JSON,
                                 content_type=JSON)

    return handler


def create_reference_app(bodies: Mapping[str, Mapping[str, Any]] | None = None, *,
                         secret: str = DEFAULT_SECRET,
                         spec: dict[str, Any] | None = None) -> AsyncApp:
    """The logic-free app. `bodies`: operationId -> {"status", "body"}; the rest answer 200 {}."""
    known = dict(bodies or {})

    def resolve(operation_id: str) -> Handler:
        fixed = known.get(operation_id, {"status": 200, "body": {}})
        return fixed_handler(int(fixed["status"]), fixed["body"])

    middlewares = [m for m in ConnexionMiddleware.default_middlewares
                   if m not in (SecurityMiddleware, SwaggerUIMiddleware)]
    app = AsyncApp(__name__, middlewares=middlewares)
    app.add_api(spec or load_spec(), base_path="/v1", resolver=Resolver(resolve),
                validator_map=VALIDATOR_MAP, strict_validation=False, pythonic_params=False,
                validate_responses=False)
    app.add_middleware(BearerJwt, position=MiddlewarePosition.BEFORE_VALIDATION, secret=secret)
    # The compiled validators raise the mock's ApiProblem (400/422): render it the same way.
    app.add_error_handler(ApiProblem, problem_handler)
    return app


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.reference_app", description=__doc__)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8090)
    parser.add_argument("--bodies", type=Path, help="JSON: operationId -> {status, body}")
    parser.add_argument("--secret", default=DEFAULT_SECRET)
    parser.add_argument("--loop", choices=LOOP_CHOICES, default="auto",
                        help="uvicorn's event loop (the bench passes the mock's)")
    args = parser.parse_args(argv)
    bodies = json.loads(args.bodies.read_text()) if args.bodies else {}
    seeding.collect_less()  # the served mock's collector thresholds, as its event loop
    app = create_reference_app(bodies, secret=args.secret)
    uvicorn.run(app, host=args.host, port=args.port, log_level="warning", loop=args.loop)
    return 0


if __name__ == "__main__":
    sys.exit(main())
