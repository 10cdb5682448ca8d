"""What happens before Connexion routes a request: the mock's own pages, 405s, and every body.

- `/__mock/…` (admin) and `/docs`, `/api/v1/openapi.{json,yaml}` are served by small Starlette
  apps mounted here, outside the public API.
- A known path with a method the spec does not define is 405 with an `Allow` header listing
  every method of that path (Connexion 3.3 lists only the first route's methods).
- Bodies are capped: `Content-Length` over the limit is refused before anything is read, and
  every body is counted as it streams and cut off at the limit (413, G-12, ATT-1) — a chunked
  body, or one longer than it declared. Nothing here buffers: the multipart validator
  (`mock.validation`) spools the file part to disk as the chunks pass, so an oversized upload
  costs about one chunk of memory, never the body.
- Bodies are judged here, for every operation the spec gives a request body, current and
  future: a body whose `Content-Type` is missing or not one the operation declares is 415
  (Connexion 3.3 would skip validation and hand the raw bytes to the handler); a JSON body is
  read whole and must pass `mock.strictjson` (UTF-8, no lone surrogate, bounded depth, no
  duplicate key, no NUL) — 400/422 before anything can be stored. The check runs when the body
  is first read, after auth, so 401/403 still come first.
- A body not complete within `body_timeout` seconds of the request's arrival is cut with 408
  and the connection closed; waiting for it never holds up other requests (it is an `await`).
"""

from __future__ import annotations

import asyncio
import functools
import re
from collections.abc import Awaitable, Coroutine, Generator, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from python_multipart.multipart import parse_options_header
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from contract.limits import (
    ATT_1_MAX_UPLOAD_BYTES,
    G_12_BODY_TIMEOUT_SECONDS,
    G_12_MAX_JSON_DEPTH,
)
from mock import strictjson
from mock.bodies import remember_json
from mock.errors import ApiProblem

JSON_BODY_LIMIT = 1024 * 1024
# ATT-1's 10 MB file, plus room for the multipart framing and the title.
UPLOAD_BODY_LIMIT = ATT_1_MAX_UPLOAD_BYTES + 64 * 1024
# The default; `create_app(body_timeout=…)` and `python -m mock --body-timeout` change it.
BODY_TIMEOUT = G_12_BODY_TIMEOUT_SECONDS
JSON_TYPES = frozenset({"application/json"})
_BODY_HEADERS = frozenset({b"content-length", b"transfer-encoding"})


@dataclass(frozen=True)
class PathMethods:
    pattern: re.Pattern[str]
    methods: tuple[str, ...]
    # The path's first two segments when both are literal (`("v1", "transactions")`): only
    # a request path that starts with them can match, so the 405 check looks at few patterns.
    head: tuple[str, str] | None = None
    # method -> the media types its request body may have (none: no body declared).
    bodies: Mapping[str, tuple[str, ...]] = field(default_factory=dict)


def _head(path: str) -> tuple[str, str] | None:
    parts = path.split("/", 3)
    return (parts[1], parts[2]) if len(parts) > 2 else None


def compile_paths(base_path: str, paths: Mapping[str, Iterable[str]],
                  bodies: Mapping[tuple[str, str], Iterable[str]] | None = None
                  ) -> list[PathMethods]:
    """The spec's paths as patterns; `bodies` maps (path template, method) to the media types
    the operation's request body declares."""
    out = []
    bodies = bodies or {}
    for template, methods in paths.items():
        regex = re.sub(r"\\\{[^/]+?\\\}", "[^/]+", re.escape(base_path + template))
        head = _head(base_path + template)
        declared = {m: tuple(t.lower() for t in bodies[(template, m)])
                    for m in methods if (template, m) in bodies}
        out.append(PathMethods(re.compile(f"^{regex}/?$"), tuple(sorted(methods)),
                               None if head is None or "{" in "".join(head) else head,
                               declared))
    return out


class FrontDoor:
    def __init__(self, app: ASGIApp, *, mounts: Mapping[str, ASGIApp],
                 paths: list[PathMethods], upload_paths: Iterable[str] = (),
                 upload_limit: int = UPLOAD_BODY_LIMIT,
                 body_timeout: float = BODY_TIMEOUT) -> None:
        self.upload_limit = upload_limit
        self.body_timeout = body_timeout
        self.app = app
        self.mounts = dict(mounts)
        self._mount_prefixes = tuple(self.mounts)
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
        if path.startswith(self._mount_prefixes):  # the API's own paths skip the loop
            for prefix, mounted in self.mounts.items():
                if path == prefix or path.startswith(prefix + "/") or (
                        prefix.endswith("/") and path.startswith(prefix)):
                    await mounted(scope, receive, send)
                    return
        head = _head(path)
        candidates = self._by_head.get(head, ()) if head is not None else ()
        declared: tuple[str, ...] = ()
        for known in (*candidates, *self._anywhere):
            if known.pattern.match(path):
                if scope["method"] not in known.methods:
                    raise ApiProblem(
                        405, "method_not_allowed",
                        f"{scope['method']} is not defined for this path.",
                        headers={"Allow": ", ".join(known.methods)},
                    )
                declared = known.bodies.get(scope["method"], ())
                break
        if not declared and not any(name in _BODY_HEADERS for name, _ in scope["headers"]):
            # An operation without a request body, and a request without Content-Length or
            # Transfer-Encoding (no body, RFC 9112 §6.3): nothing downstream reads one, so
            # there is nothing to cap, time or judge. (Not `_has_body`: a Content-Length that
            # is empty or not a number must still reach `_capped`, which refuses it.)
            await self.app(scope, receive, send)
            return
        limit = self.upload_limit if (scope["method"] == "POST" and path in self.upload_paths) \
            else JSON_BODY_LIMIT
        deadline = asyncio.get_running_loop().time() + self.body_timeout
        incoming = _capped(scope, _timed(receive, deadline, self.body_timeout), limit)
        if declared:
            incoming = _judged(scope, incoming, declared)
            # The parsed body is noted on `extensions` when first read, after the layers below
            # copied the scope: the dict they share must be there now (`mock.bodies`).
            scope.setdefault("extensions", {})
        await self.app(scope, incoming, send)


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


def _timed(receive: Receive, deadline: float, timeout: float) -> Receive:
    """`receive`, cut with 408 while the body is still incomplete at `deadline`. Once the body
    is whole, later calls (a server waiting for the disconnect) are not timed."""
    complete = False

    async def receive_timed() -> Message:
        nonlocal complete
        if complete:
            return await receive()
        pending = receive()
        if isinstance(pending, Coroutine):
            # Its first step, run now: a message that has arrived (a small body comes in the
            # packet of its headers) is returned without a timer, which costs ~5 µs a request
            # to set and cancel (timeit, uvloop). One that must wait is timed from there on.
            try:
                waiting = pending.send(None)
            except StopIteration as done:
                message: Message = done.value
            else:
                message = await _within(_Rest(pending, waiting), deadline, timeout)
        else:
            message = await _within(pending, deadline, timeout)
        if message["type"] != "http.request" or not message.get("more_body", False):
            complete = True
        return message

    return receive_timed


async def _within(message: Awaitable[Message], deadline: float, timeout: float) -> Message:
    try:
        async with asyncio.timeout_at(deadline):  # no extra task, unlike wait_for
            return await message
    except TimeoutError:
        raise ApiProblem(408, "request_timeout",
                         f"The request body did not arrive within {timeout:g} seconds.",
                         headers={"Connection": "close"}) from None


class _Rest:
    """The rest of a coroutine whose first step has run (`_timed`): awaiting it resumes the
    coroutine where it stopped, handing on what the event loop sends or throws (a
    cancellation: the timeout's) as `yield from` does (PEP 380); no stdlib call resumes a
    started coroutine within the task that runs it."""

    def __init__(self, coro: Coroutine[Any, Any, Message], waiting: Any) -> None:
        self._coro = coro
        self._waiting = waiting

    def __await__(self) -> Generator[Any, Any, Message]:
        coro, waiting = self._coro, self._waiting
        while True:
            try:
                sent = yield waiting
            except GeneratorExit:
                coro.close()
                raise
            except BaseException as exc:
                try:
                    waiting = coro.throw(exc)
                except StopIteration as done:
                    result: Message = done.value
                    return result
            else:
                try:
                    waiting = coro.send(sent)
                except StopIteration as done:
                    result = done.value
                    return result


def _header(scope: Scope, name: bytes) -> bytes | None:
    return next((v for k, v in scope["headers"] if k == name), None)


def _has_body(scope: Scope) -> bool:
    length = _header(scope, b"content-length")
    if length is not None:
        return length.strip() not in (b"", b"0")
    return _header(scope, b"transfer-encoding") is not None


def _media_type(scope: Scope, declared: tuple[str, ...]) -> str:
    """The declared media type the request's Content-Type names, or 415."""
    return _declared_type(_header(scope, b"content-type"), declared, scope["method"])


@functools.lru_cache(maxsize=256)  # a client sends one or two Content-Types: parsed once each
def _declared_type(raw: bytes | None, declared: tuple[str, ...], method: str) -> str:
    mime, params = parse_options_header(raw) if raw else (b"", {})
    given = mime.decode("latin-1").lower()
    charset = params.get(b"charset", b"utf-8").decode("latin-1").lower()
    json_ok = given in JSON_TYPES and charset in ("utf-8", "utf8")
    if given in declared and (given not in JSON_TYPES or json_ok):
        return given
    accepted = ", ".join(declared)
    detail = (f"This operation takes a body of type {accepted}; the request sent "
              + (f"{raw.decode('latin-1')!r}." if raw else "no Content-Type."))
    accept_header = "Accept-Patch" if method == "PATCH" else "Accept-Post"
    raise ApiProblem(415, "unsupported_media_type", detail, headers={accept_header: accepted})


def _judged(scope: Scope, receive: Receive, declared: tuple[str, ...]) -> Receive:
    """The body of an operation that declares one: its Content-Type checked, and a JSON body
    read whole and vetted by `mock.strictjson` before anything downstream sees a byte of it
    (then handed on as one message). Runs on the first read, so auth answers first."""
    checked = False

    async def receive_judged() -> Message:
        nonlocal checked
        if checked:
            return await receive()
        checked = True
        if not _has_body(scope):
            return await receive()
        if _media_type(scope, declared) not in JSON_TYPES:
            return await receive()
        chunks: list[bytes] = []
        while True:
            message = await receive()
            if message["type"] != "http.request":
                return message  # the client went away
            chunks.append(message.get("body", b""))
            if not message.get("more_body", False):
                break
        raw = b"".join(chunks)
        if raw.strip():
            try:
                value = strictjson.loads(raw, max_depth=G_12_MAX_JSON_DEPTH)
            except strictjson.JsonRefused as exc:
                raise _refused(exc) from None
            remember_json(scope, raw, value)
        return {"type": "http.request", "body": raw, "more_body": False}

    return receive_judged


def _refused(exc: strictjson.JsonRefused) -> ApiProblem:
    if exc.kind == "invalid":
        field_name = exc.field or "body"
        return ApiProblem(422, "validation_failed",
                          f"The request body is invalid: {field_name} {exc.reason}.",
                          errors=[{"field": field_name, "message": exc.reason}])
    return ApiProblem(400, "malformed_body", f"The request body is refused: {exc.reason}.")
