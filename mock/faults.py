"""Named defects the mock can be started with (`python -m mock --faults a,b`), so the suites
can prove they catch them (`make selfcheck`). Off unless asked for; when off, each costs one
set-membership test where it bites.

Each fault declares the invariant it breaks; `make selfcheck` runs the parts of the suites
that guard that invariant (not a hand-picked test name) and expects a failure.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from starlette.types import ASGIApp, Message, Receive, Scope, Send


@dataclass(frozen=True)
class Fault:
    name: str
    invariant: str  # the suites' tag for the property it breaks (contract.invariants)
    rule: str  # the rule id it violates (contract.rules)
    description: str


CATALOGUE: tuple[Fault, ...] = (
    Fault("page_skips_on_tie", "pagination", "G-4",
          "the next cursor skips the rows that tie with the last row on the sort key"),
    Fault("page_repeats_row", "pagination", "G-4",
          "each page after the first starts with the previous page's last row again"),
    Fault("limit_ignored", "pagination", "G-4", "lists always answer 25 rows, whatever limit"),
    Fault("filter_ignored", "pagination", "G-4", "list filters are ignored"),
    Fault("get_ignores_tenant", "isolation", "G-3",
          "GET by id finds rows of every tenant"),
    Fault("list_leaks_tenant", "isolation", "G-3",
          "lists also show the rows of the other tenants"),
    Fault("cursor_crosses_tenants", "isolation", "G-3",
          "a cursor is not bound to its tenant: tenant A's cursor works for tenant B"),
    Fault("foreign_reference_accepted", "isolation", "G-3",
          "a body may reference another tenant's company"),
    Fault("idempotency_ignored", "idempotency", "G-5", "Idempotency-Key is ignored"),
    Fault("idempotency_shared_across_tenants", "idempotency", "G-5",
          "keys are shared across tenants: B replays A's answer"),
    Fault("idempotency_mismatch_replayed", "idempotency", "G-5",
          "the same key with another body replays the first answer instead of 422"),
    Fault("delete_twice_204", "delete", "G-10", "a second DELETE answers 204"),
    Fault("deleted_still_readable", "delete", "G-10",
          "a deleted row is still answered by GET"),
    Fault("scopes_not_enforced", "auth", "G-2", "any valid token may call any operation"),
    Fault("alg_none_accepted", "auth", "G-1", "unsigned `alg: none` tokens are accepted"),
    Fault("expired_token_accepted", "auth", "G-1", "expired tokens are accepted"),
    Fault("errors_not_problem_json", "errors", "G-6",
          "errors are answered as application/json"),
    Fault("cnpj_without_check_digits", "rules", "CMP-1",
          "any 14 digits are accepted as a CNPJ"),
    Fault("duplicate_active_cnpj", "rules", "CMP-2",
          "two active companies may share a CNPJ"),
    Fault("category_depth_4", "rules", "CAT-1", "categories nest 4 levels deep"),
    Fault("balance_ignores_ledger", "rules", "ACC-2",
          "the account balance is the opening seed, whatever the transactions"),
    Fault("settle_without_transaction", "rules", "PAY-5",
          "settling a payable or receivable posts no transaction"),
    Fault("nominal_ignores_interest", "rules", "PAY-7",
          "nominal_amount leaves out interest_amount"),
    Fault("upload_limit_ignored", "rules", "ATT-1", "uploads over 10 MB are stored"),
)
BY_NAME = {fault.name: fault for fault in CATALOGUE}


def parse(names: str | Iterable[str] | None) -> frozenset[str]:
    """The set of fault names asked for; an unknown name is an error, not a silent no-op."""
    if names is None:
        return frozenset()
    items = names.split(",") if isinstance(names, str) else list(names)
    chosen = frozenset(n.strip() for n in items if n.strip())
    unknown = sorted(chosen - BY_NAME.keys())
    if unknown:
        raise ValueError(f"unknown fault(s): {', '.join(unknown)}; "
                         f"known: {', '.join(sorted(BY_NAME))}")
    return chosen


class PlainJsonErrors:
    """FAULT errors_not_problem_json: problem documents go out as `application/json`.
    Added to the app only when the fault is asked for, so it costs nothing otherwise."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        async def send_(message: Message) -> None:
            if message["type"] == "http.response.start":
                message["headers"] = [
                    (k, b"application/json" if k.lower() == b"content-type"
                     and v.startswith(b"application/problem+json") else v)
                    for k, v in message.get("headers", [])]
            await send(message)

        await self.app(scope, receive, send_)
