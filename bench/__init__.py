"""`make bench` (issue 12): load, scale, start-up and memory figures for the mock.

`python -m bench` starts the mock (and, beside it, two references: a logic-free Connexion app on
the same spec and, where `npx` exists, Prism), drives them with wrk (or a Python client), runs the
in-process scale measurements, profiles the served mock with py-spy and writes a markdown table,
`results.json` and a PNG chart to `bench/out/`.

Modules: `load` (scenarios, wrk and the Python client), `servers` (starting and stopping the
servers under test, Prism's install), `reference_app` (the framework's ceiling), `scale` (rows,
memory, start-up, idempotency cache), `profiling` (py-spy), `report` (table, JSON, chart).
"""

from __future__ import annotations

import sys
from pathlib import Path

BENCH_DIR = Path(__file__).resolve().parent
ROOT = BENCH_DIR.parent
OUT_DIR = BENCH_DIR / "out"
CACHE_DIR = BENCH_DIR / ".cache"  # git-ignored by bench/.gitignore: Prism's npm install

# Where a source file may live: installed packages, this project, a standard library.
# `short_path` cuts a file's path after the first of them it is under.
_PREFIXES = ("site-packages/", ROOT.as_posix().rstrip("/") + "/",
             f"/lib/python{sys.version_info.major}.{sys.version_info.minor}/")


def short_path(path: str) -> str:
    """`mock/store.py`, `json/encoder.py`, `jwt/api_jwt.py`: a source file's path from the
    package root (profiles and allocation sites name files so, whichever machine ran them)."""
    posix = path.replace("\\", "/")
    for prefix in _PREFIXES:
        if prefix in posix:
            return posix.split(prefix, 1)[1]
    return posix
