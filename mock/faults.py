"""Named defects the mock can be started with (`python -m mock --faults a,b`), so the suites
can prove they catch them (`make selfcheck`). Off unless asked for; when off, each costs one
set-membership test where it bites.

Each fault declares the invariant it breaks; `make selfcheck` runs the parts of the suites
that guard that invariant (not a hand-picked test name) and expects a failure.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from mock.errors import render


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
    Fault("payables_write_scope_unenforced", "auth", "G-2",
          "payables are written without `finance.payables.write` (other resources still ask)"),
    Fault("receivables_write_scope_unenforced", "auth", "G-2",
          "receivables are written without `finance.receivables.write` (others still ask)"),
    Fault("transactions_write_scope_unenforced", "auth", "G-2",
          "transactions are written without `finance.transactions.write` (others still ask)"),
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
    Fault("wrong_type_is_500", "errors", "G-12",
          "POST /companies answers 500 when `name` is not a string (a handler that trusts "
          "the body's types)"),
    # -- the generic rules of every operation (G-7, G-8, G-9, G-11) ---------------------------
    Fault("patch_rewrites_created_at", "rules", "G-7",
          "a PATCH also moves the server-owned `created_at` to the time of the PATCH"),
    Fault("amount_as_json_number", "rules", "G-8",
          "transaction amounts are answered as JSON numbers instead of two-place strings"),
    Fault("timestamps_without_zone", "rules", "G-9",
          "`created_at`/`updated_at` of new and changed rows lose their UTC designator"),
    Fault("detail_drops_workspace_id", "rules", "G-11",
          "`GET /x/{id}` leaves out `workspace_id`, which the list row carries"),
    # -- companies, categories, cost centers, taxes, people, accounts -------------------------
    Fault("company_type_from_request", "rules", "CMP-3",
          "a company's `type` is taken from the request when sent"),
    Fault("company_cnpj_patchable", "rules", "CMP-4",
          "PATCH /companies writes `cnpj` (and re-derives `type`)"),
    Fault("company_delete_ignores_records", "rules", "CMP-5",
          "a company with people or financial records is deleted"),
    Fault("child_category_type_free", "rules", "CAT-2",
          "a subcategory may have another type than its parent"),
    Fault("category_type_no_cascade", "rules", "CAT-3",
          "changing a category's type leaves its descendants' type as it was"),
    Fault("category_delete_with_children", "rules", "CAT-4",
          "a category with subcategories is deleted"),
    Fault("cost_center_description_null_kept", "rules", "CC-1",
          "PATCH /cost_centers `description: null` leaves the description"),
    Fault("cost_center_delete_in_use", "rules", "CC-2",
          "a cost center in use is deleted"),
    Fault("tax_name_case_sensitive", "rules", "TAX-1",
          "tax names are unique only in the same letter case"),
    Fault("tax_rate_null_kept", "rules", "TAX-2",
          "PATCH /taxes `default_rate: null` leaves the rate"),
    Fault("tax_delete_while_charged", "rules", "TAX-3",
          "a tax charged on a payable or receivable is deleted"),
    Fault("cpf_without_check_digits", "rules", "PER-1",
          "any 11 or 14 digits are accepted as a person's document"),
    Fault("bill_person_role_ignored", "rules", "PER-2",
          "a payable may name a non-supplier, a receivable a non-customer"),
    Fault("person_sensitive_fields_returned", "rules", "PER-3",
          "person rows carry `birthday`, `addresses` and `pix_key` (empty)"),
    Fault("person_patch_null_clears", "rules", "PER-4",
          "PATCH /people `null` for an optional string clears it"),
    Fault("person_delete_is_hard", "rules", "PER-5",
          "DELETE /people is hard: the rows that referenced the person lose its name"),
    Fault("account_bank_fields_required", "rules", "ACC-1",
          "POST /accounts without `agency` and `account_number` is refused"),
    Fault("account_patch_resets_absent", "rules", "ACC-3",
          "PATCH /accounts clears the bank fields its body leaves out"),
    Fault("account_delete_in_use", "rules", "ACC-4",
          "an account used by transactions, payables or receivables is deleted"),
    # -- TRX, PAY/REC, ATT: one fault per rule the suites check over HTTP ---------------------
    Fault("transaction_account_of_other_company", "rules", "TRX-1",
          "a transaction may post to an account of another company"),
    Fault("transaction_id_and_name_accepted", "rules", "TRX-2",
          "a transaction with both `<x>_id` and `<x>_name` is created (the name ignored)"),
    Fault("transaction_patch_moves_account", "rules", "TRX-3",
          "PATCH of a transaction writes `financial_account_id`"),
    Fault("auto_transaction_deletable", "rules", "TRX-4",
          "DELETE of an auto-created transaction answers 204 and removes it"),
    Fault("auto_transaction_drifts", "rules", "TRX-5",
          "editing a settled bill's amount leaves its auto transaction at the old amount"),
    Fault("auto_transaction_money_patchable", "rules", "TRX-5",
          "PATCH writes the money fields of an auto transaction (its source's to change)"),
    Fault("person_not_required", "rules", "PAY-1",
          "a payable or receivable without person_id or person_name is created"),
    Fault("rateio_sum_unchecked", "rules", "PAY-2",
          "cost_centers[] allocations need not add up to the amount (or to 100%)"),
    Fault("installment_remainder_dropped", "rules", "PAY-3",
          "installments are equal shares rounded down: the remainder cent is lost"),
    Fault("new_bill_takes_status", "rules", "PAY-4",
          "POST /payables and /receivables store the `status` sent instead of `pending`"),
    Fault("cancel_settled_bill", "rules", "PAY-6",
          "a settled bill can be cancelled directly, its auto transaction kept"),
    Fault("attachments_count_zero", "rules", "PAY-8",
          "payable and receivable rows say `attachments_count: 0` whatever is linked"),
    Fault("delete_keeps_auto_transaction", "rules", "PAY-9",
          "deleting a settled bill leaves its auto transaction behind"),
    Fault("patch_writes_is_reconciled", "rules", "PAY-10",
          "PATCH of a payable or receivable writes the response-only `is_reconciled`"),
    Fault("name_ignores_polarity", "rules", "PAY-11",
          "receivables find or create `debit` categories and `cost` cost centers by name"),
    Fault("download_url_relative", "rules", "ATT-2",
          "attachment metadata carries a relative `download_url`"),
    Fault("download_always_attachment", "rules", "ATT-3",
          "downloads are always `Content-Disposition: attachment`, PDFs and images too"),
    Fault("link_twice_201", "rules", "ATT-4",
          "linking an attachment to the same row again answers 201 (a duplicate link)"),
    Fault("delete_linked_attachment", "rules", "ATT-5",
          "DELETE of a linked attachment answers 204 and drops its links"),
)
BY_NAME = {fault.name: fault for fault in CATALOGUE}
# fault -> the one write scope it stops asking for: a defect confined to one resource, which a
# suite only catches if it really exercises that resource's writes.
UNENFORCED_WRITE_SCOPES = {
    f"{resource}_write_scope_unenforced": f"finance.{resource}.write"
    for resource in ("payables", "receivables", "transactions")
}


def unenforced_scopes(names: frozenset[str]) -> frozenset[str]:
    """The scopes the faults `names` stop asking for (empty when none is on)."""
    return frozenset(scope for name, scope in UNENFORCED_WRITE_SCOPES.items() if name in names)


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


class WrongTypeCrash:
    """FAULT wrong_type_is_500: `POST /v1/companies` with a `name` that is not a string (a
    number, `1e309`, `NaN`, a list) answers 500. It sits outside every other layer, so no
    input hardening behind it can hide it; added to the app only when asked for."""

    PATH = "/v1/companies"

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] != "POST" or \
                scope["path"].rstrip("/") != self.PATH:
            await self.app(scope, receive, send)
            return
        messages: list[Message] = []
        body = b""
        while True:
            message = await receive()
            messages.append(message)
            body += message.get("body", b"")
            if message["type"] != "http.request" or not message.get("more_body"):
                break
        if _name_is_not_text(body):
            status, headers, content = render(TypeError("name is not a string"))
            await send({"type": "http.response.start", "status": status,
                        "headers": [(k.lower().encode(), v.encode()) for k, v in headers.items()]})
            await send({"type": "http.response.body", "body": content})
            return
        replay = iter(messages)

        async def receive_() -> Message:
            return next(replay, None) or await receive()

        await self.app(scope, receive_, send)


def _name_is_not_text(body: bytes) -> bool:
    try:  # Python's json takes NaN and 1e309 (as inf): the careless parser this fault plays
        document = json.loads(body)
    except (ValueError, RecursionError):
        return False
    return isinstance(document, dict) and "name" in document and \
        not isinstance(document["name"], str)
