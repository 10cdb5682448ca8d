"""Build one row of every resource through HTTP, in dependency order (for generic tests)."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from fixtures import factories, files

# Deleting in this order never trips a guard (links, then money rows, then the catalogue).
DELETE_ORDER = ("attachments", "transactions", "payables", "receivables", "people", "accounts",
                "categories", "cost_centers", "taxes", "companies")


def created(response: Any) -> dict[str, Any]:
    assert response.status_code == 201, response.text
    body: dict[str, Any] = response.json()
    return body


def make_all(client: Any, headers: dict[str, str], seed: int = 0) -> dict[str, str]:
    """One fresh row per resource for the tenant of `headers`; returns resource -> id."""
    fake = factories.make_faker(seed)
    post = lambda path, body: created(client.post(f"/v1/{path}", headers=headers, json=body))  # noqa: E731
    company = post("companies", factories.make_company(fake))["id"]
    ids = {"companies": company}
    ids["categories"] = post("categories", factories.make_category(fake, company))["id"]
    ids["cost_centers"] = post("cost_centers", factories.make_cost_center(fake, company))["id"]
    ids["taxes"] = post("taxes", factories.make_tax(fake))["id"]
    supplier = post("people", factories.make_person(fake, company, supplier=True,
                                                    customer=True))["id"]
    ids["people"] = supplier
    ids["accounts"] = post("accounts", factories.make_account(fake, company))["id"]
    ids["transactions"] = post("transactions", factories.make_transaction(
        fake, company, ids["accounts"]))["id"]
    ids["payables"] = post("payables", factories.make_payable(fake, company, supplier))["id"]
    ids["receivables"] = post("receivables", factories.make_receivable(fake, company,
                                                                      supplier))["id"]
    sample = files.SAMPLES["pdf"]
    r = client.post("/v1/attachments", headers=headers,
                    files={"file": (sample.file_name, sample.content, sample.mime_type)})
    ids["attachments"] = created(r)["id"]
    return ids


def postman_requests(items: list[dict[str, Any]]) -> Iterator[dict[str, Any]]:
    """Every request of a Postman collection's (nested) folder items, in order."""
    for item in items:
        if "item" in item:
            yield from postman_requests(item["item"])
        else:
            yield item["request"]


@contextmanager
def loggers_kept(*loggers: logging.Logger) -> Iterator[None]:
    """Whatever the block does to these loggers (handlers, filters, level, propagation) is
    undone when it ends."""
    saved = [(lg, list(lg.handlers), list(lg.filters), lg.level, lg.propagate) for lg in loggers]
    try:
        yield
    finally:
        for lg, handlers, filters, level, propagate in saved:
            for h in list(lg.handlers):
                lg.removeHandler(h)
            for h in handlers:
                lg.addHandler(h)
            lg.filters[:] = filters
            lg.setLevel(level)
            lg.propagate = propagate
