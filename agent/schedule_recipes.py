"""Running ``order-agent run`` on a schedule: user systemd units, or one cron line.

Both call the order-agent executable by its absolute path (cron's and systemd's
PATH rarely holds ``~/.local/bin`` or a virtual environment) and assume no working
directory: the settings come from the per-user config file (``agent.user_config``),
which ``load_settings`` reads wherever the command starts. When that file is not
where a fresh login would look (``XDG_CONFIG_HOME`` set to somewhere else), the
recipe sets ``XDG_CONFIG_HOME`` itself.
"""

from __future__ import annotations

import os
import shlex
import shutil
import sys
from dataclasses import dataclass
from pathlib import Path

from agent.user_config import config_dir, write_private_file

PROG = "order-agent"
EVERY_MINUTES = 15
SERVICE_NAME = "order-agent.service"
TIMER_NAME = "order-agent.timer"
LOG_DIR_SHELL = '"$HOME/.local/state/order-agent"'
LOG_FILE_SHELL = '"$HOME/.local/state/order-agent/run.log"'
# `run` exits 75 when orders are still waiting: normal for a scheduler, not a failure.
EXIT_STILL_WAITING = 75
SYSTEMCTL_COMMANDS = (
    "systemctl --user daemon-reload",
    f"systemctl --user enable --now {TIMER_NAME}",
)


def agent_executable() -> Path:
    """The absolute path of the order-agent being run now (or of its install).

    ``sys.argv[0]`` when it is the ``order-agent`` script (kept unresolved: a pipx
    link in ``~/.local/bin`` survives upgrades); else the script beside this Python
    (the same install as this code); else the first one on ``PATH``.
    """
    started_as = Path(sys.argv[0]) if sys.argv and sys.argv[0] else None
    if started_as is not None and started_as.name == PROG and started_as.is_file():
        return started_as.absolute()
    beside = Path(sys.executable).parent / PROG
    if beside.is_file() and os.access(beside, os.X_OK):
        return beside.absolute()
    on_path = shutil.which(PROG)
    if on_path:
        return Path(on_path).absolute()
    return beside.absolute()  # not installed as a script: the recipe names where it would be


def _default_config_home() -> Path:
    return Path.home() / ".config"


def config_home_override() -> Path | None:
    """``XDG_CONFIG_HOME``'s value when the config file is not under ``~/.config``."""
    here = config_dir().parent
    return None if here == _default_config_home() else here


def systemd_unit_dir() -> Path:
    """``$XDG_CONFIG_HOME/systemd/user``: where ``systemctl --user`` looks for a user's units."""
    configured = os.environ.get("XDG_CONFIG_HOME", "").strip()
    base = Path(configured) if configured and Path(configured).is_absolute() else None
    return (base or _default_config_home()) / "systemd" / "user"


def _systemd_word(text: str) -> str:
    """One word of an ExecStart= or Environment= line: specifiers and variables escaped."""
    escaped = text.replace("%", "%%").replace("$", "$$")
    if any(char in escaped for char in ' "\\\t'):
        escaped = '"' + escaped.replace("\\", "\\\\").replace('"', '\\"') + '"'
    return escaped


@dataclass(frozen=True)
class SystemdUnits:
    service: str
    timer: str

    def files(self, unit_dir: Path) -> dict[Path, str]:
        return {unit_dir / SERVICE_NAME: self.service, unit_dir / TIMER_NAME: self.timer}


def systemd_units(executable: Path, *, config_home: Path | None = None) -> SystemdUnits:
    """The service (one ``run`` pass) and its timer (every 15 minutes, spread out)."""
    environment = ""
    if config_home is not None:
        environment = f"Environment={_systemd_word(f'XDG_CONFIG_HOME={config_home}')}\n"
    service = (
        "# Written by `order-agent init --schedule systemd`.\n"
        "[Unit]\n"
        "Description=order-agent: one pass over the tracked orders\n"
        "\n"
        "[Service]\n"
        "Type=oneshot\n"
        "# Settings: the config file `order-agent init` wrote "
        f"({config_dir() / 'config.env'}).\n"
        f"{environment}"
        f"ExecStart={_systemd_word(str(executable))} run\n"
        f"# {EXIT_STILL_WAITING} is 'some orders are still waiting': a normal outcome.\n"
        f"SuccessExitStatus={EXIT_STILL_WAITING}\n"
        "TimeoutStartSec=15min\n"
    )
    timer = (
        "# Written by `order-agent init --schedule systemd`.\n"
        "[Unit]\n"
        f"Description=Run order-agent every {EVERY_MINUTES} minutes\n"
        "\n"
        "[Timer]\n"
        "OnBootSec=5min\n"
        f"OnUnitActiveSec={EVERY_MINUTES}min\n"
        "# Spread the runs so that they do not hit the shop on the minute.\n"
        "RandomizedDelaySec=3min\n"
        "\n"
        "[Install]\n"
        "WantedBy=timers.target\n"
    )
    return SystemdUnits(service, timer)


def install_systemd_units(units: SystemdUnits, unit_dir: Path | None = None) -> list[Path]:
    """Write both unit files (atomically); the paths written. systemctl is not run here."""
    folder = unit_dir or systemd_unit_dir()
    written = []
    for path, text in units.files(folder).items():
        write_private_file(path, text)
        path.chmod(0o644)  # units hold no secret; systemd reads them as the user anyway
        written.append(path)
    return written


def cron_line(executable: Path, *, config_home: Path | None = None) -> str:
    """One crontab line that works as written on a fresh account.

    Creates the log folder first (cron's ``>>`` cannot), names the executable by its
    absolute path, and escapes ``%`` (cron turns a bare one into a newline).
    """
    command = shlex.quote(str(executable))
    if config_home is not None:
        command = f"XDG_CONFIG_HOME={shlex.quote(str(config_home))} {command}"
    shell = f"mkdir -p {LOG_DIR_SHELL} && {command} run >>{LOG_FILE_SHELL} 2>&1"
    return f"*/{EVERY_MINUTES} * * * * " + shell.replace("%", "\\%")
