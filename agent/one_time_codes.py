"""The shop's two-step sign-in codes, made from the configured authenticator secret."""

from __future__ import annotations

from collections.abc import Callable

from agent.redaction import register_secret
from agent.settings import Settings


def one_time_codes(settings: Settings) -> Callable[[], str] | None:
    """What gives the current code when the shop asks for one; None without a secret.

    A code is made only when asked for (it expires within a minute), and the redactor
    learns each one before anything can log it.
    """
    secret = settings.totp_secret
    if secret is None:
        return None

    def code() -> str:
        import pyotp

        class Totp(pyotp.TOTP):
            # pyotp refuses secrets under 112 bits, but RFC 4226 allows 80
            # and many shops still issue 80-bit secrets.
            min_secret_length_bits = 80

        value = Totp(secret.get_secret_value()).now()
        register_secret(value)
        return value

    return code
