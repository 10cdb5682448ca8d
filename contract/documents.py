"""Brazilian tax ids, validated: CPF (people, RULE PER-1) and CNPJ (companies, RULE CMP-1).

Both use the Receita Federal modulo-11 check digits. These validators are the reference the
mock (at run time) and the suites share, so they are strict: digits only once the usual
punctuation is stripped, the exact length, both check digits, and no all-same-digit number
(``111.111.111-11`` passes the arithmetic but is not a real document). Generating documents
is the fixtures' job (``fixtures.documents``), which builds on these.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

__all__ = [
    "MATRIZ_BRANCH",
    "cnpj_check_digits",
    "cnpj_is_matriz",
    "cpf_check_digits",
    "is_ascii_digits",
    "is_valid_cnpj",
    "is_valid_cpf",
    "normalize_document",
]

MATRIZ_BRANCH = "0001"

_CPF_WEIGHTS_1 = tuple(range(10, 1, -1))  # 10..2 over the 9 base digits
_CPF_WEIGHTS_2 = tuple(range(11, 1, -1))  # 11..2 over base + first check digit
_CNPJ_WEIGHTS_1 = (5, 4, 3, 2, 9, 8, 7, 6, 5, 4, 3, 2)
_CNPJ_WEIGHTS_2 = (6, *_CNPJ_WEIGHTS_1)

# Only the punctuation of the usual masks is stripped: anything else (letters,
# other symbols) stays in and makes the value invalid instead of being ignored.
_PUNCTUATION = str.maketrans("", "", ".-/ ")


def is_ascii_digits(value: str) -> bool:
    """Whether ``value`` is one or more ASCII digits 0-9."""
    # str.isdigit() alone accepts "²" or Arabic-Indic digits, which int() may
    # then read; a document number is ASCII 0-9 only.
    return value.isascii() and value.isdigit()


def _mod11_digit(digits: str, weights: Sequence[int]) -> str:
    remainder = sum(int(d) * w for d, w in zip(digits, weights, strict=True)) % 11
    return "0" if remainder < 2 else str(11 - remainder)


def cpf_check_digits(base9: str) -> str:
    """Return the two check digits of a CPF whose first nine digits are ``base9``."""
    if len(base9) != 9 or not is_ascii_digits(base9):
        raise ValueError(f"a CPF base is 9 digits, got {base9!r}")
    first = _mod11_digit(base9, _CPF_WEIGHTS_1)
    return first + _mod11_digit(base9 + first, _CPF_WEIGHTS_2)


def cnpj_check_digits(base12: str) -> str:
    """Return the two check digits of a CNPJ whose first twelve digits are ``base12``."""
    if len(base12) != 12 or not is_ascii_digits(base12):
        raise ValueError(f"a CNPJ base is 12 digits, got {base12!r}")
    first = _mod11_digit(base12, _CNPJ_WEIGHTS_1)
    return first + _mod11_digit(base12 + first, _CNPJ_WEIGHTS_2)


def normalize_document(value: str) -> str:
    """Strip the mask punctuation (``.``, ``-``, ``/`` and spaces) from a CPF or CNPJ."""
    return value.translate(_PUNCTUATION)


def _is_valid(value: str, length: int, check_digits: Callable[[str], str]) -> bool:
    digits = normalize_document(value)
    return (
        len(digits) == length
        and is_ascii_digits(digits)
        and len(set(digits)) > 1
        and check_digits(digits[:-2]) == digits[-2:]
    )


def is_valid_cpf(value: str) -> bool:
    """Tell whether ``value`` (formatted or digits only) is a valid CPF — RULE PER-1."""
    return _is_valid(value, 11, cpf_check_digits)


def is_valid_cnpj(value: str) -> bool:
    """Tell whether ``value`` (formatted or digits only) is a valid CNPJ — RULE CMP-1."""
    return _is_valid(value, 14, cnpj_check_digits)


def cnpj_is_matriz(cnpj: str) -> bool:
    """Tell whether a CNPJ is a head office: branch digits (9th–12th) are ``0001`` (RULE CMP-3).

    Raises ``ValueError`` when ``cnpj`` is not 14 digits once normalised; the
    check digits are not verified here (validate with :func:`is_valid_cnpj`).
    """
    digits = normalize_document(cnpj)
    if len(digits) != 14 or not is_ascii_digits(digits):
        raise ValueError(f"a CNPJ is 14 digits, got {cnpj!r}")
    return digits[8:12] == MATRIZ_BRANCH
