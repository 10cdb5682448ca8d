"""HTTP access to a target for the property suites: one `Api` per tenant, nothing else.

Everything the suites do goes through here, over httpx, so the same test runs against the
embedded mock, a mock on another port, the sandbox or production. Writes pass
`Target.guard()` first: in production mode they are refused before anything is sent. In
sandbox mode every row a run creates is recorded in `CreatedRows` and deleted at the end.
"""

from __future__ import annotations

import json
import threading
import uuid
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

import httpx

from conformance.targets import Target
from fixtures import tokens
from property_tests.reproduce import RECORDER

JSON = dict[str, Any]
# Every call is bounded: a target that accepts a connection and never answers fails the
# request (and the test) after this, instead of hanging the run.
TIMEOUT = httpx.Timeout(30.0, connect=10.0)
IDEMPOTENCY_KEY = "Idempotency-Key"
REPLAYED = "Idempotent-Replayed"
TENANTS: tuple[str, str] = ("a", "b")
# A target may bound the rows one page examines, and answer a short or even empty page with a
# next_cursor (G-4: only null ends a list): a walk follows up to this many empty pages.
EMPTY_PAGES = 10_000
STALLED = 3  # pages in a row with no new row: the walk is going nowhere
# Deleting in this order never trips a guard: links and money rows before the catalogue.
DELETE_ORDER = ("attachments", "transactions", "payables", "receivables", "people", "accounts",
                "categories", "cost_centers", "taxes", "companies")


class CreatedRows:
    """What a sandbox run created, so it can all be deleted at the end (DESIGN "Targets")."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self.rows: list[tuple[str, str]] = []
        self.groups: list[tuple[str, str]] = []
        self.links: list[tuple[str, JSON]] = []

    def add(self, resource: str, row: JSON) -> None:
        with self._lock:
            self.rows.append((resource, str(row["id"])))
            if row.get("group_id"):
                self.groups.append((resource, str(row["group_id"])))

    def add_link(self, attachment_id: str, body: JSON) -> None:
        with self._lock:
            self.links.append((attachment_id, dict(body)))

    def cleanup(self, api: Api) -> list[tuple[str, str]]:
        """Delete everything recorded; returns what could not be deleted."""
        for attachment_id, body in self.links:
            api.request("DELETE", f"/attachments/{attachment_id}/links", json=body)
        for resource, group_id in self.groups:
            for row in api.walk(resource, {"group_id": group_id}, limit=100).rows:
                self.rows.append((resource, str(row["id"])))
        rank = {r: n for n, r in enumerate(DELETE_ORDER)}
        pending = sorted(dict.fromkeys(reversed(self.rows)), key=lambda rr: rank.get(rr[0], 99))
        for _ in range(4):  # a guard (in use, has children) may clear once others are gone
            left = []
            for resource, row_id in pending:
                status = api.request("DELETE", f"/{resource}/{row_id}").status_code
                if status not in (204, 404):
                    left.append((resource, row_id))
            if not left or len(left) == len(pending):
                return left
            pending = left
        return pending


@dataclass
class Walk:
    """The pages of one iteration over a list, as returned."""

    pages: list[list[JSON]] = field(default_factory=list)
    cursors: list[str] = field(default_factory=list)

    @property
    def rows(self) -> list[JSON]:
        return [row for page in self.pages for row in page]

    @property
    def ids(self) -> list[str]:
        return [str(row["id"]) for row in self.rows]


class WalkFailed(AssertionError):
    """A page of a list walk was refused or malformed, or the walk stopped advancing (a
    `next_cursor` seen before, or a page of rows all listed already)."""


def http_client(base_url: str, token: str | None = None, **kwargs: Any) -> httpx.Client:
    """An httpx client of the suites: bounded in time, its requests recorded for a failure's
    reproduction (`property_tests.reproduce`)."""
    headers = {"Authorization": f"Bearer {token}"} if token is not None else None
    return httpx.Client(base_url=base_url, headers=headers, timeout=TIMEOUT,
                        event_hooks=RECORDER.hooks, **kwargs)


class Api:
    """One tenant's view of the target. Not shared across threads: `fork()` a new one."""

    def __init__(self, target: Target, token: str, tenant: str,
                 ledger: CreatedRows | None = None) -> None:
        self.target = target
        self.token = token
        self.tenant = tenant
        self.ledger = ledger
        self.http = http_client(target.base_url.rstrip("/") + "/", token)

    def __repr__(self) -> str:
        return f"Api(tenant={self.tenant!r})"

    @property
    def workspace(self) -> str:
        """The workspace id the token names (`sub`); every row of ours carries it (G-3)."""
        return tokens.subject_of(self.token) or ""

    def fork(self) -> Api:
        """The same tenant on a fresh connection pool, for another thread."""
        return Api(self.target, self.token, self.tenant, self.ledger)

    def close(self) -> None:
        self.http.close()

    # -- raw -----------------------------------------------------------------------------------

    def request(self, method: str, path: str, **kwargs: Any) -> httpx.Response:
        """Any request; a write to a production target raises before it is sent."""
        self.target.guard(method, path)
        return self.http.request(method, path.lstrip("/"), **kwargs)

    def get(self, path: str, params: Mapping[str, Any] | None = None) -> httpx.Response:
        return self.request("GET", path, params=_query(params))

    # -- rows ----------------------------------------------------------------------------------

    def post(self, resource: str, body: JSON, *, key: str | None = None) -> httpx.Response:
        """POST a create; a 201 is recorded in the ledger (sandbox cleanup)."""
        headers = {IDEMPOTENCY_KEY: key} if key is not None else None
        response = self.request("POST", f"/{resource}", json=body, headers=headers)
        self._record(resource, response)
        return response

    def create(self, resource: str, body: JSON, *, key: str | None = None) -> JSON:
        """POST a create that must succeed; returns the new row."""
        response = self.post(resource, body, key=key)
        if response.status_code != 201:
            raise AssertionError(f"POST /{resource} as tenant {self.tenant}: expected 201, got "
                                 f"{response.status_code}: {response.text[:500]}")
        row: JSON = response.json()
        return row

    def upload(self, file_name: str, content: bytes, mime_type: str,
               title: str | None = None) -> httpx.Response:
        """POST /attachments (multipart, no idempotency: RULE G-5)."""
        data = {"title": title} if title is not None else None
        response = self.request("POST", "/attachments", data=data,
                                files={"file": (file_name, content, mime_type)})
        self._record("attachments", response)
        return response

    def read(self, resource: str, row_id: str) -> httpx.Response:
        return self.get(f"/{resource}/{row_id}")

    def patch(self, resource: str, row_id: str, body: JSON, *,
              key: str | None = None) -> httpx.Response:
        headers = {IDEMPOTENCY_KEY: key} if key is not None else None
        return self.request("PATCH", f"/{resource}/{row_id}", json=body, headers=headers)

    def delete(self, resource: str, row_id: str) -> httpx.Response:
        return self.request("DELETE", f"/{resource}/{row_id}")

    def link(self, attachment_id: str, kind: str, target_id: str) -> httpx.Response:
        body = {"type": kind, "id": target_id}
        response = self.request("POST", f"/attachments/{attachment_id}/links", json=body)
        if response.status_code == 201 and self.ledger is not None:
            self.ledger.add_link(attachment_id, body)
        return response

    def unlink(self, attachment_id: str, kind: str, target_id: str) -> httpx.Response:
        return self.request("DELETE", f"/attachments/{attachment_id}/links",
                            json={"type": kind, "id": target_id})

    def _record(self, resource: str, response: httpx.Response) -> None:
        if response.status_code == 201 and self.ledger is not None:
            self.ledger.add(resource, response.json())

    # -- lists ---------------------------------------------------------------------------------

    def page(self, resource: str, params: Mapping[str, Any]) -> httpx.Response:
        return self.get(f"/{resource}", params)

    def walk(self, resource: str, params: Mapping[str, Any] | None = None, *, limit: int = 100,
             max_pages: int = 1000,
             between: Callable[[int], None] | None = None) -> Walk:
        """Follow `next_cursor` to the end (RULE G-4); `between(n)` runs after page n.

        A walk that stops advancing fails at once: a `next_cursor` it was given before, or
        `STALLED` pages in a row whose rows were all on earlier pages (one such page can be
        sound: a row updated to a later sort value may come again)."""
        base = {**(params or {}), "limit": limit}
        walk = Walk()
        cursor: str | None = None
        seen: set[str] = set()
        stalled = 0
        filled = 0  # pages that held rows: `max_pages` bounds these
        for number in range(max_pages + EMPTY_PAGES):
            if filled >= max_pages:
                break
            query = {**base, "cursor": cursor} if cursor else base
            where = f"GET /{resource} {query} (page {number + 1}) as tenant {self.tenant}"
            response = self.page(resource, query)
            if response.status_code != 200:
                raise WalkFailed(f"{where}: {response.status_code} {response.text[:300]}")
            rows, cursor = _page(response, where)
            if len(rows) > limit:
                raise WalkFailed(f"{where}: {len(rows)} rows on a page of limit {limit}")
            ids = {str(row.get("id")) for row in rows}
            if ids:  # an empty page that goes on is sound (G-4), and counts neither way
                filled += 1
                stalled = stalled + 1 if number and ids <= seen else 0
            if stalled >= STALLED:
                raise WalkFailed(f"{where}: the walk does not advance: {STALLED} pages in a row "
                                 f"brought no row not listed before ({sorted(ids)[:3]})")
            seen |= ids
            walk.pages.append(rows)
            if not cursor:
                return walk
            if cursor in walk.cursors:
                raise WalkFailed(f"{where}: the walk does not advance: next_cursor "
                                 f"{cursor[:40]!r} was given before (page "
                                 f"{walk.cursors.index(cursor) + 1})")
            walk.cursors.append(cursor)
            if between is not None:
                between(number)
        raise WalkFailed(f"GET /{resource} {base}: still a next_cursor after {max_pages} pages "
                         f"with rows and {EMPTY_PAGES} without (a cursor that does not advance?)")


def _page(response: httpx.Response, where: str) -> tuple[list[JSON], str | None]:
    """The rows and `next_cursor` of a list page (RULE G-4's envelope), or WalkFailed."""
    try:
        body = response.json()
    except ValueError as exc:
        raise WalkFailed(f"{where}: not JSON: {response.text[:200]}") from exc
    rows = body.get("data") if isinstance(body, dict) else None
    cursor = body.get("next_cursor") if isinstance(body, dict) else None
    if not isinstance(rows, list) or not all(isinstance(row, dict) for row in rows) or not (
            cursor is None or isinstance(cursor, str)):
        raise WalkFailed(f"{where}: not a page ({{data: [rows], next_cursor}}): "
                         f"{response.text[:200]}")
    return rows, cursor or None


def _query(params: Mapping[str, Any] | None) -> dict[str, Any] | None:
    """Booleans as the API spells them in a query string."""
    if params is None:
        return None
    return {k: ("true" if v is True else "false" if v is False else v)
            for k, v in params.items() if v is not None}


def random_id() -> str:
    return str(uuid.uuid4())


@dataclass
class Env:
    """The target and both tenants, as the suites see them."""

    target: Target
    a: Api
    b: Api
    has_admin: bool

    @classmethod
    def open(cls, target: Target, *, cleanup: bool | None = None) -> Env:
        """Clients for both tenants; `cleanup` (default: sandbox mode) records what is made."""
        cleanup = target.mode == "sandbox" if cleanup is None else cleanup
        a = Api(target, target.token_a, "a", CreatedRows() if cleanup else None)
        b = Api(target, target.token_b, "b", CreatedRows() if cleanup else None)
        return cls(target=target, a=a, b=b, has_admin=_has_admin(target, a))

    @property
    def writable(self) -> bool:
        return self.target.mode != "production"

    def tenant(self, name: str) -> Api:
        return self.a if name == "a" else self.b

    def other(self, api: Api | str) -> Api:
        name = api if isinstance(api, str) else api.tenant
        return self.b if name == "a" else self.a

    def advance_clock(self, seconds: float) -> None:
        """Move the mock's clock (`POST /__mock/clock`); only where the admin surface is."""
        if not self.has_admin:
            raise RuntimeError("the target has no /__mock/ admin surface")
        response = self.a.http.post(f"{self.target.admin_url}/clock",
                                    json={"advance_seconds": seconds})
        response.raise_for_status()

    def close(self) -> list[tuple[str, str, str]]:
        """Delete what the run made (sandbox mode), close the clients; returns leftovers."""
        left: list[tuple[str, str, str]] = []
        try:
            for api in (self.a, self.b):
                if api.ledger is not None:
                    left += [(api.tenant, r, i) for r, i in api.ledger.cleanup(api)]
        finally:
            self.a.close()
            self.b.close()
        return left


def _has_admin(target: Target, api: Api) -> bool:
    """The mock's `/__mock/health` answers only on a mock target with its admin surface on."""
    if target.mode != "mock":
        return False
    try:
        response = api.http.get(f"{target.admin_url}/health")
    except httpx.HTTPError:
        return False
    if response.status_code != 200:
        return False
    try:
        return bool(response.json().get("status") == "ok")
    except ValueError:
        return False


@contextmanager
def forked(api: Api) -> Iterator[Api]:
    """A fresh client for the same tenant, closed afterwards (one per thread)."""
    other = api.fork()
    try:
        yield other
    finally:
        other.close()


def normalized(response: httpx.Response, *ids: str) -> tuple[int, Any]:
    """Status and body with the given ids blanked, so two 404s can be compared (G-3, G-11)."""
    text = response.text
    for row_id in ids:
        text = text.replace(row_id, "{id}")
    try:
        body: Any = json.loads(text) if text else None
    except ValueError:
        body = text
    return response.status_code, body
