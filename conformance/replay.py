"""One runnable `curl` per request a failure needs, as a person replays it in a shell.

Built from the request that really went out (not from Schemathesis's sanitized sample):

- the two tenants' tokens print as `"$FINANCE_TOKEN_A"` / `"$FINANCE_TOKEN_B"`; a token the run
  minted with fewer scopes prints as `"$FINANCE_TOKEN_LIMITED"`, preceded by the
  `python -m conformance.mint` command that makes it (the secret from `FINANCE_JWT_SECRET`);
- every other header and the body are the real values (an `Idempotency-Key` is no secret);
- a body that is not printable text (an upload, a multipart form, fuzzed bytes) is written to a
  file in the replay directory and sent with `--data-binary @file`.
"""

from __future__ import annotations

import hashlib
import shlex
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import jwt

from conformance.targets import Target

__all__ = ["Replayer"]

# Headers `requests` adds by itself: they would only add noise to the command.
NOISE = frozenset({"user-agent", "accept-encoding", "connection", "content-length",
                   "x-schemathesis-testcaseid"})


def _claims(token: str) -> dict[str, Any] | None:
    try:
        claims: dict[str, Any] = jwt.decode(token, options={"verify_signature": False})
    except jwt.PyJWTError:
        return None
    return claims


class Replayer:
    """Turns sent requests into shell commands for one target."""

    def __init__(self, target: Target, directory: Path) -> None:
        self.target = target
        self.directory = directory
        self.all_scopes: set[str] = set()

    def curl(self, method: str, url: str, headers: Mapping[str, Any], body: bytes | None
             ) -> str:
        setup: list[str] = []
        parts = ["curl", "-sS", "-i", "-X", method.upper(), shlex.quote(url)]
        for name, value in headers.items():
            text = value[0] if isinstance(value, list | tuple) else value
            text = str(text)
            if name.lower() in NOISE or (name.lower() == "accept" and text == "*/*"):
                continue
            if name.lower() == "authorization":
                parts += ["-H", self._authorization(text, setup)]
                continue
            parts += ["-H", shlex.quote(f"{name}: {text}")]
        if body:
            parts += self._body(body)
        return "\n".join([*setup, " ".join(parts)])

    def _authorization(self, value: str, setup: list[str]) -> str:
        token = value[7:] if value.lower().startswith("bearer ") else None
        if token == self.target.token_a:
            return '"Authorization: Bearer $FINANCE_TOKEN_A"'
        if token == self.target.token_b:
            return '"Authorization: Bearer $FINANCE_TOKEN_B"'
        claims = _claims(token) if token else None
        if claims and isinstance(claims.get("scope"), str) and claims.get("sub"):
            held = set(claims["scope"].split())
            lacking = sorted(self.all_scopes - held)
            setup.append("FINANCE_TOKEN_LIMITED=$(python -m conformance.mint --sub "
                         f"{shlex.quote(str(claims['sub']))} --without "
                         f"{shlex.quote(' '.join(lacking))})")
            return '"Authorization: Bearer $FINANCE_TOKEN_LIMITED"'
        return shlex.quote(f"Authorization: {value}")

    def _body(self, body: bytes) -> list[str]:
        try:
            text = body.decode("utf-8")
        except UnicodeDecodeError:
            text = None
        if text is not None and all(c.isprintable() or c in "\t\n\r" for c in text):
            return ["--data-raw", shlex.quote(text)]
        self.directory.mkdir(parents=True, exist_ok=True)
        path = self.directory / f"body-{hashlib.sha256(body).hexdigest()[:16]}.bin"
        path.write_bytes(body)
        return ["--data-binary", shlex.quote(f"@{path}")]
