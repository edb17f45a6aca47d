"""Many accounts: shoppers stored in the ledger, their secrets sealed with Fernet.

``order-agent accounts add|list|remove`` keep them; ``add ORDER --account NAME`` ties an
order to one, and ``run`` then works on that order as that account
(:func:`settings_for`) instead of the ``ORDER_AGENT_SITE_URL``/``EMAIL``/``PASSWORD``
of the environment, which keep working unchanged for orders tied to no account.

The ledger only ever holds the secrets as a Fernet token (:mod:`agent.secret_box`);
listing an account shows no secret, and a wrong key is a one-line error (exit 2).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from pydantic import SecretStr, ValidationError

from agent.ledger import Ledger
from agent.ledger.accounts import StoredAccount
from agent.redaction import register_secrets
from agent.secret_box import SecretBox, secret_box
from agent.settings import Settings
from ordercore.errors import UsageError

# A name people type on the command line: letters, digits, dot, dash, underscore, @.
_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._@-]{0,63}$")


@dataclass(frozen=True)
class AccountSecrets:
    password: str
    totp_secret: str | None = None


def check_name(name: str) -> str:
    if not _NAME.match(name):
        raise UsageError(
            f"{name!r} is not an account name: use letters, digits, '.', '-', '_' or '@' "
            "(at most 64, starting with a letter or digit)"
        )
    return name


def _checked(settings: Settings, site: str, email: str, totp: str | None) -> Settings:
    """Site, e-mail and TOTP secret checked by the same rules as the environment's."""
    try:
        return Settings.model_validate(
            {"site_url": site, "email": email, "totp_secret": totp, "data_dir": settings.data_dir}
        )
    except ValidationError as exc:
        # hide_input_in_errors: the messages never quote the values.
        first = exc.errors()[0]
        field = str(first["loc"][0]) if first["loc"] else "value"
        words = {"site_url": "--site", "email": "--email", "totp_secret": "the TOTP secret"}
        message = first["msg"].removeprefix("Value error, ")
        raise UsageError(f"{words.get(field, field)} {message}") from None


def add_account(
    settings: Settings,
    name: str,
    site: str,
    email: str,
    full_name: str | None,
    secrets: AccountSecrets,
) -> StoredAccount:
    """Store (or replace) the account; its secrets sealed with the configured key."""
    check_name(name)
    if not secrets.password:
        raise UsageError("no password given: an account needs one")
    box = secret_box(settings)  # no key: nothing is stored (ConfigError, exit 2)
    checked = _checked(settings, site, email, secrets.totp_secret)
    assert checked.site_url and checked.email
    totp = checked.totp_secret.get_secret_value() if checked.totp_secret else None
    account = StoredAccount(
        name,
        checked.site_url,
        checked.email,
        (full_name or "").strip() or None,
        box.seal({"password": secrets.password, "totp_secret": totp}),
    )
    with _ledger(settings) as ledger:
        ledger.put_account(account)
        stored = ledger.account(name)
    assert stored is not None
    return stored


def list_accounts(settings: Settings) -> list[StoredAccount]:
    with _ledger(settings) as ledger:
        return ledger.list_accounts()


def remove_account(settings: Settings, name: str) -> None:
    with _ledger(settings) as ledger:
        if not ledger.remove_account(name):
            raise UsageError(f"no account named {name!r} (see `order-agent accounts list`)")


def stored_account(ledger: Ledger, name: str) -> StoredAccount:
    account = ledger.account(name)
    if account is None:
        raise UsageError(f"no account named {name!r} (see `order-agent accounts list`)")
    return account


def settings_for(
    settings: Settings, account: StoredAccount, box: SecretBox | None = None
) -> Settings:
    """``settings`` with the account's shop, e-mail, password, TOTP secret and name.

    The environment's password sources (a password command, the keyring) are not
    consulted for it: the account's own password is the one used. Its secrets are
    registered with the redactor before anything can log them.
    """
    box = box or secret_box(settings)
    opened = box.open(account.sealed, f"the account {account.name!r}")
    password = opened.get("password") or ""
    totp = opened.get("totp_secret")
    register_secrets([password, totp])
    return settings.model_copy(
        update={
            "site_url": account.site,
            "email": account.email,
            "password": SecretStr(password),
            "password_command": None,
            "totp_secret": SecretStr(totp) if totp else None,
            "name": account.full_name,
        }
    ).as_stored_account(account.name)


def account_settings(settings: Settings, name: str) -> Settings:
    """The settings to work as the stored account ``name`` (UsageError when none)."""
    with _ledger(settings) as ledger:
        stored = stored_account(ledger, name)
    return settings_for(settings, stored)


def _ledger(settings: Settings) -> Ledger:
    return Ledger.open(settings.data_dir, database_url=settings.database_url_text())
