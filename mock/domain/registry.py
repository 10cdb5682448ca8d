"""Every resource module and internal table, so the store and the API see the same list."""

from __future__ import annotations

from types import ModuleType

from mock.domain import (
    accounts,
    attachments,
    categories,
    companies,
    cost_centers,
    links,
    payables,
    people,
    receivables,
    taxes,
    transactions,
)
from mock.store import TableSpec

RESOURCES: dict[str, ModuleType] = {
    "accounts": accounts,
    "attachments": attachments,
    "categories": categories,
    "companies": companies,
    "cost_centers": cost_centers,
    "payables": payables,
    "people": people,
    "receivables": receivables,
    "taxes": taxes,
    "transactions": transactions,
}

TABLES: tuple[TableSpec, ...] = (
    *(module.SPEC for module in RESOURCES.values()),
    links.ALLOCATIONS,
    links.TAX_CHARGES,
    links.ATTACHMENT_LINKS,
)
