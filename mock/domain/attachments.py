"""Attachments (`finance.attachments`): RULES ATT-1 … ATT-5 — the blob registry and its links.

The bytes live in `TenantStore.blobs`, capped per tenant by `TenantStore.blob_cap` so the mock
cannot be filled up. Links live in the internal `attachment_links` table (`mock.domain.links`),
the one source of truth for link counts, the delete guard and the `linked_to_*` filters.
"""

from __future__ import annotations

import hashlib
import unicodedata
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote

from contract.limits import ATT_1_MAX_UPLOAD_BYTES
from contract.uploads import MAGIC
from mock.domain.base import Row, public, row_base
from mock.domain.errors import Conflict, NotFound, StorageFull, TooLarge, ValidationFailed
from mock.domain.links import AttachmentLink
from mock.domain.values import new_id, parse_uuid
from mock.store import Filter, Join, TableSpec, TenantStore

MAX_NAME = 255
MAX_TITLE = 255
# RULE ATT-1: the allowed types, by extension, with the MIME type stored for each.
ALLOWED = {
    "pdf": "application/pdf",
    "png": "image/png",
    "jpg": "image/jpeg",
    "jpeg": "image/jpeg",
    "xml": "application/xml",
    "ofx": "application/x-ofx",
    "csv": "text/csv",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}
# Part types clients declare for the same files besides the stored one (browsers on Windows send
# CSV as Excel's type); anything else declared is a mismatch. `application/octet-stream` and no
# type at all mean "unknown" and always pass.
DECLARED_ALIASES: dict[str, frozenset[str]] = {
    "application/xml": frozenset({"text/xml"}),
    "application/x-ofx": frozenset({"application/ofx"}),
    "image/jpeg": frozenset({"image/jpg", "image/pjpeg"}),
    "text/csv": frozenset({"application/csv", "text/plain", "application/vnd.ms-excel"}),
}
UNKNOWN_TYPES = frozenset({"", "application/octet-stream"})
# Characters dropped from file names besides non-printables: quotes (they end a quoted header
# parameter) and the ones Windows forbids in names.
UNSAFE_NAME_CHARS = frozenset("\"'`<>|:*?")
LINK_KINDS = {"payable": "payables", "receivable": "receivables", "transaction": "transactions"}
INLINE = frozenset({"application/pdf", "image/png", "image/jpeg"})


@dataclass(slots=True, kw_only=True)
class Attachment(Row):
    file_name: str
    title: str | None
    mime_type: str
    size: int
    sha256: str
    uploaded_by: str | None
    uploaded_at: str
    uploaded_on: str  # the UTC day of `uploaded_at`, for the `uploaded_at` filter


def _canonical_id(value: Any) -> str:
    return parse_uuid(value, "id")


def _linked_to(owner: str) -> Join:
    """The attachments linked to one parent row of `owner`, through `attachment_links`."""
    return Join("attachment_links", match="owner_id", select="attachment_id",
                fixed=(("owner", owner),))


SPEC = TableSpec(
    resource="attachments",
    sorts={"uploaded_at": "text", "file_name": "ci", "size": "text"},
    default_sort="-uploaded_at",  # RULE ATT-2
    filters={
        # MIME types compare case-insensitively (RFC 2045 §5.1); stored ones are lower case.
        "mime_type": Filter("mime_type", convert=str.lower),
        "file_name": Filter("file_name", "contains"),
        "uploaded_by": Filter("uploaded_by"),
        "uploaded_at": Filter("uploaded_on", convert=str),
        "linked_to_payable_id": Filter("id", "join", convert=_canonical_id,
                                       join=_linked_to("payables")),
        "linked_to_receivable_id": Filter("id", "join", convert=_canonical_id,
                                          join=_linked_to("receivables")),
        "linked_to_transaction_id": Filter("id", "join", convert=_canonical_id,
                                           join=_linked_to("transactions")),
    },
)
FIELDS = ("id", "workspace_id", "file_name", "title", "mime_type", "size", "sha256",
          "uploaded_by", "uploaded_at", "created_at", "updated_at")


def safe_name(raw: str) -> str:
    """RULE ATT-1: a plain base name — the last segment of any path (either slash), without
    control or invisible characters, quotes or characters Windows forbids, not hidden, at most
    255 characters with its extension kept."""
    name = unicodedata.normalize("NFC", raw).replace("\\", "/").rsplit("/", 1)[-1]
    name = "".join(ch for ch in name if ch.isprintable() and ch not in UNSAFE_NAME_CHARS)
    name = name.strip().lstrip(".").rstrip(". ")
    if not name:
        raise ValidationFailed("the file needs a name (a plain file name, not a path)",
                               field="file")
    if len(name) > MAX_NAME:
        stem, dot, ext = name.rpartition(".")
        if dot and len(ext) < 16:
            name = f"{stem[:MAX_NAME - len(ext) - 1]}.{ext}"
        else:
            name = name[:MAX_NAME]
    return name


def extension(name: str) -> str:
    return name.rpartition(".")[2].lower() if "." in name else ""


def declared_type(value: str | None) -> str:
    """The essence of a part's Content-Type (`text/csv; charset=utf-8` -> `text/csv`)."""
    return (value or "").split(";", 1)[0].strip().lower()


def check_size(ts: TenantStore, size: int) -> None:
    """RULE ATT-1: over 10 MB is 413 (the handler asks before reading the spooled file)."""
    if size > ATT_1_MAX_UPLOAD_BYTES and "upload_limit_ignored" not in ts.faults:  # FAULT: no limit
        raise TooLarge(f"The file is larger than {ATT_1_MAX_UPLOAD_BYTES} bytes (10 MB).",
                       limit=ATT_1_MAX_UPLOAD_BYTES)


def _title(value: Any) -> str | None:
    if value is None:
        return None
    if not isinstance(value, str):
        raise ValidationFailed("title must be a string", field="title")
    value = value.strip()
    if len(value) > MAX_TITLE:
        raise ValidationFailed(f"title must be at most {MAX_TITLE} characters", field="title")
    return value or None


def create(ts: TenantStore, body: dict[str, Any], *, row_id: str | None = None) -> Attachment:
    """`body`: file_name, content (bytes), optional mime_type (the part's declared type), title
    and uploaded_by."""
    content: bytes = body["content"]
    # RULE ATT-1: the type comes from the (cleaned) name; the declared type must agree with it.
    name = safe_name(str(body.get("file_name") or ""))
    ext = extension(name)
    if ext not in ALLOWED:
        raise ValidationFailed(
            f"file type not allowed; send one of {', '.join(sorted(ALLOWED))}", field="file")
    mime = ALLOWED[ext]
    declared = declared_type(body.get("mime_type"))
    if declared not in UNKNOWN_TYPES | {mime} | DECLARED_ALIASES.get(mime, frozenset()):
        raise ValidationFailed(f"the declared type {declared} does not match .{ext}",
                               field="file")
    check_size(ts, len(content))
    if not content:
        raise ValidationFailed("the file is empty", field="file")
    if mime in MAGIC and not content.startswith(MAGIC[mime]):
        # RULE ATT-1: PDF/PNG/JPEG must carry their magic bytes.
        raise ValidationFailed(f"the content is not a {ext.upper()} file", field="file")
    title = _title(body.get("title"))
    if ts.blob_bytes + len(content) > ts.blob_cap:
        raise StorageFull(f"This workspace's attachment storage ({ts.blob_cap} bytes) is full; "
                          "delete attachments first.", limit=ts.blob_cap)
    base = row_base(ts, row_id)
    row = Attachment(
        **base, file_name=name, title=title, mime_type=mime, size=len(content),
        sha256=hashlib.sha256(content).hexdigest(), uploaded_by=body.get("uploaded_by"),
        uploaded_at=base["created_at"], uploaded_on=base["created_at"][:10],
    )
    ts.blobs[row.id] = content
    ts["attachments"].insert(row)
    return row


def update(ts: TenantStore, row: Attachment, body: dict[str, Any]) -> Attachment:
    raise NotImplementedError("attachments have no PATCH operation")


def content(ts: TenantStore, row: Attachment) -> bytes:
    return ts.blobs[row.id]


def link_counts(ts: TenantStore, attachment_id: str) -> dict[str, int]:
    counts = dict.fromkeys(LINK_KINDS.values(), 0)
    for link in ts["attachment_links"].where(attachment_id=attachment_id):
        counts[link.owner] += 1
    return counts


def delete(ts: TenantStore, row: Attachment) -> None:
    counts = link_counts(ts, row.id)
    if any(counts.values()) and "delete_linked_attachment" in ts.faults:  # FAULT: links dropped
        for link_row in list(ts["attachment_links"].where(attachment_id=row.id)):
            ts["attachment_links"].delete(link_row)
    elif any(counts.values()):
        # RULE ATT-5: unlink first; `details` says from how many rows of each kind.
        raise Conflict("The attachment is still linked; unlink it first.", details=counts)
    ts["attachments"].delete(row)
    del ts.blobs[row.id]  # RULE ATT-5: the bytes go with the row


def _target(ts: TenantStore, body: dict[str, Any]) -> tuple[str, str]:
    kind = body.get("type")
    if kind not in LINK_KINDS:
        raise ValidationFailed("type must be payable, receivable or transaction", field="type")
    owner = LINK_KINDS[kind]
    target_id = parse_uuid(body.get("id"), "id")
    if ts[owner].get(target_id) is None:
        # RULE ATT-4: a parent outside the tenant is 404, as a missing one.
        raise NotFound(f"No {kind} with id {target_id}.")
    return owner, target_id


def _existing(ts: TenantStore, row: Attachment, owner: str, target_id: str) -> Any:
    found = ts["attachment_links"].where(attachment_id=row.id, owner_id=target_id, owner=owner)
    return next(iter(found), None)


def link(ts: TenantStore, row: Attachment, body: dict[str, Any]) -> dict[str, Any]:
    """RULE ATT-4: link to a payable, receivable or transaction of the tenant; twice is 409."""
    owner, target_id = _target(ts, body)
    if _existing(ts, row, owner, target_id) is not None \
            and "link_twice_201" not in ts.faults:  # FAULT
        raise Conflict("The attachment is already linked to that record.")
    ts["attachment_links"].insert(
        AttachmentLink(id=new_id(), attachment_id=row.id, owner=owner, owner_id=target_id))
    return {"attachment_id": row.id, "type": body["type"], "id": target_id}


def unlink(ts: TenantStore, row: Attachment, body: dict[str, Any]) -> None:
    """RULE ATT-4: remove one link; 404 when there is no such link."""
    owner, target_id = _target(ts, body)
    existing = _existing(ts, row, owner, target_id)
    if existing is None:
        raise NotFound("No such link.")
    ts["attachment_links"].delete(existing)


def disposition(row: Attachment, faults: frozenset[str] = frozenset()) -> str:
    """RULE ATT-3: `inline` for PDF and images, `attachment` otherwise, with the name as an
    ASCII quoted-string fallback plus the exact UTF-8 name (RFC 6266 §4.3, RFC 8187)."""
    inline = row.mime_type in INLINE and "download_always_attachment" not in faults  # FAULT
    kind = "inline" if inline else "attachment"
    fallback = "".join(ch if " " <= ch <= "~" and ch not in '"\\' else "_"
                       for ch in row.file_name)
    return f"{kind}; filename=\"{fallback}\"; filename*=UTF-8''{quote(row.file_name, safe='')}"


def view(ts: TenantStore, row: Attachment, *, detail: bool = False,
         base_url: str = "") -> dict[str, Any]:
    """RULE ATT-2: the metadata row, with an absolute `download_url` and the link counts."""
    out = public(row, FIELDS)
    counts = link_counts(ts, row.id)
    out["linked_payables_count"] = counts["payables"]
    out["linked_receivables_count"] = counts["receivables"]
    out["linked_transactions_count"] = counts["transactions"]
    out["download_url"] = f"{base_url}/attachments/{row.id}/download"
    if "download_url_relative" in ts.faults:  # FAULT
        out["download_url"] = f"/attachments/{row.id}/download"
    return out
