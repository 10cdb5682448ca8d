"""docs/ci.md cannot rot: its commands are the ones both CI jobs run, and they work.

The commands are run as printed, in a shell, against the embedded mock (no FINANCE_BASE_URL),
with small budgets given through the environment only: the examples phase alone for the
conformance run (whose gaps are then accepted), and the delete test of one resource for the
property tests.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path
from xml.etree import ElementTree

ROOT = Path(__file__).resolve().parents[1]
DOC = ROOT / "docs" / "ci.md"


def commands() -> list[str]:
    text = DOC.read_text(encoding="utf-8")
    block = re.search(r"<!-- ci-commands[^>]*-->\s*```sh\n(.*?)```", text, flags=re.S)
    assert block, "docs/ci.md lost its marked block of commands"
    return [line for line in block.group(1).splitlines() if line.strip()]


def yaml_blocks() -> list[str]:
    return re.findall(r"```yaml\n(.*?)```", DOC.read_text(encoding="utf-8"), flags=re.S)


def test_both_ci_jobs_run_the_documented_commands() -> None:
    blocks = yaml_blocks()
    assert len(blocks) == 2  # GitHub Actions, GitLab CI
    for block in blocks:
        for command in commands():
            assert command in block, (command, block)
        assert "junit" in block.lower()


def test_the_documented_commands_work(tmp_path: Path) -> None:
    workdir = tmp_path / "job"
    workdir.mkdir()
    for entry in ROOT.iterdir():  # the job's checkout: the repository...
        if entry.name not in ("reports", ".git", ".venv"):
            (workdir / entry.name).symlink_to(entry)
    venv = workdir / ".venv"  # ...and its installed .venv (a stamp newer than pyproject.toml)
    venv.mkdir()
    for entry in (ROOT / ".venv").iterdir():
        if entry.name != ".installed":
            (venv / entry.name).symlink_to(entry)
    (venv / ".installed").touch()
    env = {key: value for key, value in os.environ.items()
           if not key.startswith(("FINANCE_", "PYTEST_"))}
    env.update({"FINANCE_MAX_EXAMPLES": "1", "FINANCE_PHASES": "examples",
                "FINANCE_ALLOW_GAPS": "1", "PYTEST_ADDOPTS": "-k 'test_delete and taxes' -n 0",
                "PATH": f"{Path(sys.executable).parent}{os.pathsep}{env.get('PATH', '')}"})
    script = "set -e\n" + "\n".join(commands())
    done = subprocess.run(["bash", "-c", script], cwd=workdir, env=env, capture_output=True,
                          text=True, timeout=900)
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    for name in ("conformance.xml", "property-tests.xml"):
        root = ElementTree.parse(workdir / "reports" / name).getroot()
        suites = [root] if root.tag == "testsuite" else list(root.iter("testsuite"))
        assert sum(int(s.get("tests") or 0) for s in suites) > 0
