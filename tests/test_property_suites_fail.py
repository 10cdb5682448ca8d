"""Each property suite, run against a tiny broken app, fails: the suites catch what they claim.

The mock's ASGI app is served over HTTP behind a `Switch`; each test puts one `Fault` in
front of it — a wrapper that changes a request or an answer the way a buggy implementation
would (a page that drops a row, an ignored Idempotency-Key, keys shared across tenants, a GET
that ignores the tenant, a second DELETE that answers 204, a balance that ignores the
ledger, …) — and runs a suite's core check against it: the check must pass on the healthy
mock and fail on the broken one, for the reason the fault gives. (`--faults` of the mock
will later put such defects in the mock itself; these wrappers need nothing of it.)
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any
from urllib.parse import parse_qs

import pytest
from hypothesis import HealthCheck, Phase, settings
from hypothesis.stateful import run_state_machine_as_test
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from conformance.targets import Target
from conformance.targets import serve as serve_root
from contract.documents import cnpj_check_digits
from fixtures import tokens
from property_tests.client import Env
from property_tests.deletion import check_delete
from property_tests.isolation import IsolationMachine
from property_tests.paging import Plan, check_cursor_misuse, check_walk
from property_tests.replay import check_race, check_replay, check_tenants, key_of, marked
from property_tests.rows import Scope as RowScope
from property_tests.rulechecks import (
    LedgerMachine,
    check_category_depth,
    check_document,
    check_nominal,
    check_series,
)

JSON_TYPE = b"application/json"
MACHINE = settings(derandomize=True, database=None, deadline=None, max_examples=40,
                   stateful_step_count=30, phases=(Phase.explicit, Phase.generate),
                   report_multiple_bugs=False, print_blob=False,
                   suppress_health_check=list(HealthCheck))


# -- a wrapper that can change what goes in and what comes out -------------------------------


@dataclass
class Exchange:
    """One request as the fault sees it, and (after `forward`) the mock's answer."""

    scope: Scope
    body: bytes
    status: int = 0
    headers: list[tuple[bytes, bytes]] = field(default_factory=list)
    answer: bytes = b""

    @property
    def method(self) -> str:
        return str(self.scope["method"])

    @property
    def parts(self) -> list[str]:
        """The path below /v1, split (`["companies", "<id>"]`)."""
        return str(self.scope["path"]).removeprefix("/v1/").strip("/").split("/")

    @property
    def query(self) -> dict[str, list[str]]:
        return parse_qs(self.scope.get("query_string", b"").decode())

    def header(self, name: bytes) -> bytes | None:
        return next((v for k, v in self.scope["headers"] if k == name), None)

    def set_header(self, name: bytes, value: bytes | None) -> None:
        headers = [(k, v) for k, v in self.scope["headers"] if k != name]
        self.scope = {**self.scope, "headers": headers + ([(name, value)] if value else [])}

    def json(self) -> Any:
        return json.loads(self.answer)

    def set_json(self, value: Any, status: int | None = None) -> None:
        self.answer = json.dumps(value).encode()
        self.status = status or self.status
        self.headers = [(k, v) for k, v in self.headers if k != b"content-type"] + [
            (b"content-type", JSON_TYPE)]


class Fault:
    """Pass-through: subclasses override `handle` and call `forward` as they need."""

    def __init__(self, app: ASGIApp, env: Env) -> None:
        self.app = app
        self.env = env

    async def handle(self, ex: Exchange) -> None:
        await self.forward(ex)

    async def forward(self, ex: Exchange) -> None:
        scope = {**ex.scope, "extensions": dict(ex.scope.get("extensions") or {}),
                 "headers": [(k, v) for k, v in ex.scope["headers"] if k != b"content-length"]
                 + [(b"content-length", str(len(ex.body)).encode())]}
        delivered = False

        async def receive() -> Message:
            nonlocal delivered
            if not delivered:
                delivered = True
                return {"type": "http.request", "body": ex.body, "more_body": False}
            await asyncio.Future()  # never disconnects: the answer is read in full
            raise AssertionError("unreachable")

        chunks: list[bytes] = []

        async def send(message: Message) -> None:
            if message["type"] == "http.response.start":
                ex.status = message["status"]
                ex.headers = [(k, v) for k, v in message.get("headers", [])]
            elif message["type"] == "http.response.body":
                chunks.append(message.get("body", b""))

        await self.app(scope, receive, send)
        ex.answer = b"".join(chunks)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or not str(scope["path"]).startswith("/v1/"):
            await self.app(scope, receive, send)
            return
        body = b""
        while True:
            message = await receive()
            body += message.get("body", b"")
            if not message.get("more_body"):
                break
        ex = Exchange(scope=scope, body=body)
        await self.handle(ex)
        headers = [(k, v) for k, v in ex.headers if k != b"content-length"]
        await send({"type": "http.response.start", "status": ex.status,
                    "headers": [*headers, (b"content-length", str(len(ex.answer)).encode())]})
        await send({"type": "http.response.body", "body": ex.answer})


class Switch:
    """The served app: the mock, or the mock behind the fault of the running test."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app
        self.fault: ASGIApp | None = None

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        await (self.fault or self.app)(scope, receive, send)


# -- the faults --------------------------------------------------------------------------------


def is_list(ex: Exchange) -> bool:
    return ex.method == "GET" and len(ex.parts) == 1


class DropRowEverySecondPage(Fault):
    """G-4: every second page after the first loses its first row."""

    pages = 0

    async def handle(self, ex: Exchange) -> None:
        await self.forward(ex)
        if is_list(ex) and "cursor" in ex.query and ex.status == 200:
            self.pages += 1
            if self.pages % 2:
                page = ex.json()
                ex.set_json({**page, "data": page["data"][1:]})


class CursorNotBound(Fault):
    """G-4: a cursor the mock refuses (other sort, filter, tenant, tampered) is taken as
    'the end'."""

    async def handle(self, ex: Exchange) -> None:
        await self.forward(ex)
        if is_list(ex) and ex.status == 400:
            ex.set_json({"data": [], "next_cursor": None}, status=200)


class IgnoreIdempotencyKey(Fault):
    """G-5: the header is dropped, so nothing is ever replayed."""

    async def handle(self, ex: Exchange) -> None:
        ex.set_header(b"idempotency-key", None)
        await self.forward(ex)


class KeysAcrossTenants(Fault):
    """G-5/G-3: answers stored by key alone, so tenant B gets tenant A's answer."""

    stored: dict[bytes, tuple[int, list[tuple[bytes, bytes]], bytes]]

    async def handle(self, ex: Exchange) -> None:
        key = ex.header(b"idempotency-key")
        if ex.method != "POST" or key is None:
            await self.forward(ex)
            return
        if not hasattr(self, "stored"):
            self.stored = {}
        if key in self.stored:
            ex.status, ex.headers, ex.answer = self.stored[key]
            ex.headers = [*ex.headers, (b"idempotent-replayed", b"true")]
            return
        await self.forward(ex)
        self.stored[key] = (ex.status, list(ex.headers), ex.answer)


class GetIgnoresTenant(Fault):
    """G-3: a GET by id that misses in the caller's tenant looks in the other one."""

    async def handle(self, ex: Exchange) -> None:
        original = ex.scope
        await self.forward(ex)
        if ex.method == "GET" and len(ex.parts) >= 2 and ex.status == 404:
            mine = ex.header(b"authorization") or b""
            a, b = (f"Bearer {t}".encode() for t in (self.env.a.token, self.env.b.token))
            ex.set_header(b"authorization", b if mine == a else a)
            await self.forward(ex)
            ex.scope = original


class ListLeaksOtherTenant(Fault):
    """G-3: a list also shows the first rows of the other tenant's list."""

    async def handle(self, ex: Exchange) -> None:
        await self.forward(ex)
        if not (is_list(ex) and ex.status == 200 and "cursor" not in ex.query):
            return
        page = ex.json()
        mine = ex.header(b"authorization") or b""
        a, b = (f"Bearer {t}".encode() for t in (self.env.a.token, self.env.b.token))
        other = Exchange(scope={**ex.scope, "headers": [
            (k, v) for k, v in ex.scope["headers"] if k != b"authorization"]
            + [(b"authorization", b if mine == a else a)]}, body=b"")
        await self.forward(other)
        if other.status == 200:
            ex.set_json({**page, "data": page["data"] + other.json()["data"][:3]})


class SecondDeleteIs204(Fault):
    """G-10: DELETE of a missing id answers 204."""

    async def handle(self, ex: Exchange) -> None:
        await self.forward(ex)
        if ex.method == "DELETE" and len(ex.parts) == 2 and ex.status == 404:
            ex.status, ex.headers, ex.answer = 204, [], b""


class BalanceIgnoresTransactions(Fault):
    """ACC-2: GET /accounts/{id} shows the opening seed, whatever the ledger did."""

    seeds: dict[str, str]

    async def handle(self, ex: Exchange) -> None:
        await self.forward(ex)
        if not hasattr(self, "seeds"):
            self.seeds = {}
        if ex.parts[0] != "accounts" or ex.status not in (200, 201):
            return
        row = ex.json()
        if ex.method == "POST":
            self.seeds[row["id"]] = row["balance"]
        elif ex.method == "GET" and len(ex.parts) == 2 and row["id"] in self.seeds:
            ex.set_json({**row, "balance": self.seeds[row["id"]]})


class CnpjWithoutCheckDigits(Fault):
    """CMP-1: any 14 digits pass (the check digits are put right before the mock sees them)."""

    async def handle(self, ex: Exchange) -> None:
        if ex.method == "POST" and ex.parts == ["companies"]:
            body = json.loads(ex.body)
            cnpj = str(body.get("cnpj", ""))
            if len(cnpj) == 14 and cnpj.isdigit() and len(set(cnpj)) > 1:
                body["cnpj"] = cnpj[:12] + cnpj_check_digits(cnpj[:12])
                ex.body = json.dumps(body).encode()
        await self.forward(ex)


class NominalIgnoresDiscount(Fault):
    """PAY-7: nominal_amount = amount + interest (the discount forgotten)."""

    async def handle(self, ex: Exchange) -> None:
        await self.forward(ex)
        if ex.parts[0] not in ("payables", "receivables") or ex.status not in (200, 201):
            return

        def wrong(row: dict[str, Any]) -> dict[str, Any]:
            nominal = Decimal(row["amount"]) + Decimal(row["interest_amount"])
            return {**row, "nominal_amount": f"{nominal:.2f}"}

        body = ex.json()
        ex.set_json({**body, "data": [wrong(r) for r in body["data"]]} if "data" in body
                    else wrong(body))


class SeriesRemainderLost(Fault):
    """PAY-3: every installment shows the first one's amount (the remainder cent lost)."""

    async def handle(self, ex: Exchange) -> None:
        await self.forward(ex)
        if is_list(ex) and "group_id" in ex.query and ex.status == 200:
            page = ex.json()
            rows = page["data"]
            first = min(rows, key=lambda r: r["installment_number"])["amount"] if rows else None
            ex.set_json({**page, "data": [{**r, "amount": first} for r in rows]})


class FourthCategoryLevel(Fault):
    """CAT-1: a category too deep is made at the top level instead of refused."""

    async def handle(self, ex: Exchange) -> None:
        await self.forward(ex)
        if ex.method == "POST" and ex.parts == ["categories"] and ex.status == 422:
            body = json.loads(ex.body)
            body.pop("parent_id", None)
            ex.body = json.dumps(body).encode()
            await self.forward(ex)


# -- the served mock ---------------------------------------------------------------------------


@contextmanager
def serve(app: ASGIApp) -> Iterator[str]:
    """`app` on a free loopback port in a thread; yields the base URL (…/v1)."""
    with serve_root(app) as root:
        yield f"{root}/v1"


@dataclass
class Served:
    switch: Switch
    env: Env

    @contextmanager
    def broken(self, fault: Callable[[ASGIApp, Env], ASGIApp]) -> Iterator[Env]:
        """The same target, with `fault` in front of the mock for the block."""
        self.switch.fault = fault(self.switch.app, self.env)
        try:
            yield self.env
        finally:
            self.switch.fault = None


@pytest.fixture(scope="module")
def served() -> Iterator[Served]:
    from mock.app import create_app, new_store

    switch = Switch(create_app(new_store(), secret=tokens.DEFAULT_SECRET))
    with serve(switch) as base_url:
        target = Target(base_url=base_url,
                        token_a=tokens.mint_token(tokens.TENANT_A),
                        token_b=tokens.mint_token(tokens.TENANT_B),
                        token_a_read_only=None, secret=tokens.DEFAULT_SECRET, mode="mock")
        env = Env.open(target)
        try:
            yield Served(switch, env)
        finally:
            env.close()


def fails(check: Callable[[], object], because: str) -> None:
    """`check` raises an AssertionError whose message names `because`."""
    with pytest.raises(AssertionError) as caught:
        check()
    assert because in str(caught.value), f"failed, but not because {because!r}: {caught.value}"


# -- the suites, healthy and broken ------------------------------------------------------------


def test_pagination_catches_a_dropped_row(served: Served) -> None:
    scope = RowScope(served.env.a)
    scope.base("companies", 12)
    check_walk(scope, "companies", "name", Plan(limit=3))
    with served.broken(DropRowEverySecondPage):
        fails(lambda: check_walk(scope, "companies", "name", Plan(limit=3)), "skipped")


def test_pagination_catches_an_unbound_cursor(served: Served) -> None:
    mine, theirs = RowScope(served.env.a), RowScope(served.env.b)
    mine.base("people", 3)
    theirs.base("people", 2)
    check_cursor_misuse(mine, theirs, "people", "name", "-created_at")
    with served.broken(CursorNotBound):
        fails(lambda: check_cursor_misuse(mine, theirs, "people", "name", "-created_at"),
              "not refused with 400")


def test_idempotency_catches_an_ignored_key(served: Served) -> None:
    scope = RowScope(served.env.a)
    check_replay(scope.api, marked(scope, "payables", 1), key_of("ok"))
    with served.broken(IgnoreIdempotencyKey):
        fails(lambda: check_replay(scope.api, marked(scope, "payables", 2), key_of("x")),
              "Idempotent-Replayed")
        fails(lambda: check_race(scope.api, marked(scope, "payables", 3), key_of("y"), 4),
              "first answers")


def test_idempotency_catches_keys_shared_across_tenants(served: Served) -> None:
    a, b = RowScope(served.env.a), RowScope(served.env.b)
    check_tenants(served.env, marked(a, "taxes", 1), marked(b, "taxes", 2), key_of("ok"))
    with served.broken(KeysAcrossTenants):
        fails(lambda: check_tenants(served.env, marked(a, "taxes", 3), marked(b, "taxes", 4),
                                    key_of("x")), "tenant B POST")


@pytest.mark.parametrize(("fault", "because"), [(GetIgnoresTenant, "another tenant's id"),
                                               (ListLeaksOtherTenant, "leaks")])
def test_isolation_machine_catches_a_leak(served: Served, fault: type[Fault],
                                          because: str) -> None:
    machine = IsolationMachine.bind(served.env)
    with served.broken(fault):
        fails(lambda: run_state_machine_as_test(machine, settings=MACHINE), because)


def test_delete_catches_a_second_204(served: Served) -> None:
    scope = RowScope(served.env.a)
    check_delete(scope.api, "taxes", str(scope.make("taxes", 0)["id"]))
    row_id = str(scope.make("taxes", 0)["id"])
    with served.broken(SecondDeleteIs204):
        fails(lambda: check_delete(scope.api, "taxes", row_id), "expected 404, got 204")


def test_ledger_machine_catches_a_balance_without_transactions(served: Served) -> None:
    machine = LedgerMachine.bind(served.env)
    with served.broken(BalanceIgnoresTransactions):
        fails(lambda: run_state_machine_as_test(machine, settings=MACHINE), "ACC-2")


def test_document_rule_catches_cnpj_without_check_digits(served: Served) -> None:
    scope = RowScope(served.env.a)
    invalid = "12345678000100"  # the right check digits are 95
    check_document(scope, "companies", invalid)
    with served.broken(CnpjWithoutCheckDigits):
        fails(lambda: check_document(scope, "companies", invalid), "invalid check digits")


def test_nominal_rule_catches_a_forgotten_discount(served: Served) -> None:
    scope = RowScope(served.env.a)
    check_nominal(scope, "payables", 10_000, 500, 300, 0, 100)
    with served.broken(NominalIgnoresDiscount):
        fails(lambda: check_nominal(scope, "payables", 10_000, 500, 300, 0, 100), "PAY-7")


def test_series_rule_catches_a_lost_remainder(served: Served) -> None:
    scope = RowScope(served.env.a)
    check_series(scope, "receivables", 1000, 3, None, "2026-01-31")
    with served.broken(SeriesRemainderLost):
        fails(lambda: check_series(scope, "receivables", 1000, 3, None, "2026-01-31"),
              "PAY-3")


def test_category_rule_catches_a_fourth_level(served: Served) -> None:
    scope = RowScope(served.env.a)
    check_category_depth(scope, "debit", ["Um", "Dois", "Três", "Quatro"])
    with served.broken(FourthCategoryLevel):
        fails(lambda: check_category_depth(scope, "debit", ["Um", "Dois", "Três", "Quatro"]),
              "CAT-1")
