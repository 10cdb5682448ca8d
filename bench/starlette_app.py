"""The floor (`starlette` in `make bench`): a plain Starlette app doing the minimum real work
of each benchmarked endpoint.

No spec, no validation, no rules: a bearer token verified with PyJWT (HS512) once and then
looked up in a dict (its `exp` still checked every time), rows in dicts, bodies parsed and
written with orjson. GET by id is one dict lookup; the list pages take the first `limit` rows
(matching `type`, when asked: the rows alternate debit and credit); POST /taxes stores a new row
and its answer under the request's Idempotency-Key (a repeated key replays it); PATCH
/payables/{id} updates one row. The mock's throughput over this app's says what its
spec-driven framework, rules and store cost over the least a Python server on the same uvicorn
must do.

`python -m bench.starlette_app --port P --bodies FILE --ids FILE [--loop L]` serves it on one
uvicorn worker (on the event loop L: the bench passes the mock's; with the mock's collector
thresholds, `mock.seeding.GC_THRESHOLDS`); FILE (bodies) maps
operationId -> {"status", "body"} as captured from the mock (the rows look the same), FILE (ids)
holds {"transactions": [...], "payables": [...]}.
"""

from __future__ import annotations

import argparse
import itertools
import json
import sys
import time
import uuid
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import jwt
import orjson
import uvicorn
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from bench.servers import LOOP_CHOICES
from fixtures.tokens import DEFAULT_SECRET
from mock import seeding

JSON = "application/json"
TYPES = ("debit", "credit")
_UNAUTHORIZED = Response(b'{"status":401,"title":"Unauthorized"}', 401,
                         media_type="application/problem+json")
_NOT_FOUND = Response(b'{"status":404,"title":"Not Found"}', 404,
                      media_type="application/problem+json")


class Tokens:
    """HS512 verification, once per distinct token; `exp` checked on every use (as the mock's
    token cache does; bare Connexion uses it too)."""

    def __init__(self, secret: str) -> None:
        self.secret = secret
        self.known: dict[str, Mapping[str, Any]] = {}

    def claims(self, authorization: str) -> Mapping[str, Any] | None:
        """The claims of an `Authorization` header value, or None (not a valid bearer JWT)."""
        scheme, _, token = authorization.partition(" ")
        if scheme.lower() != "bearer":
            return None
        token = token.strip()
        claims = self.known.get(token)
        if claims is None:
            try:
                claims = jwt.decode(token, self.secret, algorithms=["HS512"],
                                    options={"require": ["sub", "exp"], "verify_aud": False})
            except jwt.InvalidTokenError:
                return None
            self.known[token] = claims
        if claims["exp"] <= time.time():
            return None
        return claims

    def tenant(self, request: Request) -> str | None:
        claims = self.claims(request.headers.get("authorization", ""))
        return None if claims is None else str(claims["sub"])


def _template(bodies: Mapping[str, Any], operation_id: str) -> dict[str, Any]:
    body = bodies.get(operation_id, {}).get("body", {})
    return dict(body.get("data", [body])[0] if "data" in body else body)


def create_app(bodies: Mapping[str, Any], ids: Mapping[str, Sequence[str]], *,
               secret: str = DEFAULT_SECRET) -> Starlette:
    """The app; rows of each resource look like the mock's captured answer, one per id."""
    tokens = Tokens(secret)
    transaction = _template(bodies, "mock.api.transactions.get")
    payable = _template(bodies, "mock.api.payables.update")
    tax = _template(bodies, "mock.api.taxes.create")
    transactions = {i: {**transaction, "id": i, "type": TYPES[n % 2]}
                    for n, i in enumerate(ids.get("transactions", ()))}
    ordered = list(transactions.values())
    payables = {i: {**payable, "id": i} for i in ids.get("payables", ())}
    taxes: dict[str, dict[str, Any]] = {}
    replays: dict[tuple[str, str], bytes] = {}  # (tenant, Idempotency-Key) -> the answer

    async def get_transaction(request: Request) -> Response:
        if tokens.tenant(request) is None:
            return _UNAUTHORIZED
        row = transactions.get(request.path_params["id"])
        if row is None:
            return _NOT_FOUND
        return Response(orjson.dumps(row), media_type=JSON)

    async def list_transactions(request: Request) -> Response:
        if tokens.tenant(request) is None:
            return _UNAUTHORIZED
        limit = int(request.query_params.get("limit", 25))
        wanted = request.query_params.get("type")
        rows = ordered if wanted is None else (r for r in ordered if r["type"] == wanted)
        page = list(itertools.islice(rows, limit))
        return Response(orjson.dumps({"data": page, "next_cursor": None}), media_type=JSON)

    async def create_tax(request: Request) -> Response:
        tenant = tokens.tenant(request)
        if tenant is None:
            return _UNAUTHORIZED
        key = request.headers.get("idempotency-key")
        if key is not None and (replay := replays.get((tenant, key))) is not None:
            return Response(replay, 201, media_type=JSON)
        body = orjson.loads(await request.body())
        row = {**tax, **body, "id": str(uuid.uuid4())}
        taxes[row["id"]] = row
        encoded = orjson.dumps(row)
        if key is not None:
            replays[(tenant, key)] = encoded
        return Response(encoded, 201, media_type=JSON)

    async def settle_payable(request: Request) -> Response:
        if tokens.tenant(request) is None:
            return _UNAUTHORIZED
        row = payables.get(request.path_params["id"])
        if row is None:
            return _NOT_FOUND
        row.update(orjson.loads(await request.body()))
        return Response(orjson.dumps(row), media_type=JSON)

    return Starlette(routes=[
        Route("/v1/transactions", list_transactions, methods=["GET"]),
        Route("/v1/transactions/{id}", get_transaction, methods=["GET"]),
        Route("/v1/taxes", create_tax, methods=["POST"]),
        Route("/v1/payables/{id}", settle_payable, methods=["PATCH"]),
    ])


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.starlette_app", description=__doc__)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8091)
    parser.add_argument("--bodies", type=Path, required=True)
    parser.add_argument("--ids", type=Path, required=True)
    parser.add_argument("--secret", default=DEFAULT_SECRET)
    parser.add_argument("--loop", choices=LOOP_CHOICES, default="auto",
                        help="uvicorn's event loop (the bench passes the mock's)")
    args = parser.parse_args(argv)
    seeding.collect_less()  # the served mock's collector thresholds, as its event loop
    app = create_app(json.loads(args.bodies.read_text()), json.loads(args.ids.read_text()),
                     secret=args.secret)
    uvicorn.run(app, host=args.host, port=args.port, log_level="warning", loop=args.loop)
    return 0


if __name__ == "__main__":
    sys.exit(main())
