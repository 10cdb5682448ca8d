"""`python -m mock` as a user runs it: banner, tokens, the printed curl, Ctrl-C."""

from __future__ import annotations

import json
import shlex
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Iterator

import pytest

from conformance.targets import free_port
from mock.__main__ import parse_args


@pytest.fixture(scope="module")
def running_mock() -> Iterator[tuple[subprocess.Popen[str], list[str]]]:
    port = free_port()
    proc = subprocess.Popen([sys.executable, "-m", "mock", "--port", str(port)],
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    lines: list[str] = []
    assert proc.stdout is not None
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        line = proc.stdout.readline()
        lines.append(line.rstrip("\n"))
        if line.strip().startswith("curl"):
            break
    time.sleep(0.5)  # the banner is printed just before uvicorn binds
    yield proc, lines
    if proc.poll() is None:
        proc.kill()
        proc.wait()
    proc.stdout.close()


def test_banner_prints_url_and_three_tokens(running_mock: tuple[subprocess.Popen[str],
                                                                list[str]]) -> None:
    _, lines = running_mock
    text = "\n".join(lines)
    assert lines[0].startswith("Smart Finance mock listening on http://127.0.0.1:")
    assert lines[0].split()[5].endswith("/v1")
    jwt_lines = [line for line in lines if line.strip().startswith("eyJ")]
    assert len(jwt_lines) == 3
    assert all(line.strip().count(".") == 2 for line in jwt_lines)
    assert "Tenant A, read-only" in text


@pytest.mark.skipif(shutil.which("curl") is None, reason="curl is not installed")
def test_printed_curl_works_as_printed(running_mock: tuple[subprocess.Popen[str],
                                                           list[str]]) -> None:
    _, lines = running_mock
    command = next(line.strip() for line in lines if line.strip().startswith("curl"))
    for _ in range(50):
        done = subprocess.run(shlex.split(command), capture_output=True, text=True, timeout=10)
        if done.returncode == 0:
            break
        time.sleep(0.2)
    page = json.loads(done.stdout)
    assert len(page["data"]) == 2  # the demo workspace's two companies
    assert page["next_cursor"] is None


def test_ctrl_c_shuts_down_cleanly() -> None:
    port = free_port()
    proc = subprocess.Popen([sys.executable, "-m", "mock", "--port", str(port), "--no-seed"],
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    assert proc.stdout is not None
    while "curl" not in proc.stdout.readline():
        assert proc.poll() is None, "the mock exited before it was ready"
    time.sleep(1)
    proc.send_signal(signal.SIGINT)
    assert proc.wait(timeout=20) == 0
    assert "Traceback" not in proc.stdout.read()
    proc.stdout.close()


def test_options_and_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MOCK_JWT_SECRET", "s" * 64)
    args = parse_args(["--port", "9999", "--no-seed", "--no-admin"])
    assert (args.port, args.secret, args.no_seed, args.no_admin) == (9999, "s" * 64, True, True)
    with pytest.raises(SystemExit):
        parse_args(["--no-seed", "--seed-size", "10"])


def test_state_interval_is_said_to_be_ignored() -> None:
    """An option kept for old scripts is accepted, and the mock says it does nothing."""
    proc = subprocess.Popen([sys.executable, "-m", "mock", "--port", str(free_port()),
                             "--no-seed", "--state-interval", "5"],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    said: list[str] = []
    try:
        assert proc.stderr is not None
        while not said or "Uvicorn running" not in said[-1]:  # said before the server starts
            line = proc.stderr.readline()
            if not line:
                break
            said.append(line)
    finally:
        proc.kill()
        proc.communicate()
    assert any("--state-interval is ignored" in line for line in said), said
