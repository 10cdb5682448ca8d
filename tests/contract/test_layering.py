"""`contract/` is neutral ground: it imports none of the packages that import it."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import contract

PACKAGE = Path(contract.__file__).parent
USERS = ("mock", "conformance", "property_tests", "fixtures", "bench", "tests")


def test_no_contract_module_imports_a_user_of_it() -> None:
    offenders = []
    for path in sorted(PACKAGE.glob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            names = ([alias.name for alias in node.names] if isinstance(node, ast.Import)
                     else [node.module or ""] if isinstance(node, ast.ImportFrom) else [])
            offenders += [f"{path.name}: {name}" for name in names
                          if name.split(".")[0] in USERS]
    assert offenders == []


def test_importing_every_contract_module_loads_none_of_its_users() -> None:
    modules = sorted(f"contract.{p.stem}" for p in PACKAGE.glob("*.py") if p.stem != "__main__")
    code = (f"import sys\nimport {', '.join(modules)}\n"
            f"print(sorted({{m.split('.')[0] for m in sys.modules}} & {set(USERS)!r}))")
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                            check=True, cwd=PACKAGE.parent)
    assert result.stdout.strip() == "[]"
