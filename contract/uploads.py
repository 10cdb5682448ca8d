"""Magic bytes: what a file's first bytes say it is (RULE ATT-1).

The mock refuses a PDF, PNG or JPEG upload whose payload does not start with its format's
magic bytes; the fixtures build payloads that do (or, on purpose, do not).
"""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType

__all__ = ["MAGIC", "sniff_mime"]

MAGIC: Mapping[str, bytes] = MappingProxyType({
    "application/pdf": b"%PDF-",
    "image/png": b"\x89PNG\r\n\x1a\n",
    "image/jpeg": b"\xff\xd8\xff",
})
"""RULE ATT-1: the formats whose payload must match the declared MIME, and their magic bytes."""


def sniff_mime(data: bytes) -> str | None:
    """The MIME type whose magic bytes ``data`` starts with, among :data:`MAGIC`; else ``None``."""
    for mime, magic in MAGIC.items():
        if data.startswith(magic):
            return mime
    return None
