"""The sanity probe run before anything else: is this the API, at this base URL?

One authenticated GET of a list the spec names, with token A. If it 404s, the same list one
`/v1` up or down is tried: a target that answers there was given the wrong base URL, and the
probe says which one to use. A target that cannot be reached, or 404s everywhere, is not worth
thousands of cases: the command line stops with exit status 2 (a usage error).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

import httpx

from conformance.targets import Target

__all__ = ["Probe", "probe"]

TIMEOUT = 10.0


@dataclass(frozen=True)
class Probe:
    ok: bool
    message: str  # one line


def _alternative(base_url: str) -> str:
    base = base_url.rstrip("/")
    return base.removesuffix("/v1") if base.endswith("/v1") else f"{base}/v1"


def probe(target: Target, list_paths: Iterable[str], *, spec_source: str = "") -> Probe:
    """GET the first list of the spec as tenant A; a one-line verdict on the base URL."""
    path = next(iter(list_paths), "/companies")
    headers = {"Authorization": f"Bearer {target.token_a}"}
    url = f"{target.base_url.rstrip('/')}{path}"
    try:
        with httpx.Client(timeout=TIMEOUT) as client:
            answer = client.get(url, headers=headers)
            if answer.status_code != 404:
                return Probe(True, f"probe: GET {path} answered {answer.status_code}"
                                   f"{spec_source}")
            other = _alternative(target.base_url)
            try:
                moved = client.get(f"{other}{path}", headers=headers).status_code
            except httpx.HTTPError:
                moved = None
    except httpx.HTTPError as exc:
        return Probe(False, f"probe: cannot reach {url} ({type(exc).__name__}: {exc}); is the "
                            "target running, and is --base-url right?")
    if moved is not None and moved != 404:
        return Probe(False, f"probe: GET {url} is 404 but {other}{path} answers {moved}: the "
                            f"base URL looks wrong; try --base-url {other}")
    return Probe(False, f"probe: GET {url} is 404 (and so is {other}{path}): every path "
                        "seems to 404; is this the Smart Finance API, and is --base-url right "
                        "(it ends in /v1 on the mock)?")
