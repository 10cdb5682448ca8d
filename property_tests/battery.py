"""The G-12 battery's machinery: a fresh corner of a tenant per write operation, a control
request with the valid body, then each hostile version of it, checked as a clean refusal that
wrote nothing (RULE G-12).

`run(api, op, variant)` returns what went wrong, one line per failing case (empty: all
refused cleanly). For each operation that takes a body (read from the spec), a fresh corner of
the tenant (its own company and name token, `rows.Scope`) gets a valid body first — sent once
as the control, which must succeed, so a refusal below is the hostile part's doing — then each
hostile version of it (`property_tests.hostile`). Each must answer 4xx
`application/problem+json`, and the scope's list (and the row under attack, for a PATCH or a
link) must read the same after as before: no row made, none changed. A case that fails gets a
fresh corner, so a poisoned row (one a list can no longer encode) fails its own case only.

On a mock whose secret is known, each run gets a tenant of its own (a fresh workspace id): a
row a careless target stores anyway then poisons no list another test walks. Elsewhere (a real
target knows only its own workspaces) it runs in tenant A.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import httpx

from fixtures import tokens
from property_tests.apispec import WriteOp
from property_tests.client import JSON, Api, Env
from property_tests.hostile import MULTIPART_TYPE, Hostile, json_cases, upload_cases
from property_tests.rows import Scope, csv_content

PROBLEM = "application/problem+json"
PROBLEM_MEMBERS = frozenset({"type", "title", "status", "detail"})


class SnapshotFailed(AssertionError):
    """The scope's rows could not be read back (a stored row that no longer encodes?)."""


class Corner:
    """A fresh corner of a tenant for one write operation: valid bodies and the state they
    may touch."""

    def __init__(self, api: Api, op: WriteOp) -> None:
        self.api = api
        self.op = op
        self.scope = Scope(api)
        self.item: JSON | None = None  # the row a PATCH or a link is sent to
        if op.method == "PATCH" or op.path.endswith("/links"):
            self.item = self.scope.make(self.op.resource, 0)

    @property
    def path(self) -> str:
        if self.item is None:
            return self.op.path
        return self.op.path.replace("{id}", str(self.item["id"]))

    def body(self) -> JSON:
        """A valid body for the operation, fresh (new names, new link targets) each time."""
        op = self.op
        if op.path.endswith("/links"):
            transaction = self.scope.make("transactions", 0)
            body = {"type": "transaction", "id": str(transaction["id"])}
            if op.method == "DELETE":  # the link to remove must exist
                assert self.item is not None
                linked = self.api.link(str(self.item["id"]), "transaction", body["id"])
                assert linked.status_code == 201, f"linking: {linked.status_code} {linked.text}"
            return body
        body = self.scope.body(op.resource, 0)
        if op.method == "PATCH":
            body = {name: value for name, value in body.items() if name in op.fields}
        return body

    def upload(self) -> tuple[str, bytes, str]:
        """A valid upload: file name, bytes, title."""
        return f"{self.scope.name(0)}.csv", csv_content(0), f"{self.scope.token} título"

    def snapshot(self) -> Any:
        """What a refused request must leave as it was: the scope's list of the resource, and
        the row under attack."""
        rows: Any = None
        try:
            rows = sorted(self.api.walk(self.op.resource, self.scope.filters(self.op.resource))
                          .rows, key=lambda row: str(row["id"]))
        except AssertionError as exc:
            raise SnapshotFailed(f"listing the scope's {self.op.resource}: {exc}") from None
        if self.item is None:
            return rows
        response = self.api.read(self.op.resource, str(self.item["id"]))
        if response.status_code != 200:
            raise SnapshotFailed(f"GET the row under attack: {response.status_code} "
                                 f"{response.text[:300]}")
        return rows, response.json()

    def send(self, content: bytes, headers: dict[str, str]) -> httpx.Response:
        response = self.api.request(self.op.method, self.path, content=content, headers=headers)
        if response.status_code == 201 and self.api.ledger is not None and \
                self.op.path == f"/{self.op.resource}":
            self.api.ledger.add(self.op.resource, response.json())  # sandbox: clean it up too
        return response


def _cases(corner: Corner, variant: str) -> list[Hostile]:
    if corner.op.media_type == MULTIPART_TYPE:
        return upload_cases(variant, *corner.upload())
    return json_cases(variant, corner.body(), corner.op.numeric_fields)


def _control(corner: Corner) -> None:
    """The valid body must be accepted, or the refusals below prove nothing."""
    if corner.op.media_type == MULTIPART_TYPE:
        name, content, title = corner.upload()
        response = corner.api.upload(name, content, "text/csv", title)
    else:
        response = corner.api.request(corner.op.method, corner.path, json=corner.body())
        if response.status_code == 201 and corner.api.ledger is not None:
            corner.api.ledger.add(corner.op.resource, response.json())
    assert 200 <= response.status_code < 300, (
        f"the valid body of {corner.op.label} was refused, so the hostile cases would prove "
        f"nothing: {response.status_code} {response.text[:300]}")


def _refusal_problems(response: httpx.Response) -> list[str]:
    """What is wrong with `response` as the refusal of a hostile body (empty: nothing)."""
    status = response.status_code
    if not 400 <= status < 500:
        return [f"answered {status}, not a 4xx: {response.text[:200]!r}"]
    media = response.headers.get("content-type", "").split(";")[0].strip()
    if media != PROBLEM:
        return [f"answered {status} as {media or 'no Content-Type'}, not {PROBLEM}"]
    try:
        body = response.json()
    except ValueError:
        return [f"answered {status} with a body that is not JSON: {response.text[:200]!r}"]
    if not isinstance(body, dict) or not set(body) >= PROBLEM_MEMBERS:
        return [f"answered {status} with a problem missing {sorted(PROBLEM_MEMBERS)}: {body}"]
    if body.get("status") != status:
        return [f"answered {status} with a problem whose status is {body.get('status')!r}"]
    return []


def attempt(corner: Corner, case: Hostile) -> list[str]:
    """Send one hostile case; what went wrong (empty when refused cleanly, nothing written)."""
    before = corner.snapshot()
    response = corner.send(case.content, dict(case.headers))
    problems = _refusal_problems(response)
    try:
        after = corner.snapshot()
    except SnapshotFailed as exc:
        return [*problems, f"and then: {exc}"]
    if after != before:
        problems.append(f"wrote: the scope's {corner.op.resource} changed "
                        f"(before {_brief(before)}, after {_brief(after)})")
    return problems


def _brief(state: Any) -> str:
    text = repr(state)
    return text if len(text) <= 300 else text[:300] + "…"




@contextmanager
def tenant(env: Env) -> Iterator[Api]:
    """A fresh tenant (a mock whose secret is known), else tenant A."""
    token = env.target.mint(str(uuid.uuid4()), tokens.ALL_SCOPES) \
        if env.target.mode == "mock" else None
    if token is None:
        yield env.a
        return
    api = Api(env.target, token, "fresh")
    try:
        yield api
    finally:
        api.close()


def run(api: Api, op: WriteOp, variant: str) -> list[str]:
    """Every case of `variant` against `op` in fresh corners of `api`'s tenant; what failed."""
    corner = Corner(api, op)
    _control(corner)
    failures: list[str] = []
    for case in _cases(corner, variant):
        try:
            problems = attempt(corner, case)
        except SnapshotFailed as exc:
            problems = [f"before sending: {exc}"]
        if problems:
            failures.append(f"{op.label} with {case.label}: " + "; ".join(problems))
            corner = Corner(api, op)  # a poisoned corner must not fail the next case
    return failures
