"""Companies over HTTP: RULES CMP-1 … CMP-5, each test in a company of its own."""

from __future__ import annotations

import random
import uuid
from collections.abc import Iterator

import pytest
from hypothesis import example, given
from hypothesis import strategies as st

from contract.documents import normalize_document
from fixtures import factories
from fixtures.documents import generate_cnpj
from property_tests.client import Env
from property_tests.profiles import active, scaled
from property_tests.rows import Scope, unique_cpf
from property_tests.rulechecks import check_document, expect
from property_tests.rules.strategies import documents

pytestmark = pytest.mark.rules

MATRIZ_BRANCH = "0001"  # RULE CMP-3: the 9th–12th digits of a head office's CNPJ


@pytest.fixture(scope="module")
def scope(writable: Env) -> Iterator[Scope]:
    yield Scope(writable.a)


def fresh_cnpj(branch: int = 1, formatted: bool = False) -> str:
    # Not Hypothesis' randomness: a replayed example must not collide with its first run's
    # company (CMP-2).
    return generate_cnpj(random.Random(uuid.uuid4().int), formatted=formatted, branch=branch)


# RULE CMP-1
@pytest.mark.rule("CMP-1")
@active(max_examples=scaled(12, 200))
@given(number=documents(14))
@example(number="11111111111111").via("all-same digits pass the arithmetic but are refused")
def test_cmp_1_a_company_cnpj_is_accepted_iff_its_check_digits_hold(scope: Scope,
                                                                   number: str) -> None:
    check_document(scope, "companies", number)


# RULE CMP-2
@pytest.mark.rule("CMP-2")
@active(max_examples=scaled(3, 20))
@given(formatted=st.booleans())
def test_cmp_2_a_second_active_company_with_one_cnpj_is_409(scope: Scope,
                                                            formatted: bool) -> None:
    api = scope.api
    cnpj = fresh_cnpj(formatted=formatted)
    first = api.create("companies", {"name": f"{scope.token} Primeira", "cnpj": cnpj})
    made = [str(first["id"])]
    try:
        twin = api.post("companies", {"name": f"{scope.token} Segunda",
                                      "cnpj": normalize_document(cnpj)})
        if twin.status_code == 201:
            made.append(str(twin.json()["id"]))
        expect(twin, 409, "CMP-2: a second active company with the same CNPJ")
        expect(api.patch("companies", made[0], {"active": False}), 200, "deactivate")
        again = api.post("companies", {"name": f"{scope.token} Terceira", "cnpj": cnpj})
        if again.status_code == 201:
            made.append(str(again.json()["id"]))
        expect(again, 201, "CMP-2 only counts *active* companies")
    finally:
        for row_id in made:
            api.delete("companies", row_id)


# RULE CMP-3
@pytest.mark.rule("CMP-3")
@active()
@given(branch=st.sampled_from((1, 2, 17, 9999)), formatted=st.booleans())
@example(branch=2, formatted=False)
def test_cmp_3_type_follows_the_branch_digits_never_the_request(
        scope: Scope, branch: int, formatted: bool) -> None:
    api = scope.api
    for sent in (None, "matriz", "filial"):
        cnpj = fresh_cnpj(branch, formatted)
        digits = normalize_document(cnpj)
        expected = "matriz" if digits[8:12] == MATRIZ_BRANCH else "filial"
        body = {"name": f"{scope.token} Tipo", "cnpj": cnpj} | ({"type": sent} if sent else {})
        row = api.create("companies", body)
        try:
            shown = expect(api.read("companies", str(row["id"])), 200, "GET the company")
            listed = api.walk("companies", {"cnpj": digits, "type": expected}).ids
            assert (row["type"], shown["type"]) == (expected, expected), (
                f"CMP-3: CNPJ {digits} (branch {digits[8:12]}) is a {expected}; sent type "
                f"{sent!r}, POST said {row['type']!r}, GET {shown['type']!r}")
            assert row["id"] in listed, f"CMP-3: the type={expected} filter lacks the company"
            assert row["cnpj"] == digits, f"CMP-1: stored digits-only, got {row['cnpj']!r}"
        finally:
            api.delete("companies", str(row["id"]))


# RULE CMP-4
@pytest.mark.rule("CMP-4")
@active(max_examples=scaled(2, 10))
@given(branch=st.sampled_from((1, 3)))
def test_cmp_4_patch_writes_name_and_active_only(scope: Scope, branch: int) -> None:
    api = scope.api
    row = api.create("companies", {"name": f"{scope.token} Antes",
                                   "cnpj": fresh_cnpj(branch)})
    row_id = str(row["id"])
    try:
        assert row["active"] is True, f"CMP-4: active starts true, got {row['active']!r}"
        other = "filial" if row["type"] == "matriz" else "matriz"
        body = {"name": f"{scope.token} Depois", "cnpj": fresh_cnpj(4 - branch),
                "type": other, "active": False}
        patched = expect(api.patch("companies", row_id, body), 200, "PATCH a company")
        shown = expect(api.read("companies", row_id), 200, "GET after PATCH")
        for got, what in ((patched, "PATCH answer"), (shown, "GET")):
            assert (got["cnpj"], got["type"]) == (row["cnpj"], row["type"]), (
                f"CMP-4: cnpj and type are immutable; the {what} shows {got['cnpj']} "
                f"{got['type']}, was {row['cnpj']} {row['type']}")
            assert (got["name"], got["active"]) == (body["name"], False), (
                f"CMP-4: PATCH writes name and active; the {what} shows {got}")
    finally:
        api.delete("companies", row_id)


# RULE CMP-5
@pytest.mark.rule("CMP-5")
def test_cmp_5_a_refused_company_delete_leaves_it_whole(scope: Scope) -> None:
    """People block the delete (409 `conflict` with the counts) and nothing is touched; once
    the person is (soft) deleted, the company goes and its configuration rows with it."""
    api = scope.api
    fake = scope.fake
    company = api.create("companies", {"name": f"{scope.token} Bloqueada",
                                       "cnpj": fresh_cnpj()})
    company_id = str(company["id"])
    person = api.create("people", factories.make_person(
        fake, company_id, kind="natural", document_number=unique_cpf()))
    account = api.create("accounts", factories.make_account(fake, company_id))
    category = api.create("categories", factories.make_category(fake, company_id))
    cost_center = api.create("cost_centers", factories.make_cost_center(fake, company_id))
    try:
        refused = api.delete("companies", company_id)
        problem = expect(refused, 409, "CMP-5: DELETE of a company with a person")
        assert problem.get("code") == "conflict", f"CMP-5: code conflict, got {problem}"
        details = problem.get("details") or {}
        assert {k: details.get(k) for k in ("transactions", "payables", "receivables",
                                            "people")} == {
            "transactions": 0, "payables": 0, "receivables": 0, "people": 1}, (
            f"CMP-5: details counts the blocking rows per kind: {details}")
        shown = expect(api.read("companies", company_id), 200, "GET after a refused DELETE")
        assert shown == company, (
            f"CMP-5: a refused DELETE changes nothing: {company} became {shown}")
        for resource, row in (("people", person), ("accounts", account),
                              ("categories", category), ("cost_centers", cost_center)):
            expect(api.read(resource, str(row["id"])), 200, f"{resource} of a kept company")
        expect(api.delete("people", str(person["id"])), 204, "soft-delete the person")
        expect(api.delete("companies", company_id), 204,
               "CMP-5: soft-deleted people do not block the delete")
        for resource, row in (("accounts", account), ("categories", category),
                              ("cost_centers", cost_center)):
            expect(api.read(resource, str(row["id"])), 404,
                   f"CMP-5: {resource} cascade away with their company")
    finally:
        api.delete("people", str(person["id"]))
        api.delete("companies", company_id)
