"""Keyset cursors (G-4): the last row's (sort key, id), bound to tenant, sort and filters.

A cursor is `base64url(json payload) + "." + base64url(hmac)`. The HMAC covers the payload and a
fingerprint of (tenant, resource, sort, filters), so a cursor reused with another sort, other
filters, another tenant, or edited by hand is refused with 400. Like moto's paginator token, it
carries the position, not an offset, so rows inserted or deleted meanwhile never shift a page.
"""

from __future__ import annotations

import base64
import functools
import hashlib
import hmac
import json
import secrets
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import orjson


class InvalidCursor(ValueError):
    """The cursor is malformed, tampered with, or bound to another query."""


@dataclass(frozen=True)
class Position:
    """Where the previous page ended: the last row's sort key and id."""

    key: Any
    id: str


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


@functools.lru_cache(maxsize=4096)
def _binding(tenant: str, resource: str, sort: str, filters: tuple[tuple[str, str], ...]) -> str:
    """The fingerprint of a query: a list walked page by page asks for the same one again."""
    return hashlib.sha256(orjson.dumps([tenant, resource, sort, filters])).hexdigest()


class CursorCodec:
    """Signs and checks cursors with a per-process secret (cursors do not survive a restart
    unless the secret is given, which the state file does)."""

    def __init__(self, secret: bytes | None = None) -> None:
        self.secret = secret or secrets.token_bytes(32)

    @staticmethod
    def binding(tenant: str, resource: str, sort: str, filters: Mapping[str, Any]) -> str:
        return _binding(tenant, resource, sort,
                        tuple(sorted((k, str(v)) for k, v in filters.items())))

    def _sign(self, payload: bytes, binding: str) -> bytes:
        return hmac.digest(self.secret, payload + binding.encode(), "sha256")[:16]

    def encode(self, position: Position, binding: str) -> str:
        payload = orjson.dumps([position.key, position.id])
        return f"{_b64(payload)}.{_b64(self._sign(payload, binding))}"

    def decode(self, cursor: str, binding: str) -> Position:
        try:
            payload_part, signature_part = cursor.split(".")
            payload = _unb64(payload_part)
            signature = _unb64(signature_part)
        except (ValueError, TypeError):
            raise InvalidCursor("the cursor is malformed") from None
        if not hmac.compare_digest(signature, self._sign(payload, binding)):
            raise InvalidCursor(
                "the cursor does not belong to this query (sort and filters must not change "
                "while paging) or was altered"
            )
        key, row_id = json.loads(payload)
        return Position(key=key, id=row_id)
