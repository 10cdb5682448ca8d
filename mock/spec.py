"""The OpenAPI document of the API: load it resolved, walk its operations, bundle it.

``spec/openapi.yaml`` is the root of a document split over ``spec/paths/*.yaml`` and
``spec/components/*.yaml`` and joined with relative ``$ref``. :func:`load_spec`
resolves and validates it with prance (openapi-spec-validator backend) into one
plain ``dict`` with no ``$ref`` left; :func:`iter_operations` walks its 50
operations; ``python -m mock.spec --out DIR`` writes the resolved document as
``DIR/openapi.json`` and ``DIR/openapi.yaml`` (what ``make spec`` runs).

Every operation carries ``x-required-scopes`` (RULE G-2): the machine-readable
scope the suites test it with, exposed here as :attr:`Operation.required_scopes`.
"""

from __future__ import annotations

import argparse
import copy
import functools
import json
import sys
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

__all__ = [
    "HTTP_METHODS",
    "SPEC_ROOT",
    "SPEC_ROOT_FILE",
    "Operation",
    "iter_operations",
    "load_spec",
    "main",
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


@functools.cache
def _resolved() -> dict[str, Any]:
    """Parse, validate and fully resolve the document once per process (never mutate)."""
    # prance is imported lazily: it is slow to import and only needed here.
    from prance import ResolvingParser

    parser = ResolvingParser(str(SPEC_ROOT_FILE), backend="openapi-spec-validator")
    spec = parser.specification
    if not isinstance(spec, dict):  # pragma: no cover - prance always returns a dict
        raise TypeError(f"prance returned {type(spec).__name__}, expected dict")
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
    ``x-required-scopes`` (RULE G-2); ``op`` is the operation object itself
    (excluded from equality and hashing).
    """

    method: str
    path: str
    operation_id: str
    resource: str
    required_scopes: tuple[str, ...]
    op: Mapping[str, Any] = field(compare=False, hash=False, repr=False)
    path_parameters: tuple[Mapping[str, Any], ...] = field(
        default=(), compare=False, hash=False, repr=False
    )

    @property
    def verb(self) -> str:
        """The handler name: the last dotted part of the operationId (``"search"``)."""
        return self.operation_id.rsplit(".", 1)[-1]

    @property
    def parameters(self) -> list[Mapping[str, Any]]:
        """Path-level and operation parameters merged (the operation's win, by name and ``in``)."""
        merged: dict[tuple[str, str], Mapping[str, Any]] = {}
        for param in (*self.path_parameters, *self.op.get("parameters", ())):
            merged[(param["name"], param["in"])] = param
        return list(merged.values())


def iter_operations(spec: Mapping[str, Any]) -> Iterator[Operation]:
    """Yield every operation of a *resolved* document, in document order.

    ``op`` is the operation object of ``spec`` itself (not a copy); the path
    item's own ``parameters`` (the ``{id}`` of item paths) are kept in
    :attr:`Operation.path_parameters`, and :attr:`Operation.parameters` merges both.
    """
    for path, item in spec["paths"].items():
        path_params = tuple(item.get("parameters", ()))
        resource = path.strip("/").split("/", 1)[0]
        for method in HTTP_METHODS:
            op = item.get(method)
            if op is None:
                continue
            yield Operation(
                method=method.upper(),
                path=path,
                operation_id=str(op.get("operationId", "")),
                resource=resource,
                required_scopes=tuple(op.get("x-required-scopes", ())),
                op=op,
                path_parameters=path_params,
            )


class _NoAliasDumper(yaml.SafeDumper):
    """A safe dumper that repeats shared objects instead of writing YAML anchors."""

    def ignore_aliases(self, data: Any) -> bool:
        return True


def write_bundle(out_dir: Path) -> tuple[Path, Path]:
    """Write the resolved document to ``out_dir/openapi.json`` and ``out_dir/openapi.yaml``."""
    spec = _resolved()
    out_dir.mkdir(parents=True, exist_ok=True)
    json_path, yaml_path = out_dir / "openapi.json", out_dir / "openapi.yaml"
    json_path.write_text(json.dumps(spec, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    yaml_path.write_text(
        yaml.dump(spec, Dumper=_NoAliasDumper, sort_keys=False, allow_unicode=True, width=100),
        encoding="utf-8",
    )
    return json_path, yaml_path


def main(argv: Sequence[str] | None = None) -> int:
    """``python -m mock.spec --out DIR``: validate, resolve and write the bundle."""
    parser = argparse.ArgumentParser(
        prog="python -m mock.spec",
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
