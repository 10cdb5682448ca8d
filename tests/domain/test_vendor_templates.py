"""The vendor's own request templates (the Postman export's bodies) and PATCH strictness.

The export's bodies are templates: `""` for an optional string it has no example for, `0` for
`total_installments`, a rateio share of `amount: 0, percentage: 0`, placeholder ids. With the
ids substituted (and the required blanks a client must fill — `name`, `description` — filled),
every create and update template is a valid call. A PATCH that would change a field fixed at
create is 422 `not_writable`, not 200 and nothing; unknown query parameters are 400.
"""

from __future__ import annotations

import json
import uuid
from pathlib import Path
from typing import Any

import pytest
from faker import Faker

from tests.domain.money_support import PAYABLES, RECEIVABLES, BillSide, Books
from tests.domain.support import Api, problem
from tests.helpers import postman_requests

EXPORT = Path(__file__).resolve().parents[2] / "fixtures" / "postman-collection-v1.json"


def template(method: str, resource: str) -> dict[str, Any]:
    """The export's JSON body of `method` on `/resource` (or `/resource/:id`)."""
    export = json.loads(EXPORT.read_text(encoding="utf-8"))
    for request in postman_requests(export["item"]):
        if request["method"] == method and request["url"]["path"][0] == resource \
                and len(request["url"]["path"]) <= 2 and request.get("body"):
            body: dict[str, Any] = json.loads(request["body"]["raw"])
            return body
    raise LookupError(f"{method} {resource}")


@pytest.fixture
def books(api_a: Api, fake: Faker) -> Books:
    return Books(api_a, fake)


def bill_template(books: Books, side: BillSide, method: str) -> dict[str, Any]:
    """The export's bill body with this company's ids in place of the placeholders."""
    body = template(method, side.resource)
    center = books.cost_center("Obras", side.cost_center_type)
    category = books.category("Aluguel", side.category_type)
    tax = books.tax("ISS")
    ids = {"company_id": books.company_id, "person_id": books.person_id(side),
           "category_id": category["id"], "cost_center_id": center["id"],
           "financial_account_id": books.account_id, "expected_account_id": books.account_id}
    body.update({k: v for k, v in ids.items() if k in body})
    body["cost_centers"][0]["cost_center_id"] = center["id"]
    body["tax_charges"][0]["tax_id"] = tax["id"]
    return body


# RULE PAY-1, RULE PAY-2, RULE PAY-3: `""` names are "not sent", `total_installments: 0` is
# one installment, the all-zero rateio share allocates nothing.
@pytest.mark.rule("PAY-1", "PAY-2", "PAY-3")
@pytest.mark.parametrize("side", [PAYABLES, RECEIVABLES], ids=str)
def test_the_exports_create_template_is_a_valid_call(books: Books, side: BillSide) -> None:
    body = bill_template(books, side, "POST")
    # The one blank the export leaves in a required field: only it is refused.
    blank = problem(books.api.post(side.resource, body), 422, "validation_failed")
    assert [e["field"] for e in blank["errors"]] == ["description"]
    body["description"] = "NF 1234"
    row = books.api.create(side.resource, body)
    assert (row["type"], row["total_installments"], row["group_id"]) == ("normal", 1, None)
    assert row["recurrence_period"] is None
    assert row["person_id"] == books.person_id(side)
    assert row["cost_center_allocations"] == []
    assert row["tax_charges_count"] == 1
    if side is PAYABLES:
        assert row["beneficiary_document"] is None
        assert {row["tax_data"][k] for k in ("calculation_date", "competence_date",
                                             "expire_at")} == {None}


# RULE PAY-10: the export's update template (status pending, `0` / `""` for the series fields).
@pytest.mark.rule("PAY-10")
@pytest.mark.parametrize("side", [PAYABLES, RECEIVABLES], ids=str)
def test_the_exports_update_template_is_a_valid_call(books: Books, side: BillSide) -> None:
    row = books.bill(side, amount="10.00")
    body = bill_template(books, side, "PATCH")
    body["description"] = "NF 99"
    r = books.api.patch(side.resource, row["id"], body)
    assert r.status_code == 200, r.text
    out = r.json()
    assert (out["amount"], out["status"], out["total_installments"]) == ("1500.00", "pending", 1)


@pytest.mark.rule("TRX-2")
# RULE TRX-2: `""` for the `*_name` alternatives is "not sent", so `_id` alone decides.
def test_the_exports_transaction_template_is_a_valid_call(books: Books) -> None:
    body = template("POST", "transactions")
    category = books.category("Aluguel")
    body.update(company_id=books.company_id, financial_account_id=books.account_id,
                person_id=books.supplier["id"], category_id=category["id"],
                cost_center_id=books.cost_center("Obras")["id"])
    row = books.api.create("transactions", body)
    assert (row["person_id"], row["category_id"]) == (books.supplier["id"], category["id"])
    patch = template("PATCH", "transactions")
    patch.update(person_id=books.supplier["id"], category_id=category["id"],
                 cost_center_id=row["cost_center_id"])
    assert books.api.patch("transactions", row["id"], patch).status_code == 200


@pytest.mark.rule("PER-1", "PER-4")
# RULE PER-1, RULE PER-4: `document_number: ""` (beside the template's `document_type`) is no
# document on create and a no-op on update.
def test_the_exports_people_templates_are_valid_calls(books: Books) -> None:
    body = template("POST", "people")
    body.update(company_id=books.company_id, name="Maria")
    row = books.api.create("people", body)
    assert (row["document_number"], row["document_type"]) == (None, None)
    patch = template("PATCH", "people") | {"name": "Maria Souza"}
    out = books.api.patch("people", books.supplier["id"], patch)
    assert out.status_code == 200, out.text
    assert out.json()["document_number"] == books.supplier["document_number"]


# -- PATCH of a field fixed at create: 422, not a silent no-op ------------------------------


@pytest.mark.parametrize(("field", "value"), [("total_installments", 3),
                                              ("recurrence_period", "monthly")])
@pytest.mark.parametrize("side", [PAYABLES, RECEIVABLES], ids=str)
def test_patching_a_series_field_is_422(books: Books, side: BillSide, field: str,
                                        value: Any) -> None:
    row = books.bill(side, amount="10.00")
    body = problem(books.api.patch(side.resource, row["id"], {field: value, "notes": "x"}),
                   422, "not_writable", field=field)
    assert field in body["detail"]
    assert books.api.read(side.resource, row["id"]) == row
    # The current value, or the template's "not sent", is accepted.
    for same in ({"total_installments": 1, "recurrence_period": None}[field],
                 {"total_installments": 0, "recurrence_period": ""}[field]):
        assert books.api.patch(side.resource, row["id"], {field: same}).status_code == 200


def test_re_parenting_a_category_is_422(books: Books) -> None:
    # RULE CAT-3: no re-parenting in v1 — refused by name rather than ignored.
    root, other = books.category("Despesas"), books.category("Outras")
    child = books.api.create("categories", {"company_id": books.company_id, "name": "Aluguel",
                                            "type": "debit", "parent_id": root["id"]})
    problem(books.api.patch("categories", child["id"], {"parent_id": other["id"]}), 422,
            "not_writable", field="parent_id")
    problem(books.api.patch("categories", child["id"], {"parent_id": None}), 422,
            "not_writable", field="parent_id")
    ok = books.api.patch("categories", child["id"], {"parent_id": root["id"].upper(),
                                                     "name": "Aluguel sede"})
    assert ok.status_code == 200 and ok.json()["parent_id"] == root["id"]


def test_fields_the_export_drops_stay_dropped(books: Books) -> None:
    # RULE CMP-4, RULE PER-4, RULE TRX-3, RULE PAY-10: the export says these are silently
    # dropped, so they still are (200, unchanged).
    other = str(uuid.uuid4())
    assert books.api.patch("companies", books.company_id,
                           {"cnpj": "11222333000181", "type": "filial"}).status_code == 200
    assert books.api.patch("people", books.supplier["id"],
                           {"company_id": other}).json()["company_id"] == books.company_id
    trx = books.trx()
    assert books.api.patch("transactions", trx["id"], {"company_id": other, "transfer_id": other}
                           ).json()["transfer_id"] is None
    bill = books.bill(PAYABLES)
    out = books.api.patch("payables", bill["id"], {"transaction_id": other, "company_id": other,
                                                   "is_reconciled": True}).json()
    assert (out["transaction_id"], out["is_reconciled"]) == (None, False)
    assert out["company_id"] == books.company_id
    center = books.cost_center("Obras")
    assert books.api.patch("cost_centers", center["id"], {"company_id": other}
                           ).json()["company_id"] == books.company_id


# -- unknown query parameters ---------------------------------------------------------------


@pytest.mark.parametrize(("method", "path"), [
    ("GET", "/v1/payables?statuss=pending"), ("GET", "/v1/companies?limit=5&foo=1&bar=2"),
    ("GET", "/v1/taxes/{id}?expand=all"), ("DELETE", "/v1/taxes/{id}?force=true"),
])
def test_unknown_query_parameters_are_400_naming_them(api_a: Api, method: str,
                                                      path: str) -> None:
    tax = api_a.create("taxes", {"name": "ISS"})
    r = api_a.client.request(method, path.format(id=tax["id"]), headers=api_a.headers)
    body = problem(r, 400, "invalid_parameter")
    sent = {k for part in path.split("?")[1].split("&") for k in [part.split("=")[0]]}
    assert {e["field"] for e in body["errors"]} == sent - {"limit"}
    assert api_a.read("taxes", tax["id"]) == tax  # nothing was deleted

