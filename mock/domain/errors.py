"""Domain errors: what a rule says when it refuses. No HTTP here.

`mock.errors` maps each class onto a status and a problem type, in one place.
"""

from __future__ import annotations

from typing import Any


class DomainError(Exception):
    """A business rule refused the request."""

    code: str = "domain_error"

    def __init__(self, detail: str, **extensions: Any) -> None:
        super().__init__(detail)
        self.detail = detail
        self.extensions = extensions


class NotFound(DomainError):
    """The row does not exist in this tenant (G-3, G-11: same answer either way)."""

    code = "not_found"


class Conflict(DomainError):
    """The request collides with existing state (duplicate, still referenced, ...)."""

    code = "conflict"


class InUse(DomainError):
    """A delete refused because other rows still reference the row (CC-2, TAX-3, ACC-4)."""

    code = "in_use"


class HasChildren(DomainError):
    """A delete refused because the category still has subcategories (CAT-4)."""

    code = "has_children"


class ValidationFailed(DomainError):
    """The body is well-formed but breaks a rule; `errors` names the fields (G-6)."""

    code = "validation_failed"

    def __init__(self, detail: str, *, field: str | None = None, **extensions: Any) -> None:
        if field is not None:
            extensions.setdefault("errors", [{"field": field, "message": detail}])
        super().__init__(detail, **extensions)


class OwnedBySource(ValidationFailed):
    """A PATCH would change a money field of an auto-created transaction, which belongs to the
    payable or receivable whose settlement created it (TRX-5). `source` names that row."""

    code = "owned_by_source"


class NotWritable(ValidationFailed):
    """A PATCH would change a field the API never lets you change after create (and the
    export does not say it is silently dropped): 422 naming it, rather than 200 and nothing."""

    code = "not_writable"


class AmbiguousReference(DomainError):
    """Both `<x>_id` and `<x>_name` were sent for the same reference (TRX-2, PAY-1)."""

    code = "ambiguous_reference"


class StorageFull(DomainError):
    """The tenant's storage cap for attachment bytes is reached."""

    code = "storage_full"


class TooLarge(DomainError):
    """An upload over the size limit (ATT-1)."""

    code = "payload_too_large"
