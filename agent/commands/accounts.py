"""``order-agent accounts add|list|remove|new-key``: shoppers stored in the ledger.

Secrets (password, TOTP secret) are read from a prompt or stdin, never from argv, and
stored only encrypted with the key of ORDER_AGENT_SECRET_KEY (or _FILE): see
:mod:`agent.shopper_accounts` and :mod:`agent.secret_box`.
"""

from __future__ import annotations

import sys
from typing import TYPE_CHECKING

import click

from agent.commands.base import (
    PROG,
    command_setup,
    epilog,
    invocation,
    json_option,
    print_json,
    verbose_option,
)
from agent.commands.exit_codes import EXIT_INTERRUPTED
from ordercore.errors import EXIT_ERROR, EXIT_OK, EXIT_USAGE, UsageError

if TYPE_CHECKING:
    from agent.ledger.accounts import StoredAccount
    from agent.shopper_accounts import AccountSecrets

ACCOUNT_EXIT_CODES = (EXIT_OK, EXIT_USAGE, EXIT_ERROR, EXIT_INTERRUPTED)
KEY_MEANINGS = {
    EXIT_USAGE: "bad arguments or settings: no secret key (ORDER_AGENT_SECRET_KEY), "
    "a key file others may read, or a key that does not open the stored accounts",
    EXIT_ERROR: "the ledger cannot be read or written",
}


@click.group(
    "accounts",
    short_help="Store shoppers' accounts for `add --account` (many accounts).",
    help="Keeps shoppers' accounts (shop, e-mail, name; password and TOTP secret encrypted "
    "with ORDER_AGENT_SECRET_KEY) in the ledger, so that `add ORDER --account NAME` ties an "
    "order to one and `run` works on it as that shopper.",
    epilog=epilog(
        [
            f"{PROG} accounts new-key > ~/.config/order-agent/secret.key   # then chmod 600",
            f"{PROG} accounts add jane --site http://127.0.0.1:8000/us/ "
            '--email jane@example.com --name "Jane Doe"',
            f"{PROG} accounts add bob --site URL --email E --password-stdin < secrets.txt",
            f"{PROG} add 70001 --account jane",
            f"{PROG} accounts list --json",
            f"{PROG} accounts remove jane",
        ],
        ACCOUNT_EXIT_CODES,
        KEY_MEANINGS,
    ),
)
@verbose_option
def accounts(verbose: bool) -> None:
    """The group; each subcommand does the work (``-v`` here counts for it too)."""
    if verbose:
        invocation().verbose = True


@accounts.command(
    "new-key",
    short_help="Print a new secret key for ORDER_AGENT_SECRET_KEY.",
    help="Prints a new Fernet key. Keep it like a password: whoever holds it (and the "
    "ledger) can read the stored accounts' passwords. Losing it loses them.",
)
def new_key_command() -> int:
    from agent.secret_box import new_key

    print(new_key(), flush=True)
    return EXIT_OK


@accounts.command(
    "add",
    short_help="Store (or replace) an account.",
    help="Stores the account NAME: its shop (--site), e-mail and full name, and its "
    "password and optional TOTP secret, asked for at a prompt or read from stdin (line 1 "
    "the password, line 2 the TOTP secret, if any), never from the command line. Needs "
    "ORDER_AGENT_SECRET_KEY or ORDER_AGENT_SECRET_KEY_FILE: without a key nothing is stored.",
    epilog=epilog(
        [
            f"{PROG} accounts add jane --site https://shop.example/ --email jane@example.com",
            f"{PROG} accounts add bob --site URL --email bob@example.com --password-stdin "
            "< secrets.txt",
        ],
        ACCOUNT_EXIT_CODES,
        {EXIT_OK: "stored", **KEY_MEANINGS},
    ),
)
@click.argument("name")
@click.option("--site", required=True, metavar="URL", help="The shop's address.")
@click.option("--email", required=True, metavar="E", help="The e-mail it signs in with.")
@click.option("--name", "full_name", metavar="TEXT", help="The shopper's full name, for forms.")
@click.option(
    "--password-stdin",
    is_flag=True,
    help="Read the password (line 1) and TOTP secret (line 2, optional) from stdin.",
)
@json_option
@verbose_option
def add(
    name: str,
    site: str,
    email: str,
    full_name: str | None,
    password_stdin: bool,
    json_output: bool,
    verbose: bool,
) -> int:
    settings, _ = command_setup(json_output=json_output, verbose=verbose, require_credentials=False)
    from agent.secret_box import secret_box
    from agent.shopper_accounts import add_account, check_name

    check_name(name)
    secret_box(settings)  # no key: say so before asking for a password
    secrets = _read_secrets(from_stdin=password_stdin or not sys.stdin.isatty())
    account = add_account(settings, name, site, email, full_name, secrets)
    if json_output:
        print_json({"command": "accounts add", "account": _account_json(account)})
    else:
        print(f"Stored account {account.name} ({account.email} at {account.site}).", flush=True)
    return EXIT_OK


@accounts.command(
    "list",
    short_help="Show the stored accounts (never their secrets).",
    help="One line per stored account: name, e-mail, full name and shop. No secret is "
    "ever shown, not even encrypted; no key is needed.",
    epilog=epilog(
        [f"{PROG} accounts list", f"{PROG} accounts list --json"],
        ACCOUNT_EXIT_CODES,
        {EXIT_OK: "listed (also when none is stored)", EXIT_ERROR: KEY_MEANINGS[EXIT_ERROR]},
    ),
)
@json_option
@verbose_option
def list_(json_output: bool, verbose: bool) -> int:
    settings, _ = command_setup(json_output=json_output, verbose=verbose, require_credentials=False)
    from agent.shopper_accounts import list_accounts

    stored = list_accounts(settings)
    if json_output:
        print_json({"command": "accounts list", "accounts": [_account_json(a) for a in stored]})
    elif stored:
        for account in stored:
            who = f" ({account.full_name})" if account.full_name else ""
            print(f"{account.name}: {account.email}{who} at {account.site}", flush=True)
    else:
        print(f"No account is stored (`{PROG} accounts add NAME` stores one).", flush=True)
    return EXIT_OK


@accounts.command(
    "remove",
    short_help="Delete a stored account.",
    help="Deletes the account NAME and its encrypted secrets from the ledger. Orders tied "
    "to it stay tracked; `run` reports them as needing a person until they are tied to "
    "another account or forgotten.",
    epilog=epilog(
        [f"{PROG} accounts remove jane"],
        ACCOUNT_EXIT_CODES,
        {EXIT_OK: "removed", EXIT_USAGE: "no such account", EXIT_ERROR: KEY_MEANINGS[EXIT_ERROR]},
    ),
)
@click.argument("name")
@json_option
@verbose_option
def remove(name: str, json_output: bool, verbose: bool) -> int:
    settings, _ = command_setup(json_output=json_output, verbose=verbose, require_credentials=False)
    from agent.shopper_accounts import remove_account

    remove_account(settings, name)
    if json_output:
        print_json({"command": "accounts remove", "name": name})
    else:
        print(f"Removed account {name}.", flush=True)
    return EXIT_OK


def _read_secrets(*, from_stdin: bool) -> AccountSecrets:
    from agent.shopper_accounts import AccountSecrets

    if from_stdin:
        lines = sys.stdin.read().splitlines()
        password = lines[0] if lines else ""
        totp = lines[1].strip() if len(lines) > 1 and lines[1].strip() else None
    else:
        password = click.prompt("Password", hide_input=True, err=True)
        asked = click.prompt(
            "TOTP secret (empty for none)",
            hide_input=True,
            default="",
            show_default=False,
            err=True,
        )
        totp = asked.strip() or None
    if not password:
        raise UsageError("no password given: an account needs one")
    return AccountSecrets(password, totp)


def _account_json(account: StoredAccount) -> dict[str, object]:
    # Names and addresses only: the sealed secrets are never printed, not even encrypted.
    return {
        "name": account.name,
        "site": account.site,
        "email": account.email,
        "full_name": account.full_name,
    }
