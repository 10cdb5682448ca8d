"""Taxes over HTTP: RULES TAX-1 … TAX-3. Taxes are workspace-wide: every name carries the
suite's token, so a shared target's other taxes never collide with ours."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from decimal import Decimal

import pytest
from hypothesis import example, given
from hypothesis import strategies as st

from fixtures import factories
from property_tests.client import Env
from property_tests.profiles import active
from property_tests.rows import Scope, token
from property_tests.rulechecks import expect

pytestmark = pytest.mark.rules

LETTERS = st.text(st.characters(codec="ascii", categories=("Lu", "Ll")), min_size=1,
                  max_size=12)
CASES = (str.upper, str.lower, str.swapcase, str.title)


@pytest.fixture(scope="module")
def scope(writable: Env) -> Iterator[Scope]:
    yield Scope(writable.a)


# RULE TAX-1
@pytest.mark.rule("TAX-1")
@active()
@given(stem=LETTERS, case=st.sampled_from(CASES))
@example(stem="Imposto", case=str.upper)
def test_tax_1_a_second_tax_with_the_same_name_in_any_case_is_409(
        scope: Scope, stem: str, case: Callable[[str], str]) -> None:
    api = scope.api
    name = f"{token()} {stem}"
    first = api.create("taxes", factories.make_tax(scope.fake, name=name))
    made = [str(first["id"])]
    try:
        for twin in dict.fromkeys((name, case(name))):
            response = api.post("taxes", factories.make_tax(scope.fake, name=twin))
            if response.status_code == 201:
                made.append(str(response.json()["id"]))
            expect(response, 409, f"TAX-1: a second tax named {twin!r} beside {name!r}")
        listed = api.walk("taxes", {"name": name}).ids
        assert listed == made[:1], f"TAX-1: one tax of that name is listed: {listed}"
    finally:
        for row_id in made:
            api.delete("taxes", row_id)


# RULE TAX-2
@pytest.mark.rule("TAX-2")
@active()
@given(cents=st.integers(0, 10_000), over=st.integers(1, 10_000))
@example(cents=10_000, over=1)
def test_tax_2_default_rate_is_a_percent_0_to_100_and_null_clears_it(
        scope: Scope, cents: int, over: int) -> None:
    api = scope.api
    rate = f"{Decimal(cents) / 100:.2f}"
    row = api.create("taxes", factories.make_tax(scope.fake, name=f"{token()} Taxa",
                                                 default_rate=rate))
    row_id = str(row["id"])
    try:
        assert Decimal(row["default_rate"]) == Decimal(rate), (
            f"TAX-2: default_rate {rate} answered {row['default_rate']}")
        too_high = f"{Decimal(10_000 + over) / 100:.2f}"
        for bad in (too_high, f"-{rate}" if cents else "-0.01"):
            expect(api.post("taxes", factories.make_tax(scope.fake, name=f"{token()} Fora",
                                                        default_rate=bad)), 422,
                   f"TAX-2: default_rate {bad} is outside 0–100")
            expect(api.patch("taxes", row_id, {"default_rate": bad}), 422,
                   f"TAX-2: PATCH default_rate {bad}")
        cleared = expect(api.patch("taxes", row_id, {"default_rate": None}), 200,
                         "PATCH default_rate: null")
        shown = expect(api.read("taxes", row_id), 200, "GET")
        assert cleared["default_rate"] is None and shown["default_rate"] is None, (
            f"TAX-2: null clears the rate: {cleared['default_rate']!r} / "
            f"{shown['default_rate']!r}")
    finally:
        api.delete("taxes", row_id)


# RULE TAX-3
@pytest.mark.rule("TAX-3")
@pytest.mark.parametrize("resource", ("payables", "receivables"))
def test_tax_3_a_tax_charged_on_a_bill_is_not_deleted(scope: Scope, resource: str) -> None:
    api = scope.api
    tax = api.create("taxes", factories.make_tax(scope.fake, name=f"{token()} Cobrado"))
    tax_id = str(tax["id"])
    bill = api.create(resource, scope.body(resource, 0, tax_charges=[
        factories.make_tax_charge(tax_id, Decimal("10.00"), "1.50")]))
    bill_id = str(bill["id"])
    try:
        problem = expect(api.delete("taxes", tax_id), 422, f"TAX-3: DELETE of a tax charged "
                                                           f"on one of the {resource}")
        assert problem.get("code") == "in_use", f"TAX-3: code in_use: {problem}"
        assert bill_id in str(problem.get("usage")), (
            f"TAX-3: the problem names the referencing {resource} {bill_id}: {problem}")
        assert expect(api.read("taxes", tax_id), 200, "GET after a refused DELETE") == tax, (
            "TAX-3: a refused DELETE changes nothing")
        expect(api.delete(resource, bill_id), 204, f"DELETE the {resource} row")
        expect(api.delete("taxes", tax_id), 204, "TAX-3: no longer charged, it goes")
    finally:
        api.delete(resource, bill_id)
        api.delete("taxes", tax_id)
