"""Bearer JWT authentication and per-operation scopes (RULES G-1, G-2; RFC 6750, RFC 8725).

HS512 only: PyJWT is told the one algorithm it may accept, so `alg: none`, HS256 and RS*
tokens are refused before any signature is checked. `sub` is the workspace (tenant).

A client sends the same token on every request, so `TokenCache` remembers the tokens that passed
the whole check (signature, algorithm, claims) — never one that failed — and on each hit only
repeats the checks that depend on the time: `exp`, `nbf` and `iat`, exactly as PyJWT makes them.
"""

from __future__ import annotations

import time
import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import jwt
from starlette.types import ASGIApp, Receive, Scope, Send

from mock.errors import ApiProblem
from mock.store import Store

if TYPE_CHECKING:
    from jwt.types import Options

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


_EXPIRED = "The token has expired."
_IMMATURE = "The token is not valid yet."
# The faults that loosen the check itself: with one on, nothing is remembered.
_LOOSENING = frozenset({"expired_token_accepted", "alg_none_accepted"})


@dataclass(frozen=True, slots=True)
class _Verified:
    """A token that passed every check, and the time bounds to hold it to on each reuse."""

    principal: Principal
    expires: int | None  # `exp`: refused from this second on
    valid_from: int | None  # the later of `nbf` and `iat`: refused before it


class TokenCache:
    """Tokens that verified, by token string, at most `size` of them (the oldest go first).

    Only `verify` fills it, and only after the full check passed; a hit still refuses the
    token once `exp` is reached or while `nbf`/`iat` lie in the future (PyJWT's rules, no
    leeway, against the real clock as PyJWT reads it)."""

    def __init__(self, size: int = 4096, now: Callable[[], float] = time.time) -> None:
        self.size = max(1, size)
        self._now = now
        self._entries: dict[str, _Verified] = {}

    def __len__(self) -> int:
        return len(self._entries)

    def get(self, token: str) -> Principal | None:
        entry = self._entries.get(token)
        if entry is None:
            return None
        now = self._now()
        if entry.expires is not None and entry.expires <= now:
            del self._entries[token]
            raise _invalid(_EXPIRED)
        if entry.valid_from is not None and entry.valid_from > now:
            raise _invalid(_IMMATURE)
        return entry.principal

    def put(self, token: str, principal: Principal, claims: Mapping[str, Any]) -> None:
        while len(self._entries) >= self.size:
            del self._entries[next(iter(self._entries))]
        starts = [int(claims[c]) for c in ("nbf", "iat") if c in claims]
        self._entries[token] = _Verified(
            principal, int(claims["exp"]) if "exp" in claims else None,
            max(starts) if starts else None)


def verify(authorization: str | None, secret: str,
           faults: frozenset[str] = frozenset(), cache: TokenCache | None = None) -> Principal:
    """The principal of an `Authorization` header value, or a 401 ApiProblem. With `cache`
    (one per secret), a token that verified before skips the signature and claim parsing."""
    if not authorization:
        # RFC 6750 §3.1: no error code when the request carried no credentials at all.
        raise ApiProblem(401, "unauthorized", "Send Authorization: Bearer <jwt>.",
                         headers={"WWW-Authenticate": 'Bearer realm="finance"'})
    scheme, _, token = authorization.partition(" ")
    token = token.strip()
    if scheme.lower() != "bearer" or not token:
        raise _invalid("The Authorization header must be 'Bearer <jwt>'.")
    if cache is not None and faults & _LOOSENING:
        cache = None
    if cache is not None and (known := cache.get(token)) is not None:
        return known
    options: Options = {"require": ["sub"], "verify_aud": False}
    if "expired_token_accepted" in faults:  # FAULT
        options["verify_exp"] = False
    try:
        if "alg_none_accepted" in faults and _unsigned(token):  # FAULT
            options["verify_signature"] = False
        claims = jwt.decode(token, secret, algorithms=[ALGORITHM], options=options)
    except jwt.ExpiredSignatureError:
        raise _invalid(_EXPIRED) from None
    except jwt.ImmatureSignatureError:
        raise _invalid(_IMMATURE) from None
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
    principal = Principal(tenant=tenant, scopes=scopes, actor=str(actor))
    if cache is not None:
        cache.put(token, principal, claims)
    return principal


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
        self.tokens = TokenCache()

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
        principal = verify(header, self.secret, self.store.faults, self.tokens)
        if "scopes_not_enforced" not in self.store.faults:
            require_scopes(principal, self.scopes.get(operation_id, ()))
        context = scope.setdefault("extensions", {}).setdefault(CONTEXT, {})
        context["principal"] = principal
        # G-3 by construction: the handler gets this tenant's store, never the whole store.
        context["tenant"] = self.store.tenant(principal.tenant)
        await self.app(scope, receive, send)
