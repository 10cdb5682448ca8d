"""Receivables (`finance.receivables`): the credit side of `mock.domain.bills` (REC mirrors PAY)."""

from __future__ import annotations

from mock.domain import bills
from mock.domain.references import CREDIT

SIDE = bills.Side(resource="receivables", settled="received", polarity=CREDIT,
                  transaction_type="credit")
RECEIVABLES = bills.Bills(SIDE)
