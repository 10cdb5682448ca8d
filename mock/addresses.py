"""The overview's addresses: the API also answers under `/api/v1/…`, as the vendor's overview
page's curl example calls it (`…/api/v1/payables`).

One routing, not a second copy: the path is rewritten to `/v1/…` before anything else sees the
request, so auth, validation, idempotency, the handlers and the rules are the same ones. The
spec files under `/api/v1/openapi.*` are served as they are.
"""

from __future__ import annotations

from starlette.types import ASGIApp, Receive, Scope, Send

from mock.docs import SPEC_PATHS

ALIAS_PREFIX = "/api/v1/"
BASE_PREFIX = "/v1/"


class ApiV1Alias:
    """Serve `/api/v1/<path>` as `/v1/<path>` (the spec files excepted)."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        path = scope.get("path", "")
        if scope["type"] == "http" and path.startswith(ALIAS_PREFIX) and path not in SPEC_PATHS:
            rest = path[len(ALIAS_PREFIX):]
            raw = scope.get("raw_path")
            scope = {**scope, "path": BASE_PREFIX + rest}
            if isinstance(raw, bytes) and raw.startswith(ALIAS_PREFIX.encode()):
                scope["raw_path"] = BASE_PREFIX.encode() + raw[len(ALIAS_PREFIX):]
        await self.app(scope, receive, send)
