"""The rule catalogue: every rule of the contract, by id, with the vendor's words it comes from.

The contract is read out of the vendor's own export of the API (its Postman collection, "the
export") and its public overview page ("the overview"). Each rule quotes the words it comes from
in ``source``; where the vendor is silent, ``source`` starts with ``decision:`` and says what
this project decided, so that the spec, the mock and the suites agree.

A rule id is named where the rule is enforced or proved: in the spec's description of the
operation it shapes, in the mock code that enforces it (``# RULE CMP-2``) and in the test that
proves it (``@pytest.mark.rule("CMP-2")``). ``python -m contract.rules`` renders the catalogue
as Markdown (``docs/rules.md``).

PAY rules hold for receivables too (REC mirrors PAY): where the two differ, the rule says so.
"""

from __future__ import annotations

import re
import sys
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from types import MappingProxyType

__all__ = ["BY_ID", "FAMILIES", "RULES", "Rule", "main", "render"]

RULE_ID = re.compile(r"^(G|CMP|CAT|CC|TAX|PER|ACC|TRX|PAY|ATT)-[1-9][0-9]*$")

FAMILIES: Mapping[str, str] = MappingProxyType({
    "G": "Every operation",
    "CMP": "Companies (finance.companies)",
    "CAT": "Categories (finance.categories)",
    "CC": "Cost centers (finance.cost_centers)",
    "TAX": "Taxes (finance.taxes)",
    "PER": "People (finance.people)",
    "ACC": "Financial accounts (finance.accounts)",
    "TRX": "Transactions (finance.transactions)",
    "PAY": "Payables and receivables (finance.payables, finance.receivables; REC mirrors PAY)",
    "ATT": "Attachments (finance.attachments)",
})
"""Rule family (the id's prefix) -> what it covers, in the catalogue's order."""


@dataclass(frozen=True)
class Rule:
    """One rule: ``statement`` is the rule in one line; ``source`` quotes the vendor's words it
    comes from ("export: …" or "overview: …"), or says ``decision: …`` where they are silent."""

    id: str
    family: str
    title: str
    statement: str
    source: str


def _rule(id: str, title: str, statement: str, source: str) -> Rule:
    return Rule(id=id, family=id.split("-", 1)[0], title=title, statement=statement,
                source=source)


RULES: tuple[Rule, ...] = (
    # --- G: every operation --------------------------------------------------------------
    _rule("G-1", "Bearer JWT",
          "Every request carries `Authorization: Bearer <jwt>` signed HS512 with the "
          "workspace's secret; `sub` is the workspace, `scope` a space-separated list, `exp` "
          "honoured; any other `alg`, or a missing, malformed, expired, badly signed or "
          "`sub`-less token, is 401 with `WWW-Authenticate: Bearer error=\"invalid_token\"` "
          "(no `error` when the header is simply missing), as RFC 6750 says.",
          "export: \"Authenticated via Bearer JWT (HS512) — send `Authorization: Bearer "
          "<token>` on every request.\" The 401 details are a decision: RFC 6750's."),
    _rule("G-2", "Scopes",
          "Reading a resource needs `finance.<resource>`, POST/PATCH/DELETE need "
          "`finance.<resource>.write`, write does not imply read, and lacking the scope is "
          "403 with `WWW-Authenticate: Bearer error=\"insufficient_scope\", scope=\"…\"`; the "
          "spec states each operation's scope in `x-required-scopes`.",
          "overview: \"Granular scopes per resource and operation (finance.payables, "
          "finance.payables.write).\" \"Read/write separation\"; export: \"Requires scope "
          "`finance.payables.write`.\""),
    _rule("G-3", "Tenant isolation",
          "Every read and write is scoped to the token's workspace (no tenant in paths or "
          "bodies); another tenant's id answers exactly like a missing one (404), a body "
          "referencing another tenant's row is 422 naming the field, and cursors and "
          "idempotency keys never carry data across tenants.",
          "overview: \"JWT determines the workspace. Impossible to access another tenant's "
          "data.\" \"No tenant parameter in path\"; export: \"404 covers both \"doesn't "
          "exist\" and \"not in the tenant\" — the API does not distinguish.\""),
    _rule("G-4", "Cursor pagination",
          "Every list takes `limit` (1–100, default 25; `per_page` is its alias), an opaque "
          "`cursor` and a `sort` from the resource's allow-list, answers `{data, next_cursor}`, "
          "pages by keyset on (sort key, id) so that iterating returns every row that existed "
          "throughout exactly once, and refuses a cursor reused with another sort or filters, "
          "or tampered with, with 400. A page may hold fewer than `limit` rows, even none, and "
          "still carry a `next_cursor` (decision: a page examines a bounded number of rows, so "
          "no filter scans the table); only `next_cursor: null` ends the list.",
          "overview: \"The cursor guarantees consistent results even with data being created "
          "during iteration.\" \"cursor and per_page in parameters\" \"next_cursor in "
          "response\" \"No skips or duplicates\"; export: \"Returns a cursor-paginated page\"."),
    _rule("G-5", "Idempotency",
          "POST creates (and PATCH) honour `Idempotency-Key` (1–255 visible ASCII, else 400) "
          "per (workspace, key): a repeat with the same method, path and body within 24 h "
          "replays the first response with `Idempotent-Replayed: true` and writes nothing; "
          "the same key with another request is 422, while the first is in flight 409; "
          "uploads take no key.",
          "overview: \"Re-sends with the same key return the original result without creating "
          "duplicates.\" \"Result cached for 24h\"; export: \"Pass an `Idempotency-Key` header "
          "on retries.\" \"No `Idempotency-Key` support on upload.\""),
    _rule("G-6", "Errors are problem details",
          "Every 4xx/5xx body is `application/problem+json` (RFC 9457) with `type`, `title`, "
          "`status`, `detail`, and where a rule says so `code`, `reason`, `usage`, `details` "
          "and `errors` (`{field, message}` items for 422 validation failures).",
          "decision: RFC 9457 problem details; the export names the members `reason: in_use`, "
          "`usage` and `details` its errors carry."),
    _rule("G-7", "Server-owned fields",
          "`id`, `workspace_id`, `created_at`, `updated_at`, computed and read-only fields "
          "are ignored in a body; PATCH writes only the fields present; the response is the "
          "new persisted state.",
          "export: \"`workspace_id` is always taken from the token, never from the body.\" "
          "\"Only fields present in the body are written\" \"the response is the new "
          "persisted state.\""),
    _rule("G-8", "Money",
          "Amounts are two-place decimal strings in responses (`\"1500.00\"`), requests may "
          "send a string or a number, arithmetic is exact decimal, and an amount that must "
          "be positive is 422 at 0 or below.",
          "overview: \"amount\": 5000.00 (the example request); export: `balance` is an "
          "opening seed (default `0.00`). The rest is a decision."),
    _rule("G-9", "Ids and times",
          "Ids are UUIDs; `created_at`/`updated_at` are RFC 3339 UTC; business dates "
          "(`due_date`, `occurred_at`, …) accept a date or a date-time.",
          "decision: the export's schemas use UUIDs and date-times; business dates take "
          "either form."),
    _rule("G-10", "Delete twice",
          "Every DELETE answers 204 with no body, then 404 on the same id; the row is gone "
          "from GET and from every list.",
          "export: \"Calling DELETE twice returns 204 then 404.\""),
    _rule("G-11", "Read and list shapes",
          "`GET /x/{id}` answers the list row's shape (plus the extras a resource names), and "
          "a 404 never reveals whether the id exists elsewhere.",
          "export: \"Returns the same shape as the rows from the list endpoint.\""),
    _rule("G-12", "Bad input never breaks the server",
          "Malformed JSON, wrong types, unknown enum values, oversized strings, bad UUIDs or "
          "dates get a 4xx problem, never a 5xx, never a partial write.",
          "decision: the vendor is silent; a contract mock must never answer bad input with "
          "a 5xx."),
    # --- CMP: companies ------------------------------------------------------------------
    _rule("CMP-1", "A company has a valid CNPJ",
          "POST requires `name` and `cnpj`; the CNPJ (formatted or digits) passes the "
          "check-digit algorithm and is stored digits-only; missing or invalid is 422.",
          "export: \"**`cnpj` is required and validated** with the standard BR check-digit "
          "algorithm — a missing, invalid, or document-less value returns 422\""),
    _rule("CMP-2", "CNPJ unique among active companies",
          "A CNPJ is unique among the workspace's active companies: a duplicate is 409.",
          "export: \"The CNPJ must be unique among active companies in the workspace "
          "(duplicate → 409).\""),
    _rule("CMP-3", "Matriz or filial, derived",
          "`type` is derived from the CNPJ's branch digits (9th–12th): `0001` is `matriz`, "
          "anything else `filial`; it is never read from a request.",
          "export: \"`type` (matriz/filial) is derived server-side from the CNPJ branch "
          "digits and is never read from the request.\""),
    _rule("CMP-4", "What a company PATCH writes",
          "`active` starts `true`; PATCH writes `name` and `active` only; `cnpj` and `type` "
          "are immutable and ignored.",
          "export: \"`active` starts `true`.\" \"Partial update of `name` and `active`.\" "
          "\"The CNPJ (and the `type` it derives) is immutable via the public API\""),
    _rule("CMP-5", "Deleting a company",
          "DELETE is hard but 409 (`code: conflict`, `details` counting transactions, "
          "payables, receivables, people) while the company has financial records or active "
          "people; its categories, cost centers, accounts and soft-deleted people cascade.",
          "export: \"Blocked with 409 (`details` carries the per-table counts `{ transactions, "
          "payables, receivables, people }`) when the company still has financial records or "
          "active people\" \"Config tables (categories, cost centers, financial accounts, "
          "payment methods, soft-deleted people) cascade automatically.\""),
    # --- CAT: categories -----------------------------------------------------------------
    _rule("CAT-1", "Three levels at most",
          "Categories form a tree of at most 3 levels inside one company: no `parent_id` is "
          "level 1, otherwise `level = parent.level + 1`; a 4th level, or a parent of "
          "another company, is 422.",
          "export: \"Omit `parent_id` for a root (`level` 1); when set, the server derives "
          "`level = parent.level + 1` (max depth 3)\"; overview: \"the complete chart of "
          "accounts (3 levels)\""),
    _rule("CAT-2", "A child's type is its parent's",
          "A category's `type` (`debit`/`credit`) must equal its parent's: otherwise 422.",
          "export: \"requires `type` to match the parent.\""),
    _rule("CAT-3", "What a category PATCH writes",
          "PATCH writes `name` and `type` only (no re-parenting); a parent's new `type` "
          "cascades to its descendants; a child's `type` changed away from its parent's is "
          "422.",
          "export: \"Partial update of `name` and `type` only.\" \"Re-parenting is not "
          "supported via v1. Changing a parent's `type` cascades to all descendants\""),
    _rule("CAT-4", "Deleting a category",
          "DELETE of a category with children is 422 (`code: has_children`); deleting a leaf "
          "sets its references on transactions, payables and receivables to null.",
          "export: \"Returns 422 (`reason: has_children`) while the category still has "
          "subcategories\" \"For a leaf, references on transactions / payables / receivables "
          "are set to null and the row is removed.\""),
    # --- CC: cost centers ----------------------------------------------------------------
    _rule("CC-1", "Cost center type and PATCH",
          "`type` is `cost` or `revenue`; PATCH writes `name`, `type`, `description` (null "
          "clears it) and `active`.",
          "export: \"`type` (`cost` / `revenue`) drives the rateio polarity.\" \"Partial "
          "update of `name`, `type`, `description`, `active`.\" \"Send `description: null` to "
          "clear it\""),
    _rule("CC-2", "Deleting a used cost center",
          "DELETE of a cost center referenced by an allocation (rateio), a payable or "
          "receivable, or a transaction is 422 (`code: in_use`, a `usage` breakdown by kind).",
          "export: \"Returns 422 (`reason: in_use`, with a `usage` breakdown) when the cost "
          "center is referenced by a rateio allocation, billing or transaction\""),
    # --- TAX: taxes ----------------------------------------------------------------------
    _rule("TAX-1", "Tax names unique per workspace",
          "Taxes belong to the workspace (no company) and `name` is unique in it, "
          "case-insensitively: a duplicate is 409.",
          "export: \"Workspace-scoped (no company). `name` is unique per workspace (duplicate "
          "→ 409).\" Case-insensitive comparison is a decision."),
    _rule("TAX-2", "Default rate is a percent",
          "`default_rate` is a percent string from 0 to 100 (outside is 422); PATCH "
          "`default_rate: null` clears it.",
          "export: \"`default_rate` is a percent string (0–100).\" \"Send `default_rate: "
          "null` to clear it\""),
    _rule("TAX-3", "Deleting a charged tax",
          "DELETE of a tax charged on a payable or receivable is 422 (`code: in_use`, with "
          "the referencing payable and receivable ids).",
          "export: \"Returns 422 (`reason: in_use`, with the referencing payable/receivable "
          "ids) when the tax still has charges\""),
    # --- PER: people ---------------------------------------------------------------------
    _rule("PER-1", "A person's document",
          "`document_number` is a CPF (11 digits) or CNPJ (14) with valid check digits, "
          "stored digits-only; `document_type` is inferred from the length when omitted and "
          "must agree with it when sent (422); `kind` is `natural` or `legal`.",
          "export: \"`document_number` (CPF 11 digits / CNPJ 14 digits) is validated and "
          "stored numeric-only; `document_type` is inferred from the length when omitted.\""),
    _rule("PER-2", "Supplier and customer roles",
          "Only a person with `is_supplier` may be a payable's person, only one with "
          "`is_customer` a receivable's: otherwise 422.",
          "export: \"Set `is_customer` / `is_supplier` to make the row referenceable by "
          "receivables / payables.\""),
    _rule("PER-3", "Sensitive fields stay hidden",
          "Bank/PIX data, addresses, custom data and birthday are never returned; emails, "
          "phones, addresses and bank data are not writable in v1.",
          "export: \"Sensitive fields (bank/PIX info, addresses, custom_data, birthday) are "
          "intentionally excluded from this endpoint.\" \"Contact details (`emails` / "
          "`phones`), addresses, and bank/PIX coordinates are not yet writable via v1.\""),
    _rule("PER-4", "What a person PATCH writes",
          "PATCH drops non-writable fields (`company_id` included), and `null` for an "
          "optional string is a no-op.",
          "export: \"non-writable fields (`emails`, `phones`, bank/PIX, `id`, "
          "`workspace_id`, `company_id`, `created_at`) are dropped.\" \"Sending `null` for an "
          "optional string field is a no-op\""),
    _rule("PER-5", "Deleting a person is soft",
          "DELETE sets `deleted_at`: the person leaves GET (404) and lists, a second DELETE "
          "is 404, and the payables, receivables and transactions referencing it stay valid "
          "and keep its name.",
          "export: \"Soft-deletes the person (sets `deleted_at`).\" \"Existing payables / "
          "receivables / transactions referencing the person stay valid\""),
    # --- ACC: financial accounts ---------------------------------------------------------
    _rule("ACC-1", "Creating an account",
          "POST requires `company_id` (of the workspace), `name` and `type` (`checking`, "
          "`savings`, `investment`, `cash`, …); bank fields are optional.",
          "export: \"`company_id` is required (accounts must belong to a company; "
          "workspace-level accounts exist from imports but aren't creatable via v1).\""),
    _rule("ACC-2", "The live balance",
          "`balance` on POST is an opening seed (default `0.00`) never updatable; lists omit "
          "it; `GET /accounts/{id}` returns seed + Σ credits − Σ debits of its posted "
          "(non-pending) transactions, auto-created ones included.",
          "export: \"`balance` is an opening seed (default `0.00`) — it is NOT the live "
          "balance\" \"**The current balance is NOT returned by this listing**\" \"Returns the "
          "account plus the **computed `balance`** (live, derived from posted transactions\""),
    _rule("ACC-3", "Account PATCH",
          "PATCH is partial; `active: false` soft-deactivates the account.",
          "export: \"Partial update.\" \"Set `active: false` to soft-deactivate (existing "
          "transactions stay valid).\""),
    _rule("ACC-4", "Deleting a used account",
          "DELETE of an account used by a transaction, payable or receivable is 422 "
          "(`code: in_use`, `usage: {transactions, payables, receivables}`).",
          "export: \"Returns 422 (`reason: in_use`, with a `usage` breakdown) when the "
          "account has any transaction, payable or receivable\""),
    # --- TRX: transactions ---------------------------------------------------------------
    _rule("TRX-1", "Creating a transaction",
          "POST needs `company_id`, `financial_account_id` of the same company, `amount` > 0, "
          "`type` (`debit`/`credit`) and `occurred_at`.",
          "decision: the export's schema lists the fields; the same-company account and the "
          "positive amount are this project's reading of it."),
    _rule("TRX-2", "Names as find-or-create",
          "`person_name`, `category_name`, `cost_center_name` find or create the row the "
          "`_id` field would name; sending both for the same reference is 400.",
          "export: \"`*_name` accepted as alternative to `*_id` (person / category / "
          "cost_center) for CSV-importer ergonomics; sending both for the same FK returns "
          "400.\""),
    _rule("TRX-3", "Server-controlled transaction fields",
          "`auto_created` and `transfer_id` are set by the server; PATCH drops `id`, "
          "`workspace_id`, `company_id`, `financial_account_id`, `auto_created`, "
          "`transfer_id` and `created_at`.",
          "export: \"`auto_created` and `transfer_id` are always server-controlled — values "
          "in the request are ignored.\" \"Read-only fields in the body (`id`, `workspace_id`, "
          "`company_id`, `financial_account_id`, `auto_created`, `transfer_id`, `created_at`) "
          "are silently dropped\""),
    _rule("TRX-4", "Auto-created transactions are not deleted",
          "DELETE of a transaction auto-created by settling a payable or receivable is 422: "
          "cancel or revert the source instead.",
          "export: \"Deleting an auto-created row (one generated by paying / receiving a "
          "payable / receivable) returns 422 — cancel the source billing instead.\""),
    _rule("TRX-5", "The ledger belongs to the source",
          "A PATCH changing an auto-created transaction's money fields (`amount`, `type`, "
          "`is_pending`, `occurred_at`, its account) is 422 naming the source, descriptive "
          "fields stay editable, and the ledger (balance = seed + credits − debits; one auto "
          "transaction of `nominal_amount` per settled bill) holds after any requests.",
          "decision: the export protects auto-created rows from DELETE (\"cancel the source "
          "billing instead\"); this project extends that to the money fields of a PATCH."),
    # --- PAY / REC: payables and receivables ---------------------------------------------
    _rule("PAY-1", "A person, by id or by name",
          "A person is required (`person_id` or `person_name`); `*_name` (person, category, "
          "cost center) finds or creates within the company with the side's polarity "
          "(payables: supplier/debit/cost, receivables: customer/credit/revenue); both `_id` "
          "and `_name` for one reference is 400.",
          "export: \"A person is required — send `person_id` or `person_name`. `*_name` "
          "(person / category / cost_center) is find-or-create; sending both `*_id` and "
          "`*_name` for the same FK returns 400.\" \"(customer/credit/revenue polarity)\""),
    _rule("PAY-2", "Rateio adds up",
          "`cost_centers[]` allocations (rateio) add up to `amount` (by amount, or by "
          "percentage to 100), otherwise 422; `tax_charges[]` reference the workspace's "
          "taxes.",
          "export: \"`cost_centers[]` (rateio) and `tax_charges[]` are accepted; the rateio "
          "Σ is validated against `amount`.\""),
    _rule("PAY-3", "Installments and recurrences",
          "`total_installments` > 1 or a `recurrence_period` creates a series of rows sharing "
          "a `group_id`, numbered, due dates stepped by the period, answering the first row; "
          "installment amounts add up to the total exactly (the remainder cent goes last).",
          "export: \"Creates a single payable (or an installment/recurring series).\" The "
          "series' shape is a decision."),
    _rule("PAY-4", "Status values",
          "`status` is `pending`, `paid` (REC: `received`) or `cancelled`, starts `pending`, "
          "and `draft` is never accepted (422).",
          "export: \"Status is the raw DB enum (`pending` / `paid` / `cancelled`)\" "
          "\"(`pending` / `received` / `cancelled`)\" \"`draft` is never accepted.\""),
    _rule("PAY-5", "Settling posts a transaction",
          "PATCH `status: paid` (REC `received`) with `payment_date` and a "
          "`financial_account_id` (sent now or before; none is 422) creates an auto "
          "transaction of `nominal_amount` (debit for payables, credit for receivables), "
          "stores its `transaction_id` and persists the settlement amounts.",
          "export: \"**Settle**: send `status:\"paid\"` with `payment_date` and "
          "`financial_account_id` (or rely on a previously-set account) — a debit payment "
          "transaction is generated automatically.\" \"an auto credit transaction is "
          "generated\""),
    _rule("PAY-6", "Reverting and cancelling",
          "Back to `pending` removes the auto transaction; `cancelled` from `pending` "
          "cancels; a settled row must be reverted before it is cancelled (422).",
          "export: \"Set `status` back to `pending` to revert, or `cancelled` to cancel.\" "
          "Revert-before-cancel is a decision."),
    _rule("PAY-7", "Nominal amount",
          "`nominal_amount = amount + interest_amount − discount_amount`, derived and "
          "read-only.",
          "export: \"a derived `nominal_amount = amount + interest - discount`\""),
    _rule("PAY-8", "List rows and detail",
          "List rows carry the denormalised names, the child counts, the settlement amounts "
          "and `nominal_amount`; `GET /{id}` adds `cost_center_allocations[]`, "
          "`tax_charges[]` and `reconciliation` (null when not reconciled).",
          "export: \"Each row includes denormalised display names (`person_name`, "
          "`category_name`, `cost_center_name`) and aggregate counts\" \"List-row shape plus "
          "the expanded child arrays the list only counts\""),
    _rule("PAY-9", "Deleting a bill",
          "DELETE is hard, of one row only (no series delete), and removes the auto "
          "transaction; manually linked transactions stay.",
          "export: \"Hard-deletes the payable.\" \"removes the auto-created payment "
          "transaction (manually-linked transactions are preserved).\" \"Deletes a single "
          "row — series-aware delete is not yet exposed.\""),
    _rule("PAY-10", "What a bill PATCH drops",
          "PATCH silently drops response-only fields (`id`, `created_at`, `transaction_id`, "
          "denormalised names, counts, `is_reconciled`).",
          "export: \"unknown / response-only fields (`id`, `created_at`, `transaction_id`, "
          "denorm names, counts, `is_reconciled`) are silently dropped.\""),
    _rule("PAY-11", "Polarity",
          "Payables take `cost` cost centers and `debit` categories, receivables `revenue` "
          "and `credit`, in `cost_center_id`, `category_id` and every `cost_centers[]` "
          "allocation (422 naming the field).",
          "export: \"`type` (`cost` / `revenue`) drives the rateio polarity.\" "
          "\"(customer/credit/revenue polarity)\""),
    # --- ATT: attachments ----------------------------------------------------------------
    _rule("ATT-1", "Uploads",
          "Upload is `multipart/form-data` with a `file` part and an optional `title`; pdf, "
          "png, jpg/jpeg, xml, ofx, csv and xlsx only (else 422); over 10 MB is 413, refused "
          "without holding the body in memory; PDF/PNG/JPEG must match their magic bytes "
          "(422); the stored name is a plain base name.",
          "export: \"Send as `multipart/form-data` with a `file` part and an optional "
          "`title`.\" \"Allowed types: pdf, png, jpg/jpeg, xml, ofx, csv, xlsx; max 10 MB. For "
          "PDF/PNG/JPEG the declared MIME must match the payload's magic bytes (mismatch → "
          "422).\""),
    _rule("ATT-2", "Attachment metadata",
          "An attachment shows `id`, `file_name`, `title`, `mime_type`, `size`, `sha256`, "
          "`uploaded_by`, `uploaded_at`, an absolute `download_url` and its per-kind link "
          "counts; lists sort by `-uploaded_at` by default.",
          "export: \"Each row carries an absolute `download_url` pointing at the download "
          "endpoint\" \"Default sort is `uploaded_at` descending (newest first).\""),
    _rule("ATT-3", "Download",
          "`GET /attachments/{id}/download` streams the exact bytes with the stored "
          "`Content-Type`, `Content-Disposition` `inline` for PDF/images and `attachment` "
          "otherwise, and `Cache-Control: private, no-store`, under the read scope.",
          "export: \"`Content-Type` reflects the stored MIME; `Content-Disposition` is "
          "`inline` for PDF / images and `attachment` for other types. No caching — "
          "`Cache-Control: private, no-store`.\""),
    _rule("ATT-4", "Links",
          "`POST /attachments/{id}/links` `{type, id}` links it to a payable, receivable or "
          "transaction (201; again 409; outside the tenant 404); `DELETE` with the same body "
          "unlinks (204, or 404 when there is no such link).",
          "export: \"Returns 409 when the association already exists, 404 when either the "
          "attachment or the parent is outside the tenant.\" \"Returns 404 when no such "
          "association exists.\""),
    _rule("ATT-5", "Deleting a linked attachment",
          "DELETE while linked is 409 (`code: conflict`, `details` with the per-kind link "
          "counts); otherwise 204 then 404, and the bytes are gone.",
          "export: \"Returns 409 (`conflict`, with per-entity link counts in `details`) when "
          "the file is still linked to any payable / receivable / transaction\""),
)
"""Every rule, in the catalogue's order."""

BY_ID: Mapping[str, Rule] = MappingProxyType({rule.id: rule for rule in RULES})
"""Rule id -> rule."""


def render() -> str:
    """The catalogue as Markdown: one section per family, one entry per rule."""
    lines = [
        "# The contract, rule by rule",
        "",
        "<!-- Generated by `python -m contract.rules` (`make rules`) from contract/rules.py;",
        "     do not edit by hand. -->",
        "",
        "Every rule of the Smart Finance public API that this project's spec, mock and suites",
        "agree on. Each quotes the vendor's words it comes from (*export*: the API's Postman",
        "export, kept as `fixtures/postman-collection-v1.json`; *overview*: its public overview",
        "page), or says `decision:` where they are silent. A rule's id is named in the code",
        "that enforces it (`# RULE CMP-2`) and in the tests that prove it",
        "(`@pytest.mark.rule(\"CMP-2\")`; `pytest --rule CMP-2` runs them). PAY rules hold for",
        "receivables too (REC mirrors PAY).",
    ]
    for family, heading in FAMILIES.items():
        lines += ["", f"## {family} — {heading}", ""]
        for rule in RULES:
            if rule.family == family:
                lines += [f"### {rule.id} {rule.title}", "", rule.statement, "",
                          f"> Source — {rule.source}", ""]
        lines.pop()
    return "\n".join(lines) + "\n"


def main(argv: Sequence[str] | None = None) -> int:
    """``python -m contract.rules``: print the catalogue as Markdown."""
    del argv
    sys.stdout.write(render())
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
