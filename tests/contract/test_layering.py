"""The layering of the README's "Layout": `contract/` is neutral ground, the fixtures import
no implementation, and the suites import `mock` only to start it."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import pytest

import contract

ROOT = Path(contract.__file__).resolve().parent.parent
USERS = ("mock", "conformance", "property_tests", "fixtures", "bench", "tests")
# package -> the top-level packages of this project it must not import
FORBIDDEN = {
    "contract": set(USERS),
    "fixtures": {"mock", "conformance", "property_tests", "bench", "tests"},
    "mock": {"conformance", "property_tests", "bench", "tests"},
    "conformance": {"mock", "property_tests", "bench", "tests"},
    "property_tests": {"mock", "bench", "tests"},
}
# The suites import `mock` here only, to start it (the embedded default; the named faults).
STARTS_THE_MOCK = {"conformance/targets.py", "conformance/selfcheck.py"}


def imports(path: Path) -> set[str]:
    """The top-level packages a module imports (anywhere in it, lazy imports included)."""
    names: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names |= {alias.name.split(".")[0] for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            names.add(node.module.split(".")[0])
    return names


@pytest.mark.parametrize("package", sorted(FORBIDDEN))
def test_a_package_imports_only_what_the_layout_allows(package: str) -> None:
    offenders = []
    for path in sorted((ROOT / package).rglob("*.py")):
        relative = path.relative_to(ROOT).as_posix()
        wrong = imports(path) & FORBIDDEN[package]
        if relative in STARTS_THE_MOCK:
            wrong -= {"mock"}
        offenders += [f"{relative}: {name}" for name in sorted(wrong)]
    assert offenders == []


def test_importing_every_contract_module_loads_none_of_its_users() -> None:
    package = ROOT / "contract"
    modules = sorted(f"contract.{p.stem}" for p in package.glob("*.py") if p.stem != "__main__")
    code = (f"import sys\nimport {', '.join(modules)}\n"
            f"print(sorted({{m.split('.')[0] for m in sys.modules}} & {set(USERS)!r}))")
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                            check=True, cwd=ROOT)
    assert result.stdout.strip() == "[]"
