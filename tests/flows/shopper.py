"""Who signs in to the fixture shop in the flow tests, and how (see docs/architecture.md)."""

from __future__ import annotations

from collections.abc import Callable

import pyotp

from flows.site import RetailerSite

PASSWORD = "correct-horse-battery-staple"
JANE = "jane@example.com"
TOM = "totp@example.com"
TOTP_SECRET = "JBSWY3DPEHPK3PXP"

OpenSite = Callable[..., RetailerSite]


class Totp(pyotp.TOTP):
    # pyotp >= 2.10 wants 112-bit secrets; the seed's (and many sites') are 80 bits.
    min_secret_length_bits = 80


def totp_code() -> str:
    """The two-step account's current code, as an authenticator app shows it."""
    return Totp(TOTP_SECRET).now()
