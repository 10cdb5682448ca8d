"""Payables (`finance.payables`): the debit side of `mock.domain.bills` (PAY-1 … PAY-10)."""

from __future__ import annotations

from functools import partial

from mock.domain import bills
from mock.domain.references import DEBIT

# The payment-instruction fields only payables carry (seed), stored as sent.
PAYMENT_FIELDS = (
    "operation_kind", "barcode", "pix_copia_e_cola", "pix_key", "pix_key_type", "bank_code",
    "bank_ispb", "agency", "agency_digit", "account_number", "account_digit",
    "transfer_purpose", "tax_kind", "tax_data", "beneficiary_name", "beneficiary_document",
    "scheduled_to",
)
SIDE = bills.Side(resource="payables", settled="paid", polarity=DEBIT, transaction_type="debit",
                  extra_fields=PAYMENT_FIELDS)
SPEC = bills.table_spec("payables")
create = partial(bills.create, SIDE)
update = partial(bills.update, SIDE)
delete = partial(bills.delete, SIDE)
view = partial(bills.view, SIDE)
