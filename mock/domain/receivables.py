"""Receivables (`finance.receivables`): the credit side of `mock.domain.bills` (REC mirrors PAY)."""

from __future__ import annotations

from functools import partial

from mock.domain import bills
from mock.domain.references import CREDIT

SIDE = bills.Side(resource="receivables", settled="received", polarity=CREDIT,
                  transaction_type="credit")
SPEC = bills.table_spec("receivables")
create = partial(bills.create, SIDE)
update = partial(bills.update, SIDE)
delete = partial(bills.delete, SIDE)
view = partial(bills.view, SIDE)
