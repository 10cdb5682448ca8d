"""Cost centers over HTTP: RULES CC-1, CC-2, in the suite's own company."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from hypothesis import given
from hypothesis import strategies as st

from fixtures import factories
from property_tests.client import Env
from property_tests.profiles import active
from property_tests.rows import Scope
from property_tests.rulechecks import expect

pytestmark = pytest.mark.rules

TYPES = ("cost", "revenue")
TEXTS = st.text(st.characters(codec="utf-8", categories=("L", "N", "Zs")), min_size=1,
                max_size=60).map(str.strip).filter(bool)


@pytest.fixture(scope="module")
def scope(writable: Env) -> Iterator[Scope]:
    yield Scope(writable.a)


# RULE CC-1
@pytest.mark.rule("CC-1")
@active()
@given(kind=st.sampled_from(TYPES), name=TEXTS, description=TEXTS, active_=st.booleans())
def test_cc_1_patch_writes_name_type_description_and_active(
        scope: Scope, kind: str, name: str, description: str, active_: bool) -> None:
    api = scope.api
    row = api.create("cost_centers", factories.make_cost_center(
        scope.fake, str(scope.company["id"]), name=f"{scope.token} CC") | {"type": kind})
    row_id = str(row["id"])
    try:
        assert row["type"] == kind, f"CC-1: type {kind} on POST, got {row['type']}"
        expect(api.post("cost_centers", factories.make_cost_center(
            scope.fake, str(scope.company["id"])) | {"type": "expense"}), 422,
            "CC-1: type is cost or revenue")
        flipped = "revenue" if kind == "cost" else "cost"
        body = {"name": name, "type": flipped, "description": description, "active": active_}
        patched = expect(api.patch("cost_centers", row_id, body), 200, "PATCH every field")
        assert {k: patched[k] for k in body} == body, f"CC-1: PATCH {body} gave {patched}"
        cleared = expect(api.patch("cost_centers", row_id, {"description": None}), 200,
                         "PATCH description: null")
        shown = expect(api.read("cost_centers", row_id), 200, "GET")
        assert cleared["description"] is None and shown["description"] is None, (
            f"CC-1: description null clears it: {cleared['description']!r} / "
            f"{shown['description']!r}")
        assert {k: shown[k] for k in ("name", "type", "active")} == {
            "name": name, "type": flipped, "active": active_}, f"CC-1: GET {shown}"
    finally:
        api.delete("cost_centers", row_id)


# RULE CC-2
@pytest.mark.rule("CC-2")
def test_cc_2_a_cost_center_in_use_is_not_deleted_but_can_be_deactivated(
        scope: Scope) -> None:
    api = scope.api
    row = api.create("cost_centers", factories.make_cost_center(
        scope.fake, str(scope.company["id"]), name=f"{scope.token} Usado"))
    row_id = str(row["id"])
    trx = api.create("transactions", scope.body("transactions", 0, cost_center_id=row_id,
                                                type="debit"))
    try:
        problem = expect(api.delete("cost_centers", row_id), 422,
                         "CC-2: DELETE of a cost center a transaction uses")
        assert problem.get("code") == "in_use", f"CC-2: code in_use: {problem}"
        usage = problem.get("usage") or {}
        assert usage.get("transactions") == 1, f"CC-2: usage by kind: {usage}"
        assert expect(api.read("cost_centers", row_id), 200, "GET after a refused DELETE") \
            == row, "CC-2: a refused DELETE changes nothing"
        off = expect(api.patch("cost_centers", row_id, {"active": False}), 200, "deactivate")
        assert off["active"] is False, "CC-2: soft-deactivate instead"
        expect(api.delete("transactions", str(trx["id"])), 204, "DELETE the transaction")
        expect(api.delete("cost_centers", row_id), 204, "CC-2: unused, it goes")
    finally:
        api.delete("transactions", str(trx["id"]))
        api.delete("cost_centers", row_id)
