"""Reading a request body whole at the ASGI level, for middleware that must see it before the
app does (idempotency fingerprints it; validation checks a chunked JSON body) and then replays
the same messages to the app."""

from __future__ import annotations

from starlette.types import Message, Receive


async def buffer_body(receive: Receive) -> list[Message]:
    """Every message of the request body, read up to the last (`more_body` false)."""
    messages: list[Message] = []
    more = True
    while more:
        message = await receive()
        messages.append(message)
        more = message.get("more_body", False)
    return messages
