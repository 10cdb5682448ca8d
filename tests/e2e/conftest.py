"""End-to-end set-up: the tools the integrator's experience is tested with, installed on first
use (Debian's chromium through apt-get; newman, openapi-to-postmanv2 and Prism through npm
into `.cache/node`), and a running mock with the demo data.

A test skips, saying why, only where a tool cannot be had at all: no apt-get (or not root) for
chromium, no npm for the Node tools, no Playwright (the `e2e` extra) for the browser.
"""

from __future__ import annotations

import contextlib
import fcntl
import json
import os
import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest

from bench.servers import PRISM_PACKAGE, PRISM_VERSION
from conformance.targets import embedded_mock

ROOT = Path(__file__).resolve().parents[2]
CACHE = ROOT / ".cache"
NODE_DIR = CACHE / "node"
# Pinned: the round-trip is only as reproducible as the converter that makes the collection.
NODE_TOOLS = {"newman": "6.2.2", "openapi-to-postmanv2": "6.3.3"}
CHROMIUM_FLAGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                  "--disable-background-networking", "--disable-component-update",
                  "--disable-sync"]
INSTALL_TIMEOUT = 900


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", "e2e: drives real tools (chromium, newman) against a "
                                       "running mock; `make e2e`")


@contextlib.contextmanager
def install_lock(tool: str) -> Iterator[None]:
    """One installer of `tool` at a time across xdist workers (apt and npm both hate company);
    apt and npm themselves may run side by side."""
    CACHE.mkdir(exist_ok=True)
    with (CACHE / f"install-{tool}.lock").open("w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(lock, fcntl.LOCK_UN)


def _find_chromium() -> str | None:
    for candidate in (os.environ.get("CHROMIUM"), "chromium", "chromium-browser"):
        if candidate and (found := shutil.which(candidate)):
            return found
    return None


def _tail(text: str, lines: int = 15) -> str:
    return "\n".join(text.strip().splitlines()[-lines:])


@pytest.fixture(scope="session")
def chromium() -> str:
    """Debian's chromium, installed with apt-get when missing and apt is usable."""
    with install_lock("apt"):
        found = _find_chromium()
        if found:
            return found
        if shutil.which("apt-get") is None or os.geteuid() != 0:
            pytest.skip("chromium is not installed, and apt-get is not usable here (it needs "
                        "root): install it with `apt-get install -y chromium`")
        env = os.environ | {"DEBIAN_FRONTEND": "noninteractive"}
        for command in (["apt-get", "update", "-qq"], ["apt-get", "install", "-y", "-qq",
                                                        "chromium"]):
            done = subprocess.run(command, capture_output=True, text=True, env=env,
                                  timeout=INSTALL_TIMEOUT, check=False)
            if done.returncode != 0:
                pytest.skip(f"chromium could not be installed ({' '.join(command)} failed):\n"
                            f"{_tail(done.stdout + done.stderr)}")
        found = _find_chromium()
        if found is None:
            pytest.skip("apt-get installed chromium but no chromium binary is on PATH")
        return found


def _installed_version(package: str) -> str | None:
    manifest = NODE_DIR / "node_modules" / package / "package.json"
    try:
        return str(json.loads(manifest.read_text(encoding="utf-8"))["version"])
    except (OSError, ValueError, KeyError):
        return None


def npm_install(tools: dict[str, str]) -> Path:
    """`.cache/node/node_modules/.bin` holding `tools` (package: pinned version), installed
    with npm when missing; skips where npm is absent."""
    npm = shutil.which("npm")
    if npm is None or shutil.which("node") is None:
        pytest.skip(f"npm (Node.js) is not installed: {', '.join(tools)} need it")
    with install_lock("npm"):
        if any(_installed_version(p) != v for p, v in tools.items()):
            NODE_DIR.mkdir(parents=True, exist_ok=True)
            done = subprocess.run(
                [npm, "install", "--prefix", str(NODE_DIR), "--no-audit", "--no-fund",
                 "--loglevel=error", *(f"{p}@{v}" for p, v in tools.items())],
                capture_output=True, text=True, timeout=INSTALL_TIMEOUT, check=False)
            assert done.returncode == 0, f"npm install failed:\n{_tail(done.stdout + done.stderr)}"
    return NODE_DIR / "node_modules" / ".bin"


@pytest.fixture(scope="session")
def node_bin() -> Path:
    """`.cache/node/node_modules/.bin` holding the pinned newman and openapi2postmanv2."""
    return npm_install(NODE_TOOLS)


@pytest.fixture(scope="session")
def prism_bin() -> Path:
    """The pinned Prism (`bench.servers` pins it for the benchmark too), in `.cache/node`."""
    return npm_install({PRISM_PACKAGE: PRISM_VERSION}) / "prism"


@pytest.fixture(scope="module")
def mock_base() -> Iterator[str]:
    """A mock with the demo data on a free port (its /v1 URL); responses validated."""
    with embedded_mock(seed_demo=True) as base:
        yield base
