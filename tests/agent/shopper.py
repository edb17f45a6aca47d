"""The fixture shop's people, as docs/architecture.md seeds them."""

from __future__ import annotations

PASSWORD = "correct-horse-battery-staple"
JANE = "jane@example.com"
JANE_NAME = "Jane Shopper"
TOM = "totp@example.com"
TOM_NAME = "Tom Otp"
TOTP_SECRET = "JBSWY3DPEHPK3PXP"
PHONES = {"us": "1-800-555-0199", "uk": "0800 555 0144"}
