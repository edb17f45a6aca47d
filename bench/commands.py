"""What the benchmark runs: the agent's commands, the hand-written script, their settings.

Both the agent and the script get the same Chromium: the one
``agent.browser.find_browser`` finds, behind a tiny shell wrapper that records
each launch before ``exec``-ing it. The wrapper costs one ``sh`` start per run
(a few ms, the same for both) and makes "did this run start a browser, and how
many?" a fact rather than a guess.
"""

from __future__ import annotations

import os
import shlex
import stat
import sys
from dataclasses import dataclass
from itertools import count
from pathlib import Path

from agent.browser import BROWSER_ENV, find_browser

REGION = "us"
EMAIL = "jane@example.com"
NAME = "Jane Shopper"
# The fixture shop's seed password: public, the same for every demo account.
PASSWORD = "correct-horse-battery-staple"
FIRST_ORDER_NUMBER = 80001
HANDWRITTEN_SCRIPT = Path(__file__).resolve().with_name("handwritten.py")
FLOOR_SCRIPT = Path(__file__).resolve().with_name("floor.py")
REPO = Path(__file__).resolve().parents[1]
AGENT = "agent"  # bench.probe's name for the installed order-agent


@dataclass(frozen=True)
class BrowserWrapper:
    """A Chromium stand-in that appends a line to ``marker`` per launch, then is Chromium."""

    path: Path
    marker: Path

    @classmethod
    def create(cls, folder: Path) -> BrowserWrapper:
        real = find_browser()
        if real is None:
            raise SystemExit("bench: no Chromium found (run `make browser`)")
        folder.mkdir(parents=True, exist_ok=True)
        marker = folder / "browser-launches"
        marker.touch()
        path = folder / "chromium"
        path.write_text(
            "#!/bin/sh\n"
            f"echo launched >> {shlex.quote(str(marker))}\n"
            f'exec {shlex.quote(str(real))} "$@"\n'
        )
        path.chmod(path.stat().st_mode | stat.S_IXUSR)
        return cls(path=path, marker=marker)

    def launches(self) -> int:
        return len(self.marker.read_text().splitlines())


class OrderNumbers:
    """Fresh order numbers: each measured cancellation needs an order never asked about."""

    def __init__(self, start: int = FIRST_ORDER_NUMBER) -> None:
        self._next = count(start)

    def take(self) -> str:
        return str(next(self._next))


def agent_executable() -> list[str]:
    """``order-agent`` as a user runs it: the console script next to this Python."""
    script = Path(sys.executable).with_name("order-agent")
    if script.is_file():
        return [str(script)]
    return [sys.executable, "-m", "agent"]


def base_environment(browser: BrowserWrapper) -> dict[str, str]:
    """This process's environment without any ORDER_AGENT_* of the person running the bench."""
    env = {key: value for key, value in os.environ.items() if not key.startswith("ORDER_AGENT_")}
    env[BROWSER_ENV] = str(browser.path)
    env["ORDER_AGENT_PASSWORD"] = PASSWORD
    # bench.probe and the scripts import bench/, which is not installed.
    env["PYTHONPATH"] = os.pathsep.join(filter(None, (str(REPO), env.get("PYTHONPATH"))))
    return env


def agent_environment(
    browser: BrowserWrapper, site_url: str, data_dir: Path, secrets_dir: Path
) -> dict[str, str]:
    env = base_environment(browser)
    env.update(
        {
            "ORDER_AGENT_SITE_URL": site_url,
            "ORDER_AGENT_EMAIL": EMAIL,
            "ORDER_AGENT_NAME": NAME,
            "ORDER_AGENT_DATA_DIR": str(data_dir),
            # An empty secrets dir: a /run/secrets on this machine must not leak in.
            "ORDER_AGENT_SECRETS_DIR": str(secrets_dir),
            "ORDER_AGENT_LOG_FORMAT": "json",
            "ORDER_AGENT_LOG_LEVEL": "info",
        }
    )
    return env


def probed(report: Path, target: str, arguments: list[str]) -> list[str]:
    """Run ``target`` (``AGENT`` or a script) under ``bench.probe``, its report to ``report``."""
    return [sys.executable, "-m", "bench.probe", str(report), "--", target, *arguments]


def cancel_args(number: str) -> list[str]:
    return ["cancel", number, "--json"]


def run_args() -> list[str]:
    return ["run", "--json"]


def add_argv(number: str) -> list[str]:
    # Tracking only: the look-up `add` does by default would be one more browser run.
    return [*agent_executable(), "add", number, "--no-check", "--json"]


def run_argv() -> list[str]:
    """The idle run, as a timer starts it: no probe (it must not even import Playwright)."""
    return [*agent_executable(), *run_args()]


def _orders(numbers: list[str]) -> list[str]:
    return [argument for number in numbers for argument in ("--order", number)]


def handwritten_args(site_url: str, numbers: list[str]) -> list[str]:
    """The script's arguments: one order, or a batch signed in once."""
    return [
        str(HANDWRITTEN_SCRIPT),
        "--site",
        site_url,
        "--email",
        EMAIL,
        "--name",
        NAME,
        *_orders(numbers),
    ]


def duties_args(site_url: str, storage: Path | None, number: str) -> list[str]:
    """The floor with the agent's duties: signs in from the home page without ``storage``."""
    saved = ["--storage", str(storage)] if storage is not None else []
    return [
        str(FLOOR_SCRIPT),
        "--site",
        site_url,
        "--email",
        EMAIL,
        *saved,
        "--duties",
        "--name",
        NAME,
        "--order",
        number,
    ]


def floor_args(site_url: str, storage: Path, numbers: list[str]) -> list[str]:
    """The floor's arguments; no ``numbers``: sign in once and save the session."""
    common = [str(FLOOR_SCRIPT), "--site", site_url, "--email", EMAIL, "--storage", str(storage)]
    if not numbers:
        return [*common, "--sign-in-only"]
    return [*common, "--name", NAME, *_orders(numbers)]
