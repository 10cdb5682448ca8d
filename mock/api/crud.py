"""The five handlers every resource shares: read params -> call the domain -> shape the answer.

Each `mock.api.<resource>` module binds them to its domain module; attachments add upload,
download and links. The tenant comes from the token (auth put its `TenantStore` in the
context); nothing here can reach another tenant's rows (G-3).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

import orjson
from connexion.context import context, scope
from connexion.lifecycle import ConnexionResponse
from starlette.responses import Response

from contract.limits import G_4_DEFAULT_LIMIT
from contract.spec import PAGING
from mock.domain.base import Resource, get_row
from mock.domain.errors import NotFound
from mock.errors import ApiProblem
from mock.operations import Answer, sent_query
from mock.pagination import InvalidCursor, Position
from mock.store import TenantStore

JSON = "application/json"

Handler = Callable[..., Awaitable[Answer]]


def tenant() -> TenantStore:
    ts: TenantStore = context["tenant"]
    return ts


def base_url() -> str:
    """The absolute URL of the API root as the client called it (for `download_url`)."""
    headers = dict(scope["headers"])
    host = headers.get(b"host", b"127.0.0.1").decode("latin-1")
    root = scope.get("extensions", {}).get("connexion_routing", {}).get("api_base_path", "")
    return f"{scope.get('scheme', 'http')}://{host}{scope.get('root_path', '')}{root}"


def canonical(name: str, value: Any) -> Any:
    """Ids compare in canonical lower case: the spec accepts any case for a UUID."""
    if (name == "id" or name.endswith("_id")) and isinstance(value, str):
        return value.lower()
    return value


def no_content() -> Answer:
    return ConnexionResponse(status_code=204)


def ok(body: Any, status: int = 200) -> Response:
    """A JSON answer; the content type is named because each operation also declares
    application/problem+json for its errors. orjson writes UTF-8 as is (like `ensure_ascii=False`)
    and several times faster than `json.dumps` on a list page; money is already a string. The
    Starlette response is made here, as Connexion would make it of a ConnexionResponse (the same
    headers, in the same order), without that detour on every answer."""
    return Response(orjson.dumps(body), status, {"content-type": JSON})


class Handlers:
    """search / create / get / update / delete for one resource."""

    def __init__(self, resource: str, module: Resource) -> None:
        self.resource = resource
        self.module = module

    @classmethod
    def bind(cls, resource: str) -> tuple[Handler, Handler, Handler, Handler, Handler]:
        """The five handlers of `resource`, in operation order, for its api module."""
        from mock.domain.registry import RESOURCES

        h = cls(resource, RESOURCES[resource])
        # Bound methods as they are: `mock.operations` reads a handler's signature once.
        return h.search, h.create, h.get, h.update, h.delete

    def _view(self, ts: TenantStore, row: Any, *, detail: bool) -> dict[str, Any]:
        return ts.view(self.resource, row, detail, self.module.view)

    async def search(self, **params: Any) -> Answer:
        """RULE G-4: a keyset page of the tenant's rows, filtered and sorted."""
        ts = tenant()
        spec = self.module.SPEC
        # Connexion fills in limit's spec default (25), so per_page (its alias) only counts
        # when the client did not send limit itself; when both are sent, limit wins.
        sent = sent_query(scope)
        limit = params.get("limit") if "limit" in sent else params.get("per_page")
        limit = limit or G_4_DEFAULT_LIMIT
        if "limit_ignored" in ts.faults:  # FAULT
            limit = G_4_DEFAULT_LIMIT
        sort = params.get("sort") or spec.default_sort
        filters = {}
        for name, value in params.items():
            if name in PAGING or value is None or name not in spec.filters:
                continue
            convert = spec.filters[name].convert
            filters[name] = convert(value) if convert else canonical(name, value)
        if "filter_ignored" in ts.faults:  # FAULT
            filters = {}
        codec = ts.cursors
        bound_to = "" if "cursor_crosses_tenants" in ts.faults else ts.workspace_id  # FAULT
        binding = codec.binding(bound_to, self.resource, sort, filters)
        table = ts[self.resource]
        after = None
        if params.get("cursor"):
            try:
                position = codec.decode(params["cursor"], binding)
                after = Position(key=table.decode_key(sort, position.key), id=position.id)
            except (InvalidCursor, ValueError, TypeError) as exc:
                raise ApiProblem(400, "invalid_cursor", str(exc) or "the cursor is invalid",
                                 errors=[{"field": "cursor", "message": str(exc)}]) from None
        with ts.lock:
            rows, following = table.page(sort, filters, after, limit)
            data = [self._view(ts, row, detail=False) for row in rows]
            if "list_leaks_tenant" in ts.faults:  # FAULT: the other tenants' rows too
                data += [self._view(other, row, detail=False) for other in ts.others()
                         for row in other[self.resource].page(sort, {}, None, limit)[0]]
        return ok({"data": data,
                   "next_cursor": codec.encode(following, binding) if following else None})

    async def create(self, body: dict[str, Any]) -> Answer:
        ts = tenant()
        with ts.lock:
            row = self.module.create(ts, body)
            return ok(self._view(ts, row, detail=True), 201)

    async def get(self, id: str) -> Answer:
        ts = tenant()
        with ts.lock:
            if "get_ignores_tenant" in ts.faults:  # FAULT: look in every tenant
                for owner in (ts, *ts.others()):
                    if (row := owner[self.resource].get(id.lower())) is not None:
                        return ok(self._view(owner, row, detail=True))
            shown = self._view(ts, get_row(ts, self.resource, id), detail=True)
            if "detail_drops_workspace_id" in ts.faults:  # FAULT: not the list row's shape
                shown = {k: v for k, v in shown.items() if k != "workspace_id"}
            return ok(shown)

    async def update(self, id: str, body: dict[str, Any]) -> Answer:
        ts = tenant()
        with ts.lock:
            row = self.module.update(ts, get_row(ts, self.resource, id), body)
            if "patch_rewrites_created_at" in ts.faults:  # FAULT: a server-owned field moves
                ts[self.resource].update(row, {"created_at": row.updated_at})
            return ok(self._view(ts, row, detail=True))

    async def delete(self, id: str) -> Answer:
        """RULE G-10: 204, then 404 for the same id."""
        ts = tenant()
        with ts.lock:
            try:
                row = get_row(ts, self.resource, id)
            except NotFound:
                if "delete_twice_204" in ts.faults:  # FAULT
                    return no_content()
                raise
            self.module.delete(ts, row)
        return no_content()
