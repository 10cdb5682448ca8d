"""`/attachments` handlers: list, metadata, delete (shared), plus upload, download and links."""

from __future__ import annotations

from typing import Any

from connexion.context import context
from connexion.lifecycle import ConnexionResponse

from mock.api.crud import Handlers, base_url, no_content, ok, tenant
from mock.domain import attachments
from mock.domain.base import get_row
from mock.errors import ApiProblem
from mock.operations import Answer
from mock.store import TenantStore
from mock.validation import Upload


class AttachmentHandlers(Handlers):
    def _view(self, ts: TenantStore, row: Any, *, detail: bool) -> dict[str, Any]:
        return attachments.view(ts, row, detail=detail, base_url=base_url())


_h = AttachmentHandlers("attachments", attachments)
search, get, delete = _h.search, _h.get, _h.delete


async def upload(multipart: Upload | None = None) -> Answer:
    """RULE ATT-1: `multipart` is the form `mock.validation` parsed as it streamed in (the file
    part spooled to disk, the whole body capped by `mock.frontdoor`)."""
    if multipart is None:  # only if the request skipped validation
        raise ApiProblem(400, "malformed_body", "Send multipart/form-data with a file part.")
    file = multipart.file
    try:
        # Refused before the spooled file is read into memory.
        attachments.check_size(tenant(), file.size or 0)
        content = await file.read()
    finally:
        await file.close()
    ts = tenant()
    payload = {
        "file_name": file.filename or "",
        "mime_type": file.content_type,
        "content": content,
        "title": multipart.fields.get("title"),
        "uploaded_by": context["principal"].actor,
    }
    with ts.lock:
        row = attachments.create(ts, payload)
        return ok(_h._view(ts, row, detail=True), 201)


async def download(id: str) -> Answer:
    """RULE ATT-3: the exact bytes, their MIME, inline/attachment, never cached."""
    ts = tenant()
    with ts.lock:
        row = get_row(ts, "attachments", id)
        body = attachments.content(ts, row)
    return ConnexionResponse(
        status_code=200, body=body, mimetype=row.mime_type, content_type=row.mime_type,
        headers={"Content-Disposition": attachments.disposition(row, ts.faults),
                 "Cache-Control": "private, no-store"},
    )


async def link(id: str, body: dict[str, Any]) -> Answer:
    """RULE ATT-4: 201; the same link again 409; a foreign attachment or parent 404."""
    ts = tenant()
    with ts.lock:
        return ok(attachments.link(ts, get_row(ts, "attachments", id), body), 201)


async def unlink(id: str, body: dict[str, Any]) -> Answer:
    """RULE ATT-4: 204, or 404 when there is no such link."""
    ts = tenant()
    with ts.lock:
        attachments.unlink(ts, get_row(ts, "attachments", id), body)
    return no_content()
