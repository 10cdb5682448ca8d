"""RULE G-10, the check: DELETE is 204 with no body, then the id is 404 everywhere.

After the first DELETE: GET, PATCH (where the resource has it), a second DELETE (and the
download, for attachments) answer 404 exactly as a random id does, and the row is in no list
— the scope's list, the lists filtered by the row's own values, the unfiltered list.
Soft-deleted people (RULE PER-5) included.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from property_tests.apispec import contract
from property_tests.client import Api, normalized, random_id

PATCH_PROBE: Mapping[str, dict[str, Any]] = {
    "companies": {"name": "Apagada"}, "categories": {"name": "Apagada"},
    "cost_centers": {"name": "Apagado"}, "taxes": {"name": "Apagado"},
    "people": {"name": "Apagada"}, "accounts": {"name": "Apagada"},
    "transactions": {"description": "Apagada"}, "payables": {"description": "Apagada"},
    "receivables": {"description": "Apagada"},
}


def check_delete(api: Api, resource: str, row_id: str,
                 lists: Sequence[Mapping[str, Any]] = ({},)) -> None:
    """Delete `row_id` and prove it gone (RULE G-10); `lists` are list queries that would
    show the row if it were still there."""
    first = api.delete(resource, row_id)
    assert first.status_code == 204, (f"DELETE /{resource}/{row_id}: expected 204, got "
                                      f"{first.status_code}: {first.text[:300]}")
    assert first.content == b"", f"DELETE /{resource}: a 204 with a body {first.content[:100]!r}"
    methods = contract().item_methods[resource]
    probes: list[tuple[str, str, dict[str, Any]]] = [("GET", "", {})]
    if "PATCH" in methods:
        probes.append(("PATCH", "", {"json": PATCH_PROBE[resource]}))
    probes.append(("DELETE", "", {}))
    if resource == "attachments":
        probes.append(("GET", "/download", {}))
    missing = random_id()
    for method, suffix, kwargs in probes:
        gone = api.request(method, f"/{resource}/{row_id}{suffix}", **kwargs)
        never = api.request(method, f"/{resource}/{missing}{suffix}", **kwargs)
        assert gone.status_code == 404, (f"{method} /{resource}/{{id}}{suffix} after DELETE: "
                                         f"expected 404, got {gone.status_code}")
        assert normalized(gone, row_id) == normalized(never, missing), (
            f"{method} /{resource}/{{id}}{suffix}: a deleted id answers differently from a "
            f"random id: {gone.text[:200]} / {never.text[:200]}")
    for query in lists:
        listed = api.walk(resource, query, limit=100).ids
        assert row_id not in listed, f"GET /{resource} {dict(query)} still lists {row_id}"
