"""What happens before Connexion routes a request: the mock's own pages, 405s, body limits.

- `/__mock/…` (admin) and `/docs`, `/api/v1/openapi.{json,yaml}` are served by small Starlette
  apps mounted here, outside the public API.
- A known path with a method the spec does not define is 405 with an `Allow` header listing
  every method of that path (Connexion 3.3 lists only the first route's methods).
- Bodies are capped: `Content-Length` over the limit is refused before anything is read, and
  every body is counted as it streams and cut off at the limit (413, G-12, ATT-1) — a chunked
  body, or one longer than it declared. Nothing here buffers: the multipart validator
  (`mock.validation`) spools the file part to disk as the chunks pass, so an oversized upload
  costs about one chunk of memory, never the body.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from contract.limits import ATT_1_MAX_UPLOAD_BYTES
from mock.errors import ApiProblem

JSON_BODY_LIMIT = 1024 * 1024
# ATT-1's 10 MB file, plus room for the multipart framing and the title.
UPLOAD_BODY_LIMIT = ATT_1_MAX_UPLOAD_BYTES + 64 * 1024


@dataclass(frozen=True)
class PathMethods:
    pattern: re.Pattern[str]
    methods: tuple[str, ...]
    # The path's first two segments when both are literal (`("v1", "transactions")`): only
    # a request path that starts with them can match, so the 405 check looks at few patterns.
    head: tuple[str, str] | None = None


def _head(path: str) -> tuple[str, str] | None:
    parts = path.split("/", 3)
    return (parts[1], parts[2]) if len(parts) > 2 else None


def compile_paths(base_path: str, paths: Mapping[str, Iterable[str]]) -> list[PathMethods]:
    out = []
    for template, methods in paths.items():
        regex = re.sub(r"\\\{[^/]+?\\\}", "[^/]+", re.escape(base_path + template))
        head = _head(base_path + template)
        out.append(PathMethods(re.compile(f"^{regex}/?$"), tuple(sorted(methods)),
                               None if head is None or "{" in "".join(head) else head))
    return out


class FrontDoor:
    def __init__(self, app: ASGIApp, *, mounts: Mapping[str, ASGIApp],
                 paths: list[PathMethods], upload_paths: Iterable[str] = (),
                 upload_limit: int = UPLOAD_BODY_LIMIT) -> None:
        self.upload_limit = upload_limit
        self.app = app
        self.mounts = dict(mounts)
        self.paths = paths
        # Patterns by their literal head; those without one are tried for every path.
        self._by_head: dict[tuple[str, str], list[PathMethods]] = {}
        self._anywhere = [known for known in paths if known.head is None]
        for known in paths:
            if known.head is not None:
                self._by_head.setdefault(known.head, []).append(known)
        self.upload_paths = set(upload_paths)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        path: str = scope["path"]
        for prefix, mounted in self.mounts.items():
            if path == prefix or path.startswith(prefix + "/") or (
                    prefix.endswith("/") and path.startswith(prefix)):
                await mounted(scope, receive, send)
                return
        head = _head(path)
        candidates = self._by_head.get(head, ()) if head is not None else ()
        for known in (*candidates, *self._anywhere):
            if known.pattern.match(path):
                if scope["method"] not in known.methods:
                    raise ApiProblem(
                        405, "method_not_allowed",
                        f"{scope['method']} is not defined for this path.",
                        headers={"Allow": ", ".join(known.methods)},
                    )
                break
        limit = self.upload_limit if (scope["method"] == "POST" and path in self.upload_paths) \
            else JSON_BODY_LIMIT
        await self.app(scope, _capped(scope, receive, limit), send)


def _too_large(limit: int) -> ApiProblem:
    return ApiProblem(413, "payload_too_large",
                      f"The request body is larger than {limit} bytes.", limit=limit)


def _capped(scope: Scope, receive: Receive, limit: int) -> Receive:
    for name, value in scope["headers"]:
        if name == b"content-length":
            if not value.strip().isdigit():  # int() would take "-1", "+1" and "1_0"
                raise ApiProblem(400, "bad_request", "Content-Length is not a number.")
            if int(value) > limit:
                raise _too_large(limit)
    seen = 0

    async def receive_capped() -> Message:
        nonlocal seen
        message = await receive()
        if message["type"] == "http.request":
            seen += len(message.get("body", b""))
            if seen > limit:
                raise _too_large(limit)
        return message

    return receive_capped
