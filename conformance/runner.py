"""`run(target) -> Report`: Schemathesis over every operation of the spec, against any target.

The runner assumes nothing about the implementation: it reads the OpenAPI document the target
serves (`/api/v1/openapi.json`; the repository's own `spec/` when the target serves none), and
speaks to it only over HTTP. One run is:

1. the spec, and the facts the custom checks need from it (`RunContext`);
2. a Schemathesis config: `conformance/schemathesis.toml` plus the target (base URL, the two
   tenants as WFC identities, seed, budget, workers) and, in production, GET only;
3. the schema, given the run's guarded transport (`conformance/transport.py`);
4. the engine's phases — examples, coverage, fuzzing, stateful — with every built-in check and
   the custom ones (`conformance/checks.py`), folded into a `Report`;
5. in sandbox mode, finally, the deletion of everything the run created.
"""

from __future__ import annotations

import json
import secrets
import tempfile
import tomllib
from collections.abc import Callable, Collection, Mapping
from pathlib import Path
from typing import Any

import httpx
import schemathesis
from schemathesis.checks import CHECKS, load_all_checks
from schemathesis.engine import events, from_schema

from conformance import applicability
from conformance import checks as custom_checks
from conformance.context import RunContext
from conformance.graph import Graph
from conformance.graph import install as install_graph
from conformance.replay import Replayer
from conformance.report import Report, ReportBuilder
from conformance.targets import Target
from conformance.transport import CreatedRows, GuardedTransport, install
from contract.spec import HTTP_METHODS

__all__ = ["CONFIG_FILE", "DEFAULT_MAX_EXAMPLES", "SPEC_PATH", "fetch_spec", "load_spec", "run"]

CONFIG_FILE = Path(__file__).with_name("schemathesis.toml")
SPEC_PATH = "/api/v1/openapi.json"
DEFAULT_MAX_EXAMPLES = 50
IDENTITIES = ("tenant_a", "tenant_b")
# Checks that send methods the spec does not list: never against production.
WRITING_CHECKS = ("unsupported_method",)
PHASES = ("examples", "coverage", "fuzzing", "stateful")  # Schemathesis's, all on by default


def fetch_spec(target: Target, *, timeout: float = 10.0) -> tuple[dict[str, Any], str]:
    """The OpenAPI document the target serves, or the repository's own when it serves none;
    and which of the two it is, in words."""
    try:
        answer = httpx.get(target.root_url + SPEC_PATH, timeout=timeout)
        document = answer.json() if answer.status_code == 200 else None
    except (httpx.HTTPError, ValueError):
        document = None
    if isinstance(document, dict) and "openapi" in document:
        return document, f"the spec the target serves at {SPEC_PATH}"
    from contract.spec import load_spec as load_repository_spec  # the spec/ of this repository

    return load_repository_spec(), f"this repository's spec/ (the target serves none at " \
                                   f"{SPEC_PATH})"


def load_spec(target: Target, *, timeout: float = 10.0) -> dict[str, Any]:
    """The OpenAPI document the target serves, or the repository's own when it serves none."""
    return fetch_spec(target, timeout=timeout)[0]


def _config(target: Target, *, wfc_file: Path, seed: int, max_examples: int,
            workers: int, checks: Collection[str],
            phases: Collection[str] = PHASES) -> dict[str, Any]:
    config = tomllib.loads(CONFIG_FILE.read_text(encoding="utf-8"))
    for phase in set(PHASES) - set(phases):
        config.setdefault("phases", {}).setdefault(phase, {})["enabled"] = False
    for name in set(check_names()) - set(checks):
        config.setdefault("checks", {}).setdefault(name, {})["enabled"] = False
    config.update({"base-url": target.base_url, "seed": seed, "workers": workers})
    config.setdefault("generation", {})["max-examples"] = max_examples
    config.setdefault("auth", {})["wfc"] = {
        "path": str(wfc_file), "user": IDENTITIES[0], "peers": list(IDENTITIES)}
    if target.mode == "production":
        for name in WRITING_CHECKS:
            config.setdefault("checks", {}).setdefault(name, {})["enabled"] = False
        config.setdefault("phases", {}).setdefault("coverage", {})["unexpected-methods"] = []
    return config


def _allowed(document: Mapping[str, Any], target: Target) -> dict[str, Any]:
    """The document without the operations the target's mode forbids (production: writes).

    Cutting them from the document, not just filtering them, leaves no link, inferred
    transition or example that could lead Schemathesis to one; the transport guard stays the
    last line.
    """
    paths: dict[str, Any] = {}
    for path, item in document.get("paths", {}).items():
        kept = {key: value for key, value in item.items()
                if key not in HTTP_METHODS or target.allows(key)}
        if any(key in HTTP_METHODS for key in kept):
            paths[path] = kept
    return {**document, "paths": paths}


def _write_identities(target: Target, directory: Path) -> Path:
    """The Web Fuzzing Commons auth document naming the two tenants (private to this run)."""
    path = directory / "identities.json"
    entries = [{"name": name, "fixedHeaders": [{"name": "Authorization",
                                                "value": f"Bearer {token}"}]}
               for name, token in zip(IDENTITIES, (target.token_a, target.token_b), strict=True)]
    path.write_text(json.dumps({"auth": entries}), encoding="utf-8")
    path.chmod(0o600)
    return path


def check_names() -> list[str]:
    """Every check a run applies: Schemathesis's built-ins, then ours."""
    load_all_checks()
    names = [check.__name__ for check in CHECKS.get_all() if not isinstance(check, type)]
    ours = list(custom_checks.CUSTOM_CHECKS)
    return [name for name in names if name not in ours] + ours


def run(
    target: Target,
    *,
    seed: int | None = None,
    max_examples: int = DEFAULT_MAX_EXAMPLES,
    workers: int = 1,
    spec: Mapping[str, Any] | None = None,
    on_event: Callable[[events.EngineEvent], None] | None = None,
    only: Collection[str] | None = None,
    allow_gaps: bool = False,
    replay_dir: Path | None = None,
    build_graph: bool = True,
    phases: Collection[str] = PHASES,
) -> Report:
    """Run every phase and check (or `only` these checks) against `target`; never raises for
    what the target does."""
    seed = secrets.randbelow(2**31) if seed is None else seed
    document = dict(spec) if spec is not None else load_spec(target)
    context = RunContext.from_spec(target, document)
    ledger = CreatedRows() if target.mode == "sandbox" else None
    allowed = [f for f in context.operations.values() if target.allows(f.method)]
    operations = [f.label for f in allowed]
    checks = [name for name in check_names() if only is None or name in only]
    report = Report(base_url=target.base_url, mode=target.mode, seed=seed,
                    max_examples=max_examples, operations=operations, checks=checks,
                    expected=applicability.expected(checks, allowed),
                    needs={name: applicability.needs(name) for name in checks},
                    allow_gaps=allow_gaps)
    replayer = Replayer(target, replay_dir or Path("conformance-replays"))
    replayer.all_scopes = set(context.all_scopes)
    builder = ReportBuilder(report, replayer)
    graph = Graph(target, seed, on_create=ledger.add if ledger is not None else None)
    try:
        if target.mode == "production":
            report.graph.append("not built (production is read-only): item reads, scopes "
                                "and tenant isolation are exercised only on rows that "
                                "already exist, and no write is exercised at all")
        elif build_graph:
            graph.build()
            built = sum(len(rows) for rows in graph.rows.values())
            report.graph.append(f"{built} rows built through the API in 2 tenants")
        report.graph += graph.problems
        with tempfile.TemporaryDirectory(prefix="conformance-") as tmp:
            config = schemathesis.Config.from_dict(_config(
                target, wfc_file=_write_identities(target, Path(tmp)), seed=seed,
                max_examples=max_examples, workers=workers, checks=checks, phases=phases))
            schema = schemathesis.openapi.from_dict(_allowed(document, target), config=config)
            install(schema, context, GuardedTransport(
                target, ledger, on_created=graph.record if graph.rows else None))
            if graph.rows:
                install_graph(schema, graph)
            stream = from_schema(schema).execute()
            try:
                for event in stream:
                    builder.feed(event)
                    if on_event is not None:
                        on_event(event)
            except BaseException:  # Ctrl-C: let the workers finish before cleaning up after them
                stream.stop()
                for _ in stream:
                    pass
                raise
    finally:
        graph.close()
        if ledger is not None:
            report.created = len(ledger.created)
            report.leftovers = ledger.clean_up(context)
    report.graph += [p for p in graph.problems if p not in report.graph]
    report.skipped.update(context.skipped)
    return report
