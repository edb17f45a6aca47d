"""The fixture shop's people, as docs/architecture.md seeds them (fixtures/seed.py)."""

from __future__ import annotations

import pyotp

from fixtures.seed import JANE, PASSWORD, TOTP_SECRET

__all__ = [
    "JANE",
    "JANE_NAME",
    "OTHER",
    "PASSWORD",
    "PHONES",
    "TOM",
    "TOM_NAME",
    "TOTP_SECRET",
    "totp_code",
]

JANE_NAME = "Jane Shopper"
TOM = "totp@example.com"
TOM_NAME = "Tom Otp"
OTHER = "other@example.com"  # owns order 70099 (a 404 for Jane)
PHONES = {"us": "1-800-555-0199", "uk": "0800 555 0144"}


class Totp(pyotp.TOTP):
    # pyotp >= 2.10 wants 112-bit secrets; the seed's (and many sites') are 80 bits.
    min_secret_length_bits = 80


def totp_code() -> str:
    """The two-step account's current code, as an authenticator app shows it."""
    return Totp(TOTP_SECRET).now()
