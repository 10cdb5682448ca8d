"""`mock.bodies.buffer_body`: a request body read whole, message by message."""

from __future__ import annotations

import asyncio

from starlette.types import Message, Receive

from mock.bodies import buffer_body


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
