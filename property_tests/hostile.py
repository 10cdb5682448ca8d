"""Hostile request bodies (RULE G-12): a valid body, broken in exactly one way at the byte level.

Each variant starts from a body the target accepts and changes one thing a careless parser or
encoder trips on: a lone UTF-16 surrogate written as the JSON escape `\\ud800` (valid JSON
syntax, text no encoder can write back out), JSON nested 10,000 deep, a duplicated key, a NUL
character, a 1 MB string, `1e309` (overflows a double), `NaN` (not JSON), a body with no
`Content-Type`, one with a wrong `Content-Type`, bytes that are not UTF-8. Uploads
(`multipart/form-data`) get the variants that exist at their level: the text parts carry the
surrogate (as the bytes UTF-8 forbids for one), NUL, 1 MB and invalid UTF-8; duplicate keys are
two `file` parts; and the two `Content-Type` cases.

The JSON is written by `json.dumps` and the one hostile value spliced into its text, because
`json.dumps` refuses to write most of these (NaN aside) and that is the point: they are what a
client that does not use a JSON library, or an attacker, sends.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

JSON_TYPE = "application/json"
MULTIPART_TYPE = "multipart/form-data"
WRONG_TYPE = "text/plain"
DEPTH = 10_000
ONE_MB = 1024 * 1024
SURROGATE = "\ud800"  # json.dumps writes it as the escape `\ud800`
SURROGATE_UTF8 = b"\xed\xa0\x80"  # the bytes a lone surrogate would take; not UTF-8 (RFC 3629)
INVALID_UTF8 = b"\xff\xfe\xc3("  # never valid in UTF-8
_SPLICE = "@@G12-SPLICE@@"

JSON_VARIANTS: tuple[str, ...] = (
    "lone_surrogate", "nested_10000", "duplicate_key", "nul_character", "string_1mb",
    "number_1e309", "nan", "no_content_type", "wrong_content_type", "invalid_utf8")
UPLOAD_VARIANTS: tuple[str, ...] = (
    "lone_surrogate", "duplicate_key", "nul_character", "string_1mb", "no_content_type",
    "wrong_content_type", "invalid_utf8")


@dataclass(frozen=True)
class Hostile:
    """One hostile request body: its bytes, its headers, and the field it attacks."""

    variant: str
    content: bytes
    headers: Mapping[str, str] = field(default_factory=dict)
    field: str | None = None

    def __repr__(self) -> str:
        where = f" in {self.field!r}" if self.field else ""
        return f"Hostile({self.variant}{where}, {len(self.content)} bytes, {dict(self.headers)})"

    @property
    def label(self) -> str:
        return self.variant + (f"[{self.field}]" if self.field else "")


def _spliced(body: Mapping[str, Any], name: str, raw: bytes) -> bytes:
    """`body` as JSON with the value of `name` replaced by `raw`, verbatim."""
    text = json.dumps({**body, name: _SPLICE}).encode("ascii")
    return text.replace(json.dumps(_SPLICE).encode("ascii"), raw, 1)


def _json(variant: str, content: bytes, name: str | None = None) -> Hostile:
    return Hostile(variant, content, {"Content-Type": JSON_TYPE}, name)


def json_cases(variant: str, body: Mapping[str, Any],
               numeric_fields: tuple[str, ...] = ()) -> list[Hostile]:
    """The hostile versions of a valid JSON `body` for `variant` (one per string field for
    the surrogate, one otherwise)."""
    if not body:
        raise ValueError("a hostile body needs a valid body with at least one field")
    strings = [name for name, value in body.items() if isinstance(value, str)]
    first = strings[0] if strings else next(iter(body))
    number = next((name for name in numeric_fields if name in body), None) or \
        next((name for name in numeric_fields), None) or first
    valid = json.dumps(body).encode("ascii")
    if variant == "lone_surrogate":
        return [_json(variant, json.dumps({**body, name: body[name] + SURROGATE}).encode(),
                      name) for name in strings]
    if variant == "nested_10000":
        return [_json(variant, _spliced(body, first, b"[" * DEPTH + b"]" * DEPTH), first)]
    if variant == "duplicate_key":
        # The same key twice, with the same valid value: a parser that keeps either copy
        # sees a valid body; only one that refuses the ambiguity refuses it.
        pair = json.dumps({first: body[first]}).encode("ascii")[1:-1]
        return [_json(variant, b"{" + pair + b", " + valid[1:], first)]
    if variant == "nul_character":
        return [_json(variant, json.dumps({**body, first: f"{body[first]}\x00"}).encode(),
                      first)]
    if variant == "string_1mb":
        return [_json(variant, json.dumps({**body, first: "x" * ONE_MB}).encode(), first)]
    if variant == "number_1e309":
        return [_json(variant, _spliced(body, number, b"1e309"), number)]
    if variant == "nan":
        return [_json(variant, _spliced(body, number, b"NaN"), number)]
    if variant == "no_content_type":
        return [Hostile(variant, valid, {})]
    if variant == "wrong_content_type":
        return [Hostile(variant, valid, {"Content-Type": WRONG_TYPE})]
    if variant == "invalid_utf8":
        return [_json(variant, _spliced(body, first, b'"' + INVALID_UTF8 + b'"'), first)]
    raise ValueError(f"unknown JSON variant {variant!r}")


# -- uploads -----------------------------------------------------------------------------------

BOUNDARY = "g12-boundary-7d1c"


def multipart(parts: list[tuple[str, str | None, bytes]], boundary: str = BOUNDARY) -> bytes:
    """A multipart/form-data body of (name, file name or None, bytes) parts, by hand: a
    multipart encoder (httpx's) would encode or refuse the very bytes under test."""
    out = b""
    for name, file_name, data in parts:
        out += f"--{boundary}\r\n".encode()
        disposition = f'form-data; name="{name}"'.encode()
        if file_name is not None:
            disposition += b'; filename="' + file_name.encode("utf-8", "surrogatepass") + b'"'
        out += b"Content-Disposition: " + disposition + b"\r\n"
        if file_name is not None:
            out += b"Content-Type: text/csv\r\n"
        out += b"\r\n" + data + b"\r\n"
    return out + f"--{boundary}--\r\n".encode()


def upload_cases(variant: str, file_name: str, content: bytes, title: str) -> list[Hostile]:
    """The hostile versions of a valid upload of `content` as `file_name` with `title`."""
    header = {"Content-Type": f"{MULTIPART_TYPE}; boundary={BOUNDARY}"}
    file_part = ("file", file_name, content)

    def title_is(raw: bytes) -> list[Hostile]:
        return [Hostile(variant, multipart([file_part, ("title", None, raw)]), header, "title")]

    valid = multipart([file_part, ("title", None, title.encode())])
    if variant == "lone_surrogate":
        return title_is(title.encode() + SURROGATE_UTF8)
    if variant == "duplicate_key":
        return [Hostile(variant, multipart([file_part, file_part, ("title", None,
                                                                   title.encode())]),
                        header, "file")]
    if variant == "nul_character":
        return [*title_is(title.encode() + b"\x00"),
                Hostile(variant, multipart([("file", file_name + "\x00.pdf", content)]), header,
                        "file name")]
    if variant == "string_1mb":
        return title_is(b"x" * ONE_MB)
    if variant == "no_content_type":
        return [Hostile(variant, valid, {})]
    if variant == "wrong_content_type":
        return [Hostile(variant, valid, {"Content-Type": JSON_TYPE})]
    if variant == "invalid_utf8":
        return title_is(title.encode() + INVALID_UTF8)
    raise ValueError(f"unknown upload variant {variant!r}")


def variants(media_type: str) -> tuple[str, ...]:
    """The variants that exist for a body of `media_type`."""
    return UPLOAD_VARIANTS if media_type == MULTIPART_TYPE else JSON_VARIANTS
