"""The failure types of the custom checks (`conformance/checks.py`), apart from the check logic.

Each is a Schemathesis `Failure` with keyword-only fields, named after the rule it breaks, so a
report reads "ProblemDetailsViolation (G-6)" rather than "custom check failed". Codes sit in
Schemathesis's custom range (`ST9xx`) and are never renumbered.
"""

from __future__ import annotations

from schemathesis.core.failures import Failure, Severity

__all__ = [
    "ConformanceFailure",
    "DeleteNotFinal",
    "ForeignIdDistinguishable",
    "MissingWwwAuthenticate",
    "PageEnvelopeViolation",
    "ProblemDetailsViolation",
    "ScopeNotEnforced",
]


class ConformanceFailure(Failure):
    """A rule of the contract (docs/rules.md) that one response, or a replay of it, shows broken."""

    rule: str = ""
    default_severity: Severity = Severity.HIGH  # a failure type that leaks data says CRITICAL

    def __init__(self, *, operation: str, message: str, case_id: str | None = None) -> None:
        super().__init__(operation=operation, message=message, case_id=case_id,
                         severity=self.default_severity)


class ProblemDetailsViolation(ConformanceFailure):
    """A 4xx/5xx that is not an RFC 9457 problem (G-6)."""

    code = "ST911"
    checks = ("problem_details_on_errors",)
    kind_title = "Error is not application/problem+json (G-6)"
    rule = "G-6"


class ScopeNotEnforced(ConformanceFailure):
    """A token without the operation's scope was not refused as RFC 6750 says (G-2)."""

    code = "ST912"
    checks = ("scopes_enforced",)
    kind_title = "Required scope not enforced (G-2)"
    rule = "G-2"
    default_severity = Severity.CRITICAL


class MissingWwwAuthenticate(ConformanceFailure):
    """A 401 or 403 without the RFC 6750 `WWW-Authenticate: Bearer …` challenge (G-1)."""

    code = "ST913"
    checks = ("www_authenticate_on_401_403",)
    kind_title = "401/403 without a Bearer challenge (G-1)"
    rule = "G-1"


class DeleteNotFinal(ConformanceFailure):
    """A second DELETE of the same id did not answer 404 (G-10)."""

    code = "ST914"
    checks = ("delete_twice_is_404",)
    kind_title = "Second DELETE is not 404 (G-10)"
    rule = "G-10"


class ForeignIdDistinguishable(ConformanceFailure):
    """Another tenant's id does not answer exactly as a missing id (G-3)."""

    code = "ST915"
    checks = ("foreign_id_is_missing",)
    kind_title = "Foreign id distinguishable from a missing one (G-3)"
    rule = "G-3"
    default_severity = Severity.CRITICAL


class PageEnvelopeViolation(ConformanceFailure):
    """A list page that is not `{data: [...], next_cursor: str|null}` within `limit` (G-4)."""

    code = "ST916"
    checks = ("page_envelope_and_limit",)
    kind_title = "Page envelope or limit broken (G-4)"
    rule = "G-4"
