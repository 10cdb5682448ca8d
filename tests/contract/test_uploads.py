"""Magic-byte sniffing (RULE ATT-1)."""

from __future__ import annotations

import pytest

from contract.uploads import MAGIC, sniff_mime


# RULE ATT-1
@pytest.mark.rule("ATT-1")
def test_sniff_mime() -> None:
    assert sniff_mime(b"") is None
    assert sniff_mime(b"%PDF") is None  # incomplete magic
    assert sniff_mime(b"%PDF-1.7 ...") == "application/pdf"
    assert sniff_mime(b"\xff\xd8\xff\xe0") == "image/jpeg"
    assert sniff_mime(b"\x89PNG\r\n\x1a\n....") == "image/png"
    assert sniff_mime(b"PK\x03\x04") is None  # xlsx has no magic check


def test_every_magic_sniffs_as_its_own_type() -> None:
    for mime, magic in MAGIC.items():
        assert sniff_mime(magic + b"rest") == mime
