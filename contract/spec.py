"""The OpenAPI document of the API and the facts read from it, derived once, here.

``spec/openapi.yaml`` is the root of a document split over ``spec/paths/*.yaml`` and
``spec/components/*.yaml`` and joined with relative ``$ref``. :func:`load_spec`
resolves and validates it with prance (openapi-spec-validator backend) into one
plain ``dict`` with no ``$ref`` left; :func:`iter_operations` walks the operations of
that document or of any OpenAPI 3 document (a served one may keep local ``$ref``s);
``python -m contract.spec --out DIR`` writes the resolved document as
``DIR/openapi.json`` and ``DIR/openapi.yaml`` (what ``make spec`` runs).

The facts the mock and the suites share are read here and nowhere else: each
operation's ``x-required-scopes`` (RULE G-2, :attr:`Operation.required_scopes`), the
operations that take an ``Idempotency-Key`` (RULE G-5, :func:`idempotent_operations`),
the paging parameters (RULE G-4, :data:`PAGING`) and each list's sorts, default sort
and filters (:func:`list_operations`).

Parsing and validating with prance takes most of a second; the resolved document is therefore
kept as JSON in ``<repo>/.cache/spec/`` (git-ignored; ``MOCK_SPEC_CACHE`` names another
directory, ``MOCK_SPEC_CACHE=off`` turns it off), named by a hash of every source file under
``spec/`` and the prance version, so an edited file is parsed and validated again. Only what
prance accepted is ever written there.
"""

from __future__ import annotations

import argparse
import copy
import functools
import hashlib
import json
import os
import sys
import tempfile
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from importlib import metadata
from pathlib import Path
from typing import Any

import yaml

__all__ = [
    "HTTP_METHODS",
    "IDEMPOTENCY_HEADER",
    "PAGING",
    "SPEC_ROOT",
    "SPEC_ROOT_FILE",
    "ListOperation",
    "Operation",
    "dereference",
    "dump_yaml",
    "idempotent_operations",
    "iter_operations",
    "list_operations",
    "load_spec",
    "main",
    "resolve_ref",
    "write_bundle",
]

SPEC_ROOT: Path = Path(__file__).resolve().parent.parent / "spec"
"""The directory of the split document (``<repo>/spec``)."""

SPEC_ROOT_FILE: Path = SPEC_ROOT / "openapi.yaml"
"""The root file of the document."""

HTTP_METHODS: tuple[str, ...] = (
    "get",
    "put",
    "post",
    "delete",
    "options",
    "head",
    "patch",
    "trace",
)
"""The keys of an OpenAPI path item that are operations, in OpenAPI's order."""

PAGING: tuple[str, ...] = ("limit", "per_page", "cursor", "sort")
"""The query parameters of every list that page rather than filter (RULE G-4)."""

IDEMPOTENCY_HEADER = "Idempotency-Key"
"""The request header of an idempotent write (RULE G-5)."""


CACHE_FORMAT = 1
"""Bumped when what the cache holds changes meaning."""


def _sources(root: Path) -> list[Path]:
    """The files of the split document (``spec/build``, the bundle ``make spec`` writes, is
    output, not source)."""
    return sorted(p for p in root.rglob("*.y*ml") if "build" not in p.relative_to(root).parts)


def spec_digest(root: Path | None = None) -> str:
    """A hash of every source file of the document, their paths, and the prance version."""
    root = root or SPEC_ROOT
    digest = hashlib.sha256(f"format {CACHE_FORMAT} prance {metadata.version('prance')}\n"
                            .encode())
    for path in _sources(root):
        data = path.read_bytes()
        digest.update(f"{path.relative_to(root).as_posix()} {len(data)}\n".encode())
        digest.update(data)
    return digest.hexdigest()


def cache_dir() -> Path | None:
    """Where the resolved document is cached, or None when caching is off."""
    chosen = os.environ.get("MOCK_SPEC_CACHE", "")
    if chosen.lower() in ("off", "0", "no"):
        return None
    return Path(chosen) if chosen else SPEC_ROOT.parent / ".cache" / "spec"


def _parse() -> dict[str, Any]:
    # prance is imported lazily: it is slow to import and only needed here.
    from prance import ResolvingParser

    parser = ResolvingParser(str(SPEC_ROOT_FILE), backend="openapi-spec-validator")
    spec = parser.specification
    if not isinstance(spec, dict):  # pragma: no cover - prance always returns a dict
        raise TypeError(f"prance returned {type(spec).__name__}, expected dict")
    return spec


def _write_atomically(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=path.name, suffix=".tmp")
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(text)
        os.replace(tmp, path)  # readers see the whole file or none (xdist workers race here)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


@functools.cache
def _resolved() -> dict[str, Any]:
    """Parse, validate and fully resolve the document once per process (never mutate); from
    the cache when the sources are unchanged since prance last accepted them."""
    folder = cache_dir()
    cached = None if folder is None else folder / f"resolved-{spec_digest()}.json"
    if cached is not None:
        try:
            spec: dict[str, Any] = json.loads(cached.read_text(encoding="utf-8"))
            return spec
        except (OSError, ValueError):
            pass  # not there yet, or unreadable: parse
    spec = _parse()
    if cached is not None:
        try:
            _write_atomically(cached, json.dumps(spec, ensure_ascii=False))
            for stale in cached.parent.glob("resolved-*.json"):
                if stale != cached:
                    stale.unlink(missing_ok=True)
        except (OSError, TypeError, ValueError):
            pass  # a read-only checkout still works, only slower to start
    return spec


def load_spec() -> dict[str, Any]:
    """Return the resolved, validated OpenAPI document as a fresh ``dict``.

    The document is parsed, validated (openapi-spec-validator) and fully resolved
    once per process; every call returns a **deep copy** of that cached result, so
    callers may mutate what they get (Connexion does) without affecting anyone
    else. Callers that only read and call this in a hot loop should keep their
    own reference instead of calling again.

    Raises prance's ``ValidationError`` if the document is invalid.
    """
    return copy.deepcopy(_resolved())


@dataclass(frozen=True)
class Operation:
    """One operation of the document, as the suites and the mock see it.

    ``method`` is upper-case (``"GET"``); ``path`` is the path as written in the
    document, without the ``/v1`` base (``"/companies/{id}"``); ``resource`` is
    the first path segment (``"cost_centers"``); ``required_scopes`` comes from
    ``x-required-scopes`` (RULE G-2); ``op`` is the operation object itself and
    ``parameters`` the path item's and the operation's parameters merged, ``$ref``s
    followed (both excluded from equality and hashing).
    """

    method: str
    path: str
    operation_id: str
    resource: str
    required_scopes: tuple[str, ...]
    op: Mapping[str, Any] = field(compare=False, hash=False, repr=False)
    parameters: tuple[Mapping[str, Any], ...] = field(
        default=(), compare=False, hash=False, repr=False
    )

    @property
    def verb(self) -> str:
        """The handler name: the last dotted part of the operationId (``"search"``)."""
        return self.operation_id.rsplit(".", 1)[-1]

    @property
    def label(self) -> str:
        """``"GET /companies/{id}"``: how reports and messages name the operation."""
        return f"{self.method} {self.path}"

    @property
    def is_idempotent(self) -> bool:
        """It takes an ``Idempotency-Key`` header (RULE G-5)."""
        return any(p.get("in") == "header" and p.get("name") == IDEMPOTENCY_HEADER
                   for p in self.parameters)

    def query(self, name: str) -> Mapping[str, Any] | None:
        """The query parameter ``name``, if the operation has one."""
        return next((p for p in self.parameters
                     if p.get("in") == "query" and p.get("name") == name), None)


def resolve_ref(spec: Mapping[str, Any], node: Any) -> Any:
    """Follow local ``$ref``s (``#/components/...``); anything else is returned as is."""
    while isinstance(node, Mapping) and isinstance(node.get("$ref"), str):
        target: Any = spec
        for part in node["$ref"].removeprefix("#/").split("/"):
            target = target[part.replace("~1", "/").replace("~0", "~")]
        node = target
    return node


def dereference(spec: Mapping[str, Any], node: Any) -> Any:
    """`node` with every local ``$ref`` replaced, recursively, by what it points at (the
    bundled document's named components inlined again)."""
    node = resolve_ref(spec, node)
    if isinstance(node, list):
        return [dereference(spec, item) for item in node]
    if isinstance(node, Mapping):
        return {key: dereference(spec, value) for key, value in node.items()}
    return node


def iter_operations(spec: Mapping[str, Any]) -> Iterator[Operation]:
    """Yield every operation of an OpenAPI 3 document, in document order.

    Local ``$ref``s of path items, operations and parameters are followed (a resolved
    document has none); ``op`` is the operation object of ``spec`` itself (not a copy).
    Path-level and operation parameters are merged, the operation's winning by name and
    ``in``.
    """
    for path, raw_item in spec.get("paths", {}).items():
        item = resolve_ref(spec, raw_item)
        resource = path.strip("/").split("/", 1)[0]
        for method in HTTP_METHODS:
            op = resolve_ref(spec, item.get(method))
            if not isinstance(op, Mapping):
                continue
            merged: dict[tuple[str, str], Mapping[str, Any]] = {}
            for raw in (*item.get("parameters", ()), *op.get("parameters", ())):
                param = resolve_ref(spec, raw)
                merged[(str(param.get("name")), str(param.get("in")))] = param
            yield Operation(
                method=method.upper(),
                path=path,
                operation_id=str(op.get("operationId", "")),
                resource=resource,
                required_scopes=tuple(op.get("x-required-scopes", ())),
                op=op,
                parameters=tuple(merged.values()),
            )


def idempotent_operations(spec: Mapping[str, Any]) -> frozenset[str]:
    """The operationIds that take an ``Idempotency-Key`` header (RULE G-5)."""
    return frozenset(op.operation_id for op in iter_operations(spec) if op.is_idempotent)


@dataclass(frozen=True)
class ListOperation:
    """One ``GET /<resource>`` list (RULE G-4): its sorts (the ``sort`` enum, ``-field``
    descending), its default sort, and its filters (every other query parameter)."""

    operation: Operation
    sorts: tuple[str, ...]
    default_sort: str
    filters: tuple[str, ...]

    @property
    def resource(self) -> str:
        return self.operation.resource


def list_operations(spec: Mapping[str, Any]) -> dict[str, ListOperation]:
    """Every resource's list operation, by resource, in document order."""
    lists: dict[str, ListOperation] = {}
    for op in iter_operations(spec):
        if op.method != "GET" or op.path != f"/{op.resource}":
            continue
        sort = op.query("sort")
        schema = resolve_ref(spec, (sort or {}).get("schema", {}))
        lists[op.resource] = ListOperation(
            operation=op,
            sorts=tuple(schema.get("enum", ())),
            default_sort=str(schema.get("default", "")),
            filters=tuple(str(p["name"]) for p in op.parameters
                          if p.get("in") == "query" and p.get("name") not in PAGING),
        )
    return lists


class _NoAliasDumper(yaml.SafeDumper):
    """A safe dumper that repeats shared objects instead of writing YAML anchors (importers
    such as Postman's converter choke on aliases)."""

    def ignore_aliases(self, data: Any) -> bool:
        return True


def dump_yaml(document: Mapping[str, Any]) -> str:
    """YAML with no anchors or aliases, keys in document order."""
    return yaml.dump(dict(document), Dumper=_NoAliasDumper, sort_keys=False,
                     allow_unicode=True, width=100)


def write_bundle(out_dir: Path) -> tuple[Path, Path]:
    """Write the resolved document to ``out_dir/openapi.json`` and ``out_dir/openapi.yaml``."""
    spec = _resolved()
    out_dir.mkdir(parents=True, exist_ok=True)
    json_path, yaml_path = out_dir / "openapi.json", out_dir / "openapi.yaml"
    json_path.write_text(json.dumps(spec, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    yaml_path.write_text(dump_yaml(spec), encoding="utf-8")
    return json_path, yaml_path


def main(argv: Sequence[str] | None = None) -> int:
    """``python -m contract.spec --out DIR``: validate, resolve and write the bundle."""
    parser = argparse.ArgumentParser(
        prog="python -m contract.spec",
        description="Validate and bundle the OpenAPI document (spec/openapi.yaml) into one "
        "resolved file, as JSON and YAML.",
    )
    parser.add_argument("--out", type=Path, required=True, help="output directory")
    args = parser.parse_args(argv)
    json_path, yaml_path = write_bundle(args.out)
    count = sum(1 for _ in iter_operations(_resolved()))
    print(f"wrote {json_path} and {yaml_path} ({count} operations)", file=sys.stdout)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
