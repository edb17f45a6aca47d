"""The configured credentials' fingerprint: how the ledger recognises credentials the
shop refused, and notices that they changed, without ever storing them."""

from __future__ import annotations

from agent.ledger import Ledger
from agent.settings import Settings, resolve_password
from ordercore.errors import ConfigError


def configured_fingerprint(settings: Settings, ledger: Ledger) -> str | None:
    """The ledger's keyed hash of the configured e-mail, password and TOTP secret.

    ``None`` when the e-mail or password is not set. The TOTP secret is part of what
    the shop judges: a rejected code must not keep blocking once the secret is fixed.
    A password from another source (command, keyring, file) is looked up now; when
    that lookup fails, ``None`` too: the failure is reported where the password is
    needed to sign in (``resolve_password`` raises it again there, without a second run).
    """
    if not settings.email:
        return None
    try:
        resolve_password(settings)
    except ConfigError:
        return None
    if settings.password is None:
        return None
    password = settings.password.get_secret_value()
    totp_secret = settings.totp_secret.get_secret_value() if settings.totp_secret else ""
    material = f"{password}\0{totp_secret}" if totp_secret else password
    return ledger.credentials_fingerprint(settings.email, material)
