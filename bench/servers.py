"""The servers under load, each a subprocess on a free loopback port with one uvicorn worker
(or Prism's node process): started, waited for, and stopped by the id they were given.

- `mock`: `python -m mock --port P --no-seed` (its defaults otherwise: the request log goes to
  a file in bench/out/logs/), then seeded over `POST /__mock/seed`;
- `starlette`: `python -m bench.starlette_app` (the plain floor: the least a Python server on
  the same uvicorn must do);
- `connexion`: `python -m bench.reference_app` (bare Connexion on the same spec, no logic);
- `prism`: `@stoplight/prism-cli`, pinned, npm-installed into `bench/.cache/prism`
  (git-ignored), mocking the bundled spec (`python -m contract.spec --out …`) with `-v error`.

The two Python references are started on the event loop the mock runs on (`runtime` reads it
from the process's memory map), so the ratios compare apps, not loops.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

import httpx

from bench import CACHE_DIR, ROOT
from conformance.targets import free_port, stop_process

PRISM_PACKAGE = "@stoplight/prism-cli"
PRISM_VERSION = "5.14.2"
READY_TIMEOUT = 90.0


@dataclass
class Server:
    """A started server: its name, API root URL (`…/v1`, or the bare root for Prism) and
    process. `stop()` ends that process (and its own process group), nothing else."""

    name: str
    api_url: str
    root_url: str
    proc: subprocess.Popen[bytes]
    log_path: Path | None = None
    python: bool = True  # a uvicorn server (Prism is node)

    @property
    def pid(self) -> int:
        """The server's process id (also its process group: it runs in its own session)."""
        return self.proc.pid

    def cpu_seconds(self) -> float | None:
        """User + system CPU seconds of every live process in this server's process group."""
        return group_cpu_seconds(self.proc.pid)

    def runtime(self) -> Runtime:
        """The event loop and HTTP parser this server's process runs (Python servers)."""
        return runtime(self.proc.pid)

    def stop(self) -> None:
        stop_process(self.proc, group=True)  # its own session: its process group is its pid


Loop = Literal["uvloop", "asyncio"]
LOOP_CHOICES = ("auto", "uvloop", "asyncio")  # `--loop` of the references: uvicorn's names


@dataclass(frozen=True)
class Runtime:
    """What serves a Python server's requests: uvicorn's event loop and HTTP parser, as loaded
    in its process (None: not readable, e.g. not Linux)."""

    loop: Loop | None
    http: Literal["httptools", "h11"] | None

    def to_json(self) -> dict[str, str | None]:
        return {"loop": self.loop, "http": self.http}


def runtime(pid: int) -> Runtime:
    """The loop and parser of a running Python server, from the shared objects mapped into
    it (`/proc/PID/maps`): uvicorn imports uvloop and httptools only when it uses them."""
    try:
        maps = Path(f"/proc/{pid}/maps").read_text()
    except OSError:
        return Runtime(None, None)
    return Runtime("uvloop" if "/uvloop/loop." in maps else "asyncio",
                   "httptools" if "/httptools/parser/" in maps else "h11")


_TICKS = os.sysconf("SC_CLK_TCK") if hasattr(os, "sysconf") else 100


def group_cpu_seconds(pgid: int) -> float | None:
    """utime + stime of the processes whose process group is `pgid` (Linux /proc; None
    elsewhere). The server runs in its own session, so that is the server and its children."""
    proc = Path("/proc")
    if not proc.is_dir():
        return None
    ticks = 0
    for stat in proc.glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except (OSError, IndexError):
            continue  # gone meanwhile
        if int(fields[2]) == pgid:
            ticks += int(fields[11]) + int(fields[12])
    return ticks / _TICKS


def _spawn(argv: list[str], log_path: Path | None) -> subprocess.Popen[bytes]:
    log = open(log_path, "wb") if log_path else subprocess.DEVNULL  # noqa: SIM115
    try:
        return subprocess.Popen(argv, cwd=ROOT, stdout=log, stderr=subprocess.STDOUT,
                                stdin=subprocess.DEVNULL, start_new_session=True)
    finally:
        if log_path:
            log.close()  # type: ignore[union-attr]


def wait_ready(url: str, proc: subprocess.Popen[bytes], *, timeout: float = READY_TIMEOUT,
               want: int | None = None, interval: float = 0.02) -> float:
    """Poll `url` until it answers (with `want`, if given); returns the seconds it took."""
    start = time.perf_counter()
    deadline = start + timeout
    with httpx.Client(timeout=2.0) as client:
        while time.perf_counter() < deadline:
            if proc.poll() is not None:
                raise RuntimeError(f"server exited ({proc.returncode}) before {url} answered")
            try:
                response = client.get(url)
            except httpx.HTTPError:
                time.sleep(interval)
                continue
            if want is None or response.status_code == want:
                return time.perf_counter() - start
            time.sleep(interval)
    raise TimeoutError(f"{url} did not answer within {timeout:.0f} s")


def start_mock(*, seed_demo: bool = False, log_path: Path | None = None,
               extra: tuple[str, ...] = ()) -> Server:
    """`python -m mock` on a free port (empty unless `seed_demo`), once /__mock/health is 200."""
    port = free_port()
    argv = [sys.executable, "-m", "mock", "--port", str(port), *extra]
    if not seed_demo:
        argv.append("--no-seed")
    root = f"http://127.0.0.1:{port}"
    server = Server("mock", f"{root}/v1", root, _spawn(argv, log_path), log_path)
    try:
        wait_ready(f"{root}/__mock/health", server.proc, want=200)
    except BaseException:
        server.stop()
        raise
    return server


def seed_mock(server: Server, body: dict[str, Any], *, timeout: float = 600.0) -> dict[str, Any]:
    """`POST /__mock/seed` (the demo, or `rows` of a large resource) and return its answer."""
    response = httpx.post(f"{server.root_url}/__mock/seed", json=body, timeout=timeout)
    if response.status_code != 200:
        raise RuntimeError(f"seeding {body} failed: {response.status_code} {response.text}")
    answer: dict[str, Any] = response.json()
    return answer


def start_starlette(bodies_path: Path, ids_path: Path, *, loop: str = "auto",
                    log_path: Path | None = None) -> Server:
    """The plain Starlette floor (`python -m bench.starlette_app`), once it answers (401
    without a token)."""
    return _start_python("starlette", "bench.starlette_app",
                         ["--bodies", str(bodies_path), "--ids", str(ids_path), "--loop", loop],
                         log_path)


def start_connexion(bodies_path: Path, *, loop: str = "auto",
                    log_path: Path | None = None) -> Server:
    """Bare Connexion on the spec (`python -m bench.reference_app`), once it answers (401
    without a token)."""
    return _start_python("connexion", "bench.reference_app",
                         ["--bodies", str(bodies_path), "--loop", loop], log_path)


def _start_python(name: str, module: str, args: list[str], log_path: Path | None) -> Server:
    port = free_port()
    argv = [sys.executable, "-m", module, "--port", str(port), *args]
    root = f"http://127.0.0.1:{port}"
    server = Server(name, f"{root}/v1", root, _spawn(argv, log_path), log_path)
    try:
        wait_ready(f"{root}/v1/transactions", server.proc, want=401)
    except BaseException:
        server.stop()
        raise
    return server


# --- Prism ----------------------------------------------------------------------------------


def prism_dir() -> Path:
    """Where Prism is npm-installed (`bench/.cache/prism`, git-ignored)."""
    return CACHE_DIR / "prism"


def prism_bin() -> Path:
    """Prism's command-line entry point inside `prism_dir()`."""
    return prism_dir() / "node_modules" / ".bin" / "prism"


def installed_prism_version() -> str | None:
    """The version of Prism in `prism_dir()`, or None when it is not installed."""
    manifest = prism_dir() / "node_modules" / "@stoplight" / "prism-cli" / "package.json"
    try:
        version: str = json.loads(manifest.read_text())["version"]
    except (OSError, ValueError, KeyError):
        return None
    return version


def ensure_prism(log: Any = print) -> Path | None:
    """Prism's binary, npm-installing the pinned version on first use; None without npx/npm
    (or when the install fails: the run goes on without Prism and says so)."""
    if installed_prism_version() == PRISM_VERSION and prism_bin().exists():
        return prism_bin()
    npm = shutil.which("npm")
    if not shutil.which("npx") or not npm:
        log("bench: npx/npm not found: Prism is skipped")
        return None
    prism_dir().mkdir(parents=True, exist_ok=True)
    log(f"bench: installing {PRISM_PACKAGE}@{PRISM_VERSION} into {prism_dir()} …")
    try:
        proc = subprocess.run(
            [npm, "install", "--prefix", str(prism_dir()), "--no-audit", "--no-fund",
             "--loglevel=error", f"{PRISM_PACKAGE}@{PRISM_VERSION}"],
            capture_output=True, text=True, timeout=600, check=False,
        )
    except subprocess.TimeoutExpired:
        log("bench: npm install of Prism timed out: Prism is skipped")
        return None
    if proc.returncode != 0 or not prism_bin().exists():
        log(f"bench: npm install of Prism failed: Prism is skipped\n{proc.stderr[-1500:]}")
        return None
    return prism_bin()


def bundle_spec(out_dir: Path) -> Path:
    """The resolved spec in one file (`python -m contract.spec --out DIR`), for Prism."""
    subprocess.run([sys.executable, "-m", "contract.spec", "--out", str(out_dir)], cwd=ROOT,
                   check=True, timeout=300, capture_output=True)
    return out_dir / "openapi.yaml"


def start_prism(binary: Path, spec_path: Path, *, log_path: Path | None = None) -> Server:
    """Prism serves the spec's paths without the server's `/v1`: its API root is the bare root."""
    port = free_port()
    argv = [str(binary), "mock", "-h", "127.0.0.1", "-p", str(port), "-v", "error",
            str(spec_path)]
    root = f"http://127.0.0.1:{port}"
    server = Server("prism", root, root, _spawn(argv, log_path), log_path, python=False)
    try:
        wait_ready(f"{root}/taxes", server.proc, timeout=120.0, interval=0.2)
    except BaseException:
        server.stop()
        raise
    return server
