"""Valid rows of every resource, made over HTTP, with the sort values the suites control.

A `Scope` is a corner of one tenant that a suite owns: a company of its own and a unique
token in every name it writes. Listing a resource with `Scope.filters()` (the company, or the
token as a name filter) sees only the scope's rows, so a walk can be checked exactly even on
a target other runs use too. Bodies come from `fixtures.factories`; the values a list sorts
on are drawn from a few fixed ones (`tie`), so many rows share each value (RULE G-4's ties).
"""

from __future__ import annotations

import datetime as dt
import random
import threading
import uuid
from typing import Any

from faker import Faker

from fixtures import factories
from fixtures.documents import generate_cnpj, generate_cpf
from property_tests.client import JSON, Api

TIES = 5
AMOUNTS = ("10.00", "250.50", "99.99", "1000.00", "5.00")
DATES = tuple((factories.ANCHOR_DATE - dt.timedelta(days=17 * n)).isoformat()
              for n in range(TIES))
# The scoping filter of each list: the scope's company, or its token in a name.
TEXT_FILTERS = {"companies": "name", "taxes": "name", "attachments": "file_name"}
CSV = "text/csv"
LEVELS = (1, 2, 3, 1, 2)  # the category level of each tie


def token() -> str:
    """A unique upper-case tag (letters and digits only, so every collation orders it alike)."""
    return "PT" + uuid.uuid4().hex[:10].upper()


def _rng() -> random.Random:
    # Not Hypothesis' randomness on purpose: unique documents must differ on every run,
    # or a replayed example would collide with the row its first run left behind (CMP-2).
    return random.Random(uuid.uuid4().int)


def unique_cnpj() -> str:
    return generate_cnpj(_rng())


def unique_cpf() -> str:
    return generate_cpf(_rng())


def tie_of(n: int, count: int) -> int:
    """Half the rows share value 0; the rest spread over the others."""
    return 0 if n < count // 2 else 1 + n % (TIES - 1)


def csv_content(tie: int) -> bytes:
    """A small CSV whose size depends on `tie` only (ties on `size`)."""
    return b"data;valor\n" + b"2026-01-15;10,00\n" * (tie + 1)


class Scope:
    """One tenant's rows made by one suite, tracked per resource while they are alive."""

    def __init__(self, api: Api, seed: int = 0) -> None:
        self.api = api
        self.fake: Faker = factories.make_faker(seed)
        self.token = token()
        self.documents = tuple(unique_cpf() for _ in range(TIES))
        self._lock = threading.Lock()
        self._alive: dict[str, dict[str, JSON]] = {}
        self._deps: dict[str, JSON] = {}
        self.company = self.make("companies", 0, name=f"{self.token}BASE")

    def __repr__(self) -> str:
        return f"Scope(tenant={self.api.tenant!r}, token={self.token!r})"

    # -- tracking ------------------------------------------------------------------------------

    def track(self, resource: str, row: JSON) -> JSON:
        with self._lock:
            self._alive.setdefault(resource, {})[str(row["id"])] = row
        return row

    def untrack(self, resource: str, row_id: str) -> None:
        with self._lock:
            self._alive.get(resource, {}).pop(row_id, None)

    def alive(self, resource: str) -> dict[str, JSON]:
        """Rows of `resource` this scope made and has not deleted (id -> last known row)."""
        with self._lock:
            return dict(self._alive.get(resource, {}))

    # -- dependencies --------------------------------------------------------------------------

    def _dep(self, name: str, make: Any) -> JSON:
        with self._lock:
            row = self._deps.get(name)
        if row is None:
            row = make()
            with self._lock:
                self._deps[name] = row
        return row

    @property
    def person(self) -> JSON:
        """A supplier and customer of the scope's company (payables and receivables need one)."""
        return self._dep("person", lambda: self.make("people", 0, is_customer=True))

    @property
    def account(self) -> JSON:
        return self._dep("account", lambda: self.make("accounts", 0))

    @property
    def category_l1(self) -> JSON:
        return self._dep("category_l1", lambda: self.make("categories", 0))

    @property
    def category_l2(self) -> JSON:
        return self._dep("category_l2", lambda: self.make("categories", 1))

    # -- bodies --------------------------------------------------------------------------------

    def filters(self, resource: str) -> dict[str, str]:
        """The list filter that sees exactly this scope's rows of `resource`."""
        if resource in TEXT_FILTERS:
            return {TEXT_FILTERS[resource]: self.token}
        return {"company_id": str(self.company["id"])}

    def name(self, tie: int) -> str:
        return f"{self.token}N{tie}"

    def body(self, resource: str, tie: int, **overrides: Any) -> JSON:
        """A valid create body whose sort fields take the `tie`-th of a few fixed values."""
        fake = self.fake
        date = DATES[tie]
        if resource == "companies":
            return factories.make_company(fake, name=self.name(tie), cnpj=unique_cnpj()) \
                | overrides
        if resource == "taxes":
            return factories.make_tax(fake, name=f"{self.token}T{uuid.uuid4().hex[:6].upper()}") \
                | overrides
        company_id = str(self.company["id"])
        if resource == "categories":
            level = LEVELS[tie]
            parent = None if level == 1 else self.category_l1 if level == 2 else \
                self.category_l2
            return factories.make_category(
                fake, company_id, type="debit", name=self.name(tie),
                parent_id=None if parent is None else str(parent["id"])) | overrides
        if resource == "cost_centers":
            return factories.make_cost_center(fake, company_id, name=self.name(tie)) | overrides
        if resource == "people":
            return factories.make_person(fake, company_id, supplier=True, kind="natural",
                                         name=self.name(tie),
                                         document_number=self.documents[tie]) | overrides
        if resource == "accounts":
            return factories.make_account(fake, company_id, name=self.name(tie)) | overrides
        if resource == "transactions":
            return factories.make_transaction(
                fake, company_id, str(self.account["id"]), amount=AMOUNTS[tie], occurred_at=date,
                competence_date=factories.month_start(date)) | overrides
        if resource in ("payables", "receivables"):
            make = factories.make_payable if resource == "payables" else \
                factories.make_receivable
            return make(fake, company_id, str(self.person["id"]), amount=AMOUNTS[tie],
                        due_date=date, competence_date=factories.month_start(date)) | overrides
        raise ValueError(f"no JSON create for {resource!r}")

    def update_body(self, resource: str, tie: int) -> JSON | None:
        """A PATCH that moves a row's sort fields to the `tie`-th values (None: no PATCH)."""
        date = DATES[tie]
        if resource == "attachments":
            return None
        if resource == "taxes":
            return {"name": f"{self.token}T{uuid.uuid4().hex[:6].upper()}"}
        if resource == "transactions":
            return {"amount": AMOUNTS[tie], "occurred_at": date,
                    "competence_date": factories.month_start(date)}
        if resource in ("payables", "receivables"):
            return {"amount": AMOUNTS[tie], "due_date": date, "payment_date": date,
                    "competence_date": factories.month_start(date)}
        return {"name": self.name(tie)}

    # -- writes --------------------------------------------------------------------------------

    def make(self, resource: str, tie: int, *, api: Api | None = None, **overrides: Any) -> JSON:
        """Create one row (upload for attachments) and track it."""
        api = api or self.api
        if resource == "attachments":
            response = api.upload(f"{self.name(tie)}.csv", csv_content(tie), CSV)
            if response.status_code != 201:
                raise AssertionError(f"upload as tenant {api.tenant}: {response.status_code} "
                                     f"{response.text[:300]}")
            return self.track(resource, response.json())
        return self.track(resource, api.create(resource, self.body(resource, tie, **overrides)))

    def remove(self, resource: str, row_id: str, *, api: Api | None = None) -> int:
        """DELETE a row; untracked on 204 (or 404: already gone)."""
        status = (api or self.api).delete(resource, row_id).status_code
        if status in (204, 404):
            self.untrack(resource, row_id)
        return status

    def base(self, resource: str, count: int) -> list[JSON]:
        """`count` rows of `resource` spread over the tie values; some bills get a
        `payment_date` so that sort has values and nulls both."""
        rows = []
        for n in range(count):
            tie = tie_of(n, count)
            row = self.make(resource, tie)
            if resource in ("payables", "receivables") and tie % 2:
                response = self.api.patch(resource, str(row["id"]), {"payment_date": DATES[tie]})
                if response.status_code != 200:
                    raise AssertionError(f"PATCH payment_date: {response.status_code} "
                                         f"{response.text[:300]}")
                row = self.track(resource, response.json())
            rows.append(row)
        return rows
