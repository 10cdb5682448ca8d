"""What the custom checks know about the run: the target, and facts read from the spec.

The runner attaches one `RunContext` to the Schemathesis schema it builds; the checks reach it
through `run_context(case)`. Outside a conformance run (no context) every custom check is inert,
so registering them globally (`@schemathesis.check` has no other way) harms no other use of
Schemathesis in the same process.

Everything here comes from the OpenAPI document the target serves, never from the mock: each
operation's `x-required-scopes` (G-2), whether its 200 is a page envelope and its default `limit`
(G-4), and which DELETE undoes which create (sandbox clean-up).
"""

from __future__ import annotations

import threading
from collections.abc import Hashable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from conformance.targets import Target
from contract.limits import G_4_DEFAULT_LIMIT
from contract.spec import iter_operations, resolve_ref

if TYPE_CHECKING:
    from schemathesis import Case



@dataclass(frozen=True)
class OperationFacts:
    """One operation as the checks see it."""

    method: str  # upper case
    path: str  # as written in the spec, without the /v1 base
    scopes: tuple[str, ...]  # x-required-scopes (G-2)
    is_page: bool  # its 200 is `{data: [...], next_cursor}` (G-4)
    default_limit: int

    @property
    def label(self) -> str:
        return f"{self.method} {self.path}"

    @property
    def is_item_read(self) -> bool:
        """`GET /x/{id}` (and `/x/{id}/download`): a read of one row by its id."""
        return self.method == "GET" and "{" in self.path


def operation_facts(spec: Mapping[str, Any]) -> Iterator[OperationFacts]:
    """Every operation of an OpenAPI 3 document (`contract.spec.iter_operations`), with the
    facts the checks need."""
    for op in iter_operations(spec):
        default = resolve_ref(spec, (op.query("limit") or {}).get("schema", {})).get("default")
        yield OperationFacts(
            method=op.method, path=op.path, scopes=op.required_scopes,
            is_page=op.method == "GET" and _is_page(spec, op.op),
            default_limit=default if isinstance(default, int) else G_4_DEFAULT_LIMIT,
        )


def _is_page(spec: Mapping[str, Any], op: Mapping[str, Any]) -> bool:
    response = resolve_ref(spec, op.get("responses", {}).get("200", {}))
    for media in response.get("content", {}).values():
        schema = resolve_ref(spec, media.get("schema", {}))
        props = schema.get("properties", {})
        if "data" in props and "next_cursor" in props:
            return True
    return False


@dataclass
class RunContext:
    """The target and the spec's facts, shared by every check of one run (thread-safe)."""

    target: Target
    operations: dict[tuple[str, str], OperationFacts]
    skipped: dict[str, str] = field(default_factory=dict)  # check name -> why it did not run
    _claimed: set[Hashable] = field(default_factory=set)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    @classmethod
    def from_spec(cls, target: Target, spec: Mapping[str, Any]) -> RunContext:
        facts = {(f.method, f.path): f for f in operation_facts(spec)}
        return cls(target=target, operations=facts)

    @property
    def all_scopes(self) -> tuple[str, ...]:
        """Every scope the spec names, in a stable order."""
        return tuple(sorted({s for f in self.operations.values() for s in f.scopes}))

    def facts(self, case: Case[Any]) -> OperationFacts | None:
        return self.operations.get((case.method.upper(), case.operation.path))

    def claim(self, key: Hashable) -> bool:
        """True the first time `key` is claimed in this run: bounds replays per operation."""
        with self._lock:
            if key in self._claimed:
                return False
            self._claimed.add(key)
            return True

    def skip(self, check: str, reason: str) -> None:
        with self._lock:
            self.skipped.setdefault(check, reason)


def run_context(case: Case[Any]) -> RunContext | None:
    """The context of the conformance run `case` belongs to, if any."""
    context = getattr(case.operation.schema, "conformance", None)
    return context if isinstance(context, RunContext) else None
