"""Logging set-up: structlog to stderr, readable on a terminal, JSON otherwise.

Every line passes through the redaction processor last before rendering,
after tracebacks have been turned into text, so nothing a secret touched
reaches the stream. Standard-library loggers (tenacity, asyncio, ...) go
through the same chain.

The runner binds the unit of work's context once (``bind_run``); every line
logged while it runs carries the command, order and run id.
"""

from __future__ import annotations

import logging
import os
import sys
import uuid
from collections.abc import Iterable
from pathlib import Path
from typing import Any, TextIO

from agent.redaction import redact_event, register_secrets
from agent.terminal import colour_wanted, follow_live_line

# structlog imports rich's console and traceback (with pygments) when rich is installed,
# for tracebacks we never let it draw (see ``_renderer``): tens of milliseconds on every
# start. rich is for the spinner on a terminal and is imported by ``agent.terminal``
# only when one is shown, so it is hidden while structlog loads.
_HIDE_RICH = "rich" not in sys.modules and "structlog" not in sys.modules
if _HIDE_RICH:
    sys.modules["rich"] = None  # type: ignore[assignment]  # `import rich` fails
try:
    import structlog
finally:
    if _HIDE_RICH and sys.modules.get("rich", False) is None:
        del sys.modules["rich"]


LEVELS = {"debug": logging.DEBUG, "info": logging.INFO, "warning": logging.WARNING}
FORMATS = ("console", "json")


def default_format(stream: TextIO | None = None) -> str:
    """``console`` for a person at a terminal, ``json`` for anything else."""
    stream = sys.stderr if stream is None else stream
    try:
        return "console" if stream.isatty() else "json"
    except (AttributeError, ValueError):  # closed or fake streams
        return "json"


class _NamedPrintLogger(structlog.PrintLogger):
    """A PrintLogger that remembers the name given to ``structlog.get_logger(name)``."""

    def __init__(self, file: TextIO, name: str | None) -> None:
        super().__init__(file)
        self.name = name


class _NamedPrintLoggerFactory:
    def __init__(self, file: TextIO) -> None:
        self._file = file

    def __call__(self, *args: Any) -> _NamedPrintLogger:
        name = args[0] if args and isinstance(args[0], str) else None
        return _NamedPrintLogger(self._file, name)


def _add_logger_name(logger: Any, _method: str, event_dict: dict[str, Any]) -> dict[str, Any]:
    name = getattr(logger, "name", None)
    if name and "logger" not in event_dict:
        event_dict["logger"] = name
    return event_dict


def _shared_processors() -> list[Any]:
    return [
        structlog.contextvars.merge_contextvars,
        structlog.processors.add_log_level,
        structlog.processors.TimeStamper(fmt="iso", utc=True),
        structlog.processors.StackInfoRenderer(),
    ]


def _renderer(fmt: str, stream: TextIO) -> Any:
    if fmt == "json":
        return structlog.processors.JSONRenderer()
    colors = colour_wanted(stream)  # NO_COLOR, FORCE_COLOR, TERM=dumb
    # The traceback arrives as text already scrubbed; the default (rich)
    # formatter would re-render it from the live exception, locals included.
    return structlog.dev.ConsoleRenderer(
        colors=colors, exception_formatter=structlog.dev.plain_traceback
    )


def configure_logging(
    level: str,
    fmt: str,
    secrets: Iterable[str],
    *,
    stream: TextIO | None = None,
) -> None:
    """Send structlog (and stdlib logging) to ``stream`` (stderr), secrets scrubbed.

    ``secrets`` are added to those registered before (never forgotten:
    reconfiguring must not reopen a leak); values learned later are added
    with ``agent.redaction.register_secret``.
    """
    if level not in LEVELS:
        raise ValueError(f"log level must be one of {', '.join(LEVELS)}")
    if fmt not in FORMATS:
        raise ValueError(f"log format must be one of {', '.join(FORMATS)}")
    stream = sys.stderr if stream is None else stream
    register_secrets(secrets)

    renderer = _renderer(fmt, stream)
    # Log lines go above a spinner shown on the same terminal, never through it;
    # written byte for byte as before everywhere else.
    stream = follow_live_line(stream)
    structlog.configure(
        processors=[
            *_shared_processors(),
            _add_logger_name,
            structlog.processors.format_exc_info,
            redact_event,
            renderer,
        ],
        wrapper_class=structlog.make_filtering_bound_logger(LEVELS[level]),
        logger_factory=_NamedPrintLoggerFactory(stream),
        # Tests and the CLI reconfigure in one process; cached loggers would
        # keep writing to the old stream.
        cache_logger_on_first_use=False,
    )

    handler = logging.StreamHandler(stream)
    handler.setFormatter(
        structlog.stdlib.ProcessorFormatter(
            foreign_pre_chain=[*_shared_processors(), structlog.stdlib.add_logger_name],
            processors=[
                structlog.stdlib.ProcessorFormatter.remove_processors_meta,
                structlog.processors.format_exc_info,
                redact_event,
                renderer,
            ],
        )
    )
    root = logging.getLogger()
    for old in list(root.handlers):
        if getattr(old, "_order_agent", False):
            root.removeHandler(old)
    handler._order_agent = True  # type: ignore[attr-defined]
    root.addHandler(handler)
    root.setLevel(LEVELS[level])


def get_logger(name: str | None = None) -> Any:
    """A structlog logger; ``name`` ends up as the ``logger`` key."""
    return structlog.get_logger() if name is None else structlog.get_logger(name)


def new_run_id() -> str:
    return uuid.uuid4().hex[:12]


def bind_run(command: str, order: str | None = None, run_id: str | None = None) -> str:
    """Bind the unit of work's context for every following line; returns the run id."""
    run_id = run_id or new_run_id()
    context: dict[str, str] = {"command": command, "run_id": run_id}
    if order is not None:
        context["order"] = order
    structlog.contextvars.bind_contextvars(**context)
    return run_id


def clear_run() -> None:
    structlog.contextvars.clear_contextvars()


# The log of the commands a person watches on a terminal (their live steps replace it there).
LOG_FILE = Path("logs") / "order-agent.log"
LOG_FILE_MAX_BYTES = 5_000_000  # then it starts afresh, the last one kept as .1


def log_file(data_dir: Path) -> TextIO | None:
    """The data dir's log file, opened to append (0600, in a 0700 folder); None when it
    cannot be written (the logs then go to stderr, as off a terminal)."""
    path = Path(data_dir).expanduser() / LOG_FILE
    try:
        path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
        if path.is_file() and path.stat().st_size > LOG_FILE_MAX_BYTES:
            path.replace(path.with_name(path.name + ".1"))
        descriptor = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
        return open(descriptor, "a", encoding="utf-8", buffering=1)
    except OSError:
        return None
