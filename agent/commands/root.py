"""The ``order-agent`` click group: commands imported only when named (click's LazyGroup).

``order-agent cancel`` imports ``agent.commands.orders`` and nothing of the demo,
the fixture shop, doctor or history. The top-level ``--help`` and shell completion
load every command (for its one-line help), which imports their modules but
still none of the heavy libraries: those wait inside the command functions.
"""

from __future__ import annotations

import difflib
import importlib
from collections.abc import Mapping
from typing import Any

import click

from agent import __version__
from agent.commands.base import PROG, keep_lines, verbose_option
from agent.commands.exit_codes import EXIT_CODES, exit_code_rows
from agent.commands.invocation import Invocation
from ordercore.errors import UsageError

# The variable that asks for completions (click's name for it: _{PROG}_COMPLETE, upper-cased).
COMPLETE_VAR = "_ORDER_AGENT_COMPLETE"

DESCRIPTION = (
    "Cancels online orders for you in a real browser: a cancellation request while the "
    "order is processing, a return with its prepaid label once delivered."
)

ROOT_EPILOG = keep_lines(
    f"Examples (on the demo shop: `{PROG} site` in another terminal first):\n"
    "  export ORDER_AGENT_SITE_URL=http://127.0.0.1:8000/us/\n"
    "  export ORDER_AGENT_EMAIL=jane@example.com\n"
    "  export ORDER_AGENT_PASSWORD=correct-horse-battery-staple\n"
    f"  {PROG} status MK-70001\n"
    f'  {PROG} cancel 70001 --reason "Ordered the wrong size"\n'
    f'  {PROG} return 70004 --item "Logo Cashmere Scarf"\n'
    f"  {PROG} demo                  # all of it on its own demo shop, no settings\n"
    f"  {PROG} init                  # set up your own shop account once\n"
    f"  {PROG} COMMAND --help        # each command's options, examples and exit codes"
    "\n\n"
    "Exit codes:\n" + "\n".join(exit_code_rows(code for code, _ in EXIT_CODES)) + "\n\n"
    "Settings come from ORDER_AGENT_* environment variables, a .env file,\n"
    "~/.config/order-agent/config.env (written by init) or /run/secrets:\n"
    "ORDER_AGENT_SITE_URL, ORDER_AGENT_EMAIL, ORDER_AGENT_PASSWORD\n"
    "(required), ORDER_AGENT_NAME, ORDER_AGENT_PROFILE (the shop's profile: a .toml\n"
    "path or a built-in name), ORDER_AGENT_TOTP_SECRET, ORDER_AGENT_LOG_LEVEL=debug ..."
)


def unknown_command_message(name: str, known: list[str]) -> str:
    """``no such command 'canel'; did you mean 'cancel'? (see `order-agent --help`)``."""
    # Swapped letters first ("lsit" is "list", though difflib rates "site" as close).
    close = [word for word in known if sorted(word) == sorted(name)]
    close = close or difflib.get_close_matches(name, known, n=1, cutoff=0.6)
    guess = f"; did you mean {close[0]!r}?" if close else ""
    return f"no such command {name!r}{guess} (see `{PROG} --help`)"


class LazyGroup(click.Group):
    """A group whose commands are ``"module:attribute"`` strings, imported on first use."""

    def __init__(self, *args: Any, lazy_commands: Mapping[str, str], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.lazy_commands = dict(lazy_commands)

    def list_commands(self, ctx: click.Context) -> list[str]:
        # The table's order (order commands, scheduled mode, tools), not alphabetical.
        return [*self.lazy_commands, *(n for n in self.commands if n not in self.lazy_commands)]

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        if cmd_name in self.commands:
            return self.commands[cmd_name]
        if cmd_name not in self.lazy_commands:
            return None
        module_name, attribute = self.lazy_commands[cmd_name].split(":")
        command = getattr(importlib.import_module(module_name), attribute)
        if not isinstance(command, click.Command):
            raise TypeError(f"{self.lazy_commands[cmd_name]} is not a click command")
        if command.epilog:  # hand-laid examples and tables stay as written
            command.epilog = keep_lines(command.epilog)
        self.commands[cmd_name] = command
        return command

    def resolve_command(
        self, ctx: click.Context, args: list[str]
    ) -> tuple[str | None, click.Command | None, list[str]]:
        name = args[0]
        if (
            not ctx.resilient_parsing
            and not name.startswith("-")
            and self.get_command(ctx, name) is None
        ):
            raise UsageError(unknown_command_message(name, self.list_commands(ctx)))
        return super().resolve_command(ctx, args)


def build_group(commands: Mapping[str, str]) -> LazyGroup:
    """The ``order-agent`` group over ``commands`` (name -> ``"module:attribute"``)."""

    @click.group(
        PROG,
        cls=LazyGroup,
        lazy_commands=commands,
        help=DESCRIPTION,
        epilog=ROOT_EPILOG,
        invoke_without_command=True,
        context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100},
    )
    @click.version_option(__version__, "--version", prog_name=PROG, message="%(prog)s %(version)s")
    @verbose_option
    @click.pass_context
    def group(ctx: click.Context, verbose: bool) -> int:
        ctx.ensure_object(Invocation).verbose = verbose
        if ctx.invoked_subcommand is None:  # bare `order-agent`: the help, not an error
            click.echo(ctx.get_help())
        return 0

    assert isinstance(group, LazyGroup)
    return group
