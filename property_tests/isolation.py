"""RULE G-3, the state machine: two tenants create, read, patch, delete, link and list at
random, and nothing of one is ever visible to, or reachable by, the other.

The machine holds the target (both tenants' `Api`) and a plain `Model` of who owns what.
Every rule acts on the target and the model alike and checks the target's answer against the
model: a foreign id answers GET, PATCH, DELETE and download exactly as a random id does (404,
same body); a body or a filter naming a foreign row is treated as naming a missing one; a
cursor or an idempotency key carries nothing across; lists never show a foreign row (each
list is swept for both tenants at the end of every run).
"""

from __future__ import annotations

import uuid
from typing import Any, ClassVar

from hypothesis import strategies as st
from hypothesis.stateful import (
    Bundle,
    RuleBasedStateMachine,
    consumes,
    initialize,
    multiple,
    rule,
)

from fixtures import factories, files
from property_tests.apispec import contract
from property_tests.client import (
    DELETE_ORDER,
    JSON,
    TENANTS,
    Api,
    Env,
    normalized,
    random_id,
)
from property_tests.model import Model, Ref
from property_tests.rows import unique_cnpj, unique_cpf

SEEDS = st.integers(0, 2**16)
TENANT = st.sampled_from(TENANTS)
# Who links an attachment: mostly its owner (so links exist), sometimes the other tenant.
WHO = st.sampled_from(("owner", "owner", "other"))
# A PATCH body each resource accepts (anything writable; the point is who may send it).
PATCHES: dict[str, JSON] = {
    "companies": {"name": "Renomeada Ltda."}, "categories": {"name": "Renomeada"},
    "people": {"name": "Pessoa Renomeada"}, "accounts": {"name": "Conta Renomeada"},
    "transactions": {"description": "Descrição alterada"},
    "payables": {"description": "Descrição alterada"}, "taxes": {"name": "Renomeado"},
}
# Filters that take a row id of another resource: (list, filter) -> the resource it names.
ID_FILTERS: tuple[tuple[str, str, str], ...] = (
    ("categories", "company_id", "companies"), ("people", "company_id", "companies"),
    ("accounts", "company_id", "companies"), ("transactions", "company_id", "companies"),
    ("transactions", "financial_account_id", "accounts"),
    ("transactions", "person_id", "people"), ("payables", "person_id", "people"),
    ("payables", "company_id", "companies"),
    ("attachments", "linked_to_payable_id", "payables"),
    ("attachments", "linked_to_transaction_id", "transactions"),
)
LINK_KINDS = {"payables": "payable", "transactions": "transaction"}


def _faker(seed: int) -> Any:
    return factories.make_faker(seed)


class IsolationMachine(RuleBasedStateMachine):
    """Two tenants at work on the same target; `bind(env)` gives the class its target."""

    env: ClassVar[Env]
    # Every id the machine ever made, per tenant, over all runs of this session: a later
    # run's sweep still checks that none of them leaks.
    ever: ClassVar[dict[str, set[str]]] = {"a": set(), "b": set()}

    companies = Bundle("companies")
    categories = Bundle("categories")
    people = Bundle("people")
    accounts = Bundle("accounts")
    transactions = Bundle("transactions")
    payables = Bundle("payables")
    attachments = Bundle("attachments")
    parents = Bundle("parents")  # payables and transactions: what an attachment links to
    rows = Bundle("rows")  # every row made, of any resource, until its DELETE consumes it
    deleted = Bundle("deleted")

    @classmethod
    def bind(cls, env: Env) -> type[IsolationMachine]:
        """This machine on `env` (a subclass, so its printed program still reads
        `IsolationMachine()`)."""
        bound = type(cls.__name__, (cls,), {"env": env})
        bound.__qualname__ = cls.__qualname__
        return bound

    def __init__(self) -> None:
        super().__init__()
        self.model = Model()

    # -- helpers -------------------------------------------------------------------------------

    def api(self, tenant: str) -> Api:
        return self.env.tenant(tenant)

    def made(self, tenant: str, resource: str, row: JSON, **refs: str) -> Ref:
        ref = Ref(tenant, resource, str(row["id"]))
        self.ever[tenant].add(ref.id)
        return self.model.add(ref, **refs)

    def expect(self, response: Any, status: int, what: str) -> None:
        assert response.status_code == status, (
            f"{what}: expected {status}, got {response.status_code}: {response.text[:300]}")

    def same_as_missing(self, foreign: Any, missing: Any, foreign_id: str, missing_id: str,
                        what: str, status: int = 404) -> None:
        """RULE G-3: a foreign id answers exactly as a random one (status and body)."""
        theirs = normalized(foreign, foreign_id)
        nobody = normalized(missing, missing_id)
        assert foreign.status_code == status, (
            f"{what} with another tenant's id: expected {status}, got {foreign.status_code}: "
            f"{foreign.text[:300]}")
        assert theirs == nobody, (f"{what}: another tenant's id answers differently from a "
                                  f"random id:\n  foreign: {theirs}\n  random:  {nobody}")

    def create_in(self, tenant: str, resource: str, body: JSON, parents: dict[str, Ref],
                  **refs: str) -> Ref | Any:
        """POST; 201 when every parent is alive (and the tenant's), else 422 (G-3, G-10)."""
        response = self.api(tenant).post(resource, body)
        if all(self.model.alive(p) and p.tenant == tenant for p in parents.values()):
            self.expect(response, 201, f"POST /{resource} as {tenant}")
            return self.made(tenant, resource, response.json(), **refs)
        self.expect(response, 422, f"POST /{resource} as {tenant} naming a deleted row")
        return multiple()

    # -- creates -------------------------------------------------------------------------------

    @initialize(targets=(companies, rows), seed=SEEDS)
    def companies_of_both(self, seed: int) -> Any:
        """Each run starts with a company in each tenant."""
        return multiple(*(self.create_company(tenant, seed) for tenant in TENANTS))

    @initialize(targets=(attachments, rows))
    def attachments_of_both(self) -> Any:
        """…and an attachment in each tenant…"""
        return multiple(*(self.upload(tenant, "pdf") for tenant in TENANTS))

    @initialize(targets=(parents, rows), seed=SEEDS)
    def parents_of_both(self, seed: int) -> Any:
        """…and a transaction and a payable in each tenant, so links can be tried at once."""
        made = []
        for tenant in TENANTS:
            company = self.create_company(tenant, seed)
            made.append(self.create_transaction(self.create_account(company, seed), seed))
            made.append(self.create_payable(self.create_person(company, seed), seed))
        return multiple(*made)

    @rule(targets=(companies, rows), tenant=TENANT, seed=SEEDS)
    def create_company(self, tenant: str, seed: int) -> Ref:
        body = factories.make_company(_faker(seed), cnpj=unique_cnpj())
        return self.made(tenant, "companies", self.api(tenant).create("companies", body))

    @rule(targets=(categories, rows), company=companies, seed=SEEDS)
    def create_category(self, company: Ref, seed: int) -> Ref | Any:
        body = factories.make_category(_faker(seed), company.id)
        return self.create_in(company.tenant, "categories", body, {"company_id": company},
                              company_id=company.id)

    @rule(targets=(people, rows), company=companies, seed=SEEDS)
    def create_person(self, company: Ref, seed: int) -> Ref | Any:
        body = factories.make_person(_faker(seed), company.id, supplier=True, customer=True,
                                     kind="natural", document_number=unique_cpf())
        return self.create_in(company.tenant, "people", body, {"company_id": company},
                              company_id=company.id)

    @rule(targets=(accounts, rows), company=companies, seed=SEEDS)
    def create_account(self, company: Ref, seed: int) -> Ref | Any:
        body = factories.make_account(_faker(seed), company.id)
        return self.create_in(company.tenant, "accounts", body, {"company_id": company},
                              company_id=company.id)

    @rule(targets=(transactions, parents, rows), account=accounts, seed=SEEDS)
    def create_transaction(self, account: Ref, seed: int) -> Ref | Any:
        company_id = self.model.rows[account.id].refs["company_id"]
        body = factories.make_transaction(_faker(seed), company_id, account.id)
        return self.create_in(account.tenant, "transactions", body, {"account": account},
                              company_id=company_id, financial_account_id=account.id)

    @rule(targets=(payables, parents, rows), person=people, seed=SEEDS)
    def create_payable(self, person: Ref, seed: int) -> Ref | Any:
        company_id = self.model.rows[person.id].refs["company_id"]
        body = factories.make_payable(_faker(seed), company_id, person.id)
        return self.create_in(person.tenant, "payables", body, {"person": person},
                              company_id=company_id, person_id=person.id)

    @rule(targets=(attachments, rows), tenant=TENANT,
          kind=st.sampled_from(sorted(files.SAMPLES)))
    def upload(self, tenant: str, kind: str) -> Ref:
        sample = files.SAMPLES[kind]
        response = self.api(tenant).upload(sample.file_name, sample.content, sample.mime_type)
        self.expect(response, 201, f"upload as {tenant}")
        return self.made(tenant, "attachments", response.json())

    # -- links (ATT-4) -------------------------------------------------------------------------

    @rule(attachment=attachments, parent=parents, who=WHO)
    def link(self, attachment: Ref, parent: Ref, who: str) -> None:
        caller = attachment.tenant if who == "owner" else self.env.other(attachment.tenant).tenant
        kind = LINK_KINDS[parent.resource]
        response = self.api(caller).link(attachment.id, kind, parent.id)
        key = (attachment.id, kind, parent.id)
        if caller != attachment.tenant or caller != parent.tenant or not (
                self.model.alive(attachment) and self.model.alive(parent)):
            self.expect(response, 404, f"link as {caller} of {attachment} to {parent}")
        elif key in self.model.links:
            self.expect(response, 409, "the same link again")
        else:
            self.expect(response, 201, f"link {attachment} to {parent}")
            self.model.links.add(key)

    @rule(attachment=attachments, parent=parents, who=WHO)
    def unlink(self, attachment: Ref, parent: Ref, who: str) -> None:
        caller = attachment.tenant if who == "owner" else self.env.other(attachment.tenant).tenant
        kind = LINK_KINDS[parent.resource]
        response = self.api(caller).unlink(attachment.id, kind, parent.id)
        key = (attachment.id, kind, parent.id)
        if caller == attachment.tenant == parent.tenant and key in self.model.links:
            self.expect(response, 204, f"unlink {attachment} from {parent}")
            self.model.links.discard(key)
        else:
            self.expect(response, 404, f"unlink as {caller} of {attachment} from {parent}")

    # -- the other tenant's ids ----------------------------------------------------------------

    @rule(ref=rows, method=st.sampled_from(("GET", "PATCH", "DELETE")))
    def probe_foreign_id(self, ref: Ref, method: str) -> None:
        """GET, PATCH and DELETE of a foreign id answer as for a random id; nothing changes."""
        if method not in contract().item_methods[ref.resource]:
            method = "GET"
        other = self.env.other(ref.tenant)
        missing = random_id()
        kwargs = {"json": PATCHES[ref.resource]} if method == "PATCH" else {}
        foreign = other.request(method, f"/{ref.resource}/{ref.id}", **kwargs)
        nobody = other.request(method, f"/{ref.resource}/{missing}", **kwargs)
        self.same_as_missing(foreign, nobody, ref.id, missing,
                             f"{method} /{ref.resource}/{{id}} as {other.tenant}")
        if ref.resource == "attachments":
            foreign = other.get(f"/attachments/{ref.id}/download")
            nobody = other.get(f"/attachments/{missing}/download")
            self.same_as_missing(foreign, nobody, ref.id, missing,
                                 f"download as {other.tenant}")
        if method != "GET" and self.model.alive(ref):
            owner = self.api(ref.tenant).read(ref.resource, ref.id)
            self.expect(owner, 200, f"the owner's GET {ref} after a foreign {method}")

    @rule(ref=deleted, method=st.sampled_from(("GET", "PATCH", "DELETE")))
    def probe_deleted_foreign_id(self, ref: Ref, method: str) -> None:
        """A deleted row of one tenant is, for the other, still just a missing id."""
        self.probe_foreign_id(ref, method)

    @rule(ref=rows, company=companies, seed=SEEDS)
    def reference_foreign_row(self, ref: Ref, company: Ref, seed: int) -> None:
        """A body naming another tenant's company, account or person is refused exactly as
        one naming a missing row: 422 naming the field (G-3)."""
        if ref.tenant == company.tenant or not self.model.alive(company):
            return
        caller = self.api(company.tenant)
        fake = _faker(seed)
        if ref.resource == "companies":
            resource, name = "people", "company_id"
            body = factories.make_person(fake, ref.id, kind="natural",
                                         document_number=unique_cpf())
        elif ref.resource == "accounts":
            resource, name = "transactions", "financial_account_id"
            body = factories.make_transaction(fake, company.id, ref.id)
        elif ref.resource == "people":
            resource, name = "payables", "person_id"
            body = factories.make_payable(fake, company.id, ref.id)
        else:
            return
        missing = random_id()
        if name == "company_id":  # a fresh CPF each time, so neither is refused as a duplicate
            other_body = body | {name: missing, "document_number": unique_cpf()}
        else:
            other_body = body | {name: missing}
        foreign = caller.post(resource, body)
        nobody = caller.post(resource, other_body)
        self.same_as_missing(foreign, nobody, ref.id, missing,
                             f"POST /{resource} naming a foreign {name}", status=422)

    @rule(ref=rows, pick=st.integers(0, len(ID_FILTERS) - 1))
    def filter_by_foreign_id(self, ref: Ref, pick: int) -> None:
        """A list filtered by a foreign id shows what a random id shows (G-3)."""
        choices = [f for f in ID_FILTERS if f[2] == ref.resource]
        if not choices:
            return
        listing, name, _ = choices[pick % len(choices)]
        other = self.env.other(ref.tenant)
        foreign = other.page(listing, {name: ref.id, "limit": 100})
        nobody = other.page(listing, {name: random_id(), "limit": 100})
        self.expect(foreign, 200, f"GET /{listing}?{name}=<foreign id>")
        ids = [row["id"] for row in foreign.json()["data"]]
        leaked = set(ids) & self.ever[ref.tenant]
        assert not leaked, f"GET /{listing}?{name}=<foreign id> leaks foreign rows {leaked}"
        assert ids == [row["id"] for row in nobody.json()["data"]], (
            f"GET /{listing}?{name}=: a foreign id filters differently from a random id")

    @rule(tenant=TENANT, resource=st.sampled_from(sorted(contract().lists)))
    def carry_cursor_across(self, tenant: str, resource: str) -> None:
        """A cursor of one tenant is 400 for the other (G-3, G-4)."""
        first = self.api(tenant).page(resource, {"limit": 1})
        self.expect(first, 200, f"GET /{resource} as {tenant}")
        cursor = first.json().get("next_cursor")
        if not cursor:
            return
        response = self.env.other(tenant).page(resource, {"limit": 1, "cursor": cursor})
        self.expect(response, 400, f"GET /{resource} with tenant {tenant}'s cursor")

    @rule(tenant=TENANT, seed=SEEDS)
    def carry_idempotency_key_across(self, tenant: str, seed: int) -> None:
        """The same Idempotency-Key and body in the other tenant makes its own row (G-5)."""
        key = f"iso-{uuid.uuid4()}"
        body = factories.make_tax(_faker(seed), name=f"ISO {uuid.uuid4().hex[:12]}")
        first = self.api(tenant).post("taxes", body, key=key)
        self.expect(first, 201, f"POST /taxes as {tenant}")
        self.made(tenant, "taxes", first.json())
        other = self.env.other(tenant)
        second = other.post("taxes", body, key=key)
        self.expect(second, 201, f"POST /taxes as {other.tenant} with {tenant}'s key")
        assert second.headers.get("Idempotent-Replayed", "").lower() != "true", (
            f"tenant {other.tenant} got tenant {tenant}'s stored answer for the same key")
        assert second.json()["id"] != first.json()["id"], "the key carried a row across"
        self.made(other.tenant, "taxes", second.json())

    # -- the owner's own writes ----------------------------------------------------------------

    @rule(ref=rows)
    def patch_own(self, ref: Ref) -> None:
        if ref.resource not in PATCHES:
            return
        response = self.api(ref.tenant).patch(ref.resource, ref.id, PATCHES[ref.resource])
        if self.model.alive(ref):
            self.expect(response, 200, f"PATCH {ref}")
            assert response.json()["id"] == ref.id
        else:
            self.expect(response, 404, f"PATCH of deleted {ref}")

    @rule(target=deleted, ref=consumes(rows))
    def delete_own(self, ref: Ref) -> Ref | Any:
        """RULE G-10 with the guards of CMP-5, ACC-4, ATT-5; a foreign tenant still sees 404."""
        expected = self.model.delete_status(ref)
        api = self.api(ref.tenant)
        self.expect(api.delete(ref.resource, ref.id), expected, f"DELETE {ref}")
        if expected != 204:
            return multiple()
        self.model.delete(ref)
        self.expect(api.read(ref.resource, ref.id), 404, f"GET {ref} after its DELETE")
        return ref

    # -- lists ---------------------------------------------------------------------------------

    @rule(tenant=TENANT, resource=st.sampled_from(sorted(contract().lists)))
    def walk_list(self, tenant: str, resource: str) -> None:
        self.check_list(tenant, resource)

    def check_list(self, tenant: str, resource: str) -> None:
        """No foreign id in the tenant's list; every live own row there, no deleted one."""
        api = self.api(tenant)
        rows = api.walk(resource, limit=100).rows
        ids = {str(row["id"]) for row in rows}
        other = "b" if tenant == "a" else "a"
        leaked = ids & self.ever[other]
        assert not leaked, f"GET /{resource} as {tenant} leaks tenant {other}'s rows {leaked}"
        strangers = {str(r["id"]): r.get("workspace_id") for r in rows
                     if r.get("workspace_id") != api.workspace}
        assert not strangers, (f"GET /{resource} as {tenant} leaks rows of other workspaces "
                               f"(id: workspace_id): {strangers}")
        missing = self.model.ids(tenant, resource, alive=True) - ids
        assert not missing, f"GET /{resource} as {tenant} lacks its own rows {missing}"
        gone = self.model.ids(tenant, resource, alive=False) & ids
        assert not gone, f"GET /{resource} as {tenant} still lists deleted rows {gone}"

    def teardown(self) -> None:
        """Every list of both tenants, swept for foreign rows at the end of each run; then
        the run's rows go, so the next run's sweep stays small."""
        try:
            for resource in sorted(contract().lists):
                for tenant in TENANTS:
                    self.check_list(tenant, resource)
        finally:
            self.clean_up()

    def clean_up(self) -> None:
        for attachment_id, kind, parent_id in self.model.links:
            self.api(self.model.rows[attachment_id].ref.tenant).unlink(attachment_id, kind,
                                                                      parent_id)
        rank = {resource: n for n, resource in enumerate(DELETE_ORDER)}
        alive = [row.ref for row in self.model.rows.values() if row.alive]
        for ref in sorted(alive, key=lambda r: rank.get(r.resource, len(rank))):
            self.api(ref.tenant).delete(ref.resource, ref.id)
