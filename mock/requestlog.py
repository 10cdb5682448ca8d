"""One log line per request: method, path, status, tenant, milliseconds, idempotent replay.

An ASGI middleware that `create_app(request_log="text" | "json")` puts outermost in
Connexion's stack (before `mock.errors.ProblemAnswers`), so it sees the status every error
became. The tenant is the principal `mock.auth` left in the request's context (`-` when the
request was not authenticated). Lines go to the `mock.requests` logger at INFO; `python -m
mock` gives it a handler (`--log-format`, `--quiet`, `--log-level`). Without the option the
middleware is not installed at all, so the default app pays nothing for logging.
"""

from __future__ import annotations

import asyncio
import json
import logging
import time
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Literal, NamedTuple

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from mock.auth import CONTEXT
from mock.errors import ERROR_LOG
from mock.idempotency import REPLAYED

if TYPE_CHECKING:
    from _typeshed import SupportsWrite

LogFormat = Literal["text", "json"]
FORMATS: tuple[LogFormat, ...] = ("text", "json")
LOGGER = logging.getLogger("mock.requests")


class RequestRecord(NamedTuple):
    """What one line says about one request (a tuple: made for every request, 0.46 µs against
    1.09 µs for a frozen dataclass of the same fields, timeit)."""

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
                           **self._asdict()}, ensure_ascii=False)


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
                replay = REPLAYED in message.get("headers", ())  # as mock.idempotency sends it
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
        line = record.json() if self.format == "json" else record.text()
        handler = direct_handler(self.logger)
        if handler is None:
            self.logger.info(line)
        else:  # what `logger.info(line)` would write, without a LogRecord's making (~10 µs)
            handler.write_line(line)


def lean_records() -> None:
    """Stop `logging` collecting what no line of this process prints — the caller's file and
    line (a stack walk per record), thread and process names: the knobs of the logging HOWTO's
    "Optimization" section, about a third of the cost of each request's line. Process-wide,
    so only `python -m mock` calls it, for its own process."""
    logging._srcfile = None
    logging.logThreads = False
    logging.logProcesses = False
    logging.logMultiprocessing = False


class JsonErrorFormatter(logging.Formatter):
    """A 500 as one JSON line: time, level, request id, method, path, message, traceback."""

    def format(self, record: logging.LogRecord) -> str:
        return json.dumps({
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(
                timespec="milliseconds"),
            "level": record.levelname.lower(),
            "request_id": getattr(record, "request_id", None),
            "method": getattr(record, "method", None),
            "path": getattr(record, "path", None),
            "message": record.getMessage(),
            "traceback": self.formatException(record.exc_info) if record.exc_info else None,
        }, ensure_ascii=False)


def _only(logger: logging.Logger, handler: logging.Handler | None, level: str | int) -> None:
    for old in list(logger.handlers):
        logger.removeHandler(old)
    if handler is not None:
        logger.addHandler(handler)
    logger.setLevel(level.upper() if isinstance(level, str) else level)
    logger.propagate = False


# A line gathered inside the event loop waits at most this long for its write, and at most
# this many lines wait at once: one write for everything logged meanwhile.
FLUSH_AFTER_S = 0.05
FLUSH_LINES = 1024


class BatchedStreamHandler(logging.StreamHandler):  # type: ignore[type-arg]
    """A `StreamHandler` that, inside a running event loop, gathers the lines logged within
    `FLUSH_AFTER_S` (or until `FLUSH_LINES` wait) and writes them with one `write` and one
    `flush`: under load that is one system call for hundreds of requests instead of two for
    each (or one per turn of the loop, as it was before). Outside a loop (or on another
    thread) a line is written at once, as `StreamHandler` does; `flush()` — called at shutdown
    — writes whatever is still gathered. The stdlib has no handler for this (`MemoryHandler`
    flushes by count or level, never by time)."""

    def __init__(self, stream: SupportsWrite[str] | None = None) -> None:
        super().__init__(stream)
        self._pending: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        try:
            line = self.format(record)
        except Exception:
            self.handleError(record)
            return
        self._gather(line + self.terminator)

    def write_line(self, message: str) -> None:
        """`message` as a record of it made now would be written (`LineFormatter.line`)."""
        formatter = self.formatter
        assert isinstance(formatter, LineFormatter)
        self._gather(formatter.line(message, time.time()) + self.terminator)

    def _gather(self, line: str) -> None:
        try:
            loop = asyncio.get_running_loop()
        except RuntimeError:
            loop = None
        if loop is None:
            self._write(line)
            return
        pending = self._pending
        pending.append(line)
        if len(pending) == 1:
            loop.call_later(FLUSH_AFTER_S, self.flush)
        elif len(pending) >= FLUSH_LINES:
            self.flush()  # the timer then finds nothing, or the lines gathered since

    def _write(self, text: str) -> None:
        with self.lock:  # type: ignore[union-attr]
            self.stream.write(text)
            self.stream.flush()

    def flush(self) -> None:
        if self._pending:
            text, self._pending = "".join(self._pending), []
            self._write(text)
        else:
            super().flush()


def direct_handler(logger: logging.Logger) -> BatchedStreamHandler | None:
    """The handler `configure` gave `logger`, when nothing else could see a record on the way
    (no filter, no other handler, no propagation): a line can then go straight to it."""
    handlers = logger.handlers
    if len(handlers) != 1 or logger.filters or logger.propagate:
        return None
    handler = handlers[0]
    if type(handler) is not BatchedStreamHandler or handler.filters \
            or handler.level > logging.INFO or not isinstance(handler.formatter, LineFormatter):
        return None
    return handler


class LineFormatter(logging.Formatter):
    """The JSON lines' formatter, "%(message)s", which can also format a bare message at a time
    as `format` would a record of it made then (`line`); `SecondsFormatter` is the text one."""

    def __init__(self) -> None:
        super().__init__("%(message)s")

    def line(self, message: str, created: float) -> str:
        return message


class SecondsFormatter(LineFormatter):
    """The text lines' formatter, "%(asctime)s %(message)s", whose `%(asctime)s` is formatted
    once per second, not per line (`time.strftime` was a tenth of a request line's cost); the
    text is the default's."""

    _second = -1
    _text = ""

    def __init__(self) -> None:
        logging.Formatter.__init__(self, "%(asctime)s %(message)s")

    def formatTime(self, record: logging.LogRecord, datefmt: str | None = None) -> str:
        if datefmt is not None:
            return super().formatTime(record, datefmt)
        return self._time(record.created, record.msecs)

    def _time(self, created: float, msecs: float) -> str:
        second = int(created)
        if second != self._second:
            self._text = time.strftime(self.default_time_format, self.converter(created))
            self._second = second
        return f"{self._text},{int(msecs):03d}"  # the default "%s,%03d"

    def line(self, message: str, created: float) -> str:
        # `LogRecord`'s msecs, and this formatter's one format, "%(asctime)s %(message)s".
        return f"{self._time(created, int((created - int(created)) * 1000))} {message}"


def configure(log_format: LogFormat, level: str | int = logging.INFO,
              stream: SupportsWrite[str] | None = None, *, access: bool = True
              ) -> logging.Handler:
    """Give `mock.requests` one stderr handler (text lines with a time, or bare JSON lines;
    none with `access=False`, i.e. `--quiet`), and `mock.errors` one in the same format:
    every 500's traceback and request id is logged, whatever the access log does."""
    handler: logging.Handler = BatchedStreamHandler(stream)
    handler.setFormatter(LineFormatter() if log_format == "json"
                         else SecondsFormatter())
    _only(LOGGER, handler if access else None, level)
    errors: logging.Handler = logging.StreamHandler(stream)
    errors.setFormatter(JsonErrorFormatter() if log_format == "json"
                        else logging.Formatter("%(asctime)s ERROR %(message)s"))
    _only(ERROR_LOG, errors, logging.ERROR)
    return handler
