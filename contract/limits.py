"""The numbers the contract fixes, one constant per rule, each named for its rule.

The mock enforces them, the fixtures build data at their edges and the suites probe them: all
three import them from here, so a limit is changed in one place. The rule each comes from is in
the rule catalogue (`contract.rules`, rendered as docs/rules.md).
"""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal
from typing import Final

__all__ = [
    "ATT_1_MAX_UPLOAD_BYTES",
    "CAT_1_MAX_DEPTH",
    "G_4_DEFAULT_LIMIT",
    "G_4_MAX_LIMIT",
    "G_4_MIN_LIMIT",
    "G_5_KEY_MAX_LENGTH",
    "G_5_KEY_MIN_LENGTH",
    "G_5_REPLAY_WINDOW",
    "TAX_2_MAX_RATE",
    "TAX_2_MIN_RATE",
]

# RULE G-4: a list's `limit` (and its alias `per_page`) is 1..100, 25 when not sent.
G_4_MIN_LIMIT: Final = 1
G_4_MAX_LIMIT: Final = 100
G_4_DEFAULT_LIMIT: Final = 25

# RULE G-5: an `Idempotency-Key` is 1..255 visible ASCII characters; a replay within 24 h
# answers the first response.
G_5_KEY_MIN_LENGTH: Final = 1
G_5_KEY_MAX_LENGTH: Final = 255
G_5_REPLAY_WINDOW: Final = timedelta(hours=24)

# RULE CAT-1: categories nest at most three levels deep (a root is level 1).
CAT_1_MAX_DEPTH: Final = 3

# RULE TAX-2: `default_rate` is a percent, 0..100.
TAX_2_MIN_RATE: Final = Decimal(0)
TAX_2_MAX_RATE: Final = Decimal(100)

# RULE ATT-1: an uploaded file is at most 10 MB (10 MiB); over it, 413.
ATT_1_MAX_UPLOAD_BYTES: Final = 10 * 1024 * 1024
