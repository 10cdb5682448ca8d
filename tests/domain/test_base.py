"""mock.domain.base: the row view every resource builds its answer from."""

from __future__ import annotations

from dataclasses import dataclass

import pytest

from mock.domain.base import public


@dataclass(slots=True)
class _Row:
    id: str
    name: str
    hidden: str


def test_public_reads_exactly_the_fields_asked_for_in_their_order() -> None:
    row = _Row("r1", "Nome", "secret")
    assert public(row, ("name", "id")) == {"name": "Nome", "id": "r1"}
    assert list(public(row, ("name", "id"))) == ["name", "id"]
    assert public(row, ("id",)) == {"id": "r1"}
    assert public(row, ()) == {}


@pytest.mark.parametrize("fields", [("id", "from"), ("id", "name; import os"), ("1x",)])
def test_public_refuses_anything_but_attribute_names(fields: tuple[str, ...]) -> None:
    with pytest.raises(ValueError, match="not attribute names"):
        public(_Row("r1", "n", "h"), fields)
