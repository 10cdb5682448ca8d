"""Payables (`finance.payables`): the debit side of `mock.domain.bills` (PAY-1 … PAY-10)."""

from __future__ import annotations

from functools import partial
from typing import Any

from contract.documents import is_valid_cnpj, is_valid_cpf, normalize_document
from mock.domain import bills
from mock.domain.base import Converter, text
from mock.domain.errors import ValidationFailed
from mock.domain.references import DEBIT
from mock.domain.values import CENT, money, optional_business_date, parse_business_date, parse_money

TAX_DATA_DATES = ("calculation_date", "competence_date", "expire_at")
TAX_DATA_MONEY = ("fine_amount", "interest_amount", "gross_income_amount", "total_amount",
                  "discount_amount", "other_deduction_amount", "other_addition_amount",
                  "other_entities_amount", "monetary_update_amount")


def _document(value: Any, name: str) -> str | None:
    """A CPF or CNPJ with valid check digits, stored digits-only (as PER-1)."""
    if value is None:
        return None
    digits = normalize_document(value) if isinstance(value, str) else ""
    if not (is_valid_cpf(digits) or is_valid_cnpj(digits)):
        raise ValidationFailed(f"{name} is not a valid CPF or CNPJ", field=name)
    return digits


def _tax_data(value: Any, name: str) -> dict[str, Any] | None:
    """Tax-guide data stored in its response shape: dates as days, amounts as money strings."""
    if value is None:
        return None
    if not isinstance(value, dict):
        raise ValidationFailed(f"{name} must be an object", field=name)
    out = dict(value)
    for key, raw in value.items():
        where = f"{name}.{key}"
        if raw is None:
            continue
        if key in TAX_DATA_DATES:
            out[key] = parse_business_date(raw, where)
        elif key in TAX_DATA_MONEY:
            out[key] = money(parse_money(raw, where))
        elif key == "jam_percentage":
            rate = parse_money(raw, where)
            if rate > 100:
                raise ValidationFailed(f"{where} is a percent from 0 to 100", field=where)
            out[key] = f"{rate.quantize(CENT):f}"
    return out


# The payment-instruction fields only payables carry (seed), in their response shape.
PAYMENT_FIELDS: dict[str, Converter] = {
    "operation_kind": text, "barcode": text, "pix_copia_e_cola": text, "pix_key": text,
    "pix_key_type": text, "bank_code": text, "bank_ispb": text, "agency": text,
    "agency_digit": text, "account_number": text, "account_digit": text,
    "transfer_purpose": text, "tax_kind": text, "tax_data": _tax_data,
    "beneficiary_name": text, "beneficiary_document": _document,
    "scheduled_to": optional_business_date,
}
SIDE = bills.Side(resource="payables", settled="paid", polarity=DEBIT, transaction_type="debit",
                  extra_fields=PAYMENT_FIELDS)
SPEC = bills.table_spec("payables")
create = partial(bills.create, SIDE)
update = partial(bills.update, SIDE)
delete = partial(bills.delete, SIDE)
view = partial(bills.view, SIDE)
