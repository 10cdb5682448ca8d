"""Apply a `fixtures.seed` dataset to a tenant through the domain layer (same rules as HTTP)."""

from __future__ import annotations

import base64
import gc
from collections.abc import Iterable, Iterator
from contextlib import contextmanager

from fixtures.seed import SeedStep
from mock.domain import attachments, reconciliations, transfers
from mock.domain.base import get_row
from mock.domain.registry import RESOURCES
from mock.store import TenantStore


def apply(ts: TenantStore, steps: Iterable[SeedStep]) -> int:
    """Run every step in order; returns how many ran. Any rule violation raises (the steps
    before it stay applied). The tenant's sort indexes are built once, at the end."""
    count = 0
    with ts.lock, ts.bulk(), collector_paused():
        for step in steps:
            module = RESOURCES[step.resource]
            if step.action == "create":
                body = dict(step.body)
                if step.resource == "attachments":
                    body["content"] = base64.b64decode(body.pop("content_b64"))
                module.create(ts, body, row_id=step.id)
            elif step.action == "update":
                module.update(ts, get_row(ts, step.resource, step.id), dict(step.body))
            elif step.action == "transfer":
                body = dict(step.body)
                transfers.create(ts, body, debit_id=step.id, credit_id=body.pop("credit_id"),
                                 transfer_id=body.pop("transfer_id"))
            elif step.action == "reconcile":
                body = dict(step.body)
                reconciliations.reconcile(ts, body, group_id=body.pop("reconciliation_id"))
            else:  # link
                attachments.link(ts, get_row(ts, "attachments", step.id), dict(step.body))
            count += 1
    return count


@contextmanager
def collector_paused() -> Iterator[None]:
    """The cyclic garbage collector off while a seed runs, as it was after. A seed makes
    millions of objects that live as long as the store, and each pass of the collector walks
    those not yet frozen (`freeze`) again, while a seed makes no garbage cycles (a collection
    right after seeding 300k transactions found none). Beside 1M payables, seeding 1M
    transactions took 51.2 s with the collector on and 38.3 s with it paused."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


# The cyclic collector's thresholds for a served mock (CPython's default is (700, 10, 10)). A
# request allocates some hundreds of objects, nearly all freed by refcounting alone, and a write
# keeps some (rows, views, idempotency entries), which the default thresholds keep walking. With
# these, POST /taxes and PATCH settle served 10-14% more req/s under wrk, side by side with the
# defaults on one machine; GET by id and list pages moved within the noise. The bench's Python
# references run with the same thresholds.
GC_THRESHOLDS = (20_000, 20, 20)


def collect_less() -> None:
    """Set `GC_THRESHOLDS`, process-wide: `python -m mock` (and the bench's references) call it
    for their own process, never a library user."""
    gc.set_threshold(*GC_THRESHOLDS)


def freeze() -> None:
    """Hide everything alive now (the seeded rows, above all) from the cyclic garbage collector:
    the rows live as long as the store, and each full collection would otherwise walk every one
    of them (a ~10% CPU tax on a list page with 100k rows). Refcounting still frees them.
    `thaw()` undoes it when the store is reset, so dropped tenants' cycles can be collected."""
    gc.freeze()


def thaw() -> None:
    gc.unfreeze()
