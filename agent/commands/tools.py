"""Tools around the agent: ``doctor``, ``site``, ``demo``, ``completion``.

The demo and the fixture shop are for people trying order-agent out: they are
imported only inside their commands, never on an order command's path.
"""

from __future__ import annotations

import errno
from typing import Any

import click

from agent.commands.base import (
    PROG,
    StepPrinter,
    ascii_only,
    bind_run,
    command_setup,
    epilog,
    json_option,
    load_settings,
    print_json,
    verbose_option,
    working_on,
)
from agent.commands.exit_codes import EXIT_INTERRUPTED
from agent.commands.root import COMPLETE_VAR
from ordercore.errors import (
    EXIT_ERROR,
    EXIT_NEEDS_HUMAN,
    EXIT_OK,
    EXIT_TRY_LATER,
    EXIT_USAGE,
    UsageError,
)

SHELLS = ("bash", "zsh", "fish")


@click.command(
    "doctor",
    short_help="Check, read-only, that order-agent understands the shop.",
    help="Signs in, finds the order list, opens one order (or ORDER), finds the returns "
    "entry on a delivered order and the Contact Us form with its fields; submits nothing. "
    "Prints one row per step (found or not, what it matched, where), the status words on "
    "the order list, and for every miss the site-profile lines to add.",
    epilog=epilog(
        [f"{PROG} doctor", f"{PROG} doctor 70004 --json"],
        (EXIT_OK, EXIT_NEEDS_HUMAN, EXIT_USAGE, EXIT_ERROR, EXIT_INTERRUPTED),
        {
            EXIT_OK: "every step was found",
            EXIT_NEEDS_HUMAN: "some were not: a screenshot of each miss is in DATA_DIR/doctor",
        },
    ),
)
@click.argument("order", metavar="[ORDER]", required=False)
@json_option
@verbose_option
def doctor(order: str | None, json_output: bool, verbose: bool) -> int:
    number = working_on(order)
    settings, steps = command_setup(
        json_output=json_output, verbose=verbose, require_credentials=True
    )
    bind_run("doctor", number)
    from agent.doctor import run_doctor

    report = run_doctor(settings, number, steps)
    if json_output:
        print_json(report.to_json())
    else:
        # Rows a person watched appear live (once): the end says the rest.
        print(report.render(ascii_only=ascii_only(), rows=not steps.enabled), flush=True)
    return report.exit_code


class Port(click.ParamType):
    name = "PORT"

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> int:
        try:
            port = int(value)
        except ValueError:
            self.fail(f"{value!r} is not a port number", param, ctx)
        if not 0 <= port <= 65535:
            self.fail("a port is between 0 and 65535", param, ctx)
        return port


class ClockSpeed(click.ParamType):
    name = "X"

    def convert(
        self, value: Any, param: click.Parameter | None, ctx: click.Context | None
    ) -> float:
        try:
            speed = float(value)
        except ValueError:
            self.fail(f"{value!r} is not a number", param, ctx)
        if not 0 <= speed <= 1_000_000:
            self.fail("the clock speed is between 0 and 1000000", param, ctx)
        return speed


class Seed(click.ParamType):
    name = "SEED"

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> int:
        try:
            return int(value)
        except ValueError:
            self.fail(f"{value!r} is not a whole number", param, ctx)


def port_problem(port: int, exc: OSError) -> UsageError | None:
    """The one-line answer to a port the shop cannot listen on; None: not a port problem."""
    if exc.errno == errno.EADDRINUSE:
        return UsageError(
            f"port {port} is already in use: pick another with --port (--port 0 takes any free one)"
        )
    if exc.errno == errno.EACCES:
        return UsageError(
            f"port {port} is reserved for the system administrator: pick one above 1023 with --port"
        )
    return None


@click.command(
    "site",
    short_help="Serve the demo shop (Maison Kora) on this machine.",
    help="Serves the fixture shop that the tests and the demo use, at "
    "http://127.0.0.1:PORT/us/ (also /uk/ and /st/), until Ctrl-C. Sign in as "
    "jane@example.com with the password correct-horse-battery-staple; point "
    "ORDER_AGENT_SITE_URL at it to try every command.",
    epilog=epilog(
        [
            f"{PROG} site",
            f"{PROG} site --port 8080 --clock-speed 60   # an hour a minute",
            f"{PROG} site --control --chaos 1234         # a hostile shop",
        ],
        (EXIT_OK, EXIT_USAGE, EXIT_ERROR),
        {
            EXIT_OK: "stopped with Ctrl-C",
            EXIT_USAGE: "bad arguments or settings, or the port is taken",
        },
    ),
)
@click.option(
    "--port", type=Port(), default=8000, show_default=True, help="Port to listen on (0: any free)."
)
@click.option("--control", is_flag=True, help="Also serve the test control API (/__control).")
@click.option(
    "--clock-speed",
    type=ClockSpeed(),
    help="Shop time runs X times real time (0: frozen; default: the shop's own).",
)
@click.option(
    "--chaos",
    type=Seed(),
    help="A hostile shop, all drawn from SEED: 0-6 overlays 0-2 s after load, 0-800 ms "
    "latency per request, one 503 or dropped connection on a GET, a session that expires "
    "mid-run, late hydration (see fixtures/chaos.py).",
)
@verbose_option
def site(
    port: int, control: bool, clock_speed: float | None, chaos: int | None, verbose: bool
) -> int:
    from agent.run_logging import configure_logging
    from fixtures.server import serve

    configure_logging(load_settings(require_credentials=False))

    options: dict[str, object] = {"port": port, "control": control}
    if clock_speed is not None:
        options["clock_speed"] = clock_speed
    if chaos is not None:
        options["chaos"] = chaos
    try:
        serve(**options)
    except OSError as exc:
        problem = port_problem(port, exc)
        if problem is None:
            raise
        raise problem from None
    return EXIT_OK


@click.command(
    "demo",
    short_help="Watch the agent work on its own demo shop (no settings needed).",
    help="Starts the demo shop on a free port and, as its demo shopper, reads the status "
    "of two orders, asks to cancel a processing one (Contact Us, case number) and returns "
    "a delivered one (return number, label PDF). The proof lands in ./demo-data (or "
    "ORDER_AGENT_DEMO_DIR).",
    epilog=epilog(
        [f"{PROG} demo", f"ORDER_AGENT_DEMO_DIR=/tmp/demo {PROG} demo"],
        (EXIT_OK, EXIT_TRY_LATER, EXIT_NEEDS_HUMAN, EXIT_USAGE, EXIT_ERROR, EXIT_INTERRUPTED),
        {EXIT_OK: "every step of the demo worked; otherwise the failed step's own code"},
    ),
)
@verbose_option
def demo(verbose: bool) -> int:
    # The demo prints every step itself; logs below warning would repeat them.
    from agent.demo import main as demo_main
    from agent.run_logging import configure_logging

    configure_logging(load_settings(require_credentials=False), StepPrinter(enabled=True))

    code = demo_main()
    return EXIT_OK if code is None else int(code)


@click.command(
    "config",
    short_help="Print the settings in force and where each comes from (secrets masked).",
    help="Lists every ORDER_AGENT_* setting a command would use now, with where it comes "
    "from: the environment, a .env file (or ORDER_AGENT_ENV_FILE), init's config file, a "
    "secrets directory, or the default. Passwords, keys and tokens are shown as ********; "
    "a database or broker URL keeps all but its password. Reads only: nothing is written.",
    epilog=epilog(
        [f"{PROG} config", f"{PROG} config --json"],
        (EXIT_OK, EXIT_USAGE),
        {EXIT_OK: "the settings were printed", EXIT_USAGE: "a setting is not valid"},
    ),
)
@json_option
def config(json_output: bool) -> int:
    from agent.settings import load_settings
    from agent.settings_origins import origins

    found = origins(load_settings(require_credentials=False))
    if json_output:
        print_json({"settings": [origin.to_json() for origin in found]})
        return EXIT_OK
    width = max(len(origin.origin) for origin in found)
    for origin in found:
        click.echo(f"{origin.origin:<{width}}  {origin.name}={origin.value}")
    return EXIT_OK


@click.command(
    "help",
    short_help="Print the help of order-agent, or of one of its commands.",
    help="Prints what `order-agent --help` prints, or with COMMAND what `order-agent COMMAND "
    "--help` prints: the command's options, examples and exit codes.",
    epilog=epilog(
        [f"{PROG} help", f"{PROG} help cancel"],
        (EXIT_OK, EXIT_USAGE),
        {EXIT_OK: "the help was printed", EXIT_USAGE: "no such command"},
    ),
)
@click.argument("command_name", metavar="[COMMAND]", required=False)
@click.pass_context
def help_(ctx: click.Context, command_name: str | None) -> int:
    root = ctx.find_root()
    if command_name is None:
        click.echo(root.get_help())
        return EXIT_OK
    group = root.command
    assert isinstance(group, click.Group)
    command = group.get_command(root, command_name)
    if command is None:
        from agent.commands.root import unknown_command_message

        raise UsageError(unknown_command_message(command_name, group.list_commands(root)))
    with click.Context(command, info_name=command_name, parent=root) as sub:
        click.echo(command.get_help(sub))
    return EXIT_OK


@click.command(
    "install-browser",
    short_help="Make sure a Chromium is there to drive (installs one if needed).",
    help="Finds the Chromium order-agent drives (ORDER_AGENT_BROWSER, Playwright's own "
    "download, or chromium / chromium-browser / google-chrome on PATH) and, when there is "
    "none, installs one: `playwright install chromium`, else on Debian/Ubuntu as root "
    "`apt-get install chromium` (waiting for the package manager when another install "
    "holds it). Prints where the Chromium is.",
    epilog=epilog(
        [
            f"{PROG} install-browser",
            f"ORDER_AGENT_BROWSER=/usr/bin/chromium {PROG} install-browser",
        ],
        (EXIT_OK, EXIT_USAGE, EXIT_ERROR),
        {
            EXIT_OK: "a Chromium is there (found, or installed now)",
            EXIT_USAGE: "ORDER_AGENT_BROWSER names no program",
            EXIT_ERROR: "none found and none could be installed: the message says what to do",
        },
    ),
)
def install_browser() -> int:
    from agent.browser import BROWSER_ENV, BrowserNotFound, ensure_browser, find_browser

    try:
        find_browser()  # a wrong ORDER_AGENT_BROWSER is a setting to fix, not to install over
    except BrowserNotFound as exc:
        raise UsageError(str(exc), hint=f"unset {BROWSER_ENV} or point it at a Chromium") from None
    try:
        path = ensure_browser()
    except BrowserNotFound as exc:
        click.echo(f"{PROG}: {exc}", err=True)
        return EXIT_ERROR
    click.echo(f"{PROG}: using Chromium at {path}")
    return EXIT_OK


@click.command(
    "completion",
    short_help="Print the shell completion script for bash, zsh or fish.",
    help="Prints the script that completes order-agent's commands and options in SHELL. "
    "Load it from the shell's start-up file (see the examples) or save it where the shell "
    "looks for completions.",
    epilog=epilog(
        [
            f'eval "$({PROG} completion bash)"               # in ~/.bashrc',
            f'eval "$({PROG} completion zsh)"                # in ~/.zshrc',
            f"{PROG} completion fish > ~/.config/fish/completions/{PROG}.fish",
        ],
        (EXIT_OK, EXIT_USAGE),
        {EXIT_OK: "the script was printed", EXIT_USAGE: "not one of bash, zsh, fish"},
    ),
)
@click.argument("shell", type=click.Choice(SHELLS), metavar="SHELL")
@click.pass_context
def completion(ctx: click.Context, shell: str) -> int:
    from click.shell_completion import get_completion_class

    completer = get_completion_class(shell)
    assert completer is not None  # click knows all three
    root = ctx.find_root().command
    click.echo(completer(root, {}, PROG, COMPLETE_VAR).source())
    return EXIT_OK
