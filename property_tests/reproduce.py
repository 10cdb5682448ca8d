"""Failures that replay: the last HTTP exchanges of a test, printed as curl commands.

Every client of the property suites (`property_tests.client`) records its requests in
`RECORDER` through httpx event hooks; when a test fails, the conftest adds `report()` to the
failure: the last few requests, each once, as curl commands a shell can run as they are.
The two tenants' tokens print as `$FINANCE_TOKEN_A` / `$FINANCE_TOKEN_B` (export them first);
another token is shown with the command that mints it; bodies keep their real values, and a
binary body (an upload) is written to a file and sent with `--data-binary @file`.
"""

from __future__ import annotations

import hashlib
import json
import shlex
import tempfile
from collections import deque
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import jwt

from fixtures import tokens

KEPT = 3  # the requests shown: enough for "did X, then Y answered Z", short enough to read
# Headers httpx adds on its own that change nothing in the answer (curl sends its own).
QUIET_HEADERS = frozenset({"host", "content-length", "accept", "accept-encoding", "connection",
                           "user-agent"})
TEXT_TYPES = ("application/json", "application/problem+json", "text/")
TOKEN_VARIABLES = ("FINANCE_TOKEN_A", "FINANCE_TOKEN_B")


@dataclass
class Exchange:
    """One request as sent, and the status it got (None: no answer, e.g. a timeout)."""

    request: httpx.Request
    status: int | None = None


class Recorder:
    """The last requests sent by any client of this process (a bounded, thread-safe deque)."""

    def __init__(self, size: int = 4 * KEPT) -> None:
        self._recent: deque[Exchange] = deque(maxlen=size)
        self.variables: dict[str, str] = {}
        self.files: Path | None = None

    def name_tokens(self, token_a: str, token_b: str) -> None:
        """Print these tokens as `$FINANCE_TOKEN_A` / `$FINANCE_TOKEN_B`."""
        self.variables = dict(zip((token_a, token_b), TOKEN_VARIABLES, strict=True))

    @property
    def hooks(self) -> dict[str, list[Any]]:
        """httpx `event_hooks` that record every request of a client."""
        return {"request": [self._sent], "response": [self._answered]}

    def _sent(self, request: httpx.Request) -> None:
        request.read()  # a multipart body is a stream until read; read, it is sent as bytes
        self._recent.append(Exchange(request))

    def _answered(self, response: httpx.Response) -> None:
        for exchange in reversed(self._recent):
            if exchange.request is response.request:
                exchange.status = response.status_code
                return

    def clear(self) -> None:
        self._recent.clear()

    def report(self) -> str | None:
        """The last `KEPT` distinct requests as curl commands, oldest first, each once with
        what it answered each time it was sent (None if there were none)."""
        answers: dict[str, list[str]] = {}
        for exchange in reversed(list(self._recent)):
            text = self.command(exchange.request)
            if text not in answers and len(answers) == KEPT:
                break
            answers.setdefault(text, []).insert(
                0, "no answer" if exchange.status is None else str(exchange.status))
        if not answers:
            return None
        lines = [f"# The last {len(answers)} request(s) before the failure; "
                 f"export {' and '.join(TOKEN_VARIABLES)} first."]
        for text, statuses in reversed(answers.items()):
            sent = f" (sent {len(statuses)} times)" if len(statuses) > 1 else ""
            lines += [text, f"#   answered {', then '.join(statuses)}{sent}"]
        return "\n".join(lines)

    def command(self, request: httpx.Request) -> str:
        """The curl command of `request`, after the lines it needs first (a token to mint)."""
        command, notes = self.curl(request)
        return "\n".join([*notes, command])

    def curl(self, request: httpx.Request) -> tuple[str, list[str]]:
        """The curl command of `request`, and comment lines that must come before it."""
        notes: list[str] = []
        parts = ["curl", "-sS", "-i"]
        if request.method != "GET":
            parts += ["-X", request.method]
        parts.append(shlex.quote(str(request.url)))
        for name, value in request.headers.items():
            if name.lower() in QUIET_HEADERS:
                continue
            if name.lower() == "authorization":
                header, note = self._authorization(value)
                parts += ["-H", header]
                notes += note
                continue
            parts += ["-H", shlex.quote(f"{name}: {value}")]
        body = request.content
        if body:
            parts += self._body(body, request.headers.get("content-type", ""))
        return " ".join(parts), notes

    def _authorization(self, value: str) -> tuple[str, list[str]]:
        token = value.removeprefix("Bearer ").strip()
        if token in self.variables:
            return f'"Authorization: Bearer ${self.variables[token]}"', []
        minted = mint_command(token)
        if minted is None:
            return shlex.quote(f"Authorization: {value}"), []
        return '"Authorization: Bearer $FINANCE_TOKEN_X"', [
            f"export FINANCE_TOKEN_X=$({minted})"]

    def _body(self, body: bytes, content_type: str) -> list[str]:
        if content_type.startswith(TEXT_TYPES):
            try:
                return ["--data-raw", shlex.quote(body.decode("utf-8"))]
            except UnicodeDecodeError:
                pass
        return ["--data-binary", shlex.quote(f"@{self._file(body)}")]

    def _file(self, body: bytes) -> Path:
        """The body in a file named by its hash (written once)."""
        if self.files is None:
            self.files = Path(tempfile.mkdtemp(prefix="finance-replay-"))
        path = self.files / f"body-{hashlib.sha256(body).hexdigest()[:16]}.bin"
        if not path.exists():
            path.write_bytes(body)
        return path


def mint_command(token: str) -> str | None:
    """The project's command that mints a token of the same workspace and scopes as `token`,
    with the target's secret (`$FINANCE_JWT_SECRET`); None for a token that is not one of
    ours (a malformed or forged one prints as it is)."""
    try:
        claims: Mapping[str, Any] = jwt.decode(token, options={"verify_signature": False})
    except jwt.PyJWTError:
        return None
    sub, scope = claims.get("sub"), claims.get("scope")
    if not isinstance(sub, str) or not isinstance(scope, str):
        return None
    granted = scope.split()
    missing = [s for s in tokens.ALL_SCOPES if s not in granted]
    if set(granted) - set(tokens.ALL_SCOPES):
        return None
    scopes = (f"[s for s in tokens.ALL_SCOPES if s not in {json.dumps(missing)}]"
              if missing else "tokens.ALL_SCOPES")
    code = (f"import os; from fixtures import tokens; print(tokens.mint_token({sub!r}, "
            f"{scopes}, secret=os.environ['FINANCE_JWT_SECRET']))")
    return f"python -c {shlex.quote(code)}"


RECORDER = Recorder()
