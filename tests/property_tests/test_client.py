"""`property_tests.client.Api.walk` on lists that never end: it fails at once, never loops."""

from __future__ import annotations

import itertools
from collections.abc import Callable, Iterator
from contextlib import ExitStack
from typing import Any

import pytest
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from conformance.targets import Target, embedded_mock, serve
from fixtures import tokens
from property_tests.client import STALLED, Api, WalkFailed

ROWS = [{"id": f"00000000-0000-4000-8000-00000000000{n}"} for n in range(3)]


def target(base_url: str) -> Target:
    return Target(base_url=base_url, token_a=tokens.mint_token(tokens.TENANT_A),
                  token_b=tokens.mint_token(tokens.TENANT_B), token_a_read_only=None,
                  secret=tokens.DEFAULT_SECRET, mode="mock")


@pytest.fixture
def listing() -> Iterator[Callable[[Callable[[Request], Any]], Api]]:
    """An API whose `GET /v1/taxes` answers what `page(request)` returns; counts requests."""
    with ExitStack() as stack:

        def make(page: Callable[[Request], Any]) -> Api:
            async def endpoint(request: Request) -> JSONResponse:
                return JSONResponse(page(request))

            root = stack.enter_context(serve(Starlette(routes=[Route("/v1/taxes",
                                                                     endpoint)])))
            api = Api(target(f"{root}/v1"), tokens.mint_token(tokens.TENANT_A), "a")
            stack.callback(api.close)
            return api

        yield make


def test_a_cursor_given_twice_fails_on_the_second_page(listing: Any) -> None:
    calls = itertools.count(1)
    api = listing(lambda r: (next(calls), {"data": ROWS, "next_cursor": "same"})[1])
    with pytest.raises(WalkFailed, match="was given before"):
        api.walk("taxes", limit=3)
    assert next(calls) == 3  # two pages, not a thousand


def test_fresh_cursors_over_the_same_rows_fail_after_a_few_pages(listing: Any) -> None:
    calls = itertools.count(1)
    api = listing(lambda r: {"data": ROWS, "next_cursor": f"c{next(calls)}"})
    with pytest.raises(WalkFailed, match="does not advance"):
        api.walk("taxes", limit=3)
    assert next(calls) == STALLED + 2


def test_a_page_that_is_not_a_page_fails(listing: Any) -> None:
    api = listing(lambda r: {"items": ROWS})
    with pytest.raises(WalkFailed, match="not a page"):
        api.walk("taxes")


def test_a_sound_list_walks_to_its_end() -> None:
    with embedded_mock() as base:
        api = Api(target(base), tokens.mint_token(tokens.TENANT_A), "a")
        try:
            for n in range(7):
                assert api.post("taxes", {"name": f"Walk {n}"}).status_code == 201
            walk = api.walk("taxes", limit=2)
        finally:
            api.close()
    assert len(walk.ids) == len(set(walk.ids)) >= 7
    assert len(walk.pages) >= 4


def test_short_and_empty_pages_that_go_on_are_followed_to_the_end(listing: Any) -> None:
    # A target that bounds each page's scan (G-4): empty pages with a cursor, then rows.
    pages = [ROWS[:1], [], [], [], [], ROWS[1:2], [], ROWS[2:]]

    def page(request: Request) -> Any:
        number = int(request.query_params.get("cursor", "0"))
        following = str(number + 1) if number + 1 < len(pages) else None
        return {"data": pages[number], "next_cursor": following}

    walk = listing(page).walk("taxes", limit=3, max_pages=3)
    assert walk.ids == [row["id"] for row in ROWS]
    assert len(walk.pages) == len(pages)


def test_endless_empty_pages_still_end(listing: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    import property_tests.client as client

    monkeypatch.setattr(client, "EMPTY_PAGES", 5)
    calls = itertools.count(1)
    api = listing(lambda r: {"data": [], "next_cursor": f"c{next(calls)}"})
    with pytest.raises(WalkFailed, match="still a next_cursor"):
        api.walk("taxes", limit=3, max_pages=2)
    assert next(calls) == 2 + 5 + 1
