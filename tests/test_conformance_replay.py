"""A failure's printed curl, pasted into a shell with the two tokens exported, shows the failure
again: against the mock started (as a separate process, empty) with two named faults."""

from __future__ import annotations

import functools
import os
import re
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from conformance import runner
from conformance.targets import free_port
from contract.spec import load_spec
from fixtures import tokens

ROOT = Path(__file__).resolve().parents[1]
FAULTS = "payables_write_scope_unenforced,delete_twice_204"


@pytest.fixture
def faulty_mock() -> Iterator[str]:
    """`python -m mock --no-seed --faults …` on a free port; yields its /v1 URL."""
    port = free_port()
    process = subprocess.Popen(
        [sys.executable, "-m", "mock", "--no-seed", "--quiet", "--port", str(port),
         "--faults", FAULTS], cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    base = f"http://127.0.0.1:{port}/v1"
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                httpx.get(f"http://127.0.0.1:{port}/api/v1/openapi.json", timeout=2)
                break
            except httpx.HTTPError:
                if time.monotonic() > deadline or process.poll() is not None:
                    raise RuntimeError("the mock did not start") from None
                time.sleep(0.2)
        yield base
    finally:
        process.terminate()
        process.wait(timeout=20)


def reproductions(out: str) -> dict[str, str]:
    """check -> the shell text printed under `reproduce:` of its first failure."""
    found: dict[str, str] = {}
    check: str | None = None
    lines: list[str] = []
    inside = False
    for line in [*out.splitlines(), ""]:
        header = re.match(r"^\d+\. (\w+) — ", line)
        if header:
            check, lines, inside = header.group(1), [], False
        elif line.strip() == "reproduce:":
            inside = True
        elif inside and line.startswith("     "):
            lines.append(line[5:])
        elif inside:
            if check is not None and check not in found:
                found[check] = "\n".join(lines)
            inside = False
    return found


def test_a_printed_curl_replays_the_failure(faulty_mock: str, tmp_path: Path,
                                            monkeypatch: pytest.MonkeyPatch,
                                            capsys: pytest.CaptureFixture[str],
                                            no_finance_env: None) -> None:
    from conformance import __main__ as cli

    spec = load_spec()
    spec["paths"] = {p: item for p, item in spec["paths"].items() if p.startswith("/payables")}
    monkeypatch.setattr(cli, "run", functools.partial(runner.run, spec=spec))
    status = cli.main(["--base-url", faulty_mock, "--seed", "3", "--max-examples", "3",
                       "--checks", "scopes_enforced,delete_twice_is_404", "--phases", "examples",
                       "--junit-xml", str(tmp_path / "junit.xml")])
    out = capsys.readouterr().out
    assert status == 1, out
    shown = reproductions(out)
    assert {"scopes_enforced", "delete_twice_is_404"} <= set(shown), out
    env = {**os.environ, "FINANCE_TOKEN_A": tokens.mint_token(tokens.TENANT_A),
           "FINANCE_TOKEN_B": tokens.mint_token(tokens.TENANT_B),
           "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ.get('PATH', '')}"}
    for check, wanted in (("scopes_enforced", r"HTTP/1\.1 (?!403)\d{3}"),
                          ("delete_twice_is_404", r"HTTP/1\.1 204")):
        script = shown[check]
        assert "Bearer $FINANCE_TOKEN" in script and "[Filtered]" not in script
        curls = [line for line in script.splitlines() if line.startswith("curl ")]
        assert curls and len(curls) == len(set(curls))  # each curl once
        answer = subprocess.run(["bash", "-c", script], cwd=ROOT, env=env, capture_output=True,
                                text=True, timeout=60)
        statuses = re.findall(r"^HTTP/1\.1 \d{3}", answer.stdout, flags=re.M)
        assert statuses and re.match(wanted, statuses[-1]), (script, answer.stdout,
                                                             answer.stderr)
