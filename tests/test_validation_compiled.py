"""mock.validation.Compiled: jsonschema_rs may only ever say "valid" where jsonschema does.

Every schema the mock validates with — each operation's JSON body and each parameter — is
given values built to sit on the edges where the two engines could part: text ending in a
newline, digits of other scripts, non-canonical UUIDs and dates, numbers at their bounds,
wrong types, null. Wherever the Rust validator accepts, the Python one (Connexion's draft-4
request rules) must accept too; the reverse is allowed (then jsonschema decides).
"""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from contract.spec import iter_operations, load_spec
from mock.validation import Compiled

EDGES = st.sampled_from([
    "", " ", "\n", "12345678901234\n", "١٢٣٤٥٦٧٨٩٠١٢٣", "２０２６-01-01", "2026-02-30",
    "2024-02-29", "2026-1-1", "20260101", "2026-01-31T12:00:00Z", "1500.00", "1500.001",
    "-0.00", "0.00", "100.00", "100.01", "1e3", "NaN", "12.345.678/0001-90",
    "123.456.789-09", "0b8f9c1e-3f4a-4c5d-9e6f-7a8b9c0d1e2f",
    "0B8F9C1E-3F4A-4C5D-9E6F-7A8B9C0D1E2F", "urn:uuid:0b8f9c1e-3f4a-4c5d-9e6f-7a8b9c0d1e2f",
    "{0b8f9c1e-3f4a-4c5d-9e6f-7a8b9c0d1e2f}", "0b8f9c1e3f4a4c5d9e6f7a8b9c0d1e2f",
    "application/pdf", "a" * 256, "debit", "credit", "pending", "paid", "x@y", "http://x",
])
VALUES = st.one_of(EDGES, st.text(max_size=20), st.integers(-10**15, 10**15), st.floats(),
                   st.booleans(), st.none(), st.lists(EDGES, max_size=3))


def _schemas() -> list[tuple[str, dict[str, Any]]]:
    out = []
    for op in iter_operations(load_spec()):
        body = op.op.get("requestBody", {}).get("content", {}).get("application/json")
        if body:
            out.append((f"{op.operation_id} body", body["schema"]))
        for param in op.op.get("parameters", []):
            out.append((f"{op.operation_id} {param['name']}", param.get("schema", {})))
    return out


SCHEMAS = _schemas()


def _agree(compiled: Compiled, value: Any) -> None:
    if compiled.fast is not None and compiled.fast.is_valid(value):
        assert not list(compiled.python.iter_errors(value)), value


@pytest.mark.parametrize(("name", "schema"), SCHEMAS, ids=[n for n, _ in SCHEMAS])
@settings(max_examples=60, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data())
def test_rust_says_valid_only_where_jsonschema_does(name: str, schema: dict[str, Any],
                                                    data: st.DataObject) -> None:
    compiled = Compiled(schema)
    assert compiled.fast is not None, f"{name}: jsonschema_rs could not compile it"
    properties = schema.get("properties")
    if properties:  # one field at a time off a body, the rest left out
        field = data.draw(st.sampled_from(sorted(properties)))
        _agree(compiled, {field: data.draw(VALUES)})
        _agree(compiled, {p: data.draw(VALUES) for p in properties})
    else:
        _agree(compiled, data.draw(VALUES))


@pytest.mark.parametrize(("schema", "value"), [
    ({"type": "string", "format": "uuid"}, "urn:uuid:0b8f9c1e-3f4a-4c5d-9e6f-7a8b9c0d1e2f"),
    ({"type": "string", "format": "uuid"}, "0b8f9c1e3f4a4c5d9e6f7a8b9c0d1e2f"),
    ({"type": "string", "format": "date"}, "2026-02-30"),
    ({"type": "integer", "minimum": 1}, 1.5),
    ({"type": "string", "pattern": "^[0-9]+$"}, "12a"),
])
def test_what_jsonschema_refuses_is_refused(schema: dict[str, Any], value: Any) -> None:
    # jsonschema_rs's own uuid format takes the first two: the formats are jsonschema's.
    assert list(Compiled(schema).iter_errors(value))


@pytest.mark.parametrize(("schema", "value"), [
    ({"type": "string", "nullable": True}, None),  # Connexion's rule, unknown to Rust
    ({"type": "string", "pattern": "^[0-9]{2}$"}, "12\n"),  # Python's `$` before a newline
    ({"type": "string", "format": "uuid"}, "0B8F9C1E-3F4A-4C5D-9E6F-7A8B9C0D1E2F"),
])
def test_what_jsonschema_accepts_is_accepted(schema: dict[str, Any], value: Any) -> None:
    assert not list(Compiled(schema).iter_errors(value))
