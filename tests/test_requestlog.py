"""The request log (mock.requestlog): one line per request, as text or JSON, only when asked."""

from __future__ import annotations

import json
import logging
import re
import subprocess
import sys
import time
from collections.abc import Iterator
from functools import partial
from typing import Any

import httpx
import pytest
from starlette.testclient import TestClient

from conformance.targets import free_port
from fixtures import factories, tokens
from mock import requestlog
from mock.app import create_app
from mock.requestlog import LOGGER, RequestLog
from tests.conftest import bearer
from tests.helpers import loggers_kept

AUTH = bearer(tokens.standard_tokens().tenant_a)


class Lines(logging.Handler):
    """Collects the formatted lines of `mock.requests`."""

    def __init__(self) -> None:
        super().__init__(logging.INFO)
        self.lines: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.lines.append(record.getMessage())


@pytest.fixture
def lines() -> Iterator[list[str]]:
    handler = Lines()
    level = LOGGER.level
    LOGGER.addHandler(handler)
    LOGGER.setLevel(logging.INFO)
    yield handler.lines
    LOGGER.removeHandler(handler)
    LOGGER.setLevel(level)


@pytest.fixture(scope="module", params=["text", "json"])
def logged_app(request: pytest.FixtureRequest) -> Any:
    app = create_app(request_log=request.param)
    app.log_format = request.param
    return app


def _traffic(client: TestClient) -> None:
    """200, 401, 201, a replayed 201, 405 and a page outside the API."""
    client.get("/v1/companies", headers=AUTH, params={"limit": 2})
    client.get("/v1/companies")
    key = AUTH | {"Idempotency-Key": f"log-{time.monotonic_ns()}"}
    body = factories.make_company(factories.make_faker(time.monotonic_ns() % 10_000))
    client.post("/v1/companies", headers=key, json=body)
    client.post("/v1/companies", headers=key, json=body)
    client.put("/v1/companies")
    client.get("/docs")


TEXT = re.compile(r"^(?P<method>[A-Z]+) (?P<target>\S+) (?P<status>\d{3}) (?P<ms>\d+\.\d)ms "
                  r"tenant=(?P<tenant>\S+)(?P<replay> idempotent-replay)?$")


def _parsed(app: Any, lines: list[str]) -> list[dict[str, Any]]:
    if app.log_format == "json":
        return [json.loads(line) for line in lines]
    out = []
    for line in lines:
        match = TEXT.match(line)
        assert match, line
        path, _, query = match["target"].partition("?")
        out.append({"method": match["method"], "path": path, "query": query,
                    "status": int(match["status"]), "ms": float(match["ms"]),
                    "tenant": None if match["tenant"] == "-" else match["tenant"],
                    "replay": bool(match["replay"])})
    return out


def test_one_line_per_request_with_method_path_status_tenant_ms_replay(
        logged_app: Any, lines: list[str]) -> None:
    with TestClient(logged_app) as client:
        _traffic(client)
    records = _parsed(logged_app, lines)
    assert [(r["method"], r["path"], r["status"], r["tenant"], r["replay"]) for r in records] == [
        ("GET", "/v1/companies", 200, tokens.TENANT_A, False),
        ("GET", "/v1/companies", 401, None, False),
        ("POST", "/v1/companies", 201, tokens.TENANT_A, False),
        ("POST", "/v1/companies", 201, tokens.TENANT_A, True),
        ("PUT", "/v1/companies", 405, None, False),
        ("GET", "/docs", 200, None, False),
    ]
    assert records[0]["query"] == "limit=2"
    assert all(isinstance(r["ms"], float) and r["ms"] >= 0 for r in records)


def test_json_lines_carry_a_time_and_exactly_these_fields(lines: list[str]) -> None:
    app = create_app(request_log="json")
    with TestClient(app) as client:
        client.get("/v1/taxes", headers=AUTH)
    (record,) = (json.loads(line) for line in lines)
    assert set(record) == {"time", "method", "path", "query", "status", "tenant", "ms", "replay"}
    assert record["time"].endswith("+00:00")


def test_a_request_that_blows_up_is_logged_as_500(lines: list[str]) -> None:
    async def boom(scope: Any, receive: Any, send: Any) -> None:
        raise RuntimeError("handler bug")

    app = RequestLog(boom, log_format="text")
    client = TestClient(app, raise_server_exceptions=False)  # no `with`: no lifespan to boom
    assert client.get("/anything").status_code == 500
    assert lines == [lines[0]]
    assert TEXT.match(lines[0]) and " 500 " in lines[0]


def test_without_the_option_there_is_no_middleware_and_no_line(lines: list[str]) -> None:
    app = create_app()
    stack = [m.func if isinstance(m, partial) else m for m in app.middleware.middlewares]
    assert RequestLog not in stack
    with TestClient(app) as client:
        client.get("/v1/companies", headers=AUTH)
    assert lines == []


def test_an_unknown_format_is_refused() -> None:
    with pytest.raises(ValueError, match="log_format"):
        RequestLog(lambda *_: None, log_format="xml")  # type: ignore[arg-type]


def test_configure_sends_bare_json_lines_to_the_stream() -> None:
    class Sink:
        def __init__(self) -> None:
            self.text = ""

        def write(self, text: str) -> None:
            self.text += text

        def flush(self) -> None:
            pass

    sink = Sink()
    with loggers_kept(LOGGER):
        requestlog.configure("json", "info", stream=sink)
        LOGGER.info('{"a": 1}')
        requestlog.configure("text", "warning", stream=sink)
        LOGGER.info("hidden at warning")
    assert sink.text == '{"a": 1}\n'


# -- python -m mock ---------------------------------------------------------------------------


def _run_mock(*args: str) -> list[str]:
    """Start `python -m mock`, send three requests, stop it; its stderr lines."""
    port = free_port()
    proc = subprocess.Popen([sys.executable, "-m", "mock", "--port", str(port), "--no-seed",
                             *args], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                            text=True)
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            assert proc.poll() is None, "the mock exited"
            try:
                if httpx.get(f"{base}/__mock/health", timeout=1).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            assert time.monotonic() < deadline
            time.sleep(0.1)
        httpx.get(f"{base}/v1/companies", headers=AUTH)
        httpx.get(f"{base}/v1/nowhere")
    finally:
        proc.terminate()
        _, err = proc.communicate(timeout=30)
    return err.splitlines()


def test_python_m_mock_logs_each_request_on_stderr() -> None:
    # JSON here; the text lines are the same records (checked in process above).
    err = _run_mock("--log-format", "json")
    records = [json.loads(line) for line in err if line.startswith("{")]
    assert [(r["path"], r["status"], r["tenant"]) for r in records
            if r["path"].startswith("/v1/")] == [
        ("/v1/companies", 200, tokens.TENANT_A), ("/v1/nowhere", 404, None)]
    assert not any(line.startswith("INFO:") and '" 200' in line for line in err)  # no 2nd log


def test_python_m_mock_quiet_logs_no_requests() -> None:
    err = _run_mock("--quiet")
    assert not any("/v1/companies" in line for line in err)
    assert not any(line.startswith("INFO:") for line in err)


def test_lean_records_still_log_every_line_with_its_time() -> None:
    import io

    saved = (logging._srcfile, logging.logThreads, logging.logProcesses,
             logging.logMultiprocessing)
    sink = io.StringIO()
    try:
        with loggers_kept(LOGGER):
            requestlog.configure("text", "info", stream=sink)
            requestlog.lean_records()
            LOGGER.info("GET /v1/taxes 200 1.0ms tenant=-")
            LOGGER.info("GET /v1/taxes 200 1.1ms tenant=-")
    finally:
        (logging._srcfile, logging.logThreads, logging.logProcesses,
         logging.logMultiprocessing) = saved
    lines = sink.getvalue().splitlines()
    assert len(lines) == 2
    assert all(re.match(r"\d{4}-\d\d-\d\d \d\d:\d\d:\d\d,\d{3} GET /v1/taxes 200", line)
               for line in lines)


@pytest.mark.parametrize("formatter", [requestlog.SecondsFormatter(), requestlog.LineFormatter()])
def test_a_line_written_directly_is_the_line_logging_would_write(
        formatter: logging.Formatter) -> None:
    assert isinstance(formatter, requestlog.LineFormatter)
    for created in (1_767_225_600.0, 1_767_225_600.0999, 1_767_225_601.5, 1_767_225_601.999):
        record = logging.LogRecord("mock.requests", logging.INFO, "", 0,
                                   "GET /v1/taxes 200 1.0ms tenant=-", None, None)
        record.created = created
        record.msecs = int((created - int(created)) * 1000) + 0.0  # as LogRecord computes it
        assert formatter.line(record.msg, created) == formatter.format(record)


def test_lines_go_straight_to_the_handler_only_when_nothing_else_would_see_them() -> None:
    import io

    with loggers_kept(LOGGER):
        requestlog.configure("text", "info", stream=io.StringIO())
        assert requestlog.direct_handler(LOGGER) is LOGGER.handlers[0]
        LOGGER.addFilter(lambda record: True)
        assert requestlog.direct_handler(LOGGER) is None  # the filter must see every line
        LOGGER.filters.clear()
        requestlog.configure("json", "info", stream=io.StringIO())
        assert requestlog.direct_handler(LOGGER) is LOGGER.handlers[0]
        LOGGER.addHandler(logging.StreamHandler(io.StringIO()))
        assert requestlog.direct_handler(LOGGER) is None


def test_inside_the_loop_lines_are_written_together_soon_and_never_pile_up() -> None:
    import asyncio

    class Writes:
        def __init__(self) -> None:
            self.writes: list[str] = []

        def write(self, text: str) -> None:
            self.writes.append(text)

        def flush(self) -> None:
            pass

    sink = Writes()
    handler = requestlog.BatchedStreamHandler(sink)
    handler.setFormatter(requestlog.LineFormatter())

    async def scenario() -> None:
        for n in range(3):
            handler.write_line(f"line {n}")
        assert sink.writes == []  # gathered, not written line by line
        await asyncio.sleep(requestlog.FLUSH_AFTER_S * 3)
        assert sink.writes == ["line 0\nline 1\nline 2\n"]  # one write, soon after
        for n in range(requestlog.FLUSH_LINES):
            handler.write_line(str(n))
        assert len(sink.writes) == 2, "a full batch is written without waiting"
        handler.write_line("last")

    asyncio.run(scenario())
    assert sink.writes[-1] == "".join(f"{n}\n" for n in range(requestlog.FLUSH_LINES))
    handler.flush()  # at shutdown: what is still gathered
    assert sink.writes[-1] == "last\n"
