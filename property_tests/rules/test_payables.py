"""PAY / REC — payables and receivables, over HTTP on any writable target: PAY-1 … PAY-11.

Every check runs for both sides (`resource` is `payables` or `receivables`): REC mirrors PAY,
with `received` for `paid`, customers for suppliers, `credit` categories and `revenue` cost
centers for `debit` and `cost`.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from decimal import Decimal

import pytest
from hypothesis import example, given
from hypothesis import strategies as st

from fixtures import factories, files
from fixtures.strategies import business_dates
from property_tests.client import JSON, Env
from property_tests.profiles import active, scaled
from property_tests.rows import Scope, token
from property_tests.rulechecks import (
    PERIOD_DAYS,
    PERIOD_MONTHS,
    POLARITY,
    SETTLED,
    SIDES,
    TRANSACTION_TYPE,
    check_nominal,
    check_series,
    expect,
    money,
    names_field,
    settle,
)

pytestmark = pytest.mark.rules

REFERENCES = ("person", "category", "cost_center")
PERIODS = sorted({**PERIOD_MONTHS, **PERIOD_DAYS})
# RULE PAY-10: response-only fields a PATCH drops (names are find-or-create on write, PAY-1).
RESPONSE_ONLY: JSON = {
    "id": "3fa85f64-5717-4562-b3fc-2c963f66afa6", "created_at": "2020-01-01T00:00:00Z",
    "transaction_id": "3fa85f64-5717-4562-b3fc-2c963f66afa6", "is_reconciled": True,
    "tax_charges_count": 7, "cost_center_allocations_count": 7, "attachments_count": 7,
}


class Side:
    """One side's corner of the tenant: the scope, and catalogue rows of each polarity."""

    def __init__(self, scope: Scope, resource: str) -> None:
        self.scope = scope
        self.api = scope.api
        self.resource = resource
        self.category_type, self.center_type = POLARITY[resource]
        company = str(scope.company["id"])
        fake = scope.fake
        self.category = self._make("categories", factories.make_category(
            fake, company, type=self.category_type, name=f"{scope.token}C{resource}"))
        self.wrong_category = self._make("categories", factories.make_category(
            fake, company, type="credit" if self.category_type == "debit" else "debit",
            name=f"{scope.token}X{resource}"))
        self.centers = [self._make("cost_centers", factories.make_cost_center(
            fake, company, type=self.center_type, name=f"{scope.token}CC{n}{resource}"))
            for n in range(3)]
        self.wrong_center = self._make("cost_centers", factories.make_cost_center(
            fake, company, type="revenue" if self.center_type == "cost" else "cost",
            name=f"{scope.token}XC{resource}"))

    def _make(self, resource: str, body: JSON) -> JSON:
        return self.scope.track(resource, self.api.create(resource, body))

    def body(self, **overrides: object) -> JSON:
        """A valid create body with a unique `document_number` (the list filter that finds
        exactly this row)."""
        return self.scope.body(self.resource, 0, document_number=token(), **overrides)

    def rows_with(self, marker: str) -> list[JSON]:
        return self.api.walk(self.resource, {"document_number": marker}).rows

    def create(self, **overrides: object) -> JSON:
        return self.api.create(self.resource, self.body(**overrides))

    def refused(self, body: JSON, status: int, what: str) -> object:
        """POST `body`: `status`, and no row made (the response, for more checks)."""
        response = self.api.post(self.resource, body)
        assert response.status_code == status, (
            f"{what}: POST /{self.resource} {status} expected, got {response.status_code}: "
            f"{response.text[:300]}")
        assert self.rows_with(str(body["document_number"])) == [], (
            f"{what}: the refused {self.resource} row was written")
        return response


@pytest.fixture(scope="module")
def scope(writable: Env) -> Iterator[Scope]:
    yield Scope(writable.a)


@pytest.fixture(scope="module", params=SIDES)
def side(request: pytest.FixtureRequest, scope: Scope) -> Side:
    return Side(scope, str(request.param))


# RULE PAY-1
@pytest.mark.rule("PAY-1")
def test_pay_1_a_bill_without_a_person_is_422(side: Side) -> None:
    body = side.body()
    del body["person_id"]
    side.refused(body, 422, "PAY-1: no person_id nor person_name")


# RULE PAY-1
@pytest.mark.rule("PAY-1")
@active(max_examples=scaled(3, 12))
@given(ref=st.sampled_from(REFERENCES))
def test_pay_1_an_id_and_a_name_for_one_reference_is_400(side: Side, ref: str) -> None:
    row = {"person": side.scope.person, "category": side.category,
           "cost_center": side.centers[0]}[ref]
    side.refused(side.body(**{f"{ref}_id": row["id"], f"{ref}_name": f"{token()} Outro"}),
                 400, f"PAY-1: {ref}_id and {ref}_name together")


def find_or_create(side: Side) -> tuple[JSON, dict[str, JSON]]:
    """A bill made with person, category and cost center by name; the rows they name."""
    names = {ref: f"{token()} {ref}" for ref in REFERENCES}
    body = side.body(**{f"{ref}_name": name for ref, name in names.items()})
    del body["person_id"]
    row = side.api.create(side.resource, body)
    made = {ref: expect(side.api.read(resource, str(row[f"{ref}_id"])), 200, f"GET {ref}")
            for ref, resource in (("person", "people"), ("category", "categories"),
                                  ("cost_center", "cost_centers"))}
    for ref, name in names.items():
        assert made[ref]["name"] == name and row[f"{ref}_name"] == name, (
            f"PAY-1: {ref}_name {name!r} resolved to {made[ref]}")
    return row, made


# RULE PAY-1
@pytest.mark.rule("PAY-1")
def test_pay_1_names_find_or_create_the_references_once(side: Side) -> None:
    row, made = find_or_create(side)
    role = "is_supplier" if side.resource == "payables" else "is_customer"
    assert made["person"][role] is True, f"PAY-1: a {side.resource} person is {role}"
    body = side.body(**{f"{ref}_name": made[ref]["name"].lower() for ref in REFERENCES})
    del body["person_id"]
    again = side.api.create(side.resource, body)
    assert {ref: again[f"{ref}_id"] for ref in REFERENCES} == \
        {ref: row[f"{ref}_id"] for ref in REFERENCES}, (
        "PAY-1: the same names (any case) find the rows they created, not new ones")


# RULE PAY-11
@pytest.mark.rule("PAY-11")
def test_pay_11_find_or_create_by_name_follows_the_polarity(side: Side) -> None:
    _, made = find_or_create(side)
    assert (made["category"]["type"], made["cost_center"]["type"]) == POLARITY[side.resource], (
        f"PAY-11: {side.resource} find or create {POLARITY[side.resource]} by name, got "
        f"{made['category']['type']} / {made['cost_center']['type']}")


# RULE PAY-11
@pytest.mark.rule("PAY-11")
@pytest.mark.parametrize("where", ("category_id", "cost_center_id", "cost_centers"))
def test_pay_11_a_reference_of_the_other_polarity_is_422_naming_the_field(
        side: Side, where: str) -> None:
    if where == "category_id":
        body = side.body(category_id=side.wrong_category["id"])
    elif where == "cost_center_id":
        body = side.body(cost_center_id=side.wrong_center["id"])
    else:
        amount = Decimal(side.body()["amount"])
        body = side.body(cost_centers=factories.make_rateio(
            amount, [str(side.centers[0]["id"]), str(side.wrong_center["id"])], by="amount"))
    response = side.refused(body, 422, f"PAY-11: {where} of the other polarity")
    assert names_field(response, where), f"PAY-11: the 422 names {where}: {response}"
    row = side.create()
    patch = {k: v for k, v in body.items() if k == where}
    if where == "cost_centers":
        patch["cost_centers"] = factories.make_rateio(
            Decimal(row["amount"]), [str(side.wrong_center["id"])], by="amount")
    refused = side.api.patch(side.resource, str(row["id"]), patch)
    assert refused.status_code == 422 and names_field(refused, where), (
        f"PAY-11: PATCH {where} of the other polarity: {refused.status_code} "
        f"{refused.text[:300]}")


# RULE PAY-2
@pytest.mark.rule("PAY-2")
@active(max_examples=scaled(4, 30))
@given(shares=st.lists(st.integers(1, 10**7), min_size=1, max_size=3),
       off=st.integers(-10**4, 10**4))
@example(shares=[5000, 5000], off=1)
def test_pay_2_allocations_must_add_up_to_the_amount(side: Side, shares: list[int],
                                                     off: int) -> None:
    total = sum(shares) + off
    centers = [str(c["id"]) for c in side.centers[:len(shares)]]
    body = side.body(amount=money(max(total, 1)), cost_centers=[
        {"cost_center_id": c, "amount": money(cents)}
        for c, cents in zip(centers, shares, strict=True)])
    if off != 0 or total < 1:
        side.refused(body, 422, f"PAY-2: allocations {shares} for the amount {money(total)}")
        return
    row = side.api.create(side.resource, body)
    detail = expect(side.api.read(side.resource, str(row["id"])), 200, "GET")
    got = [(a["cost_center_id"], a["amount"]) for a in detail["cost_center_allocations"]]
    assert got == [(c, money(cents)) for c, cents in zip(centers, shares, strict=True)], (
        f"PAY-2: stored allocations {got}")


# RULE PAY-2
@pytest.mark.rule("PAY-2")
@active(max_examples=scaled(4, 30))
@given(percents=st.lists(st.integers(1, 9_999), min_size=1, max_size=3),
       off=st.integers(-500, 500), amount=st.integers(100, 10**8))
def test_pay_2_percentages_must_add_up_to_100(side: Side, percents: list[int], off: int,
                                              amount: int) -> None:
    """Shares by percentage: the last takes the rest of 100% (plus `off` hundredths)."""
    rest = 10_000 - sum(percents[:-1])
    if rest < 1:
        return
    percents = [*percents[:-1], rest + off]
    centers = [str(c["id"]) for c in side.centers[:len(percents)]]
    body = side.body(amount=money(amount), cost_centers=[
        {"cost_center_id": c, "percentage": money(p)}
        for c, p in zip(centers, percents, strict=True)])
    if off != 0:
        side.refused(body, 422, f"PAY-2: percentages {percents} (hundredths) off 100%")
        return
    row = side.api.create(side.resource, body)
    detail = expect(side.api.read(side.resource, str(row["id"])), 200, "GET")
    got = sum(Decimal(a["amount"]) for a in detail["cost_center_allocations"])
    assert got == Decimal(money(amount)), f"PAY-2: shares add up to {got}, not {money(amount)}"


# RULE PAY-2
@pytest.mark.rule("PAY-2")
def test_pay_2_a_tax_charge_must_name_a_tax_of_the_workspace(side: Side) -> None:
    response = side.refused(side.body(tax_charges=[{"tax_id": str(uuid.uuid4()),
                                                    "amount": "1.00"}]),
                            422, "PAY-2: a tax charge of an unknown tax")
    assert names_field(response, "tax_charges"), f"PAY-2: names the field: {response}"


# RULE PAY-3
@pytest.mark.rule("PAY-3")
@active()
@given(amount=st.integers(1, 10**9), installments=st.integers(2, 24),
       period=st.none() | st.sampled_from(PERIODS), due_date=business_dates())
@example(amount=100, installments=3, period=None, due_date="2026-01-31")
def test_pay_3_installments_add_up_to_the_amount(side: Side, amount: int, installments: int,
                                                 period: str | None, due_date: str) -> None:
    check_series(side.scope, side.resource, max(amount, installments), installments, period,
                 due_date)


# RULE PAY-3
@pytest.mark.rule("PAY-3")
@active(max_examples=scaled(2, 20))
@given(period=st.sampled_from(PERIODS), amount=st.integers(1, 10**9),
       due_date=business_dates())
def test_pay_3_a_recurrence_repeats_the_amount(side: Side, period: str, amount: int,
                                               due_date: str) -> None:
    check_series(side.scope, side.resource, amount, 1, period, due_date)


# RULE PAY-4
@pytest.mark.rule("PAY-4")
def test_pay_4_a_new_bill_starts_pending_and_never_takes_a_status(side: Side) -> None:
    assert side.create()["status"] == "pending", "PAY-4: a new row starts pending"
    for status in (SETTLED[side.resource], "cancelled", "draft"):
        side.refused(side.body(status=status), 422, f"PAY-4: POST with status {status}")


# RULE PAY-4
@pytest.mark.rule("PAY-4")
@pytest.mark.parametrize("status", ("draft", "overdue", "paid_out"))
def test_pay_4_a_status_outside_the_three_is_422(side: Side, status: str) -> None:
    row = side.create()
    response = side.api.patch(side.resource, str(row["id"]), {"status": status})
    assert response.status_code == 422, (f"PAY-4: PATCH status {status}: "
                                         f"{response.status_code} {response.text[:300]}")
    assert expect(side.api.read(side.resource, str(row["id"])), 200, "GET") == row


# RULE PAY-5
@pytest.mark.rule("PAY-5")
@active(max_examples=scaled(3, 20))
@given(amount=st.integers(100, 10**8), interest=st.integers(0, 10**5),
       discount=st.integers(0, 99), ticket=st.integers(0, 10**5))
def test_pay_5_settling_posts_one_transaction_of_the_nominal_amount(
        side: Side, amount: int, interest: int, discount: int, ticket: int) -> None:
    row = side.create(amount=money(amount))
    bill_id = str(row["id"])
    body = {"status": SETTLED[side.resource], "payment_date": "2026-02-03",
            "interest_amount": money(interest), "discount_amount": money(discount),
            "ticket_amount": money(ticket)}
    refused = side.api.patch(side.resource, bill_id, body)
    assert refused.status_code == 422 and names_field(refused, "financial_account_id"), (
        f"PAY-5: settling with no account: {refused.status_code} {refused.text[:300]}")
    account = str(side.scope.account["id"])
    settled = expect(side.api.patch(side.resource, bill_id,
                                    body | {"financial_account_id": account}), 200, "settle")
    nominal = money(amount + interest - discount)
    assert (settled["status"], settled["interest_amount"], settled["discount_amount"],
            settled["ticket_amount"], settled["nominal_amount"]) == (
        SETTLED[side.resource], money(interest), money(discount), money(ticket), nominal), (
        f"PAY-5: the settled row: {settled}")
    trx = expect(side.api.read("transactions", str(settled["transaction_id"])), 200,
                 "GET the settlement's transaction")
    assert (trx["auto_created"], trx["type"], trx["amount"], trx["occurred_at"][:10],
            trx["financial_account_id"], trx["is_pending"]) == (
        True, TRANSACTION_TYPE[side.resource], nominal, "2026-02-03", account, False), (
        f"PAY-5: the auto transaction of a {side.resource} row of nominal {nominal}: {trx}")


# RULE PAY-6
@pytest.mark.rule("PAY-6")
def test_pay_6_revert_removes_the_transaction_and_a_settled_bill_is_not_cancelled(
        side: Side) -> None:
    api, resource = side.api, side.resource
    bill_id = str(side.create()["id"])
    account = str(side.scope.account["id"])
    trx = str(settle(api, resource, bill_id, account)["transaction_id"])
    refused = api.patch(resource, bill_id, {"status": "cancelled"})
    assert refused.status_code == 422, (f"PAY-6: cancelling a settled row: "
                                        f"{refused.status_code} {refused.text[:300]}")
    assert expect(api.read(resource, bill_id), 200, "GET")["status"] == SETTLED[resource]
    assert api.read("transactions", trx).status_code == 200, "PAY-6: the refusal kept it"
    reverted = expect(api.patch(resource, bill_id, {"status": "pending"}), 200, "revert")
    assert reverted["status"] == "pending" and reverted["transaction_id"] is None, (
        f"PAY-6: a reverted row: {reverted}")
    assert api.read("transactions", trx).status_code == 404, (
        "PAY-6: back to pending removes the auto transaction")
    cancelled = expect(api.patch(resource, bill_id, {"status": "cancelled"}), 200, "cancel")
    assert cancelled["status"] == "cancelled" and cancelled["transaction_id"] is None


# RULE PAY-7
@pytest.mark.rule("PAY-7")
@active()
@given(amount=st.integers(1, 10**9), interest=st.integers(0, 10**7),
       discount=st.integers(0, 10**7), new_interest=st.integers(0, 10**7),
       new_discount=st.integers(0, 10**7))
def test_pay_7_nominal_amount_is_amount_plus_interest_minus_discount(
        side: Side, amount: int, interest: int, discount: int, new_interest: int,
        new_discount: int) -> None:
    check_nominal(side.scope, side.resource, amount, interest,
                  min(discount, amount + interest - 1), new_interest,
                  min(new_discount, amount + new_interest - 1))


# RULE PAY-8
@pytest.mark.rule("PAY-8")
def test_pay_8_rows_carry_names_counts_and_amounts_and_the_detail_its_children(
        side: Side) -> None:
    api, resource = side.api, side.resource
    tax = side.scope.track("taxes", api.create("taxes", side.scope.body("taxes", 0)))
    amount = Decimal("300.00")
    row = side.create(amount=money(30000), category_id=side.category["id"],
                      cost_center_id=side.centers[0]["id"], interest_amount="2.00",
                      discount_amount="1.00", cost_centers=factories.make_rateio(
                          amount, [str(c["id"]) for c in side.centers[:2]], by="amount"),
                      tax_charges=[factories.make_tax_charge(str(tax["id"]), amount, "1.5")])
    sample = files.SAMPLES["pdf"]
    upload = api.upload(sample.file_name, sample.content, sample.mime_type)
    attachment = expect(upload, 201, "upload")
    expect(api.link(str(attachment["id"]), resource[:-1], str(row["id"])), 201, "link")
    try:
        listed = side.rows_with(str(row["document_number"]))
        detail = expect(api.read(resource, str(row["id"])), 200, "GET")
        wanted = {"person_name": side.scope.person["name"], "category_name":
                  side.category["name"], "cost_center_name": side.centers[0]["name"],
                  "tax_charges_count": 1, "cost_center_allocations_count": 2,
                  "attachments_count": 1, "interest_amount": "2.00", "discount_amount": "1.00",
                  "ticket_amount": "0.00", "nominal_amount": "301.00"}
        for shown, where in ((listed[0] if listed else {}, "list row"), (detail, "GET")):
            assert {k: shown.get(k) for k in wanted} == wanted, f"PAY-8: the {where}: {shown}"
        assert [a["cost_center_id"] for a in detail["cost_center_allocations"]] == \
            [c["id"] for c in side.centers[:2]], f"PAY-8: {detail['cost_center_allocations']}"
        assert [c["tax_id"] for c in detail["tax_charges"]] == [tax["id"]]
        assert detail["reconciliation"] is None, "PAY-8: not reconciled: null"
    finally:
        api.unlink(str(attachment["id"]), resource[:-1], str(row["id"]))
        api.delete("attachments", str(attachment["id"]))


# RULE PAY-9
@pytest.mark.rule("PAY-9")
def test_pay_9_delete_takes_the_auto_transaction_and_only_that_row(side: Side) -> None:
    api, resource, scope = side.api, side.resource, side.scope
    bill_id = str(side.create()["id"])
    trx = str(settle(api, resource, bill_id, str(scope.account["id"]))["transaction_id"])
    manual = str(api.create("transactions", scope.body("transactions", 0))["id"])
    first = side.create(amount="90.00", total_installments=3)
    series = api.walk(resource, {"group_id": first["group_id"]}).ids
    expect(api.delete(resource, bill_id), 204, "DELETE a settled bill")
    assert api.read(resource, bill_id).status_code == 404
    assert api.read("transactions", trx).status_code == 404, (
        "PAY-9: the settled bill's auto transaction goes with it")
    assert api.read("transactions", manual).status_code == 200, "PAY-9: manual ones stay"
    expect(api.delete(resource, series[1]), 204, "DELETE one installment")
    left = api.walk(resource, {"group_id": first["group_id"]}).ids
    assert sorted(left) == sorted([series[0], series[2]]), (
        f"PAY-9: deleting one installment deletes that row only: {series} -> {left}")


# RULE PAY-10
@pytest.mark.rule("PAY-10")
def test_pay_10_patch_drops_response_only_fields(side: Side) -> None:
    row = side.create()
    notes = f"{token()} nota"
    patched = expect(side.api.patch(side.resource, str(row["id"]),
                                    RESPONSE_ONLY | {"notes": notes}), 200,
                     "PAY-10: PATCH with response-only fields (dropped)")
    now = expect(side.api.read(side.resource, str(row["id"])), 200, "GET")
    for shown in (patched, now):
        assert {k: shown[k] for k in RESPONSE_ONLY} == {k: row[k] for k in RESPONSE_ONLY}, (
            f"PAY-10: a response-only field changed: {row} -> {shown}")
        assert shown["notes"] == notes, "PAY-10: the writable field was not written"
