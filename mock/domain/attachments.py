"""Attachments (`finance.attachments`): RULES ATT-1 … ATT-5 — the blob registry and its links."""

from __future__ import annotations

import hashlib
import posixpath
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote

from fixtures.files import MAGIC
from mock.domain.base import Row, public, row_base
from mock.domain.errors import Conflict, NotFound, StorageFull, TooLarge, ValidationFailed
from mock.domain.links import AttachmentLink
from mock.domain.values import new_id, parse_uuid
from mock.store import Filter, TableSpec, TenantStore

MAX_BYTES = 10 * 1024 * 1024
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
MIME_ALIASES = {"text/xml": "application/xml", "application/ofx": "application/x-ofx",
                "image/jpg": "image/jpeg"}
LINK_KINDS = {"payable": "payables", "receivable": "receivables", "transaction": "transactions"}
INLINE = {"application/pdf", "image/png", "image/jpeg"}


@dataclass(slots=True, kw_only=True)
class Attachment(Row):
    file_name: str
    title: str | None
    mime_type: str
    size: int
    sha256: str
    uploaded_by: str | None
    uploaded_at: str
    uploaded_on: str


SPEC = TableSpec(
    resource="attachments",
    sorts={"uploaded_at": "text", "file_name": "ci", "size": "text", "created_at": "text"},
    default_sort="-uploaded_at",
    filters={
        "mime_type": Filter("mime_type"),
        "file_name": Filter("file_name", "contains"),
        "uploaded_by": Filter("uploaded_by"),
        "uploaded_at": Filter("uploaded_on", convert=str),
    },
)
FIELDS = ("id", "workspace_id", "file_name", "title", "mime_type", "size", "sha256",
          "uploaded_by", "uploaded_at", "created_at", "updated_at")


def safe_name(raw: str) -> str:
    """RULE ATT-1: a plain base name — no directories, no control characters."""
    name = posixpath.basename(raw.replace("\\", "/")).strip()
    name = "".join(ch for ch in name if ch.isprintable() and ch not in '"<>|:*?')
    if name in ("", ".", ".."):
        raise ValidationFailed("the file needs a name", field="file")
    return name[:255]


def create(ts: TenantStore, body: dict[str, Any], *, row_id: str | None = None) -> Attachment:
    """`body`: file_name, content (bytes), optional mime_type, title and uploaded_by."""
    content: bytes = body["content"]
    name = safe_name(str(body.get("file_name") or ""))
    ext = name.rsplit(".", 1)[-1].lower() if "." in name else ""
    if ext not in ALLOWED:
        raise ValidationFailed(
            f"file type not allowed; send one of {', '.join(sorted(ALLOWED))}", field="file")
    mime = ALLOWED[ext]
    declared = MIME_ALIASES.get(body.get("mime_type") or "", body.get("mime_type"))
    if declared not in (None, "", "application/octet-stream", mime):
        raise ValidationFailed(f"the declared type {declared} does not match .{ext}",
                               field="file")
    if len(content) > MAX_BYTES:
        raise TooLarge(f"the file is larger than {MAX_BYTES} bytes (10 MB)")
    if mime in MAGIC and not content.startswith(MAGIC[mime]):
        # RULE ATT-1: PDF/PNG/JPEG must carry their magic bytes.
        raise ValidationFailed(f"the content is not a {ext.upper()} file", field="file")
    if ts.blob_bytes + len(content) > ts.blob_cap:
        raise StorageFull("this workspace's attachment storage is full")
    base = row_base(ts, row_id)
    row = Attachment(
        **base, file_name=name, title=body.get("title") or None, mime_type=mime,
        size=len(content), sha256=hashlib.sha256(content).hexdigest(),
        uploaded_by=body.get("uploaded_by"), uploaded_at=base["created_at"],
        uploaded_on=base["created_at"][:10],
    )
    ts.blobs[row.id] = content
    return ts["attachments"].insert(row)


def update(ts: TenantStore, row: Attachment, body: dict[str, Any]) -> Attachment:
    raise NotImplementedError("attachments have no PATCH operation")


def link_counts(ts: TenantStore, attachment_id: str) -> dict[str, int]:
    counts = {"payables": 0, "receivables": 0, "transactions": 0}
    for link in ts["attachment_links"].where(attachment_id=attachment_id):
        counts[link.owner] += 1
    return counts


def delete(ts: TenantStore, row: Attachment) -> None:
    counts = link_counts(ts, row.id)
    if any(counts.values()):
        # RULE ATT-5: unlink first.
        raise Conflict("The attachment is still linked; unlink it first.", details=counts)
    ts.blobs.pop(row.id, None)
    ts["attachments"].delete(row)


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
    for link in ts["attachment_links"].where(attachment_id=row.id, owner_id=target_id):
        if link.owner == owner:
            return link
    return None


def link(ts: TenantStore, row: Attachment, body: dict[str, Any]) -> dict[str, Any]:
    owner, target_id = _target(ts, body)
    if _existing(ts, row, owner, target_id) is not None:
        raise Conflict("The attachment is already linked to that record.")
    ts["attachment_links"].insert(
        AttachmentLink(id=new_id(), attachment_id=row.id, owner=owner, owner_id=target_id))
    return {"attachment_id": row.id, "type": body["type"], "id": target_id}


def unlink(ts: TenantStore, row: Attachment, body: dict[str, Any]) -> None:
    owner, target_id = _target(ts, body)
    existing = _existing(ts, row, owner, target_id)
    if existing is None:
        raise NotFound("No such link.")
    ts["attachment_links"].delete(existing)


def disposition(row: Attachment) -> str:
    """RULE ATT-3: inline for PDF and images, attachment otherwise; the name quoted safely."""
    kind = "inline" if row.mime_type in INLINE else "attachment"
    ascii_name = row.file_name.encode("ascii", "replace").decode().replace('"', "")
    return f"{kind}; filename=\"{ascii_name}\"; filename*=UTF-8''{quote(row.file_name)}"


def view(ts: TenantStore, row: Attachment, *, detail: bool = False,
         base_url: str = "") -> dict[str, Any]:
    out = public(row, FIELDS)
    counts = link_counts(ts, row.id)
    out["linked_payables_count"] = counts["payables"]
    out["linked_receivables_count"] = counts["receivables"]
    out["linked_transactions_count"] = counts["transactions"]
    out["download_url"] = f"{base_url}/attachments/{row.id}/download"
    return out
