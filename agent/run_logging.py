"""Where a command's logs go: stderr (JSON off a terminal), or the data dir's log file
while a person watches the live steps; the same for a distributed worker's processes."""

from __future__ import annotations

from agent.logs import configure_logging as configure
from agent.logs import get_logger, log_file
from agent.output import StepPrinter
from agent.settings import Settings


def _interactive_log_level(settings: Settings, steps: StepPrinter | None) -> str:
    # People watching steps on a terminal would otherwise read everything
    # twice; an explicit ORDER_AGENT_LOG_LEVEL always wins.
    if steps is not None and steps.replaces_logs and "log_level" not in settings.model_fields_set:
        return "warning"
    return settings.log_level


def configure_logging(settings: Settings, steps: StepPrinter | None = None) -> None:
    """Logs to stderr (JSON off a terminal); on a terminal where a person watches the live
    steps, to the log file instead (``logs/order-agent.log`` in the data dir), unless
    ORDER_AGENT_LOG_LEVEL asks for them there. A setting that was ignored is told either way."""
    secrets = settings.secret_values()
    explicit = "log_level" in settings.model_fields_set
    stream = log_file(settings.data_dir) if steps and steps.on_terminal and not explicit else None
    if stream is not None:
        configure("info", "json", secrets, stream=stream)
    else:
        configure(_interactive_log_level(settings, steps), settings.log_format, secrets)
    for warning in settings.config_warnings:
        get_logger("agent.cli").warning("configuration", problem=warning)
        if stream is not None and steps is not None:
            steps.warn(warning)
