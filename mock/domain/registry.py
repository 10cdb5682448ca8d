"""Every resource and internal table, so the store and the API see the same list.

A resource is a `mock.domain.<resource>` module, or for payables and receivables the
`Bills` object of that side; each has the `Resource` shape (`SPEC`, create/update/delete/view).
"""

from __future__ import annotations

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
    reconciliations,
    taxes,
    transactions,
)
from mock.domain.base import Resource
from mock.store import TableSpec

RESOURCES: dict[str, Resource] = {
    "accounts": accounts,
    "attachments": attachments,
    "categories": categories,
    "companies": companies,
    "cost_centers": cost_centers,
    "payables": payables.PAYABLES,
    "people": people,
    "receivables": receivables.RECEIVABLES,
    "taxes": taxes,
    "transactions": transactions,
}

TABLES: tuple[TableSpec, ...] = (
    *(module.SPEC for module in RESOURCES.values()),
    links.ALLOCATIONS,
    links.TAX_CHARGES,
    links.ATTACHMENT_LINKS,
    reconciliations.RECONCILIATION_ITEMS,
)
