"""The target under test and its safety modes.

Both suites (`python -m conformance`, `pytest property_tests`) take their target from here:
options or the environment (`FINANCE_BASE_URL`, `FINANCE_TOKEN_A`, `FINANCE_TOKEN_B`,
`FINANCE_JWT_SECRET`, `FINANCE_MODE`). With no base URL, the mock is started on a free loopback
port in this process and stopped afterwards: that is the embedded default.

Modes: `mock` (everything), `sandbox` (writes allowed; what a run creates is deleted at the
end), `production` (GET only; a write is refused before it is sent). A non-local host without
an explicit mode is `production`.
"""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import subprocess
import threading
import time
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, replace
from typing import Any, Literal
from urllib.parse import urlsplit

from fixtures import tokens

Mode = Literal["mock", "sandbox", "production"]
MODES: tuple[Mode, ...] = ("mock", "sandbox", "production")
LOCAL_HOSTS = {"127.0.0.1", "localhost", "::1", "[::1]"}
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


class UnsafeRequest(RuntimeError):
    """A write was about to be sent to a production target; it was not sent."""


@dataclass(frozen=True)
class TargetConfig:
    """What the user asked for; `resolve()` turns it into a live `Target`."""

    base_url: str | None = None
    token_a: str | None = None
    token_b: str | None = None
    secret: str | None = None
    mode: Mode | None = None

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None, **overrides: str | None
                 ) -> TargetConfig:
        env = os.environ if env is None else env
        config = cls(
            base_url=env.get("FINANCE_BASE_URL") or None,
            token_a=env.get("FINANCE_TOKEN_A") or None,
            token_b=env.get("FINANCE_TOKEN_B") or None,
            secret=env.get("FINANCE_JWT_SECRET") or None,
            mode=_mode(env.get("FINANCE_MODE") or None),
        )
        given: dict[str, Any] = {k: v for k, v in overrides.items() if v is not None}
        if "mode" in given:
            given["mode"] = _mode(given["mode"])
        return replace(config, **given)


def _mode(value: str | None) -> Mode | None:
    if value is None:
        return None
    if value not in MODES:
        raise ValueError(f"mode must be one of {', '.join(MODES)}, not {value!r}")
    return value


def is_local(base_url: str) -> bool:
    return (urlsplit(base_url).hostname or "") in LOCAL_HOSTS


def default_mode(base_url: str) -> Mode:
    """A target on another host is production unless the user says otherwise."""
    return "mock" if is_local(base_url) else "production"


@dataclass(frozen=True)
class Target:
    """A live target: where it is, who we are there, and what we may do."""

    base_url: str  # ends in /v1
    token_a: str
    token_b: str
    token_a_read_only: str | None  # only where the secret is known
    secret: str | None
    mode: Mode
    embedded: bool = False  # True when this process started the mock itself

    @property
    def root_url(self) -> str:
        """The server root (base URL without `/v1`), where `/__mock/` lives on the mock."""
        return self.base_url.removesuffix("/").removesuffix("/v1")

    @property
    def admin_url(self) -> str:
        return f"{self.root_url}/__mock"

    def allows(self, method: str) -> bool:
        return self.mode != "production" or method.upper() in SAFE_METHODS

    def guard(self, method: str, url: str = "") -> None:
        """Raise before sending anything a production target must not receive."""
        if not self.allows(method):
            raise UnsafeRequest(f"refused to send {method.upper()} {url} to a production "
                                "target (mode=production is read-only)")

    def mint(self, workspace_id: str, scopes: tuple[str, ...] | list[str]) -> str | None:
        """A token with other scopes, where the secret is known (None otherwise)."""
        if self.secret is None:
            return None
        return tokens.mint_token(workspace_id, scopes, secret=self.secret)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def stop_process(proc: subprocess.Popen[Any], *, group: bool = False,
                 timeout: float = 10.0) -> None:
    """Stop a child process: SIGTERM, then SIGKILL if it is still there after `timeout` s.

    `group`: signal its whole process group (a child started in its own session, whose
    process group id is its pid), so that what it started goes too."""
    if proc.poll() is not None:
        return

    def send(sig: signal.Signals) -> None:
        with contextlib.suppress(ProcessLookupError):
            if group:
                os.killpg(proc.pid, sig)
            else:
                proc.send_signal(sig)

    send(signal.SIGTERM)
    try:
        proc.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        send(signal.SIGKILL)
        proc.wait(timeout=timeout)


@contextmanager
def serve(app: Any) -> Iterator[str]:
    """Serve an ASGI app on a free loopback port in a background thread; yields its root URL.

    The embedded mock runs this way; tests also use it to serve deliberately broken apps.
    """
    import uvicorn

    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    server = uvicorn.Server(uvicorn.Config(app, log_level="error", lifespan="off"))
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    deadline = time.monotonic() + 30
    while not server.started:
        if time.monotonic() > deadline or not thread.is_alive():
            raise RuntimeError("the embedded server did not start")
        time.sleep(0.02)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout=10)
        sock.close()


@contextmanager
def embedded_mock(secret: str = tokens.DEFAULT_SECRET, *, seed_demo: bool = False,
                  validate_responses: bool = True) -> Iterator[str]:
    """Serve a fresh mock on a free loopback port in a background thread; yields its /v1 URL."""
    from fixtures import seed
    from mock import seeding
    from mock.app import create_app, new_store

    store = new_store()
    if seed_demo:
        for tenant in (tokens.TENANT_A, tokens.TENANT_B):
            seeding.apply(store.tenant(tenant), seed.demo_dataset(tenant))
    app = create_app(store, secret=secret, validate_responses=validate_responses)
    with serve(app) as root:
        yield f"{root}/v1"


@contextmanager
def resolve(config: TargetConfig | None = None) -> Iterator[Target]:
    """The live target for `config` (from the environment by default)."""
    config = config or TargetConfig.from_env()
    if config.base_url is None:
        secret = config.secret or tokens.DEFAULT_SECRET
        with embedded_mock(secret) as base_url:
            yield _target(replace(config, secret=secret), base_url, embedded=True)
        return
    yield _target(config, config.base_url.rstrip("/"), embedded=False)


def _target(config: TargetConfig, base_url: str, *, embedded: bool) -> Target:
    secret = config.secret
    if secret is None and is_local(base_url) and not (config.token_a and config.token_b):
        secret = tokens.DEFAULT_SECRET  # a local mock with its documented default secret
    token_a = config.token_a or (secret and tokens.mint_token(tokens.TENANT_A, secret=secret))
    token_b = config.token_b or (secret and tokens.mint_token(tokens.TENANT_B, secret=secret))
    if not token_a or not token_b:
        raise ValueError("two tenants are needed: give --token-a and --token-b, or --secret")
    workspace = tokens.subject_of(token_a)
    read_only = tokens.mint_token(workspace, tokens.READ_SCOPES, secret=secret) \
        if secret and workspace else None
    return Target(base_url=base_url, token_a=token_a, token_b=token_b,
                  token_a_read_only=read_only, secret=secret,
                  mode=config.mode or default_mode(base_url), embedded=embedded)


