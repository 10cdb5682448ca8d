"""`make bench` (issue 12): load, scale, start-up and memory figures for the mock.

`python -m bench` starts the mock and, beside it, three references — `starlette` (a plain
Starlette app: the floor), `connexion` (bare Connexion on the same spec) and, where `npx`
exists, `prism` — drives them with wrk (or a Python client), runs the in-process scale
measurements, profiles the served mock with py-spy and writes a markdown report,
`results.json` and a PNG chart to `bench/out/`.

Modules: `plan` (the sizes of a run and each part's time budget), `workload` (the seeded data
and the five scenarios), `load` (wrk and the Python client), `servers` (starting and stopping
the servers under test, Prism's install), `starlette_app` (the floor), `reference_app` (bare
Connexion), `journal` (the write cost of `--db`), `scale` (rows, filtered pages, memory,
start-up, idempotency cache), `profiling` (py-spy), `report` (tables, targets, JSON, chart).
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
