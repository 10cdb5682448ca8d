"""The valid data a run builds through the public API before it generates a single case.

Generated cases alone almost never get a 2xx from the write operations: a payable needs a
company, a supplier, a debit category, a cost center, all of its own tenant, and a random UUID
names none of them. So before the engine starts, `Graph.build()` creates, in each tenant and
through the public API only (never the mock's demo data, never its admin door), one row of each
kind the writes reference: a company with a valid CNPJ, a supplier and a customer, a debit and a
credit category, a cost and a revenue center, an account, a tax, an attachment, and one payable,
receivable and transaction to read. The bodies come from `fixtures.factories`.

`fill()` — a Schemathesis `map_case` hook of the run's schema — then points the generated cases
at that graph:

- a positive path id becomes the graph's row (reads), a scratch row made for updates (PATCH),
  or a fresh row made for the case (DELETE), so updates and deletes never change the rows
  other cases read; unless the id is one the run itself created (the stateful phase's links
  stay as they are);
- a positive JSON body keeps its generated free-text fields and takes every field a rule
  constrains (references, CNPJ/CPF, amounts, dates, rateio, unique names) from a valid body;
- negative components are left alone: they are the point of negative testing.

A target that refuses the graph (a broken build, a stateless mock) leaves the cases as
generated; what could not be built is listed in the report, and the checks that needed it show
up as gaps.
"""

from __future__ import annotations

import hashlib
import random
import threading
import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Literal, cast

import httpx
from faker import Faker

from conformance.targets import Target
from fixtures import factories, files
from fixtures.documents import generate_cnpj, generate_cpf

if TYPE_CHECKING:
    from schemathesis import Case
    from schemathesis.hooks import HookContext

__all__ = ["FREE_FIELDS", "Graph", "fill"]

TIMEOUT = 10.0  # seconds, every request the graph sends
LINK_KINDS = {"payable": "payables", "receivable": "receivables", "transaction": "transactions"}

# Fields whose every schema-valid value is acceptable (no rule of the contract constrains them):
# a positive body keeps what the generator put there. Everything else comes from a valid body.
FREE_FIELDS: dict[str, frozenset[str]] = {
    "companies": frozenset({"name"}),
    "people": frozenset({"name", "legal_name", "nickname", "notes", "active"}),
    "categories": frozenset({"name"}),
    "cost_centers": frozenset({"name", "description", "active"}),
    "accounts": frozenset({"name", "agency", "agency_digit", "account_number", "account_digit",
                           "disable_reconcile"}),
    "taxes": frozenset({"default_withholding", "active"}),
    "payables": frozenset({"description", "notes", "document_number", "ir_relevant",
                           "beneficiary_name"}),
    "receivables": frozenset({"description", "notes", "document_number", "ir_relevant"}),
    "transactions": frozenset({"description", "bank_description", "notes", "classified"}),
    "attachments": frozenset({"title"}),
}


@dataclass
class Graph:
    """The rows a run made in each tenant (token -> role -> id), and how to make more."""

    target: Target
    seed: int
    on_create: Callable[[str, str, str, Any], None] | None = None  # (post url, path, id, body)
    rows: dict[str, dict[str, str]] = field(default_factory=dict)
    problems: list[str] = field(default_factory=list)
    known: set[str] = field(default_factory=set)  # ids the run's own cases created
    _lock: threading.RLock = field(default_factory=threading.RLock)
    _client: httpx.Client | None = None
    _scratch: dict[str, str | None] = field(default_factory=dict)
    _fake: Faker | None = None
    _serial: int = 0

    # --- building -------------------------------------------------------------------------

    def build(self) -> None:
        """Create the graph in both tenants; never raises for what the target answers."""
        for token in (self.target.token_a, self.target.token_b):
            self.rows[token] = {}
            for role, resource in (("company", "companies"), ("supplier", "people"),
                                   ("customer", "people"), ("debit_category", "categories"),
                                   ("credit_category", "categories"),
                                   ("cost_center", "cost_centers"),
                                   ("revenue_center", "cost_centers"), ("account", "accounts"),
                                   ("tax", "taxes"), ("attachment", "attachments"),
                                   ("payable", "payables"), ("receivable", "receivables"),
                                   ("transaction", "transactions")):
                row = self.create(resource, token, role=role)
                if row is not None:
                    self.rows[token][role] = row

    def close(self) -> None:
        if self._client is not None:
            self._client.close()

    @property
    def client(self) -> httpx.Client:
        if self._client is None:
            self._client = httpx.Client(timeout=TIMEOUT)
        return self._client

    def rng(self) -> random.Random:
        with self._lock:
            self._serial += 1
            return random.Random(f"{self.seed}:{self._serial}")

    def faker(self, rng: random.Random) -> Faker:
        with self._lock:
            if self._fake is None:
                self._fake = factories.make_faker(self.seed)
            self._fake.seed_instance(rng.getrandbits(32))
            return self._fake

    def id_of(self, role: str, token: str | None = None) -> str | None:
        return self.rows.get(token or self.target.token_a, {}).get(role)

    def body(self, resource: str, token: str, rng: random.Random, *, role: str = "") -> Any:
        """A valid create body of `resource` whose references are this tenant's graph rows."""
        with self._lock:
            fake = self.faker(rng)
            ref = self.rows.get(token, {})
            company = ref.get("company", str(uuid.UUID(int=rng.getrandbits(128))))
            if resource == "companies":
                return factories.make_company(fake, cnpj=generate_cnpj(rng))
            if resource == "people":
                person = factories.make_person(fake, company, supplier=role != "customer",
                                               customer=role != "supplier")
                number = generate_cpf(rng) if person["document_type"] == "cpf" \
                    else generate_cnpj(rng)
                return person | {"document_number": number}
            if resource == "categories":
                side: Literal["debit", "credit"] = "credit" if role == "credit_category" or (
                    not role and rng.random() < 0.5) else "debit"
                return factories.make_category(fake, company, type=side)
            if resource == "cost_centers":
                center: Literal["cost", "revenue"] = "revenue" if role == "revenue_center" or (
                    not role and rng.random() < 0.5) else "cost"
                return factories.make_cost_center(fake, company, type=center)
            if resource == "accounts":
                return factories.make_account(fake, company)
            if resource == "taxes":  # names are unique per workspace (TAX-1)
                return factories.make_tax(fake) | {"name": f"Tax {rng.getrandbits(48):012x}"}
            if resource in ("payables", "receivables"):
                payable = resource == "payables"
                make = factories.make_payable if payable else factories.make_receivable
                holder = ref.get("supplier" if payable else "customer", "")
                extra = {k: v for k, v in (
                    ("category_id", ref.get("debit_category" if payable else "credit_category")),
                    ("cost_center_id", ref.get("cost_center" if payable else "revenue_center")),
                ) if v}
                return make(fake, company, holder, **extra)
            if resource == "transactions":
                body = factories.make_transaction(fake, company, ref.get("account", ""))
                category = ref.get("debit_category" if body["type"] == "debit"
                                   else "credit_category")
                return body | ({"category_id": category} if category else {})
            if resource == "attachments":
                return {"file": files.pdf_bytes(), "title": fake.sentence(nb_words=3)}
            raise KeyError(resource)

    def create(self, resource: str, token: str | None = None, *, role: str = "") -> str | None:
        """POST one fresh valid row of `resource`; its id, or None (the reason in `problems`)."""
        token = token or self.target.token_a
        url = f"{self.target.base_url}/{resource}"
        body = self.body(resource, token, self.rng(), role=role)
        headers = {"Authorization": f"Bearer {token}"}
        try:
            if resource == "attachments":
                answer = self.client.post(url, headers=headers, data={"title": body["title"]},
                                          files={"file": ("graph.pdf", body["file"],
                                                          "application/pdf")})
            else:
                answer = self.client.post(url, headers=headers, json=body)
        except httpx.HTTPError as exc:
            self._problem(f"POST /{resource}: {exc!r}")
            return None
        row_id = _id(answer)
        if answer.status_code != 201 or row_id is None:
            self._problem(f"POST /{resource} answered {answer.status_code}: "
                          f"{answer.text[:200]}")
            return None
        if self.on_create is not None:
            self.on_create(url, f"/{resource}", row_id, token)
        return row_id

    def scratch(self, resource: str) -> str | None:
        """A row of `resource` made for updates alone: PATCH cases change it at will, and the
        rows other cases read and reference stay as built. Made once, on first use."""
        with self._lock:
            row = self._scratch.get(resource)
            if row is None:
                row = self._scratch[resource] = self.create(resource)
            return row

    def link(self, attachment: str, kind: str, target: str | None = None
             ) -> dict[str, str] | None:
        """Link `attachment` to `target` (default: the graph's row of `kind`); the link body,
        or None."""
        target = target or self.id_of(kind)
        if target is None:
            return None
        body = {"type": kind, "id": target}
        try:
            answer = self.client.post(
                f"{self.target.base_url}/attachments/{attachment}/links", json=body,
                headers={"Authorization": f"Bearer {self.target.token_a}"})
        except httpx.HTTPError as exc:
            self._problem(f"POST /attachments/{{id}}/links: {exc!r}")
            return None
        return body if 200 <= answer.status_code < 300 else None

    def _problem(self, text: str) -> None:
        with self._lock:
            if text not in self.problems and len(self.problems) < 20:
                self.problems.append(text)

    # --- pointing cases at it ---------------------------------------------------------------

    def repair(self, resource: str, method: str, generated: Mapping[str, Any],
               rng: random.Random) -> dict[str, Any]:
        """`generated` with every constrained field taken from a valid body (see module doc)."""
        valid = self.body(resource, self.target.token_a, rng)
        free = FREE_FIELDS.get(resource, frozenset())
        if method == "POST":
            return {**valid, **{k: v for k, v in generated.items() if k in free}}
        return {k: (v if k in free else valid[k]) for k, v in generated.items()
                if k in free or k in valid}

    def record(self, payload: Any) -> None:
        """Remember an id the run's own cases created (its links must keep pointing at it)."""
        row_id = payload.get("id") if isinstance(payload, Mapping) else None
        if row_id is not None:
            with self._lock:
                self.known.add(str(row_id))


def _id(answer: httpx.Response) -> str | None:
    try:
        payload = answer.json()
    except ValueError:
        return None
    row_id = payload.get("id") if isinstance(payload, dict) else None
    return str(row_id) if row_id is not None else None


def _case_rng(case: Case[Any], seed: int) -> random.Random:
    """A generator decided by the case itself: the same generated case is filled the same way."""
    text = repr((seed, case.method, case.path, case.path_parameters, case.body))
    return random.Random(hashlib.sha256(text.encode("utf-8", "backslashreplace")).digest())


def fill(graph: Graph, case: Case[Any]) -> Case[Any]:
    """Point one generated case at the graph (the run's `map_case` hook; see module doc)."""
    from schemathesis.core.parameters import ParameterLocation

    meta = case.meta
    parts = case.operation.path.strip("/").split("/")
    resource, method = parts[0], case.method.upper()
    rng = _case_rng(case, graph.seed)
    negative_path = meta is not None and meta.is_negative_at(ParameterLocation.PATH)
    # A negative case keeps its body whatever component it breaks: a body the coverage phase
    # left without a required field is not marked negative "at the body" by every phase.
    negative_body = meta is not None and meta.generation.mode.is_negative
    links = len(parts) == 3 and parts[2] == "links"
    if "id" in case.path_parameters and not negative_path \
            and str(case.path_parameters["id"]) not in graph.known:
        row = graph.create(resource) if method == "DELETE" or links \
            else graph.scratch(resource) if method == "PATCH" \
            else graph.id_of(_ROLE_OF.get(resource, ""))
        if row is not None:
            case.path_parameters = {**case.path_parameters, "id": row}
    if links and not negative_body and not negative_path and "id" in case.path_parameters:
        # A fresh parent per case: the same link twice is 409 (ATT-4), and the graph's own
        # rows may have been deleted by a stateful step that found their ids in a response.
        # Also for an attachment the run itself made (a stateful step), whose generated body
        # would name a parent that exists nowhere.
        kind = case.body.get("type") if isinstance(case.body, dict) else None
        kind = kind if kind in LINK_KINDS else rng.choice(sorted(LINK_KINDS))
        parent = graph.create(LINK_KINDS[kind]) or graph.id_of(kind)
        attachment = str(case.path_parameters["id"])
        body = graph.link(attachment, kind, parent) if method == "DELETE" else None
        case.body = cast(Any, body or {"type": kind, "id": parent or attachment})
        return case
    if negative_body or method not in ("POST", "PATCH") or len(parts) > 2:
        return case
    for name in list(case.headers or {}):
        if name.lower() == "idempotency-key":
            # A key the coverage phase reuses for every body would make each repeat a
            # mismatch (422, G-5), and one derived from the body would replay a row created
            # (and maybe deleted) phases ago: a fresh key per generated case. The curl of a
            # failure prints the key that was sent.
            case.headers[name] = str(uuid.uuid4())
    if isinstance(case.body, dict) and resource in FREE_FIELDS and resource != "attachments":
        # (An upload is left as generated: Schemathesis validates a changed case again, and
        # counts any changed body holding bytes as negative.)
        case.body = graph.repair(resource, method, case.body, rng)
    return case


# resource -> the graph role a read of one of its rows uses
_ROLE_OF = {"companies": "company", "people": "supplier", "categories": "debit_category",
            "cost_centers": "cost_center", "accounts": "account", "taxes": "tax",
            "attachments": "attachment", "payables": "payable", "receivables": "receivable",
            "transactions": "transaction"}


def install(schema: Any, graph: Graph) -> None:
    """Register `fill` as hooks of this run's schema only (not global hooks)."""

    def map_case(context: HookContext, case: Case[Any]) -> Case[Any]:
        return fill(graph, case)

    def before_add_examples(context: HookContext, examples: list[Case[Any]]) -> None:
        # The examples phase runs no `map_case`: its cases (the spec's examples, whose ids
        # exist nowhere but in our own mock's demo data) are filled here.
        examples[:] = [fill(graph, case) for case in examples]

    schema.hooks.register_hook_with_name(map_case, "map_case")
    schema.hooks.register_hook_with_name(before_add_examples, "before_add_examples")
