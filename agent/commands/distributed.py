"""``worker`` and ``beat``: Celery's own worker and beat, with the project's app.

Both are thin: they check that a broker is configured (exit 2 if not), then hand over to
``celery -A agent.distributed.app worker|beat`` (in this process).
"""

from __future__ import annotations

import click

from agent.commands.base import PROG, command_setup, epilog
from agent.settings import Settings, env_name
from ordercore.errors import EXIT_ERROR, EXIT_OK, EXIT_USAGE, ConfigError

NO_BROKER_HINT = (
    "set it to your Redis, e.g. ORDER_AGENT_BROKER_URL=redis://127.0.0.1:6379/0; "
    "embedded mode (`order-agent run`) needs none"
)
# SIGTERM and Ctrl-C are Celery's warm shutdown: the orders in hand end, then exit 0.
EXIT_CODES = (EXIT_OK, EXIT_USAGE, EXIT_ERROR)


def _settings() -> Settings:
    settings, _steps = command_setup(json_output=False, verbose=False, require_credentials=False)
    if settings.broker_url is None:
        raise ConfigError(f"{env_name('broker_url')} is not set", hint=NO_BROKER_HINT)
    return settings


@click.command(
    "worker",
    short_help="Check due orders sent by beat, as a Celery worker (many workers).",
    help="Starts a Celery worker on ORDER_AGENT_BROKER_URL (Redis) that checks the orders "
    "`order-agent beat` sends, each exactly as `order-agent run` would, after claiming it in "
    "the shared ledger (ORDER_AGENT_DATABASE_URL); an order another worker holds is skipped. "
    "Each worker process keeps one Chromium, restarted after ORDER_AGENT_WORKER_MAX_TASKS "
    "orders (default 50) or a crash. All workers together keep to the per-shop limits "
    "ORDER_AGENT_SHOP_MAX_IN_FLIGHT and ORDER_AGENT_SHOP_MAX_PER_SECOND (order checks, kept "
    "in Redis). Stops on SIGTERM after the orders in hand.",
    epilog=epilog(
        [f"{PROG} worker", f"{PROG} worker --concurrency 2"],
        EXIT_CODES,
        {
            EXIT_OK: "the worker stopped (SIGTERM or Ctrl-C)",
            EXIT_USAGE: "ORDER_AGENT_BROKER_URL is not set, or a setting is wrong",
        },
    ),
)
@click.option(
    "--concurrency",
    type=click.IntRange(1, 64),
    default=1,
    show_default=True,
    help="Worker processes (each with its own Chromium).",
)
def worker(concurrency: int) -> int:
    settings = _settings()
    from agent.distributed.app import app

    app.worker_main(
        [
            "worker",
            "--pool=prefork",
            f"--concurrency={concurrency}",
            f"--loglevel={settings.log_level.upper()}",
            "--without-gossip",
            "--without-mingle",
        ]
    )
    return EXIT_OK


@click.command(
    "beat",
    short_help="Send every due order to the workers, periodically (run exactly one).",
    help="Starts Celery beat on ORDER_AGENT_BROKER_URL: every ORDER_AGENT_BEAT_INTERVAL_S "
    "seconds (default 60) it reads the due orders from the ledger and sends one check per "
    "order to the workers. Run one beat for all workers; it keeps no file of its own (what "
    "is due is in the ledger).",
    epilog=epilog(
        [f"{PROG} beat"],
        EXIT_CODES,
        {
            EXIT_OK: "beat stopped (SIGTERM, Ctrl-C)",
            EXIT_USAGE: "ORDER_AGENT_BROKER_URL is not set, or a setting is wrong",
        },
    ),
)
def beat() -> int:
    settings = _settings()
    from agent.distributed.app import app

    settings.data_dir.mkdir(parents=True, exist_ok=True)
    app.start(
        [
            "beat",
            # In memory, not Celery's default shelve file: the ledger says what is due, and a
            # SIGTERM in the middle of a tick closed the shelf under the tick (exit 1).
            "--scheduler=celery.beat:Scheduler",
            f"--loglevel={settings.log_level.upper()}",
        ]
    )
    return EXIT_OK
