"""mock.routing: the path tree, and that it routes every request as Connexion's router does."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest
from connexion.middleware.routing import RoutingMiddleware
from connexion.spec import Specification
from starlette.types import Receive, Scope, Send

from contract.spec import iter_operations, load_spec
from mock.routing import CompiledRouting, PathTree

ID = "0b8f9c1e-3f4a-4c5d-9e6f-7a8b9c0d1e2f"


def test_the_tree_matches_literals_and_whole_segment_parameters() -> None:
    tree = PathTree()
    tree.add("/v1", "/taxes", "GET", "list")
    tree.add("/v1", "/taxes/{id}", "GET", "get")
    tree.add("/v1", "/taxes/{id}", "PATCH", "update")
    tree.add("/v1", "/taxes/{id}/links", "POST", "link")
    tree.add("/v1", "/taxes/current", "GET", "current")
    listed = tree.match("GET", "/v1/taxes")
    assert listed is not None and (listed.operation_id, listed.api_base_path) == ("list", "/v1")
    found = tree.match("PATCH", f"/v1/taxes/{ID}")
    assert found is not None and (found.operation_id, found.path_params) == ("update", {"id": ID})
    current = tree.match("GET", "/v1/taxes/current")
    assert current is not None and current.operation_id == "current"  # a literal first
    link = tree.match("POST", "/v1/taxes/x/links")
    assert link is not None and link.path_params == {"id": "x"}
    for method, path in [("DELETE", "/v1/taxes"), ("GET", "/v1/taxes/"), ("GET", "/v1//taxes"),
                         ("GET", "/v2/taxes"), ("GET", "/v1/taxes/a/b"), ("GET", "/v1"),
                         ("GET", "/v1/nothing")]:
        assert tree.match(method, path) is None, (method, path)


@pytest.mark.parametrize("template", ["/a/{id:path}", "/a/x{id}", "/a/{id}.json"])
def test_the_tree_refuses_segments_it_would_not_route_like_starlette(template: str) -> None:
    with pytest.raises(ValueError, match="not routed by the tree"):
        PathTree().add("/v1", template, "GET", "op")


def test_the_tree_refuses_ambiguity() -> None:
    tree = PathTree()
    tree.add("/v1", "/a/{id}", "GET", "one")
    with pytest.raises(ValueError, match="two parameter names"):
        tree.add("/v1", "/a/{name}/b", "GET", "two")
    with pytest.raises(ValueError, match="defined twice"):
        tree.add("/v1", "/a/{id}", "GET", "three")


async def _route(middleware_cls: type[RoutingMiddleware], spec: Specification, method: str,
                 path: str) -> Any:
    """What the next app sees (routing extension and path parameters), or how the router
    answered without calling it."""
    seen: dict[str, Any] = {}

    async def next_app(scope: Scope, _receive: Receive, _send: Send) -> None:
        seen["routing"] = dict(scope["extensions"]["connexion_routing"])
        seen["path_params"] = dict(scope.get("path_params", {}))
        seen["path"] = scope["path"]

    sent: list[dict[str, Any]] = []

    async def send(message: Any) -> None:
        sent.append(message)

    async def receive() -> Any:
        return {"type": "http.request", "body": b""}

    router = middleware_cls(next_app)
    router.add_api(spec, base_path="/v1")
    scope = {"type": "http", "method": method, "path": path, "root_path": "",
             "query_string": b"", "headers": []}
    try:
        await router(scope, receive, send)
    except Exception as exc:  # Starlette's router raises for its 404/405 inside Connexion
        return ("raised", type(exc).__name__, getattr(exc, "status_code", None))
    return seen or ("answered", sent[0]["status"] if sent else None)


def _requests() -> list[tuple[str, str]]:
    spec = load_spec()
    requests = []
    for op in iter_operations(spec):
        path = "/v1" + op.path.replace("{id}", ID)
        requests += [(op.method, path), (op.method, path.upper().replace("/V1", "/v1")),
                     (op.method, path + "/"), (op.method, path.replace("/v1/", "/v1//"))]
    return [*requests, ("GET", "/v1/nothing"), ("PUT", f"/v1/taxes/{ID}"), ("GET", "/v1"),
            ("GET", "/v1/"), ("GET", "/other/taxes"), ("GET", "/v1/taxes/a%2Fb")]


def test_every_request_is_routed_as_connexion_routes_it() -> None:
    spec = Specification.load(load_spec())
    cases = _requests()
    assert len(cases) > 200

    async def both() -> list[tuple[Any, Any]]:
        return [(await _route(RoutingMiddleware, spec, m, p),
                 await _route(CompiledRouting, spec, m, p)) for m, p in cases]

    results = asyncio.run(both())
    for (method, path), (theirs, ours) in zip(cases, results, strict=True):
        assert ours == theirs, (method, path)
    routed = sum(isinstance(r[1], dict) for r in results)
    assert routed >= len(list(iter_operations(load_spec())))  # the tree did route requests
