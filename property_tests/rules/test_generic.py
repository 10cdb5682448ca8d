"""The rules every operation shares, over HTTP: RULES G-7 (server-owned fields, PATCH),
G-8 (money), G-9 (ids and times) and G-11 (read vs list shape), on every resource.
(G-1…G-6 and G-10 have suites of their own: test_auth, test_isolation, test_pagination,
test_idempotency, test_errors, test_delete.)"""

from __future__ import annotations

import datetime as dt
import re
import uuid
from collections.abc import Iterator
from decimal import Decimal

import pytest
from hypothesis import example, given
from hypothesis import strategies as st

from property_tests.apispec import contract
from property_tests.client import JSON, Env, normalized
from property_tests.profiles import active
from property_tests.rows import Scope, token
from property_tests.rulechecks import expect, money

pytestmark = pytest.mark.rules

RESOURCES = sorted(contract().item_methods)
PATCHABLE = sorted(r for r, methods in contract().item_methods.items() if "PATCH" in methods)
SERVER_OWNED = ("id", "workspace_id", "created_at")
TIMES = ("created_at", "updated_at")
RFC3339 = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$")
MONEY = re.compile(r"^-?\d+\.\d{2}$")
LONG_AGO = "2001-01-01T00:00:00Z"


@pytest.fixture(scope="module")
def scope(writable: Env) -> Iterator[Scope]:
    yield Scope(writable.a)


@pytest.fixture(scope="module")
def foreign(writable: Env) -> Iterator[Scope]:
    """Tenant B's corner, for ids that exist, but elsewhere (G-11)."""
    yield Scope(writable.b)


def descriptive_change(scope: Scope, resource: str) -> JSON:
    """A PATCH of one plain descriptive field of `resource`, to a fresh value (names keep the
    scope's token, so the scope's list still sees the row)."""
    if resource in ("transactions", "payables", "receivables"):
        return {"description": f"{token()} descrição"}
    return {"name": f"{scope.token}{token()}"}


def listed_row(scope: Scope, resource: str, row_id: str) -> JSON:
    rows = [r for r in scope.api.walk(resource, scope.filters(resource)).rows
            if r["id"] == row_id]
    assert len(rows) == 1, f"GET /{resource} lists the new row {row_id} once: {len(rows)}"
    return rows[0]


def utc(value: str, what: str) -> dt.datetime:
    assert isinstance(value, str) and RFC3339.match(value), (
        f"G-9: {what} is an RFC 3339 date-time: {value!r}")
    moment = dt.datetime.fromisoformat(value.replace("Z", "+00:00"))
    assert moment.utcoffset() == dt.timedelta(0), f"G-9: {what} is UTC: {value!r}"
    return moment


# RULE G-7
@pytest.mark.rule("G-7")
@pytest.mark.parametrize("resource", PATCHABLE)
def test_g_7_patch_writes_its_fields_only_and_answers_the_persisted_state(
        scope: Scope, resource: str) -> None:
    api = scope.api
    row_id = str(scope.make(resource, 0)["id"])
    try:
        before = expect(api.read(resource, row_id), 200, "GET before PATCH")
        body = descriptive_change(scope, resource)
        answer = expect(api.patch(resource, row_id, body), 200, f"PATCH {body}")
        after = expect(api.read(resource, row_id), 200, "GET after PATCH")
        assert answer == after, (
            f"G-7: the PATCH answer is the persisted state; it differs from GET on "
            f"{sorted(k for k in after if answer.get(k) != after[k])}")
        changed = sorted(k for k in before if before[k] != after.get(k))
        assert set(changed) <= {*body, "updated_at"}, (
            f"G-7: PATCH {sorted(body)} also changed {changed}: "
            f"{ {k: (before[k], after.get(k)) for k in changed} }")
        assert {k: after[k] for k in body} == body, f"G-7: PATCH {body} wrote {after}"
        owned: JSON = {"id": str(uuid.uuid4()), "workspace_id": str(uuid.uuid4()),
                       "created_at": LONG_AGO, "updated_at": LONG_AGO}
        response = api.patch(resource, row_id, owned)
        assert response.status_code in (200, 422), (
            f"G-7: server-owned fields in a PATCH are ignored (or refused): "
            f"{response.status_code} {response.text[:300]}")
        again = expect(api.read(resource, row_id), 200, "GET after PATCH of server fields")
        assert {k: again[k] for k in SERVER_OWNED} == {k: before[k] for k in SERVER_OWNED}, (
            f"G-7: id, workspace_id and created_at are server-owned: {again}")
        assert again["updated_at"] != LONG_AGO, "G-7: updated_at is server-owned"
    finally:
        scope.remove(resource, row_id)


# RULE G-8
@pytest.mark.rule("G-8")
@active()
@given(cents=st.integers(1, 10**11), as_number=st.booleans())
@example(cents=10, as_number=True)
def test_g_8_amounts_are_answered_as_two_place_decimal_strings(
        scope: Scope, cents: int, as_number: bool) -> None:
    api = scope.api
    sent: str | float = float(Decimal(cents) / 100) if as_number else money(cents)
    row = api.create("transactions", scope.body("transactions", 0, amount=sent))
    row_id = str(row["id"])
    try:
        seen = {"POST": row["amount"],
                "GET": expect(api.read("transactions", row_id), 200, "GET")["amount"],
                "list": listed_row(scope, "transactions", row_id)["amount"]}
        assert all(isinstance(v, str) and MONEY.match(v) for v in seen.values()), (
            f"G-8: amounts are decimal strings with two places: sent {sent!r}, got {seen}")
        assert set(seen.values()) == {money(cents)}, f"G-8: sent {sent!r}, got {seen}"
        for bad in ("0.00", 0, "-1.00", -1):
            expect(api.post("transactions", scope.body("transactions", 0, amount=bad)), 422,
                   f"G-8: a transaction amount of {bad!r} must be positive")
    finally:
        scope.remove("transactions", row_id)


# RULE G-8
@pytest.mark.rule("G-8")
@active()
@given(tenths=st.lists(st.integers(1, 9), min_size=2, max_size=6))
@example(tenths=[1, 2])
def test_g_8_sums_are_exact_decimals_never_floats(scope: Scope, tenths: list[int]) -> None:
    """0.1 + 0.2 is 0.30 here: a balance adds JSON-number amounts exactly (ACC-2's sum)."""
    api = scope.api
    account = api.create("accounts", scope.body("accounts", 0, balance="0.00"))
    made = []
    try:
        for tenth in tenths:
            made.append(str(api.create("transactions", scope.body(
                "transactions", 0, financial_account_id=account["id"], type="credit",
                amount=tenth / 10, is_pending=False))["id"]))
        balance = expect(api.read("accounts", str(account["id"])), 200, "GET")["balance"]
        assert balance == money(10 * sum(tenths)), (
            f"G-8: credits {[t / 10 for t in tenths]} add up to {money(10 * sum(tenths))}, "
            f"the balance says {balance!r}")
    finally:
        for row_id in made:
            api.delete("transactions", row_id)
        api.delete("accounts", str(account["id"]))


# RULE G-9
@pytest.mark.rule("G-9")
@pytest.mark.parametrize("resource", RESOURCES)
def test_g_9_ids_are_uuids_and_timestamps_rfc3339_utc(scope: Scope, resource: str) -> None:
    api = scope.api
    row = scope.make(resource, 0)
    row_id = str(row["id"])
    try:
        assert str(uuid.UUID(row_id)) == row_id.lower(), f"G-9: id {row_id!r} is a UUID"
        if resource in PATCHABLE:
            expect(api.patch(resource, row_id, descriptive_change(scope, resource)), 200, "PATCH")
        shown = expect(api.read(resource, row_id), 200, "GET")
        for what, got in (("POST", row), ("GET", shown),
                          ("list", listed_row(scope, resource, row_id))):
            created, updated = (utc(got[f], f"{what} {f}") for f in TIMES)
            assert created <= updated, f"G-9: {what} created_at after updated_at: {got}"
    finally:
        scope.remove(resource, row_id)


# RULE G-9
@pytest.mark.rule("G-9")
@active()
@given(day=st.dates(dt.date(2020, 1, 1), dt.date(2030, 12, 31)),
       at=st.times(), as_datetime=st.booleans())
@example(day=dt.date(2026, 1, 31), at=dt.time(23, 59, 59), as_datetime=True)
def test_g_9_business_dates_take_a_date_or_a_date_time(scope: Scope, day: dt.date,
                                                       at: dt.time, as_datetime: bool) -> None:
    api = scope.api
    sent = f"{day.isoformat()}T{at.isoformat(timespec='seconds')}Z" if as_datetime \
        else day.isoformat()
    made = []
    try:
        for resource, field in (("transactions", "occurred_at"), ("payables", "due_date")):
            row = api.create(resource, scope.body(resource, 0, **{field: sent}))
            made.append((resource, str(row["id"])))
            shown = expect(api.read(resource, str(row["id"])), 200, "GET")
            assert shown[field][:10] == day.isoformat(), (
                f"G-9: {resource} {field} sent {sent!r} names {day}, answered {shown[field]!r}")
    finally:
        for resource, row_id in made:
            api.delete(resource, row_id)


# RULE G-11
@pytest.mark.rule("G-11")
@pytest.mark.parametrize("resource", RESOURCES)
def test_g_11_the_detail_is_the_list_row_and_a_404_reveals_nothing(
        scope: Scope, foreign: Scope, resource: str) -> None:
    api = scope.api
    row_id = str(scope.make(resource, 0)["id"])
    elsewhere = str(foreign.make(resource, 0)["id"])
    try:
        detail = expect(api.read(resource, row_id), 200, "GET")
        listed = listed_row(scope, resource, row_id)
        differs = {k: (v, detail.get(k, "<absent>")) for k, v in listed.items()
                   if detail.get(k, ...) != v}
        assert not differs, f"G-11: GET /{resource}/{{id}} is the list row plus extras: {differs}"
        missing = str(uuid.uuid4())
        assert normalized(api.read(resource, elsewhere), elsewhere) == normalized(
            api.read(resource, missing), missing), (
            f"G-11: a 404 for another tenant's {resource} id must read like one for no row")
    finally:
        scope.remove(resource, row_id)
        foreign.remove(resource, elsewhere)
