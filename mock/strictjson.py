"""JSON text read strictly: what a client sends and what the state file holds.

`loads` refuses what would otherwise be stored and then fail later, or be read two ways:
text that is not UTF-8 or holds a lone surrogate (`"\\ud800"` parses, but can never be
encoded again: the row would answer 500 forever), nesting deeper than a bound, NaN and
Infinity, NUL characters in a string, and an object that names a key twice (RFC 8259 §4 leaves
its meaning to the parser; RFC 7493 (I-JSON) forbids it).

orjson parses first: it refuses invalid UTF-8, lone surrogates and NaN, and stops at 1024
levels as it parses, so no input reaches Python's recursion limit. The value is then walked
(without recursion) for depth and NUL, counting the members of its objects. orjson keeps the
last of two equal keys silently, so the text's own keys are counted too (every string token,
and whether a colon follows it): when the counts differ, or the value holds a float (orjson
turns an integer past 64 bits into one; `json` keeps it exact), the text is read again by `json`
with an `object_pairs_hook`, the one parser that shows duplicate keys, and its value is the
answer. Otherwise orjson's value is the same one, and the second parse (a third of the cost of a
small body, profiled) is not needed.
"""

from __future__ import annotations

import json
import re
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


def _check_tree(value: Any, max_depth: int) -> tuple[int, bool]:
    """Depth and NUL characters, by an explicit stack (a recursive walk could itself overflow);
    the number of object members in the value, and whether it holds a float. Only containers
    go on the stack, with their path; a leaf is checked where its container is read, and its
    path is spelled out only to refuse it."""
    members, floats = 0, False
    if isinstance(value, str):
        if "\x00" in value:
            raise _nul(())
    elif isinstance(value, float):
        floats = True
    if not isinstance(value, dict | list):
        return members, floats
    stack: list[tuple[Any, int, tuple[str, ...]]] = [(value, 1, ())]
    while stack:
        node, depth, parts = stack.pop()
        if depth > max_depth:
            raise JsonRefused(f"it is nested more than {max_depth} levels deep",
                              field=_path(parts))
        if isinstance(node, dict):
            members += len(node)
            items: Any = node.items()
        else:
            items = enumerate(node)
        for key, child in items:
            if isinstance(key, str) and "\x00" in key:
                raise JsonRefused("a key must not contain NUL characters (\\u0000)",
                                  kind="invalid", field=_path(parts))
            if isinstance(child, str):
                if "\x00" in child:
                    raise _nul((*parts, str(key)))
            elif isinstance(child, float):
                floats = True
            elif isinstance(child, dict | list):
                stack.append((child, depth + 1, (*parts, str(key))))
    return members, floats


def _nul(parts: tuple[str, ...]) -> JsonRefused:
    return JsonRefused("must not contain NUL characters (\\u0000)", kind="invalid",
                       field=_path(parts))


# Every string token of a JSON text, with the colon after it when it is a key. Matched left to
# right over text orjson accepted, each match starts at a token's opening quote (no quote stands
# outside a string), so keys are counted exactly; an escaped quote stays inside its string.
_STRING_TOKEN = re.compile(rb'"[^"\\]*(?:\\.[^"\\]*)*"(\s*:)?')


def _keys_in_text(raw: bytes) -> int:
    found = _STRING_TOKEN.findall(raw)
    return len(found) - found.count(b"")


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
    members, floats = _check_tree(value, max_depth)
    if floats or members != _keys_in_text(raw if isinstance(raw, bytes) else raw.encode()):
        return json.loads(raw, object_pairs_hook=_no_duplicates)
    return value


def _orjson_reason(message: str, max_depth: int) -> str:
    if "depth limit" in message or "recursion" in message.lower():
        return f"it is nested more than {max_depth} levels deep"
    if "UTF-8" in message:
        return "it is not valid UTF-8"
    if "surrogate" in message:
        return ("it is not Unicode text: it holds a lone UTF-16 surrogate (such as \\ud800), "
                "which no response could encode")
    return f"it is not valid JSON ({message})"
