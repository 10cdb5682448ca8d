"""JSON text read strictly: what a client sends and what the state file holds.

`loads` refuses what would otherwise be stored and then fail later, or be read two ways:
text that is not UTF-8 or holds a lone surrogate (`"\\ud800"` parses, but can never be
encoded again: the row would answer 500 forever), nesting deeper than a bound, NaN and
Infinity, NUL characters in a string, and an object that names a key twice (RFC 8259 §4 leaves
its meaning to the parser; RFC 7493 (I-JSON) forbids it).

orjson parses first: it refuses invalid UTF-8, lone surrogates and NaN, and stops at 1024
levels as it parses, so no input reaches Python's recursion limit. The value is then walked
(without recursion) for depth and NUL, and only then read by `json` once more with an
`object_pairs_hook`, the one parser that shows duplicate keys (orjson keeps the last one
silently). Bodies are at most a megabyte, so the second pass costs microseconds.
"""

from __future__ import annotations

import json
from typing import Any, Literal

import orjson

Kind = Literal["malformed", "invalid"]


class JsonRefused(ValueError):
    """The text is refused. `kind` is "malformed" for text that is not one JSON value read
    one way (encoding, syntax, depth, duplicate keys), "invalid" for a well-formed value with
    content the mock will not store (a NUL character); `field` is the path of the offending
    value, when there is one."""

    def __init__(self, reason: str, *, kind: Kind = "malformed", field: str | None = None
                 ) -> None:
        super().__init__(reason)
        self.reason = reason
        self.kind = kind
        self.field = field


def _path(parts: tuple[str, ...]) -> str:
    return ".".join(parts) or "body"


def _check_tree(value: Any, max_depth: int) -> None:
    """Depth and NUL characters, by an explicit stack (a recursive walk could itself overflow)."""
    stack: list[tuple[Any, int, tuple[str, ...]]] = [(value, 1, ())]
    while stack:
        node, depth, parts = stack.pop()
        if isinstance(node, str):
            if "\x00" in node:
                raise JsonRefused("must not contain NUL characters (\\u0000)", kind="invalid",
                                  field=_path(parts))
        elif isinstance(node, dict | list):
            if depth > max_depth:
                raise JsonRefused(f"it is nested more than {max_depth} levels deep",
                                  field=_path(parts))
            items = node.items() if isinstance(node, dict) else enumerate(node)
            for key, child in items:
                if isinstance(key, str) and "\x00" in key:
                    raise JsonRefused("a key must not contain NUL characters (\\u0000)",
                                      kind="invalid", field=_path(parts))
                stack.append((child, depth + 1, (*parts, str(key))))


def _no_duplicates(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    out = dict(pairs)
    if len(out) != len(pairs):
        seen: set[str] = set()
        twice = next(k for k, _ in pairs if k in seen or seen.add(k))  # type: ignore[func-returns-value]
        raise JsonRefused(f"the key {twice!r} appears twice in one object")
    return out


def loads(raw: bytes | str, *, max_depth: int) -> Any:
    """The one JSON value in `raw`, or `JsonRefused` saying why not."""
    try:
        value = orjson.loads(raw)
    except orjson.JSONDecodeError as exc:
        raise JsonRefused(_orjson_reason(str(exc), max_depth)) from None
    _check_tree(value, max_depth)
    return json.loads(raw, object_pairs_hook=_no_duplicates)


def _orjson_reason(message: str, max_depth: int) -> str:
    if "depth limit" in message or "recursion" in message.lower():
        return f"it is nested more than {max_depth} levels deep"
    if "UTF-8" in message:
        return "it is not valid UTF-8"
    if "surrogate" in message:
        return ("it is not Unicode text: it holds a lone UTF-16 surrogate (such as \\ud800), "
                "which no response could encode")
    return f"it is not valid JSON ({message})"
