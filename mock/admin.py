"""The mock's own admin surface at `/__mock/` — outside the public API, for integrators and
tests, and off with `--no-admin`. JSON in, JSON out; no auth (the mock binds to loopback)."""

from __future__ import annotations

from typing import Any

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from fixtures import seed, tokens
from mock import seeding
from mock.clock import iso
from mock.domain.errors import DomainError
from mock.errors import ApiProblem, render
from mock.idempotency import IdempotencyCache
from mock.store import Store

PREFIX = "/__mock"
SEED_USAGE = "send {tenant, rows?: 1..1000000, resource?, seed?}"
MINT_USAGE = "send {tenant?, scopes?: [...], expires_in?: seconds}"


def _problem(status: int, detail: str) -> Response:
    return _render(ApiProblem(status, "bad_request", detail))


def _render(exc: Exception) -> Response:
    status, headers, body = render(exc)
    return Response(body, status_code=status, headers=headers)


async def _json(request: Request) -> dict[str, Any] | None:
    """The body's JSON object (`{}` when empty), or None when it is not a JSON object."""
    raw = await request.body()
    if not raw:
        return {}
    try:
        data = await request.json()
    except ValueError:
        return None
    return data if isinstance(data, dict) else None


def admin_app(store: Store, cache: IdempotencyCache, secret: str) -> Starlette:
    async def health(_request: Request) -> Response:
        return JSONResponse({"status": "ok", "now": iso(store.clock.now()),
                             "tenants": len(store.tenant_ids)})

    async def reset(_request: Request) -> Response:
        with store.lock:
            store.reset()
            cache.clear()
            store.clock.reset()
        seeding.thaw()
        return JSONResponse({"status": "reset"})

    async def seed_(request: Request) -> Response:
        body = await _json(request)
        if body is None:
            return _problem(400, SEED_USAGE)
        tenant = body.get("tenant", tokens.TENANT_A)
        rows = body.get("rows")
        if not isinstance(tenant, str) or (
                rows is not None and (not isinstance(rows, int) or not 0 < rows <= 1_000_000)):
            return _problem(400, SEED_USAGE)
        number = body.get("seed", 0)
        if rows is None:
            steps: Any = seed.demo_dataset(tenant, seed=number)
        else:
            resource = body.get("resource", "transactions")
            if resource not in seed.LARGE_RESOURCES:
                return _problem(400, f"resource must be one of {seed.LARGE_RESOURCES}")
            steps = seed.large_dataset(tenant, rows, seed=number, resource=resource)
        try:
            applied = seeding.apply(store.tenant(tenant), steps)
        except DomainError as exc:  # e.g. seeding twice: the demo's CNPJs already exist
            return _render(exc)
        seeding.freeze()
        return JSONResponse({"tenant": tenant, "steps": applied})

    async def mint(request: Request) -> Response:
        body = await _json(request)
        if body is None:
            return _problem(400, MINT_USAGE)
        tenant = body.get("tenant", tokens.TENANT_A)
        scopes = body.get("scopes", list(tokens.ALL_SCOPES))
        expires_in = body.get("expires_in", 3600)
        if not isinstance(tenant, str) or not isinstance(scopes, list) \
                or not isinstance(expires_in, int):
            return _problem(400, MINT_USAGE)
        token = tokens.mint_token(tenant, scopes, secret=secret, expires_in=expires_in)
        return JSONResponse({"token": token, "tenant": tenant, "scopes": scopes})

    async def clock(request: Request) -> Response:
        if request.method == "POST":
            body = await _json(request)
            seconds = None if body is None else body.get("advance_seconds")
            if not isinstance(seconds, int | float) or isinstance(seconds, bool) or seconds < 0:
                return _problem(400, "send {advance_seconds: N >= 0}")
            store.clock.advance(seconds)
        return JSONResponse({"now": iso(store.clock.now())})

    return Starlette(routes=[
        Route(f"{PREFIX}/health", health, methods=["GET"]),
        Route(f"{PREFIX}/reset", reset, methods=["POST"]),
        Route(f"{PREFIX}/seed", seed_, methods=["POST"]),
        Route(f"{PREFIX}/tokens", mint, methods=["POST"]),
        Route(f"{PREFIX}/clock", clock, methods=["GET", "POST"]),
    ])
