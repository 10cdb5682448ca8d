"""Where the served mock spends its CPU under load: py-spy on its pid, summarised.

`py-spy record --format raw` writes collapsed stacks (`frame;frame;… count`, a frame being
`function (path:line)`). `summarize` turns them into self time by component (each sample goes to
the innermost frame that belongs to a known component: the shares add up to 100 %), inclusive
shares of a few spans (a layer with everything it calls), and the top functions by self and by
inclusive time.
"""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
from collections import Counter
from collections.abc import Callable, Iterable, Mapping
from pathlib import Path
from typing import Any

from bench import short_path

_FRAME = re.compile(r"^(?P<func>.*?) \((?P<file>[^()]*?)(?::(?P<line>\d+))?\)$")

# Owners of CPU time, most specific first. Each sample goes to the owner of its innermost frame
# that has one (stdlib helpers such as uuid or hmac count for their caller), so the shares add
# up to 100 %: "self time by component". Tests get (function, path) of one frame.
Test = Callable[[str, str], bool]
SOCKET = "socket send (the syscall, and waiting for a CPU after waking the client)"
OWNERS: tuple[tuple[str, Test], ...] = (
    (SOCKET,
     lambda f, p: p == "asyncio/selector_events.py" and "write" in f),
    ("JSON encode (json.dumps)",
     lambda f, p: p == "json/encoder.py" or (p == "json/__init__.py" and f == "dumps")),
    ("JSON decode (json.loads)",
     lambda f, p: p == "json/decoder.py" or (p == "json/__init__.py" and f == "loads")),
    ("PyJWT decode", lambda f, p: p.startswith("jwt/")),
    ("jsonschema", lambda f, p: p.startswith("jsonschema/")),
    ("logging (stdlib)", lambda f, p: p.startswith("logging/")),
    ("copy/deepcopy", lambda f, p: p == "copy.py"),
    ("mock/validation.py", lambda f, p: p == "mock/validation.py"),
    ("mock/store.py", lambda f, p: p == "mock/store.py"),
    ("mock/pagination.py (cursor)", lambda f, p: p == "mock/pagination.py"),
    ("mock/domain/ (views, rules)", lambda f, p: p.startswith("mock/domain/")),
    ("mock/api/ (handlers)", lambda f, p: p.startswith("mock/api/")),
    ("mock/auth.py", lambda f, p: p == "mock/auth.py"),
    ("mock/idempotency.py", lambda f, p: p == "mock/idempotency.py"),
    ("mock/frontdoor.py", lambda f, p: p == "mock/frontdoor.py"),
    ("mock/requestlog.py", lambda f, p: p == "mock/requestlog.py"),
    ("mock/errors.py", lambda f, p: p == "mock/errors.py"),
    ("mock/operations.py (arguments, handler call)", lambda f, p: p == "mock/operations.py"),
    ("mock/strictjson.py (body parse)", lambda f, p: p == "mock/strictjson.py"),
    ("mock/routing.py", lambda f, p: p == "mock/routing.py"),
    ("mock/ (other)", lambda f, p: p.startswith("mock/")),
    ("connexion validators", lambda f, p: p.startswith("connexion/validators/")
     or p == "connexion/middleware/request_validation.py"),
    ("routing (starlette Router/Route, connexion routing)",
     lambda f, p: p in ("starlette/routing.py", "starlette/_utils.py",
                        "connexion/middleware/routing.py")),
    ("connexion (parameter decorator, context, response)", lambda f, p: p.startswith("connexion/")),
    ("starlette (other)", lambda f, p: p.startswith("starlette/")),
    ("uvicorn + httptools (HTTP protocol)",
     lambda f, p: p.startswith(("uvicorn/", "h11/", "httptools/"))),
    ("asyncio event loop", lambda f, p: p.startswith("asyncio/")),
)

# Inclusive shares of a few spans the suggestions refer to (a sample counts once per span).
SPANS: tuple[tuple[str, Test], ...] = (
    ("mock/requestlog.py RequestLog (all below it)", lambda f, p: p == "mock/requestlog.py"),
    ("mock/auth.py verify (JWT)", lambda f, p: p == "mock/auth.py" and f == "verify"),
    ("request validation (parameters and body)",
     lambda f, p: p == "connexion/middleware/request_validation.py"),
    ("handler (mock/api/)", lambda f, p: p.startswith("mock/api/")),
    ("store page/get (mock/store.py)", lambda f, p: p == "mock/store.py"),
    ("row views (mock/domain/ view)", lambda f, p: p.startswith("mock/domain/") and "view" in f),
    ("json.dumps", lambda f, p: p == "json/__init__.py" and f == "dumps"),
    ("logging", lambda f, p: p.startswith("logging/")),
)


def pyspy_path() -> str | None:
    local = Path(sys.executable).with_name("py-spy")
    return str(local) if local.exists() else shutil.which("py-spy")


def start_record(pid: int, seconds: float, out: Path, *, rate: int = 250,
                 binary: str | None = None) -> subprocess.Popen[bytes]:
    """Start sampling `pid` for `seconds` into `out` (raw collapsed stacks); wait on it."""
    binary = binary or pyspy_path() or "py-spy"
    return subprocess.Popen(
        [binary, "record", "--pid", str(pid), "--duration", str(max(1, round(seconds))),
         "--rate", str(rate), "--nonblocking", "--format", "raw", "-o", str(out)],
        stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
    )


def split_frame(frame: str) -> tuple[str, str]:
    """`("JSONEncoder.encode", "json/encoder.py")` from `JSONEncoder.encode (json/encoder.py:200)`;
    full paths are cut to the package root (`bench.short_path`), so categories match either."""
    match = _FRAME.match(frame.strip())
    if not match:
        return frame.strip(), ""
    return match["func"], short_path(match["file"])


def parse_raw(text: str) -> list[tuple[list[tuple[str, str]], int]]:
    """Collapsed stacks -> [(frames root first as (function, path), samples)]."""
    stacks = []
    for line in text.splitlines():
        line = line.rstrip()
        if not line:
            continue
        stack, _, count = line.rpartition(" ")
        if not count.isdigit():
            continue
        stacks.append(([split_frame(f) for f in stack.split(";")], int(count)))
    return stacks


def _name(frame: tuple[str, str]) -> str:
    func, path = frame
    return f"{func} ({path})" if path else func


def owner(frames: list[tuple[str, str]]) -> str:
    """The component a sample's CPU time belongs to (innermost frame with an owner)."""
    for func, path in reversed(frames):
        for label, test in OWNERS:
            if test(func, path):
                return label
    return "other"


def summarize(stacks: Iterable[tuple[list[tuple[str, str]], int]], *,
              top: int = 15) -> dict[str, Any]:
    """In % of samples: self time by component (adds up to 100), inclusive spans, and the top
    functions by self and by inclusive time."""
    total = 0
    owners: Counter[str] = Counter()
    spans: Counter[str] = Counter()
    self_time: Counter[str] = Counter()
    inclusive: Counter[str] = Counter()
    for frames, count in stacks:
        total += count
        owners[owner(frames)] += count
        if frames:
            self_time[_name(frames[-1])] += count
        for name in {_name(f) for f in frames}:
            inclusive[name] += count
        for label, test in SPANS:
            if any(test(func, path) for func, path in frames):
                spans[label] += count

    def pct(n: int) -> float:
        return round(100.0 * n / total, 1) if total else 0.0

    interesting = ("mock/", "connexion/", "starlette/", "jsonschema/", "jwt/", "json/",
                   "logging/")
    return {
        "samples": total,
        "components": {label: pct(n) for label, n in owners.most_common()},
        "spans": {label: pct(spans[label]) for label, _ in SPANS},
        "top_self": [(name, pct(n)) for name, n in self_time.most_common(top)],
        "top_inclusive": [(name, pct(n)) for name, n in inclusive.most_common()
                          if any(s in name for s in interesting)][:top],
    }


def costs_us(summary: Mapping[str, Any], cpu_ms_per_request: float) -> dict[str, float]:
    """Approximate CPU µs per request by component: the component shares without the socket
    samples (on a busy machine those are mostly waiting for a CPU), scaled to the CPU per
    request measured from /proc during the same run."""
    shares = {k: v for k, v in summary["components"].items() if k != SOCKET}
    total = sum(shares.values())
    if not total:
        return {}
    return {k: round(v / total * cpu_ms_per_request * 1000, 1) for k, v in shares.items()}


def summarize_file(path: Path, *, top: int = 15) -> dict[str, Any]:
    return summarize(parse_raw(path.read_text()), top=top)
