"""`mock.bodies.buffer_body`: a request body read whole, message by message."""

from __future__ import annotations

import asyncio
from typing import Any

from starlette.types import Message, Receive

from mock.bodies import body_of, buffer_body


def _receiver(messages: list[Message]) -> Receive:
    pending = iter(messages)

    async def receive() -> Message:
        return next(pending)

    return receive


def test_reads_up_to_the_last_message_and_no_further() -> None:
    chunks: list[Message] = [
        {"type": "http.request", "body": b"ab", "more_body": True},
        {"type": "http.request", "body": b"c", "more_body": False},
        {"type": "http.disconnect"},
    ]
    assert asyncio.run(buffer_body(_receiver(chunks))) == chunks[:2]


def test_a_single_message_body() -> None:
    one: list[Message] = [{"type": "http.request", "body": b"{}"}]
    assert asyncio.run(buffer_body(_receiver(one))) == one


def test_the_body_is_the_messages_bytes_joined() -> None:
    chunks: list[Message] = [{"type": "http.request", "body": b"ab", "more_body": True},
                             {"type": "http.request", "more_body": True},
                             {"type": "http.request", "body": b"c"}]
    assert body_of(asyncio.run(buffer_body(_receiver(chunks)))) == b"abc"


def test_a_json_body_is_parsed_once_on_its_way_to_the_handler(app: Any,
                                                              auth_a: dict[str, str]) -> None:
    """The front door's strict parse serves the validator, the idempotency fingerprint and the
    handler (`remember_json`), also from a server whose scope has no `extensions` yet (uvicorn;
    Starlette's TestClient makes one) and with no request log (which used to make it)."""
    import json
    from unittest import mock

    import httpx
    import orjson

    body = '{"name": "Imposto único", "default_rate": "2.50"}'
    seen: list[str] = []  # every parse of these bytes, by either JSON library

    def counting(name: str, real: Any) -> Any:
        def parse(text: Any, *args: Any, **kwargs: Any) -> Any:
            if (text.decode() if isinstance(text, bytes) else text) == body:
                seen.append(name)
            return real(text, *args, **kwargs)
        return parse

    async def post() -> httpx.Response:
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://mock") as client:
            return await client.post("/v1/taxes", content=body.encode(),
                                     headers={**auth_a, "Content-Type": "application/json",
                                              "Idempotency-Key": "parsed-once"})

    with mock.patch("json.loads", counting("json", json.loads)), \
            mock.patch("orjson.loads", counting("orjson", orjson.loads)):
        r = asyncio.run(post())
    assert r.status_code == 201, r.text
    assert seen == ["orjson"]  # the front door's (mock.strictjson); nothing parses it again
