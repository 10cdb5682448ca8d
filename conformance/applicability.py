"""Which check applies to which operation, declared per check: the run's expected coverage.

A check that applies to an operation must be *exercised* on it at least once (a case on which
it ran and did not answer "does not apply"); one that never was is a **gap**, and a run with
gaps is INCOMPLETE, not PASSED. The declarations are about the contract, read from the spec:

- `scopes_enforced`: every operation with `x-required-scopes` (needs one 2xx to replay);
- `foreign_id_is_missing`: item reads, `GET /x/{id}` (needs one 2xx read of a row);
- `delete_twice_is_404`: DELETEs (needs one 2xx delete);
- `page_envelope_and_limit`: lists (needs one 200 page);
- `www_authenticate_on_401_403`: every operation with scopes (needs one 2xx, or a 401/403);
- `problem_details_on_errors`: every operation (needs one 4xx/5xx);
- Schemathesis's built-ins: every operation. They report a success on every response they
  see, even where they found nothing to look at (e.g. `use_after_free` outside a
  DELETE-then-GET, `ignored_auth` when no credentials were dropped): for them "ran" means "ran
  on a response of that operation", which is all they tell. Exception: `use_after_free` and
  `ensure_resource_availability` look at a sequence (delete then use, create then use) and
  apply to the item operations a DELETE makes disappear.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass

from conformance.context import OperationFacts

__all__ = ["APPLIES", "Applicability", "applies", "expected"]


@dataclass(frozen=True)
class Applicability:
    """Where a check applies, and what a case must do to exercise it (the gap's reason)."""

    where: Callable[[OperationFacts], bool]
    needs: str


def _every(facts: OperationFacts) -> bool:
    return True


def _scoped(facts: OperationFacts) -> bool:
    return bool(facts.scopes)


def _delete(facts: OperationFacts) -> bool:
    return facts.method == "DELETE"


def _item(facts: OperationFacts) -> bool:
    return "{" in facts.path


APPLIES: dict[str, Applicability] = {
    "scopes_enforced": Applicability(_scoped, "a 2xx answer to replay without the scope"),
    "foreign_id_is_missing": Applicability(lambda f: f.is_item_read,
                                           "a 2xx read of a row to replay as the other tenant"),
    "delete_twice_is_404": Applicability(_delete, "a 2xx DELETE to send again"),
    "page_envelope_and_limit": Applicability(lambda f: f.is_page, "a 200 page"),
    "www_authenticate_on_401_403": Applicability(_scoped, "a 2xx or a 401/403 answer"),
    "problem_details_on_errors": Applicability(_every, "a 4xx or 5xx answer"),
    "use_after_free": Applicability(_item, "a response after a DELETE of the same row"),
    "ensure_resource_availability": Applicability(_item, "a response after a 201 create"),
}
DEFAULT = Applicability(_every, "one response")


def applies(check: str, facts: OperationFacts) -> bool:
    return APPLIES.get(check, DEFAULT).where(facts)


def needs(check: str) -> str:
    return APPLIES.get(check, DEFAULT).needs


def expected(checks: Iterable[str], operations: Iterable[OperationFacts]
             ) -> list[tuple[str, str]]:
    """Every (operation label, check) the run must exercise, in the report's order."""
    operations = list(operations)
    return [(facts.label, check) for facts in operations for check in checks
            if applies(check, facts)]
