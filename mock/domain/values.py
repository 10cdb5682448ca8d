"""Value rules shared by every resource: money (G-8), business dates and ids (G-9)."""

from __future__ import annotations

import functools
import re
import sys
import uuid
from datetime import date, datetime
from decimal import ROUND_HALF_EVEN, Decimal, InvalidOperation
from typing import Any

from mock.domain.errors import ValidationFailed

CENT = Decimal("0.01")
MAX_MONEY = Decimal("9999999999999.99")
_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}")
_CANONICAL_UUID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")
# Distinct date strings `parse_business_date` remembers the answer for (a table has hundreds).
DAYS_REMEMBERED = 4096


def parse_money(value: Any, field: str, *, positive: bool = False,
                signed: bool = False) -> Decimal:
    """A decimal string or a JSON number, exact to the cent; never a float in arithmetic (G-8).

    Negative amounts are refused unless `signed` (an opening balance may be negative, ACC-2)."""
    if isinstance(value, bool) or value is None:
        raise ValidationFailed(f"{field} must be a decimal amount", field=field)
    try:
        # str() first: a JSON number arrives as float, and str(float) is its shortest repr.
        amount = Decimal(str(value))
    except InvalidOperation:
        raise ValidationFailed(f"{field} must be a decimal amount", field=field) from None
    if not amount.is_finite():
        raise ValidationFailed(f"{field} must be a finite amount", field=field)
    cents = amount.quantize(CENT, rounding=ROUND_HALF_EVEN)
    if amount != cents:
        raise ValidationFailed(f"{field} has more than two decimal places", field=field)
    amount = cents
    if abs(amount) > MAX_MONEY:
        raise ValidationFailed(f"{field} is too large", field=field)
    if positive and amount <= 0:
        raise ValidationFailed(f"{field} must be greater than zero", field=field)
    if amount < 0 and not signed:
        raise ValidationFailed(f"{field} must not be negative", field=field)
    return amount


def money(amount: Decimal | None) -> str | None:
    """Responses carry amounts as decimal strings with two places ("1500.00")."""
    return None if amount is None else f"{amount.quantize(CENT):f}"


def parse_business_date(value: Any, field: str) -> str:
    """A date or an RFC 3339 date-time; stored and returned as the date it names (G-9).

    Interned: a table holds a few hundred distinct dates over its rows, and one string each
    instead of one per row saves ~60 bytes a date field a row."""
    if not isinstance(value, str) or not _DATE.match(value):
        raise ValidationFailed(f"{field} must be a date (YYYY-MM-DD) or a date-time", field=field)
    try:
        return _day(value)
    except ValueError:
        raise ValidationFailed(f"{field} is not a valid date", field=field) from None


@functools.lru_cache(maxsize=DAYS_REMEMBERED)
def _day(value: str) -> str:
    """The date `value` names, interned; remembered, as the same few hundred dates come again
    and again (a seed of a million rows parses two a row)."""
    if len(value) == 10:
        return sys.intern(date.fromisoformat(value).isoformat())
    return sys.intern(datetime.fromisoformat(value.replace("Z", "+00:00")).date().isoformat())


def optional_business_date(value: Any, field: str) -> str | None:
    """:func:`parse_business_date`, or None for a null (an optional date left out or cleared)."""
    return None if value is None else parse_business_date(value, field)


def parse_uuid(value: Any, field: str) -> str:
    """Ids are UUIDs in canonical lower-case form."""
    if type(value) is str and _CANONICAL_UUID.fullmatch(value):
        return value  # already what str(uuid.UUID(value)) gives back, at a tenth of the cost
    try:
        return str(uuid.UUID(str(value)))
    except ValueError:
        raise ValidationFailed(f"{field} must be a UUID", field=field) from None


def new_id() -> str:
    return str(uuid.uuid4())
