"""The way in: body caps (G-12, ATT-1) and the streaming multipart parser, with memory measured.

The 10 MB upload limit must hold without the body ever sitting in memory. TestClient cannot
show that (httpx's `Request.read()` joins a generator body before the app sees it), so these
tests drive the ASGI app directly with a `receive` fed from a generator, under `tracemalloc`,
and once through a real uvicorn process, reading its peak RSS (`VmHWM`).
"""

from __future__ import annotations

import asyncio
import hashlib
import json
import os
import socket
import subprocess
import sys
import threading
import time
import tracemalloc
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from starlette.datastructures import Headers
from starlette.types import Message, Scope

from conformance.targets import free_port
from contract.limits import ATT_1_MAX_UPLOAD_BYTES as MAX_BYTES
from fixtures import files, tokens
from mock.frontdoor import JSON_BODY_LIMIT, UPLOAD_BODY_LIMIT
from mock.validation import (
    MULTIPART_SPOOL_BYTES,
    StrictMultiPartValidator,
    Upload,
)

GiB = 1 << 30
MiB = 1 << 20
CHUNK = 64 * 1024
BOUNDARY = "sf-boundary-7d1e"
# What an oversized upload may cost the process at most: about one spooled megabyte and a few
# chunks. The body is 1 GiB; Connexion's own validator would have held the first 10 MB.
MEMORY_BUDGET = 4 * MiB


def file_head(name: str = "big.pdf", mime: str = "application/pdf") -> bytes:
    return (f"--{BOUNDARY}\r\nContent-Disposition: form-data; name=\"file\"; "
            f"filename=\"{name}\"\r\nContent-Type: {mime}\r\n\r\n").encode()


def upload_body(content: Iterable[bytes], *, name: str = "big.pdf",
                mime: str = "application/pdf") -> Iterator[bytes]:
    """A multipart body with one file part, as chunks: nothing is joined."""
    yield file_head(name, mime)
    yield from content
    yield f"\r\n--{BOUNDARY}--\r\n".encode()


@dataclass
class Exchange:
    """One request driven straight through the ASGI app."""

    status: int = 0
    headers: dict[str, str] = field(default_factory=dict)
    body: bytes = b""
    consumed: int = 0  # request body bytes the app pulled from `receive`
    peak: int = 0  # tracemalloc peak while the request ran

    def json(self) -> Any:
        return json.loads(self.body)


def drive(app: Any, chunks: Iterable[bytes], headers: dict[str, str], *,
          method: str = "POST", path: str = "/v1/attachments") -> Exchange:
    """Run one request; the body is pulled from `chunks` only as the app asks for it."""
    out = Exchange()
    source = iter(chunks)

    async def receive() -> dict[str, Any]:
        chunk = next(source, None)
        if chunk is None:
            return {"type": "http.request", "body": b"", "more_body": False}
        out.consumed += len(chunk)
        return {"type": "http.request", "body": chunk, "more_body": True}

    async def send(message: dict[str, Any]) -> None:
        if message["type"] == "http.response.start":
            out.status = message["status"]
            out.headers = {k.decode().lower(): v.decode() for k, v in message["headers"]}
        else:
            out.body += message.get("body", b"")

    scope = {
        "type": "http", "asgi": {"version": "3.0"}, "http_version": "1.1", "method": method,
        "scheme": "http", "path": path, "raw_path": path.encode(), "root_path": "",
        "query_string": b"", "server": ("testserver", 80), "client": ("127.0.0.1", 5000),
        "headers": [(b"host", b"testserver"),
                    *((k.lower().encode(), v.encode()) for k, v in headers.items())],
    }
    tracemalloc.start()
    try:
        asyncio.run(app(scope, receive, send))
        out.peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    return out


@pytest.fixture
def upload_headers(std_tokens: tokens.StandardTokens) -> dict[str, str]:
    return {"authorization": f"Bearer {std_tokens.tenant_a}",
            "content-type": f"multipart/form-data; boundary={BOUNDARY}"}


def assert_413(exchange: Exchange) -> None:
    assert exchange.status == 413, exchange.body
    assert exchange.headers["content-type"].startswith("application/problem+json")
    assert exchange.json()["code"] == "payload_too_large"


# RULE ATT-1
def test_a_chunked_upload_far_over_10mb_is_cut_off_with_flat_memory(
        app: Any, upload_headers: dict[str, str]) -> None:
    exchange = drive(app, upload_body(files.oversized(GiB, chunk_size=CHUNK)), upload_headers)
    assert_413(exchange)
    # Read up to the cap and one chunk past it, never the rest of the gibibyte ...
    assert UPLOAD_BODY_LIMIT < exchange.consumed <= UPLOAD_BODY_LIMIT + CHUNK
    # ... and never more than a spooled megabyte and a few chunks of it in memory.
    assert exchange.peak < MEMORY_BUDGET, f"peak {exchange.peak} bytes"
    assert app.store.tenant(tokens.TENANT_A)["attachments"].rows == {}


# RULE ATT-1
def test_a_declared_content_length_over_the_cap_is_refused_before_reading(
        app: Any, upload_headers: dict[str, str]) -> None:
    headers = upload_headers | {"content-length": str(GiB)}
    exchange = drive(app, upload_body(files.oversized(GiB)), headers)
    assert_413(exchange)
    assert exchange.consumed == 0
    assert exchange.peak < MEMORY_BUDGET


# RULE ATT-1
def test_a_body_longer_than_its_content_length_is_still_counted(
        app: Any, upload_headers: dict[str, str]) -> None:
    headers = upload_headers | {"content-length": "1000"}
    exchange = drive(app, upload_body(files.oversized(GiB)), headers)
    assert_413(exchange)
    assert exchange.consumed <= UPLOAD_BODY_LIMIT + CHUNK
    assert exchange.peak < MEMORY_BUDGET


# RULE G-12. (Sent without any Content-Length, a JSON body never gets this far: Connexion's
# body validator takes a missing Content-Length for "no body" and answers 400.)
def test_a_json_body_longer_than_declared_is_cut_at_its_cap(
        app: Any, std_tokens: tokens.StandardTokens) -> None:
    endless = (b"x" * CHUNK for _ in range(10_000))
    exchange = drive(app, endless, {"authorization": f"Bearer {std_tokens.tenant_a}",
                                    "content-type": "application/json",
                                    "content-length": "100"},
                     path="/v1/companies")
    assert_413(exchange)
    assert exchange.consumed <= JSON_BODY_LIMIT + CHUNK


# RULE G-12
@pytest.mark.parametrize("value", ["ten", "-1", "+5", "1_0", ""])
def test_a_content_length_that_is_not_a_number_is_400(
        app: Any, upload_headers: dict[str, str], value: str) -> None:
    exchange = drive(app, [b"x"], upload_headers | {"content-length": value})
    assert exchange.status == 400, exchange.body
    assert exchange.json()["code"] == "bad_request"


# RULE ATT-1
def test_a_chunked_upload_of_exactly_10mb_is_stored_byte_for_byte(
        app: Any, upload_headers: dict[str, str]) -> None:
    # No Content-Length at all: Connexion's validator took that for "no body" (400).
    digest = hashlib.sha256()

    def content() -> Iterator[bytes]:
        for chunk in files.oversized(MAX_BYTES):
            digest.update(chunk)
            yield chunk

    exchange = drive(app, upload_body(content()), upload_headers)
    assert exchange.status == 201, exchange.body
    row = exchange.json()
    assert row["size"] == MAX_BYTES
    assert row["sha256"] == digest.hexdigest()
    # The spooled file was read once, into the store; no other copy of the body was held.
    assert exchange.peak < MAX_BYTES + MEMORY_BUDGET


# RULE ATT-1: one byte over 10 MB, inside the body cap (framing), is refused by the rule.
def test_a_file_one_byte_over_10mb_is_413_and_nothing_is_stored(
        app: Any, upload_headers: dict[str, str]) -> None:
    exchange = drive(app, upload_body(files.oversized(MAX_BYTES + 1)), upload_headers)
    assert_413(exchange)
    assert exchange.peak < MEMORY_BUDGET  # refused from the spooled size, before reading it
    assert app.store.tenant(tokens.TENANT_A).blobs == {}


# -- the multipart parser ------------------------------------------------------------------


def _validator() -> StrictMultiPartValidator:
    schema = {"type": "object", "required": ["file"],
              "properties": {"file": {"type": "string", "format": "binary"},
                             "title": {"type": "string", "maxLength": 255}}}
    return StrictMultiPartValidator(schema=schema, required=True, encoding="utf-8",
                                    strict_validation=False)


def _parse(chunks: Iterable[bytes]) -> tuple[Upload, list[Message], Scope]:
    """Run the validator on a body; returns the Upload, what the handler's receive replays,
    and the scope it passes on."""
    source = iter(chunks)
    scope: dict[str, Any] = {"type": "http", "headers": Headers({
        "content-type": f"multipart/form-data; boundary={BOUNDARY}"}).raw}

    async def receive() -> dict[str, Any]:
        chunk = next(source, None)
        if chunk is None:
            return {"type": "http.request", "body": b"", "more_body": False}
        return {"type": "http.request", "body": chunk, "more_body": True}

    async def run() -> tuple[list[Message], Scope]:
        replay, new_scope = await _validator().wrap_receive(receive, scope=scope)
        return [await replay()], new_scope

    replayed, new_scope = asyncio.run(run())
    upload = new_scope["extensions"]["connexion_context"]["multipart"]
    return upload, replayed, new_scope


def test_the_parser_spools_a_big_file_part_to_disk_and_does_not_replay_the_body() -> None:
    size = 3 * MULTIPART_SPOOL_BYTES
    title = (f"--{BOUNDARY}\r\nContent-Disposition: form-data; name=\"title\"\r\n\r\n"
             f"NF 1234\r\n").encode()
    upload, replayed, _ = _parse([title, *upload_body(files.oversized(size))])
    try:
        assert upload.fields == {"title": "NF 1234"}
        assert upload.file.filename == "big.pdf"
        assert upload.file.size == size
        # A SpooledTemporaryFile past its max_size has moved to a real temporary file.
        assert upload.file.file._rolled  # type: ignore[attr-defined]
        # The handler's Connexion wrapper re-reads the body: it finds it already consumed.
        assert replayed == [{"type": "http.request", "body": b"", "more_body": False}]
    finally:
        upload.file.file.close()


def test_the_parser_keeps_a_small_file_part_in_memory() -> None:
    upload, _, _ = _parse(upload_body([files.pdf_bytes()]))
    try:
        assert not upload.file.file._rolled  # type: ignore[attr-defined]
        assert upload.file.size == len(files.pdf_bytes())
    finally:
        upload.file.file.close()


# -- a real server ------------------------------------------------------------------------


def _peak_rss(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) * 1024
    raise AssertionError("no VmHWM")


def _raw_post(port: int, head: str, chunks: Iterable[bytes], *, chunked: bool) -> bytes:
    """Send a request over a socket, stopping as soon as the server has answered; returns the
    start of the answer."""
    answer = bytearray()
    answered = threading.Event()
    with socket.create_connection(("127.0.0.1", port), timeout=30) as sock:

        def read() -> None:
            try:
                while data := sock.recv(65536):
                    answer.extend(data)
                    answered.set()
            except OSError:
                pass
            answered.set()

        reader = threading.Thread(target=read, daemon=True)
        reader.start()
        try:
            sock.sendall(head.encode())
            for chunk in chunks:
                if answered.is_set():
                    break
                sock.sendall(b"%x\r\n%b\r\n" % (len(chunk), chunk) if chunked else chunk)
            else:
                if chunked:
                    sock.sendall(b"0\r\n\r\n")
        except OSError:
            pass  # the server may close once it has answered
        answered.wait(30)
        time.sleep(0.05)  # the rest of the answer
        sock.shutdown(socket.SHUT_RDWR)
        reader.join(5)
    return bytes(answer)


@pytest.fixture(scope="module")
def server() -> Iterator[tuple[int, int]]:
    """`python -m mock` on a free port: (port, pid)."""
    if not Path("/proc/self/status").exists():
        pytest.skip("needs /proc to read the server's peak memory")
    port = free_port()
    proc = subprocess.Popen(
        [sys.executable, "-m", "mock", "--port", str(port), "--no-seed", "--no-admin",
         "--log-level", "error"],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, cwd=Path(__file__).parents[1],
        env=os.environ | {"PYTHONWARNINGS": "ignore"},
    )
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                socket.create_connection(("127.0.0.1", port), timeout=1).close()
                break
            except OSError:
                if time.monotonic() > deadline or proc.poll() is not None:
                    raise AssertionError("the mock did not start") from None
                time.sleep(0.1)
        yield port, proc.pid
    finally:
        proc.terminate()
        proc.wait(10)


# RULE ATT-1
def test_uvicorn_refuses_a_huge_chunked_upload_with_flat_peak_memory(
        server: tuple[int, int], std_tokens: tokens.StandardTokens) -> None:
    port, pid = server
    head = (f"POST /v1/attachments HTTP/1.1\r\nHost: 127.0.0.1\r\n"
            f"Authorization: Bearer {std_tokens.tenant_a}\r\n"
            f"Content-Type: multipart/form-data; boundary={BOUNDARY}\r\n")
    # Warm up: a small upload builds the middleware stack and loads what the path imports.
    small = b"".join(upload_body([files.pdf_bytes()], name="warm.pdf"))
    warm = _raw_post(port, head + f"Content-Length: {len(small)}\r\n\r\n", [small],
                     chunked=False)
    assert warm.startswith(b"HTTP/1.1 201"), warm[:200]
    before = _peak_rss(pid)

    body = 256 * MiB
    answer = _raw_post(port, head + "Transfer-Encoding: chunked\r\n\r\n",
                       upload_body(files.oversized(body)), chunked=True)
    assert answer.startswith(b"HTTP/1.1 413"), answer[:200]
    assert b"payload_too_large" in answer
    declared = _raw_post(port, head + f"Content-Length: {body}\r\n\r\n",
                         upload_body(files.oversized(body)), chunked=False)
    assert declared.startswith(b"HTTP/1.1 413"), declared[:200]

    grown = _peak_rss(pid) - before
    print(f"uvicorn peak RSS grew by {grown / MiB:.1f} MiB for a {body // MiB} MiB body")
    assert grown < 8 * MiB, f"peak RSS grew by {grown} bytes"


# -- 405 (G-12): every path, every method it lacks; the patterns are looked up by path head --


def test_every_path_answers_405_with_all_its_methods() -> None:
    import re

    from starlette.testclient import TestClient

    from contract.spec import iter_operations, load_spec
    from mock.app import create_app

    spec = load_spec()
    methods: dict[str, set[str]] = {}
    for op in iter_operations(spec):
        methods.setdefault(op.path, set()).add(op.method)
    any_id = "00000000-0000-4000-8000-000000000000"
    with TestClient(create_app(spec=spec, admin=False)) as client:
        for template, allowed in methods.items():
            path = "/v1" + re.sub(r"\{[^}]+\}", any_id, template)
            for method in sorted({"GET", "POST", "PUT", "PATCH", "DELETE"} - allowed):
                for target in (path, path + "/"):
                    r = client.request(method, target)
                    assert r.status_code == 405, (method, target)
                    assert r.headers["allow"] == ", ".join(sorted(allowed)), (method, target)
        assert client.put("/v1/nowhere").status_code != 405
        assert client.put(f"/v1/companies/{any_id}/extra").status_code != 405


def test_path_patterns_are_grouped_by_their_literal_head() -> None:
    from mock.frontdoor import FrontDoor, compile_paths

    paths = compile_paths("/v1", {"/companies": ["GET", "POST"], "/companies/{id}": ["GET"],
                                  "/{tenant}/things": ["GET"]})
    assert [p.head for p in paths] == [("v1", "companies"), ("v1", "companies"), None]
    door = FrontDoor(lambda *_: None, mounts={}, paths=paths)  # type: ignore[arg-type]
    assert door._anywhere == [paths[2]]
    assert door._by_head == {("v1", "companies"): paths[:2]}
    # A template whose head is a parameter is tried for any path (without a base path too).
    assert compile_paths("", {"/companies": ["GET"]})[0].head is None


# -- hostile bodies: refused at the door, for every operation that takes JSON -----------------

HOSTILE: dict[str, tuple[bytes, str | None, int]] = {
    # name: (body, Content-Type, expected status)
    "lone surrogate": (b'{"name": "x \\ud800"}', "application/json", 400),
    "lone low surrogate": (b'{"name": "\\udc00 x"}', "application/json", 400),
    "nested 10000 deep": (b"[" * 10_000 + b"]" * 10_000, "application/json", 400),
    "nested 10000 deep in a field": (b'{"name": ' + b"[" * 10_000 + b"]" * 10_000 + b"}",
                                     "application/json", 400),
    "duplicate key": (b'{"name": "a", "name": "b"}', "application/json", 400),
    "NUL in a string": (b'{"name": "a\\u0000b"}', "application/json", 422),
    "NUL in a key": (b'{"na\\u0000me": "a"}', "application/json", 422),
    "no Content-Type": (b'{"name": "a"}', None, 415),
    "text/plain": (b'{"name": "a"}', "text/plain", 415),
    "form encoded": (b"name=a", "application/x-www-form-urlencoded", 415),
    "JSON in Latin-1": (b'{"name": "a"}', "application/json; charset=iso-8859-1", 415),
}


def _json_operations() -> list[tuple[str, str]]:
    """(method, path template) of every operation whose body is JSON, read from the spec."""
    from contract.spec import iter_operations, load_spec

    return [(op.method, op.path) for op in iter_operations(load_spec())
            if "application/json" in op.op.get("requestBody", {}).get("content", {})]


def _state(app: Any) -> list[tuple[str, str, str, str]]:
    """Every row of every tenant (live and deleted) and every idempotency key, as text."""
    out = []
    for tenant in app.store.tenant_ids:
        for name, table in app.store.tenant(tenant).tables.items():
            for row_id, row in [*table.rows.items(), *table.tombstones.items()]:
                out.append((tenant, name, row_id, repr(row)))
    return sorted(out)


def test_every_json_operation_is_judged() -> None:
    operations = _json_operations()
    assert len(operations) >= 20  # POST and PATCH of ten resources, and the links
    assert ("POST", "/companies") in operations


@pytest.mark.parametrize("case", sorted(HOSTILE))
def test_hostile_bodies_are_4xx_problems_and_write_nothing(app: Any, case: str) -> None:
    import re

    from starlette.testclient import TestClient

    from tests.helpers import make_all

    body, content_type, status = HOSTILE[case]
    auth = {"Authorization": f"Bearer {tokens.standard_tokens().tenant_a}"}
    with TestClient(app, raise_server_exceptions=False) as client:
        ids = make_all(client, auth)
        before, keys = _state(app), len(app.idempotency)
        for method, template in _json_operations():
            resource = template.strip("/").split("/")[0]
            path = "/v1" + re.sub(r"\{[^}]+\}", ids[resource], template)
            headers = dict(auth)
            if content_type is not None:
                headers["Content-Type"] = content_type
            for key in (None, re.sub(r"[^\w-]", "-", f"hostile-{case}-{method}-{template}")):
                sent = headers if key is None else headers | {"Idempotency-Key": key}
                r = client.request(method, path, content=body, headers=sent)
                assert r.status_code == status, (method, path, r.text)
                assert r.headers["content-type"].startswith("application/problem+json")
                assert r.json()["status"] == status
        assert _state(app) == before, "a refused body changed the store"
        # A refused request may be remembered under its key (G-5), never as a 5xx.
        assert all(e.status < 500 for _, e in app.idempotency.items())
        assert len(app.idempotency) >= keys


def test_a_refused_body_names_the_field_that_holds_the_nul(app: Any) -> None:
    from starlette.testclient import TestClient

    auth = {"Authorization": f"Bearer {tokens.standard_tokens().tenant_a}",
            "Content-Type": "application/json"}
    with TestClient(app) as client:
        r = client.post("/v1/taxes", content=b'{"items": [{"name": "a\\u0000"}]}',
                        headers=auth)
    assert r.status_code == 422
    assert r.json()["errors"] == [{"field": "items.0.name",
                                   "message": "must not contain NUL characters (\\u0000)"}]


def test_a_415_says_what_to_send(app: Any) -> None:
    from starlette.testclient import TestClient

    auth = {"Authorization": f"Bearer {tokens.standard_tokens().tenant_a}"}
    with TestClient(app) as client:
        r = client.post("/v1/taxes", content=b'{"name": "a"}', headers=auth)
        patch = client.patch("/v1/taxes/00000000-0000-4000-8000-000000000000",
                             content=b"{}", headers=auth)
    assert r.status_code == 415
    assert r.headers["accept-post"] == "application/json"
    assert "no Content-Type" in r.json()["detail"]
    assert patch.status_code == 415
    assert patch.headers["accept-patch"] == "application/json"


def test_auth_answers_before_the_body_is_judged(app: Any) -> None:
    from starlette.testclient import TestClient

    with TestClient(app) as client:
        r = client.post("/v1/taxes", content=b'{"name": "\\ud800"}')
    assert r.status_code == 401


# -- slow clients ---------------------------------------------------------------------------


def _slow_request(port: int, path: str, declared: int, sent: bytes) -> socket.socket:
    """A connection that declares `declared` body bytes and sends only `sent` of them."""
    token = tokens.standard_tokens().tenant_a
    sock = socket.create_connection(("127.0.0.1", port), timeout=10)
    sock.sendall((f"POST {path} HTTP/1.1\r\nHost: 127.0.0.1\r\n"
                  f"Authorization: Bearer {token}\r\nContent-Type: application/json\r\n"
                  f"Content-Length: {declared}\r\n\r\n").encode() + sent)
    return sock


def _answer(sock: socket.socket) -> bytes:
    data = b""
    while chunk := sock.recv(65536):
        data += chunk
    return data


@pytest.fixture
def slow_door() -> Iterator[int]:
    """The mock served by uvicorn with a one-second body timeout; yields its port."""
    from conformance.targets import serve
    from mock.app import create_app

    with serve(create_app(body_timeout=1.0)) as url:
        yield int(url.rsplit(":", 1)[1])


def test_a_body_that_never_completes_is_cut_with_408(slow_door: int) -> None:
    started = time.monotonic()
    sock = _slow_request(slow_door, "/v1/taxes", 100, b'{"name": ')
    try:
        answer = _answer(sock)  # the server closes the connection after the 408
    finally:
        sock.close()
    took = time.monotonic() - started
    assert answer.startswith(b"HTTP/1.1 408"), answer[:200]
    assert b"application/problem+json" in answer
    assert b"request_timeout" in answer
    assert 0.9 <= took < 5, took


def test_slow_clients_do_not_delay_a_fast_request() -> None:
    import httpx

    from conformance.targets import serve
    from mock.app import create_app

    auth = {"Authorization": f"Bearer {tokens.standard_tokens().tenant_a}"}
    with serve(create_app(body_timeout=4.0)) as url:
        port = int(url.rsplit(":", 1)[1])
        assert httpx.get(f"{url}/v1/taxes", headers=auth, timeout=30).status_code == 200  # warm
        opened = time.monotonic()
        slow = [_slow_request(port, "/v1/taxes", 1000, b"{") for _ in range(5)]
        try:
            fast = httpx.get(f"{url}/v1/taxes", headers=auth, timeout=10)
            answered = time.monotonic() - opened
            assert fast.status_code == 200
            # Answered while all five bodies were still being waited for (cut at 4 s).
            assert answered < 3, f"a fast request waited {answered:.2f} s behind slow bodies"
            for sock in slow:
                assert _answer(sock).startswith(b"HTTP/1.1 408")
            assert time.monotonic() - opened >= 3.9
        finally:
            for sock in slow:
                sock.close()


def _receive_timed(*steps: Any) -> Any:
    """`_timed` around a receive that answers the messages of `steps` in turn: a message, at
    once; ("wait", seconds, message), after sleeping; an exception, raised at once."""
    from mock.frontdoor import _timed

    answers = iter(steps)

    async def receive() -> Message:
        step = next(answers)
        if isinstance(step, BaseException):
            raise step
        if isinstance(step, tuple):
            await asyncio.sleep(step[1])
            step = step[2]
        return dict(step)

    loop = asyncio.get_running_loop()
    return _timed(receive, loop.time() + 0.2, 0.2)


def _body(data: bytes, more: bool = False) -> Message:
    return {"type": "http.request", "body": data, "more_body": more}


def test_timed_receive_sets_no_timer_for_a_body_that_has_arrived(
        monkeypatch: pytest.MonkeyPatch) -> None:
    def no_timer(deadline: float) -> Any:
        raise AssertionError("a timer was set for a message that had arrived")

    async def main() -> list[Message]:
        monkeypatch.setattr(asyncio, "timeout_at", no_timer)
        receive = _receive_timed(_body(b"{", more=True), _body(b"}"))
        return [await receive(), await receive()]

    assert asyncio.run(main()) == [_body(b"{", more=True), _body(b"}")]


def test_timed_receive_waits_for_a_late_chunk_within_the_deadline() -> None:
    async def main() -> list[Message]:
        receive = _receive_timed(_body(b"{", more=True), ("wait", 0.05, _body(b"}")),
                                 {"type": "http.disconnect"})
        # The body is whole: the wait for the disconnect afterwards is not timed.
        first, second = await receive(), await receive()
        return [first, second, await receive()]

    assert asyncio.run(main()) == [_body(b"{", more=True), _body(b"}"),
                                   {"type": "http.disconnect"}]


def test_timed_receive_cuts_a_late_chunk_with_408() -> None:
    from mock.errors import ApiProblem

    async def main() -> None:
        receive = _receive_timed(_body(b"{", more=True), ("wait", 5, _body(b"}")))
        await receive()
        await receive()

    started = time.monotonic()
    with pytest.raises(ApiProblem) as refused:
        asyncio.run(main())
    assert refused.value.status == 408
    assert time.monotonic() - started < 2


def test_timed_receive_hands_on_errors_and_cancellation() -> None:
    async def failing() -> None:
        await _receive_timed(ConnectionResetError("gone"))()

    with pytest.raises(ConnectionResetError):
        asyncio.run(failing())

    async def cancelled() -> bool:
        task = asyncio.create_task(_receive_timed(("wait", 5, _body(b"}")))())
        await asyncio.sleep(0.01)
        task.cancel()
        try:
            await task
        except asyncio.CancelledError:
            return True  # cancelled from outside: not a 408
        return False

    assert asyncio.run(cancelled())


def _multipart(title: bytes, file_name: bytes = b"a.pdf") -> bytes:
    pdf = files.SAMPLES["pdf"].content
    return (f"--{BOUNDARY}\r\n".encode()
            + b'Content-Disposition: form-data; name="file"; filename="' + file_name
            + b'"\r\nContent-Type: application/pdf\r\n\r\n' + pdf + f"\r\n--{BOUNDARY}\r\n".encode()
            + b'Content-Disposition: form-data; name="title"\r\n\r\n' + title
            + f"\r\n--{BOUNDARY}--\r\n".encode())


@pytest.mark.parametrize(("body", "field", "message"), [
    (_multipart(b"x \xed\xa0\x80"), "title", "must be UTF-8 text"),  # a surrogate's bytes
    (_multipart(b"x \xff\xfe\xc3("), "title", "must be UTF-8 text"),
    (_multipart(b"x \x00"), "title", "must not contain NUL characters (\\u0000)"),
    (_multipart(b"x", b"a\x00.pdf"), "file",
     "must have a file name without NUL characters (\\u0000)"),
], ids=["surrogate bytes", "invalid UTF-8", "NUL", "NUL in the file name"])
def test_hostile_upload_text_is_refused_and_stores_nothing(
        app: Any, upload_headers: dict[str, str], body: bytes, field: str, message: str) -> None:
    from starlette.testclient import TestClient

    with TestClient(app) as client:
        r = client.post("/v1/attachments", content=body, headers=upload_headers)
        good = client.post("/v1/attachments", content=_multipart("Recibo é".encode()),
                           headers=upload_headers)
    assert r.status_code == 422, r.text
    assert r.json()["errors"] == [{"field": field, "message": message}]
    assert good.status_code == 201, good.text
    assert good.json()["title"] == "Recibo é"
    assert len(app.store.tenant(tokens.TENANT_A)["attachments"]) == 1
