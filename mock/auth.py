"""Bearer JWT authentication and per-operation scopes (RULES G-1, G-2; RFC 6750, RFC 8725).

HS512 only: PyJWT is told the one algorithm it may accept, so `alg: none`, HS256 and RS*
tokens are refused before any signature is checked. `sub` is the workspace (tenant).
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from dataclasses import dataclass

import jwt
from starlette.types import ASGIApp, Receive, Scope, Send

from mock.errors import ApiProblem
from mock.store import Store

ALGORITHM = "HS512"
ROUTING = "connexion_routing"
CONTEXT = "connexion_context"


@dataclass(frozen=True)
class Principal:
    """Who is calling: the workspace and the scopes the token grants."""

    tenant: str
    scopes: frozenset[str]
    actor: str = ""


def _invalid(detail: str) -> ApiProblem:
    return ApiProblem(
        401, "invalid_token", detail,
        headers={"WWW-Authenticate": f'Bearer error="invalid_token", error_description="{detail}"'},
    )


def verify(authorization: str | None, secret: str,
           faults: frozenset[str] = frozenset()) -> Principal:
    """The principal of an `Authorization` header value, or a 401 ApiProblem."""
    if not authorization:
        # RFC 6750 §3.1: no error code when the request carried no credentials at all.
        raise ApiProblem(401, "unauthorized", "Send Authorization: Bearer <jwt>.",
                         headers={"WWW-Authenticate": 'Bearer realm="finance"'})
    scheme, _, token = authorization.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise _invalid("The Authorization header must be 'Bearer <jwt>'.")
    options: dict[str, object] = {"require": ["sub"], "verify_aud": False}
    if "expired_token_accepted" in faults:  # FAULT
        options["verify_exp"] = False
    try:
        if "alg_none_accepted" in faults and _unsigned(token.strip()):  # FAULT
            options["verify_signature"] = False
        claims = jwt.decode(token.strip(), secret, algorithms=[ALGORITHM], options=options)
    except jwt.ExpiredSignatureError:
        raise _invalid("The token has expired.") from None
    except jwt.ImmatureSignatureError:
        raise _invalid("The token is not valid yet.") from None
    except jwt.InvalidTokenError:
        raise _invalid("The token is malformed, badly signed or not HS512.") from None
    try:
        tenant = str(uuid.UUID(str(claims["sub"])))
    except ValueError:
        raise _invalid("The token's sub is not a workspace id.") from None
    scope_claim = claims.get("scope", "")
    scopes = frozenset(scope_claim.split()) if isinstance(scope_claim, str) else frozenset()
    # Who acts (attachments' uploaded_by): a user claim where the issuer adds one, else `sub`.
    actor = claims.get("user") or claims.get("email") or tenant
    return Principal(tenant=tenant, scopes=scopes, actor=str(actor))


def _unsigned(token: str) -> bool:
    try:
        return str(jwt.get_unverified_header(token).get("alg", "")).lower() == "none"
    except jwt.InvalidTokenError:
        return False


def require_scopes(principal: Principal, required: tuple[str, ...]) -> None:
    """G-2: every scope the operation names; write does not imply read."""
    missing = [s for s in required if s not in principal.scopes]
    if missing:
        wanted = " ".join(required)
        raise ApiProblem(
            403, "insufficient_scope", f"This operation needs the scope {wanted}.",
            headers={"WWW-Authenticate": f'Bearer error="insufficient_scope", scope="{wanted}"'},
            required_scopes=list(required),
        )


class AuthMiddleware:
    """Runs after Connexion's routing, before validation: 401/403 are answered before the
    body is read, and the principal is left in the operation's context for the handlers."""

    def __init__(self, app: ASGIApp, *, secret: str, store: Store,
                 scopes: Mapping[str, tuple[str, ...]]) -> None:
        self.app = app
        self.secret = secret
        self.store = store
        self.scopes = scopes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        operation_id = scope.get("extensions", {}).get(ROUTING, {}).get("operation_id")
        if operation_id is None:
            await self.app(scope, receive, send)
            return
        header = None
        for name, value in scope["headers"]:
            if name == b"authorization":
                header = value.decode("latin-1")
                break
        principal = verify(header, self.secret, self.store.faults)
        if "scopes_not_enforced" not in self.store.faults:
            require_scopes(principal, self.scopes.get(operation_id, ()))
        context = scope.setdefault("extensions", {}).setdefault(CONTEXT, {})
        context["principal"] = principal
        # G-3 by construction: the handler gets this tenant's store, never the whole store.
        context["tenant"] = self.store.tenant(principal.tenant)
        await self.app(scope, receive, send)
