"""The invariant tags: the families of properties the suites guard, one list.

Each tag is a pytest marker (registered from here by the root ``conftest.py``, not repeated in
``pyproject.toml``); each of the mock's named faults declares the tag of the property it
breaks, and the self-check runs the tests carrying that tag and expects one to fail.
"""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType

__all__ = ["INVARIANTS", "RULE_MARKER", "markers"]

INVARIANTS: Mapping[str, str] = MappingProxyType({
    "pagination": "keyset pages: no skip, no duplicate, limit and filters honoured (G-4)",
    "isolation": "tenant isolation (G-3)",
    "idempotency": "idempotent writes (G-5)",
    "delete": "204 then 404 (G-10)",
    "auth": "bearer JWT and scopes (G-1, G-2)",
    "errors": "problem+json errors (G-6)",
    "rules": "business rules (CMP, CAT, ACC, PAY, ATT)",
})
"""Invariant tag -> what it guards."""

RULE_MARKER = "rule(*ids): the contract rule ids a test checks (`--rule ID` selects them)"
"""The marker naming the rule ids a test proves (`@pytest.mark.rule("TAX-1")`)."""


def markers() -> tuple[str, ...]:
    """The marker lines to register with pytest (``config.addinivalue_line("markers", …)``)."""
    return (*(f"{tag}: {what}" for tag, what in INVARIANTS.items()), RULE_MARKER)
