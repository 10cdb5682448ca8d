"""mock.clock: the movable clock and the one text every timestamp is written in."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest
from hypothesis import given
from hypothesis import strategies as st

from mock.clock import Clock, iso


@given(st.datetimes(min_value=datetime(1970, 1, 1), max_value=datetime(9999, 12, 30),
                    timezones=st.sampled_from([UTC, timezone(timedelta(hours=-3)),
                                               timezone(timedelta(hours=5, minutes=30))])))
def test_iso_is_fixed_width_utc_with_microseconds(moment: datetime) -> None:
    text = iso(moment)
    assert text == moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")
    assert len(text) == 27 and text.endswith("Z")
    assert datetime.fromisoformat(text) == moment


def test_the_clock_moves_forward_only_and_resets() -> None:
    clock = Clock()
    before = clock.now()
    assert clock.advance(3600) - before >= timedelta(hours=1)
    with pytest.raises(ValueError, match="forward"):
        clock.advance(-1)
    clock.reset()
    assert clock.offset == timedelta()
