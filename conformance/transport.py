"""The one door every request of a run goes through: the production guard and the sandbox ledger.

Schemathesis sends every request — generated cases, stateful steps, the built-in checks' probes
and our checks' replays — through `schema.transport.send()`. `install()` gives the run's schema a
`GuardedTransport`, so:

- **production**: a write (anything but GET/HEAD/OPTIONS) raises `UnsafeRequest` *before* a byte
  is sent (the safety modes of `conformance.targets`); generation is not trusted to stay read-only.
- **sandbox**: every 201 is written in a `CreatedRows` record (URL, id, body, who created it), and
  `CreatedRows.clean_up()` deletes it all in reverse order at the end of the run — children before
  parents — whatever happened in between (the runner calls it in a `finally`).
"""

from __future__ import annotations

import contextlib
import threading
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import httpx
from schemathesis.transport.requests import REQUESTS_TRANSPORT, RequestsTransport

from conformance.context import OperationFacts, RunContext
from conformance.targets import Target

if TYPE_CHECKING:
    import requests
    from schemathesis import Case, Response
    from schemathesis.schemas import BaseSchema

__all__ = ["Created", "CreatedRows", "GuardedTransport", "install"]


@dataclass(frozen=True)
class Created:
    """One row (or link) a run created, and how to undo it."""

    post_url: str  # the URL that answered 201
    path: str  # its spec path (`/companies`, `/attachments/{id}/links`)
    id: str | None  # the new row's id, from the 201 body
    body: Any  # the POST's JSON body (a link is deleted with the same body)
    authorization: str | None  # the tenant that owns it
    delete_url: str | None = None  # known beforehand (the data graph): no need to ask the spec

    def undo(self, operations: Mapping[tuple[str, str], OperationFacts]
             ) -> tuple[str, Any] | None:
        """The DELETE (url, json body) that removes it, from the spec; None if there is none."""
        if self.delete_url is not None:
            return self.delete_url, None
        item = next((p for (m, p) in operations
                     if m == "DELETE" and p.startswith(self.path + "/{") and p.endswith("}")
                     and p.count("/") == self.path.count("/") + 1), None)
        if item is not None and self.id:
            return f"{self.post_url.rstrip('/')}/{self.id}", None
        if ("DELETE", self.path) in operations:
            return self.post_url, self.body
        return None


@dataclass
class CreatedRows:
    """Everything a sandbox run created, in creation order (thread-safe)."""

    created: list[Created] = field(default_factory=list)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def record(self, case: Case[Any], response: Response) -> None:
        if case.method.upper() != "POST" or response.status_code != 201:
            return
        try:
            payload = response.json()
        except ValueError:
            payload = None
        row_id = payload.get("id") if isinstance(payload, Mapping) else None
        request: requests.PreparedRequest = response.request
        url = (request.url or "").split("?", 1)[0]
        body = case.body if isinstance(case.body, (Mapping, list)) else None
        entry = Created(post_url=url, path=case.operation.path,
                        id=str(row_id) if row_id is not None else None, body=body,
                        authorization=_text(request.headers.get("Authorization")))
        with self._lock:
            self.created.append(entry)

    def add(self, post_url: str, path: str, row_id: str, token: str) -> None:
        """A row the run created outside Schemathesis (the data graph, conformance/graph.py)."""
        with self._lock:
            # Every resource of the graph has the contract's `DELETE /<resource>/{id}`.
            self.created.append(Created(post_url=post_url, path=path, id=row_id, body=None,
                                        authorization=f"Bearer {token}",
                                        delete_url=f"{post_url.rstrip('/')}/{row_id}"))

    def clean_up(self, context: RunContext, *, timeout: float = 10.0) -> list[str]:
        """Delete what was created, newest first; returns what could not be deleted."""
        leftovers: list[str] = []
        with httpx.Client(timeout=timeout) as client:
            for entry in reversed(self.created):
                undo = entry.undo(context.operations)
                if undo is None:
                    leftovers.append(f"{entry.post_url} id={entry.id}: the spec has no DELETE")
                    continue
                url, body = undo
                context.target.guard("DELETE", url)
                headers = {"Authorization": entry.authorization or ""}
                try:
                    answer = client.request("DELETE", url, json=body, headers=headers)
                except httpx.HTTPError as exc:
                    leftovers.append(f"DELETE {url}: {exc}")
                    continue
                # 404: the run itself deleted it already.
                if not (200 <= answer.status_code < 300 or answer.status_code == 404):
                    leftovers.append(f"DELETE {url} -> {answer.status_code} {answer.text[:200]}")
        return leftovers


class GuardedTransport(RequestsTransport):
    """`requests` transport that refuses unsafe methods on production and logs creations."""

    def __init__(self, target: Target, ledger: CreatedRows | None = None,
                 on_created: Callable[[Any], None] | None = None) -> None:
        super().__init__()
        self._copy_serializers_from(REQUESTS_TRANSPORT)
        self.target = target
        self.ledger = ledger
        self.on_created = on_created  # the body of every 201 (the data graph's known ids)

    def send(self, case: Case[Any], *, session: requests.Session | None = None,
             **kwargs: Any) -> Response:
        # Raises UnsafeRequest before anything reaches the wire.
        self.target.guard(case.method, case.formatted_path)
        response = super().send(case, session=session, **kwargs)
        if self.ledger is not None:
            self.ledger.record(case, response)
        if self.on_created is not None and response.status_code == 201:
            with contextlib.suppress(ValueError):  # a 201 without a JSON body names no id
                self.on_created(response.json())
        return response


def install(schema: BaseSchema, context: RunContext, transport: GuardedTransport) -> None:
    """Give `schema` (and its clones) the run's transport and context.

    `BaseSchema.transport` is a read-only property picked from the app type, and clones are made
    with `self.__class__(...)`, so the schema is moved to a per-run subclass that carries both
    as class attributes.
    """
    base = type(schema)
    schema.__class__ = type(f"Conformance{base.__name__}", (base,), {
        "transport": property(lambda _self: transport),
        "conformance": context,
    })


def _text(value: str | bytes | None) -> str | None:
    """A header value as text (requests keeps what it was given, str or bytes)."""
    return value.decode("latin-1") if isinstance(value, bytes) else value
