"""Registers the markers every test directory shares, from `contract.invariants` (one list)."""

from __future__ import annotations

import pytest

from contract.invariants import markers


def pytest_configure(config: pytest.Config) -> None:
    for line in markers():
        config.addinivalue_line("markers", line)
