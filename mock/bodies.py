"""Reading a request body whole at the ASGI level, for middleware that must see it before the
app does (idempotency fingerprints it; validation checks a chunked JSON body) and then replays
the same messages to the app; and the JSON value of a body, parsed once for all of them.

The front door parses every JSON body strictly (`mock.strictjson`); the body validator, the
idempotency fingerprint and the handler's argument all need the same value. `remember_json`
notes it on the request's scope with the bytes it came from; `recall_json` gives it back only
for those very bytes (a body rewritten on the way is parsed again).
"""

from __future__ import annotations

from typing import Any

from starlette.types import Message, Receive, Scope

PARSED_JSON = "mock.parsed_json"  # scope extension: (the body's bytes, their JSON value)
MISSING: Any = object()


async def buffer_body(receive: Receive) -> list[Message]:
    """Every message of the request body, read up to the last (`more_body` false)."""
    messages: list[Message] = []
    more = True
    while more:
        message = await receive()
        messages.append(message)
        more = message.get("more_body", False)
    return messages


def body_of(messages: list[Message]) -> bytes:
    """The bytes of the body `buffer_body` read, joined."""
    return b"".join([m.get("body", b"") for m in messages])


def remember_json(scope: Scope, raw: bytes, value: Any) -> None:
    scope.setdefault("extensions", {})[PARSED_JSON] = (raw, value)


def recall_json(scope: Scope, raw: bytes | None = None) -> Any:
    """The value noted for `raw` (for the last body noted, with None), else `MISSING`."""
    noted = scope.get("extensions", {}).get(PARSED_JSON)
    if noted is None or (raw is not None and noted[0] != raw):
        return MISSING
    return noted[1]
