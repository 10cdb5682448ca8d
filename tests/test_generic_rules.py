"""The rules every resource shares, proved on all ten: G-3, G-7, G-10, G-11."""

from __future__ import annotations

import uuid
from typing import Any

import pytest

from tests.helpers import DELETE_ORDER, make_all

RESOURCES = DELETE_ORDER
PATCHABLE = tuple(r for r in RESOURCES if r != "attachments")


def without_ids(problem: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in problem.items() if k not in ("detail", "instance")}


# RULE G-10
def test_delete_is_204_then_404_and_gone_from_lists(client: Any, auth_a: dict[str, str]) -> None:
    ids = make_all(client, auth_a)
    for resource in RESOURCES:
        row_id = ids[resource]
        first = client.delete(f"/v1/{resource}/{row_id}", headers=auth_a)
        assert first.status_code == 204, (resource, first.text)
        assert first.content == b""
        assert client.get(f"/v1/{resource}/{row_id}", headers=auth_a).status_code == 404
        again = client.delete(f"/v1/{resource}/{row_id}", headers=auth_a)
        assert again.status_code == 404, resource
        assert again.headers["content-type"] == "application/problem+json"
        if resource in PATCHABLE:
            patch = client.patch(f"/v1/{resource}/{row_id}", headers=auth_a, json={})
            assert patch.status_code == 404, resource
        listed = client.get(f"/v1/{resource}", headers=auth_a, params={"limit": 100}).json()
        assert row_id not in {row["id"] for row in listed["data"]}, resource


# RULE G-3, RULE G-11
@pytest.mark.parametrize("resource", RESOURCES)
def test_foreign_id_answers_exactly_as_a_missing_one(client: Any, auth_a: dict[str, str],
                                                     auth_b: dict[str, str],
                                                     resource: str) -> None:
    ids = make_all(client, auth_a)
    foreign, missing = ids[resource], str(uuid.uuid4())
    for method in ("GET", "DELETE") + (("PATCH",) if resource in PATCHABLE else ()):
        kwargs: dict[str, Any] = {"json": {}} if method == "PATCH" else {}
        a = client.request(method, f"/v1/{resource}/{foreign}", headers=auth_b, **kwargs)
        b = client.request(method, f"/v1/{resource}/{missing}", headers=auth_b, **kwargs)
        assert a.status_code == b.status_code == 404, (method, a.text)
        assert without_ids(a.json()) == without_ids(b.json())
    # …and the row is untouched for its owner.
    assert client.get(f"/v1/{resource}/{foreign}", headers=auth_a).status_code == 200
    listed = client.get(f"/v1/{resource}", headers=auth_b).json()["data"]
    assert foreign not in {row["id"] for row in listed}


# RULE G-11
@pytest.mark.parametrize("resource", RESOURCES)
def test_get_returns_the_list_row_shape(client: Any, auth_a: dict[str, str],
                                        resource: str) -> None:
    ids = make_all(client, auth_a)
    detail = client.get(f"/v1/{resource}/{ids[resource]}", headers=auth_a).json()
    rows = client.get(f"/v1/{resource}", headers=auth_a, params={"limit": 100}).json()["data"]
    row = next(r for r in rows if r["id"] == ids[resource])
    assert set(row) <= set(detail)
    assert {k: detail[k] for k in row} == row


# RULE G-7
@pytest.mark.parametrize("resource", PATCHABLE)
def test_server_owned_fields_are_ignored_on_patch(client: Any, auth_a: dict[str, str],
                                                  resource: str) -> None:
    ids = make_all(client, auth_a)
    before = client.get(f"/v1/{resource}/{ids[resource]}", headers=auth_a).json()
    sneaky = {"id": str(uuid.uuid4()), "workspace_id": str(uuid.uuid4()),
              "created_at": "2000-01-01T00:00:00Z"}
    r = client.patch(f"/v1/{resource}/{ids[resource]}", headers=auth_a, json=sneaky)
    assert r.status_code == 200, r.text
    after = r.json()
    for field in sneaky:
        assert after[field] == before[field]
    assert client.get(f"/v1/{resource}/{ids[resource]}", headers=auth_a).json() == after


# RULE G-3
def test_workspace_id_in_a_body_is_ignored(client: Any, auth_a: dict[str, str],
                                           auth_b: dict[str, str]) -> None:
    from fixtures import factories, tokens

    body = factories.make_company(factories.make_faker(3)) | {"workspace_id": tokens.TENANT_B}
    row = client.post("/v1/companies", headers=auth_a, json=body).json()
    assert row["workspace_id"] == tokens.TENANT_A
    assert client.get(f"/v1/companies/{row['id']}", headers=auth_b).status_code == 404


# RULE G-9
def test_ids_match_in_any_case(client: Any, auth_a: dict[str, str]) -> None:
    ids = make_all(client, auth_a)
    upper = ids["categories"].upper()
    assert client.get(f"/v1/categories/{upper}", headers=auth_a).json()["id"] == ids["categories"]
    rows = client.get("/v1/categories", headers=auth_a,
                      params={"company_id": ids["companies"].upper()}).json()["data"]
    assert [r["id"] for r in rows] == [ids["categories"]]
