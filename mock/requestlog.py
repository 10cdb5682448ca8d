"""One log line per request: method, path, status, tenant, milliseconds, idempotent replay.

An ASGI middleware that `create_app(request_log="text" | "json")` puts outermost in
Connexion's stack (before its exception middleware), so it sees the status every error
became. The tenant is the principal `mock.auth` left in the request's context (`-` when the
request was not authenticated). Lines go to the `mock.requests` logger at INFO; `python -m
mock` gives it a handler (`--log-format`, `--quiet`, `--log-level`). Without the option the
middleware is not installed at all, so the default app pays nothing for logging.
"""

from __future__ import annotations

import json
import logging
import time
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Literal

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from mock.auth import CONTEXT

if TYPE_CHECKING:
    from _typeshed import SupportsWrite

LogFormat = Literal["text", "json"]
FORMATS: tuple[LogFormat, ...] = ("text", "json")
LOGGER = logging.getLogger("mock.requests")
REPLAYED = b"idempotent-replayed"


@dataclass(frozen=True)
class RequestRecord:
    """What one line says about one request."""

    method: str
    path: str
    query: str
    status: int
    tenant: str | None
    ms: float
    replay: bool

    def text(self) -> str:
        target = f"{self.path}?{self.query}" if self.query else self.path
        line = f"{self.method} {target} {self.status} {self.ms:.1f}ms tenant={self.tenant or '-'}"
        return line + " idempotent-replay" if self.replay else line

    def json(self) -> str:
        return json.dumps({"time": datetime.now(UTC).isoformat(timespec="milliseconds"),
                           **asdict(self)}, ensure_ascii=False)


class RequestLog:
    """Logs each HTTP request once its answer has been sent (or it failed)."""

    def __init__(self, app: ASGIApp, *, log_format: LogFormat = "text",
                 logger: logging.Logger = LOGGER) -> None:
        if log_format not in FORMATS:
            raise ValueError(f"log_format must be one of {FORMATS}, not {log_format!r}")
        self.app = app
        self.format = log_format
        self.logger = logger

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        # Inner middlewares copy the scope but share its `extensions` dict: make sure there is
        # one to share (uvicorn sends none), so auth's principal is visible here afterwards.
        scope.setdefault("extensions", {})
        start = time.perf_counter()
        status = 0
        replay = False

        async def send_seen(message: Message) -> None:
            nonlocal status, replay
            if message["type"] == "http.response.start":
                status = message["status"]
                replay = any(k.lower() == REPLAYED and v == b"true"
                             for k, v in message.get("headers", []))
            await send(message)

        try:
            await self.app(scope, receive, send_seen)
        except BaseException:
            status = status or 500  # nothing was answered: the server will say 500
            raise
        finally:
            self._log(scope, status, (time.perf_counter() - start) * 1000, replay)

    def _log(self, scope: Scope, status: int, ms: float, replay: bool) -> None:
        if not self.logger.isEnabledFor(logging.INFO):
            return
        principal = scope.get("extensions", {}).get(CONTEXT, {}).get("principal")
        record = RequestRecord(
            method=scope["method"], path=scope["path"],
            query=scope.get("query_string", b"").decode("latin-1"), status=status,
            tenant=getattr(principal, "tenant", None), ms=round(ms, 2), replay=replay)
        self.logger.info(record.json() if self.format == "json" else record.text())


def lean_records() -> None:
    """Stop `logging` collecting what no line of this process prints — the caller's file and
    line (a stack walk per record), thread and process names: the knobs of the logging HOWTO's
    "Optimization" section, about a third of the cost of each request's line. Process-wide,
    so only `python -m mock` calls it, for its own process."""
    logging._srcfile = None
    logging.logThreads = False
    logging.logProcesses = False
    logging.logMultiprocessing = False


def configure(log_format: LogFormat, level: str | int = logging.INFO,
              stream: SupportsWrite[str] | None = None) -> logging.Handler:
    """Give `mock.requests` one stderr handler: text lines with a time, or bare JSON lines."""
    handler: logging.Handler = logging.StreamHandler(stream)
    handler.setFormatter(logging.Formatter(
        "%(message)s" if log_format == "json" else "%(asctime)s %(message)s"))
    for old in list(LOGGER.handlers):
        LOGGER.removeHandler(old)
    LOGGER.addHandler(handler)
    LOGGER.setLevel(level.upper() if isinstance(level, str) else level)
    LOGGER.propagate = False
    return handler
