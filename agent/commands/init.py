"""``order-agent init``: guided set-up of the shop, the account and the password.

The steps live in ``agent.setup_wizard`` (asking, checking, storing) and
``agent.schedule_recipes`` (systemd units, the cron line); this module wires them
to click. Every failure is an ``OrderAgentError`` for the CLI to report.
"""

from __future__ import annotations

import shutil
import sys
from pathlib import Path

import click
from pydantic import SecretStr

from agent.commands.base import epilog
from agent.commands.exit_codes import EXIT_INTERRUPTED
from agent.output import StepPrinter, can_encode
from agent.password_sources import SOURCE_KEYRING, password_from_command
from agent.redaction import register_secret, scrub
from agent.schedule_recipes import (
    EVERY_MINUTES,
    PROG,
    SYSTEMCTL_COMMANDS,
    agent_executable,
    config_home_override,
    cron_line,
    install_systemd_units,
    systemd_units,
)
from agent.settings import Settings, env_name, load_settings
from agent.setup_wizard import (
    Store,
    ask_valid,
    check_credentials,
    choose_store,
    outranking_settings,
    save,
    unknown_host,
    validated,
)
from agent.user_config import config_file, read_config
from ordercore.errors import (
    EXIT_ERROR,
    EXIT_NEEDS_HUMAN,
    EXIT_OK,
    EXIT_TRY_LATER,
    EXIT_USAGE,
    ConfigError,
    OrderAgentError,
    UsageError,
)

SCHEDULES = ("systemd", "cron", "no")


class ClickPrompter:
    """Questions on the terminal; the password never echoed."""

    def __init__(self) -> None:
        self.ascii_only = not can_encode(sys.stdout, "✗✓")

    def ask(self, question: str, default: str | None = None) -> str:
        return str(click.prompt(question, default=default or None, show_default=bool(default)))

    def confirm(self, question: str, *, default: bool = False) -> bool:
        return bool(click.confirm(question, default=default))

    def ask_secret(self, question: str) -> str:
        return str(click.prompt(question, hide_input=True))

    def say(self, line: str) -> None:
        text = scrub(line)
        if self.ascii_only:
            text = text.replace("✗", "x").replace("✓", "+")
        click.echo(text)


def _on_terminal() -> bool:
    try:
        return sys.stdin.isatty()
    except (AttributeError, ValueError):
        return False


def _missing(option: str) -> UsageError:
    return UsageError(
        f"{option} is missing",
        hint="init asks for it on a terminal; a script must give it",
    )


def _read_password_stdin() -> SecretStr:
    line = sys.stdin.readline().rstrip("\r\n")
    if not line.strip():
        raise UsageError("--password-stdin: no password on standard input")
    register_secret(line)
    return SecretStr(line)


def _shown_command(executable: Path) -> str:
    """``order-agent`` when that name finds this very executable, else its absolute path."""
    found = shutil.which(PROG)
    if found and Path(found).resolve() == executable.resolve():
        return PROG
    return str(executable)


def _earlier_set_up() -> Settings | None:
    """The settings of a complete earlier set-up, if there is one."""
    if not config_file().is_file():
        return None
    try:
        return load_settings(require_credentials=True)
    except OrderAgentError:
        return None  # incomplete or broken: set it up again


def _warn_keyring_for_schedule(prompter: ClickPrompter, earlier: Settings, schedule: str) -> None:
    if schedule != "no" and earlier.password_source == SOURCE_KEYRING:
        prompter.say(
            "! The password is in the system keyring, which scheduled runs may not reach "
            "(cron, or a timer while you are logged out): `order-agent init --store file` "
            "keeps it in a 0600 file instead."
        )


def _ask_schedule(prompter: ClickPrompter) -> str:
    while True:
        answer = prompter.ask(
            f"Run `{PROG} run` every {EVERY_MINUTES} minutes for tracked orders? (systemd/cron/no)",
            "no",
        )
        choice = answer.strip().lower()
        if choice in SCHEDULES:
            return choice
        prompter.say("✗ answer systemd, cron or no")


def _schedule(choice: str, prompter: ClickPrompter, executable: Path) -> None:
    config_home = config_home_override()
    if choice == "systemd":
        written = install_systemd_units(systemd_units(executable, config_home=config_home))
        prompter.say(f"Wrote {written[0]} and {written[1]} (every {EVERY_MINUTES} minutes).")
        prompter.say("Start the timer with:")
        for line in SYSTEMCTL_COMMANDS:
            prompter.say(f"  {line}")
        prompter.say(
            f"`journalctl --user -u {PROG}` shows each run; `loginctl enable-linger` keeps "
            "the timer running while you are logged out."
        )
    elif choice == "cron":
        prompter.say("Add this line to your crontab (`crontab -e`):")
        prompter.say(cron_line(executable, config_home=config_home))


def _credentials(
    prompter: ClickPrompter,
    interactive: bool,
    site_url: str | None,
    email: str | None,
    password_stdin: bool,
    password_command: str | None,
) -> tuple[Settings, bool]:
    """The settings to check (site, e-mail, password) and whether a retype is possible."""
    earlier = read_config(config_file())
    if site_url is None:
        if not interactive:
            raise _missing("--site-url")
        site_url = ask_valid(
            prompter,
            "site_url",
            "Shop address (its home page, https://…)",
            earlier.get(env_name("site_url")),
        )
    else:
        validated("site_url", site_url)
        if host := unknown_host(site_url):
            # Before the e-mail and password are read: a typo, not an outage to wait out.
            raise ConfigError(f"there is no host named {host}: check --site-url (a typo?)")
    if email is None:
        if not interactive:
            raise _missing("--email")
        email = ask_valid(
            prompter, "email", "E-mail of your account there", earlier.get(env_name("email"))
        )
    else:
        validated("email", email)
    retype = False
    if password_command is not None:
        password = password_from_command(password_command)
    elif password_stdin:
        password = _read_password_stdin()
    elif interactive:
        password = _ask_password(prompter, email)
        retype = True
    else:
        raise _missing("the password (--password-stdin or --password-command)")
    settings = load_settings(
        require_credentials=False, site_url=site_url, email=email, password=password
    )
    return settings, retype


def _ask_password(prompter: ClickPrompter, email: str) -> SecretStr:
    while True:
        typed = prompter.ask_secret(f"Password for {email} (not shown)")
        if typed.strip():
            register_secret(typed)
            return SecretStr(typed)
        prompter.say("✗ the password cannot be empty")


@click.command(
    "init",
    help="Set up order-agent for your shop account: asks for the shop's address, your "
    "e-mail, password and name, checks them by signing in once (read-only), keeps the "
    "password in the system keyring (else a 0600 file) and writes the settings to "
    "~/.config/order-agent/config.env. Can also install a systemd timer or print a cron "
    "line for scheduled runs.",
    epilog=epilog(
        [
            "order-agent init",
            "order-agent init --password-command 'pass show shop.example.com'",
            "order-agent init --schedule systemd",
            "order-agent init --password-stdin --site-url https://shop.example.com/ "
            "--email jane@example.com --name 'Jane Shopper' --schedule cron",
        ],
        (EXIT_OK, EXIT_TRY_LATER, EXIT_NEEDS_HUMAN, EXIT_USAGE, EXIT_ERROR, EXIT_INTERRUPTED),
        {
            EXIT_OK: "set up: the shop accepted the e-mail and password",
            EXIT_TRY_LATER: "the shop could not be reached: nothing was written; try again",
            EXIT_NEEDS_HUMAN: "the shop refused the password three times: nothing was written",
        },
    ),
)
@click.option("--site-url", help="The shop's home page (https://…); asked when not given.")
@click.option("--email", help="The account's e-mail; asked when not given.")
@click.option("--name", help="Your name for the contact form; default: as the shop shows it.")
@click.option(
    "--password-stdin", is_flag=True, help="Read the password from the first line of stdin."
)
@click.option(
    "--password-command",
    metavar="CMD",
    help="A command that prints the password (e.g. 'pass show shop'): stored instead of "
    "the password, run each time one is needed.",
)
@click.option(
    "--store",
    type=click.Choice(["auto", "keyring", "file"]),
    default="auto",
    show_default=True,
    help="Where the password goes: the system keyring or a 0600 file; auto: the keyring "
    "when one works, the file for scheduled runs (they run without an unlocked keyring).",
)
@click.option(
    "--schedule",
    type=click.Choice(SCHEDULES),
    help="Install user systemd units for `order-agent run`, or print a cron line; "
    "asked on a terminal.",
)
def command(
    site_url: str | None,
    email: str | None,
    name: str | None,
    password_stdin: bool,
    password_command: str | None,
    store: Store,
    schedule: str | None,
) -> int:
    interactive = _on_terminal()
    prompter = ClickPrompter()
    executable = agent_executable()
    if password_stdin and password_command is not None:
        raise UsageError("give --password-stdin or --password-command, not both")
    flags_given = any((site_url, email, name, password_stdin, password_command is not None))
    earlier = None if flags_given else _earlier_set_up()
    if earlier is not None and (
        # Enter keeps it: asking everything again is the rarer wish.
        prompter.confirm(f"{config_file()} is set up already. Keep it?", default=True)
        if interactive
        else schedule is not None
    ):
        if interactive and schedule is None:
            schedule = _ask_schedule(prompter)
        _warn_keyring_for_schedule(prompter, earlier, schedule or "no")
        _schedule(schedule or "no", prompter, executable)
        return EXIT_OK

    settings, retype = _credentials(
        prompter, interactive, site_url, email, password_stdin, password_command
    )
    steps = StepPrinter.for_command(json_output=False)

    def again() -> SecretStr:
        assert settings.email
        return _ask_password(prompter, settings.email)

    checked = check_credentials(settings, prompter, steps, retype=again if retype else None)
    if name is None:
        earlier = read_config(config_file()).get(env_name("name"))
        default = earlier or checked.shown_name
        if interactive:
            name = prompter.ask("Your name, to sign the cancellation requests with", default)
        else:
            name = default
    if interactive and schedule is None:
        schedule = _ask_schedule(prompter)
    where = choose_store(store, unattended=schedule in ("cron", "systemd"))
    saved = save(
        checked.settings,
        name=name.strip() if name and name.strip() else None,
        password_command=password_command,
        store=where,
    )
    prompter.say(f"✓ Wrote {saved.config} ({', '.join(saved.keys)}).")
    prompter.say(f"✓ The password is {saved.password_where}.")
    for key in outranking_settings(saved.keys):
        prompter.say(f"! {key} is set in your environment: it outranks what init wrote.")
    _schedule(schedule or "no", prompter, executable)
    prompter.say(f"Next: {_shown_command(executable)} status ORDER")
    return EXIT_OK
