"""The plain reference model the state machines compare the target with.

No HTTP here: who owns which row, which rows are alive, what references what, which
attachment links exist, and what a delete should answer under the rules (G-10, CMP-5,
ACC-4, ATT-5, PER-5). `Ledger` is the account model of RULE ACC-2 and RULE PAY-7.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal

# RULE CMP-5: what blocks a company delete, and what cascades away with it.
COMPANY_BLOCKERS = ("people", "transactions", "payables", "receivables")
COMPANY_CASCADE = ("categories", "cost_centers", "accounts")


@dataclass(frozen=True)
class Ref:
    """A row a machine made: tenant, resource and id (its repr is valid Python)."""

    tenant: str
    resource: str
    id: str


@dataclass
class Row:
    ref: Ref
    refs: dict[str, str] = field(default_factory=dict)  # field -> id (company_id, …)
    alive: bool = True


@dataclass
class Model:
    """Who owns what, in both tenants."""

    rows: dict[str, Row] = field(default_factory=dict)
    links: set[tuple[str, str, str]] = field(default_factory=set)  # (attachment, kind, id)

    def add(self, ref: Ref, **refs: str) -> Ref:
        self.rows[ref.id] = Row(ref, dict(refs))
        return ref

    def alive(self, ref: Ref) -> bool:
        row = self.rows.get(ref.id)
        return row is not None and row.alive

    def ids(self, tenant: str, resource: str | None = None, *,
            alive: bool | None = None) -> set[str]:
        """Ids of `tenant` (optionally of one resource, alive or dead only)."""
        return {i for i, row in self.rows.items() if row.ref.tenant == tenant
                and (resource is None or row.ref.resource == resource)
                and (alive is None or row.alive == alive)}

    def referencing(self, resource: str, field_name: str, row_id: str) -> list[Row]:
        return [row for row in self.rows.values() if row.alive and row.ref.resource == resource
                and row.refs.get(field_name) == row_id]

    def delete_status(self, ref: Ref) -> int:
        """What `DELETE /{resource}/{id}` must answer for the owner, by the rules."""
        if not self.alive(ref):
            return 404
        if ref.resource == "companies" and any(
                self.referencing(r, "company_id", ref.id) for r in COMPANY_BLOCKERS):
            return 409  # CMP-5
        if ref.resource == "accounts" and self.referencing(
                "transactions", "financial_account_id", ref.id):
            return 422  # ACC-4
        if ref.resource == "attachments" and any(a == ref.id for a, _, _ in self.links):
            return 409  # ATT-5
        return 204

    def delete(self, ref: Ref) -> None:
        """Apply a 204: the row and what cascades with it are gone, its links too."""
        self.rows[ref.id].alive = False
        self.links = {link for link in self.links if ref.id not in (link[0], link[2])}
        if ref.resource == "companies":
            for resource in COMPANY_CASCADE:
                for row in self.referencing(resource, "company_id", ref.id):
                    row.alive = False


@dataclass
class Bill:
    """A payable or receivable as the ledger sees it (RULE PAY-7: nominal is derived)."""

    resource: str
    amount: Decimal
    interest: Decimal = Decimal("0.00")
    discount: Decimal = Decimal("0.00")
    status: str = "pending"

    @property
    def settled(self) -> str:
        return "paid" if self.resource == "payables" else "received"

    @property
    def nominal(self) -> Decimal:
        return self.amount + self.interest - self.discount


@dataclass
class Ledger:
    """RULE ACC-2: an account's balance is its seed plus posted credits minus posted debits.

    Manual transactions count unless pending; a settled payable (receivable) counts as a debit
    (credit) of its `nominal_amount` (RULE PAY-5, PAY-7) until it is reverted or deleted.
    """

    seed: Decimal
    transactions: dict[str, tuple[str, Decimal, bool]] = field(default_factory=dict)
    bills: dict[str, Bill] = field(default_factory=dict)

    def balance(self) -> Decimal:
        total = self.seed
        for kind, amount, pending in self.transactions.values():
            if not pending:
                total += amount if kind == "credit" else -amount
        for bill in self.bills.values():
            if bill.status == bill.settled:
                total += bill.nominal if bill.resource == "receivables" else -bill.nominal
        return total
