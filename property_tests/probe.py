"""The sanity probe: one authenticated GET of a list before a run against a given base URL.

A base URL one `/v1` off (the API served at the root, or the `/v1` forgotten) makes every
request 404, and a run of the suites would report hundreds of failures that all mean "wrong
URL". `check()` sees it first and names the URL to try.
"""

from __future__ import annotations

import httpx

from conformance.targets import Target
from property_tests.client import TIMEOUT

PROBED = "companies"  # every implementation has it, and a list needs no id
PREFIX = "/v1"


def alternative(base_url: str) -> str:
    """The same base URL with `/v1` added, or removed where it ends in it."""
    base = base_url.rstrip("/")
    return base.removesuffix(PREFIX) if base.endswith(PREFIX) else base + PREFIX


def check(target: Target) -> str | None:
    """None when `GET {base}/companies` as tenant A is anything but a 404 (or unreachable);
    else one line saying what is wrong and, when there is one, the base URL that answers."""
    headers = {"Authorization": f"Bearer {target.token_a}"}
    base = target.base_url.rstrip("/")
    url = f"{base}/{PROBED}"
    with httpx.Client(headers=headers, timeout=TIMEOUT) as http:
        try:
            status = http.get(url, params={"limit": 1}).status_code
        except httpx.HTTPError as exc:
            return f"GET {url} failed ({exc!r}): is the target running at {base}?"
        if status != 404:
            return None
        other = alternative(base)
        try:
            other_status: int | None = http.get(f"{other}/{PROBED}",
                                                params={"limit": 1}).status_code
        except httpx.HTTPError:
            other_status = None
    if other_status is not None and other_status != 404:
        return (f"GET {url} is 404 but GET {other}/{PROBED} answers {other_status}: "
                f"the base URL looks wrong, try --base-url {other}")
    return (f"GET {url} is 404, and so is GET {other}/{PROBED}: is {base} the API's base "
            "URL (where /companies is)?")
