"""One routing pass: the spec's operations in a tree of path segments, matched in one walk.

Connexion 3.3's `RoutingMiddleware` routes through Starlette: a `Mount` per API, then every
route's regular expression in turn (about a quarter of a GET's CPU in the mock, profiled).
`CompiledRouting` takes the same operations from Connexion — its `RoutingAPI` walks the spec,
resolves each operation and names its Starlette path — and files them by segment, so a request
costs one dictionary step per segment. It leaves the scope as Connexion's would (a shallow
copy with `path_params` and the `connexion_routing` extension) for the middlewares after it.

Anything the tree does not know — an unknown path, a known path with another method, a
trailing slash — goes through Connexion's own router, unchanged, with its own answers.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from connexion.middleware.abstract import ROUTING_CONTEXT
from connexion.middleware.routing import RoutingAPI, RoutingMiddleware, RoutingOperation
from connexion.spec import Specification
from starlette.types import Receive, Scope, Send

_PARAMETER = re.compile(r"^\{([A-Za-z_][A-Za-z0-9_]*)\}$")


@dataclass
class Node:
    """One path segment: literal children, at most one parameter child, operations by method."""

    literal: dict[str, Node] = field(default_factory=dict)
    parameter: tuple[str, Node] | None = None
    operations: dict[str, str] = field(default_factory=dict)  # method -> operation id


@dataclass(frozen=True, slots=True)
class Match:
    operation_id: str
    api_base_path: str
    path_params: dict[str, str]


class PathTree:
    """Operations by (method, path template); `match` walks a request path segment by segment.

    A template segment is a literal or a whole-segment parameter (`{id}`, Starlette's `str`
    convertor: one or more characters, no `/`), the only kind the spec uses; `add` refuses any
    other, so the tree can never answer differently from the router it stands in for."""

    def __init__(self) -> None:
        self.roots: dict[str, Node] = {}  # api base path -> its tree

    def add(self, base_path: str, template: str, method: str, operation_id: str) -> None:
        node = self.roots.setdefault(base_path, Node())
        for segment in template.strip("/").split("/"):
            name = _PARAMETER.match(segment)
            if name:
                if node.parameter is None:
                    node.parameter = (name.group(1), Node())
                elif node.parameter[0] != name.group(1):
                    raise ValueError(f"{template}: two parameter names at one segment")
                node = node.parameter[1]
            elif "{" in segment or "}" in segment or ":" in segment:
                raise ValueError(f"{template}: segment {segment!r} is not routed by the tree")
            else:
                node = node.literal.setdefault(segment, Node())
        if method in node.operations:
            raise ValueError(f"{method} {base_path}{template} is defined twice")
        node.operations[method] = operation_id

    def match(self, method: str, path: str) -> Match | None:
        for base_path, root in self.roots.items():
            if not path.startswith(base_path + "/"):
                continue
            node: Node | None = root
            params: dict[str, str] = {}
            for segment in path[len(base_path) + 1:].split("/"):
                if node is None or not segment:
                    return None
                child = node.literal.get(segment)
                if child is None and node.parameter is not None:
                    params[node.parameter[0]] = segment
                    child = node.parameter[1]
                node = child
            if node is None or method not in node.operations:
                return None
            return Match(node.operations[method], base_path, params)
        return None


class _TreeRoutingAPI(RoutingAPI):
    """Connexion's routing API for one spec, also filing each operation in the tree."""

    def __init__(self, specification: Specification, *, tree: PathTree, **kwargs: Any) -> None:
        self.tree = tree
        super().__init__(specification, **kwargs)

    def _add_operation_internal(self, method: str, path: str, operation: RoutingOperation,
                                name: str | None = None) -> None:
        super()._add_operation_internal(method, path, operation, name)
        if operation.operation_id is not None:
            self.tree.add(self.base_path, path, method.upper(), operation.operation_id)


class CompiledRouting(RoutingMiddleware):
    """`RoutingMiddleware` with the tree in front of Starlette's router (see the module)."""

    def __init__(self, app: Any) -> None:
        super().__init__(app)
        self.tree = PathTree()

    def add_api(self, specification: Specification, base_path: str | None = None,
                arguments: dict[str, Any] | None = None, **kwargs: Any) -> None:
        api = _TreeRoutingAPI(specification, tree=self.tree, base_path=base_path,
                              arguments=arguments, next_app=self.app, **kwargs)
        self.router.mount(api.base_path, app=api.router)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and not scope.get("root_path"):
            found = self.tree.match(scope["method"], scope["path"])
            if found is not None:
                routed = dict(scope)  # as Connexion's router hands on a copy
                routed.setdefault("path_params", {}).update(found.path_params)
                routed.setdefault("extensions", {}).setdefault(ROUTING_CONTEXT, {}).update(
                    api_base_path=found.api_base_path, operation_id=found.operation_id)
                await self.app(routed, receive, send)
                return
        await super().__call__(scope, receive, send)
