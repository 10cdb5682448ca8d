"""The split document as one file with its component schemas kept by name (``$ref``).

``contract.spec.load_spec`` resolves every ``$ref`` (what Connexion and the suites want); the
document served to people and tools (Postman, Insomnia, code generators) is *bundled*
instead: the files under ``spec/`` become one document whose ``$ref``s all point inside it
(``#/components/schemas/Payable``), so it stays small and its schemas keep their names.

A reference to a file node that the root registers under ``components`` becomes a local
reference to that name; any other file reference is inlined. prance's resolver can keep
internal references, but not turn references between files into named components, which is
the point here; the walk is short. The result is plain ``dict``/``list`` data with no shared
objects, so a YAML dump has no anchors or aliases.
"""

from __future__ import annotations

import copy
import functools
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import yaml

from contract.spec import SPEC_ROOT_FILE, spec_digest

__all__ = ["bundle"]

COMPONENT_KINDS = ("schemas", "parameters", "responses", "headers", "securitySchemes",
                   "requestBodies", "examples", "links")

Target = tuple[Path, str]  # (file, JSON pointer inside it)


@functools.cache
def _load(path: Path) -> Any:
    return yaml.safe_load(path.read_text(encoding="utf-8"))


def _pointer(document: Any, pointer: str) -> Any:
    node = document
    for part in [p for p in pointer.split("/") if p]:
        node = node[part.replace("~1", "/").replace("~0", "~")]
    return node


def _target(ref: str, base: Path) -> Target:
    file_part, _, pointer = ref.partition("#")
    path = (base.parent / file_part).resolve() if file_part else base
    return path, pointer


class _Bundler:
    def __init__(self, root: Path) -> None:
        self.root = root.resolve()
        self.document: dict[str, Any] = _load(self.root)
        # (file, pointer) of every component the root registers -> its local reference.
        self.named: dict[Target, str] = {}
        for kind in COMPONENT_KINDS:
            for name, node in self.document.get("components", {}).get(kind, {}).items():
                if isinstance(node, Mapping) and "$ref" in node:
                    self.named[_target(node["$ref"], self.root)] = f"#/components/{kind}/{name}"

    def walk(self, node: Any, base: Path, *, inlining: tuple[Target, ...] = ()) -> Any:
        if isinstance(node, list):
            return [self.walk(item, base, inlining=inlining) for item in node]
        if not isinstance(node, Mapping):
            return node
        ref = node.get("$ref")
        if isinstance(ref, str):
            target = _target(ref, base)
            if target in self.named:
                return {"$ref": self.named[target]}
            if target in inlining:
                raise ValueError(f"a reference cycle through an unnamed node: {ref} in {base}")
            value = _pointer(_load(target[0]), target[1])
            return self.walk(value, target[0], inlining=(*inlining, target))
        return {key: self.walk(value, base, inlining=inlining) for key, value in node.items()}

    def bundle(self) -> dict[str, Any]:
        out: dict[str, Any] = {}
        for key, value in self.document.items():
            if key == "components":
                continue
            out[key] = self.walk(value, self.root)
        components: dict[str, Any] = {}
        for kind, entries in self.document.get("components", {}).items():
            components[kind] = {}
            for name, node in entries.items():
                if isinstance(node, Mapping) and "$ref" in node:
                    path, pointer = _target(node["$ref"], self.root)
                    node = _pointer(_load(path), pointer)
                    components[kind][name] = self.walk(node, path)
                else:
                    components[kind][name] = self.walk(node, self.root)
        out["components"] = components
        return out


@functools.cache
def _bundled(digest: str) -> dict[str, Any]:
    del digest  # the cache key: a source file changed, bundle again
    _load.cache_clear()
    return _Bundler(SPEC_ROOT_FILE).bundle()


def bundle() -> dict[str, Any]:
    """The bundled document (a fresh deep copy: callers may change it)."""
    return copy.deepcopy(_bundled(spec_digest()))
