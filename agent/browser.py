"""Finding a Chromium to drive, and the flags it needs here.

Discovery order (documented in docs/configuration.md, "Browser"):

1. ``ORDER_AGENT_BROWSER``: an explicit path;
2. Playwright's own downloaded Chromium, if ``playwright install`` ever worked;
3. a system Chromium/Chrome on ``PATH`` (``chromium``, ``chromium-browser``,
   ``google-chrome``).

``order-agent install-browser`` (and ``python -m agent.browser ensure``, run by ``make``)
goes further when none is found: it tries ``playwright install chromium`` and, on
Debian/Ubuntu as root, ``apt-get install -y chromium`` (waiting for the package manager's
lock when another install holds it), then stops with one clear message.

This module must import without Playwright: the idle scheduled run uses it.
"""

from __future__ import annotations

import glob
import os
import shutil
import subprocess
import sys
from pathlib import Path

BROWSER_ENV = "ORDER_AGENT_BROWSER"
SYSTEM_BROWSERS = ("chromium", "chromium-browser", "google-chrome")

# Chromium phones home at start-up; on a closed network those connections fail
# noisily and slow the launch, so they are switched off.
QUIET_FLAGS = (
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
    "--disable-sync",
)


class BrowserNotFound(RuntimeError):
    """No Chromium could be found (or installed)."""


# What a command says when it finds no Chromium to start: the one command that fixes it.
MISSING_HINT = (
    "run `order-agent install-browser` to install one, or set ORDER_AGENT_BROWSER to the "
    "path of a Chromium or Chrome"
)
# How long apt-get waits for the package manager's lock another install holds.
APT_LOCK_TIMEOUT_S = 300


def _playwright_cache_dirs() -> list[Path]:
    configured = os.environ.get("PLAYWRIGHT_BROWSERS_PATH")
    if configured and configured != "0":
        return [Path(configured)]
    return [Path.home() / ".cache" / "ms-playwright"]


def playwright_chromium() -> Path | None:
    """Playwright's own Chromium build, when one was downloaded."""
    for base in _playwright_cache_dirs():
        patterns = (
            "chromium-*/chrome-linux*/chrome",
            "chromium_headless_shell-*/chrome-linux*/headless_shell",
            "chromium-*/chrome-mac*/Chromium.app/Contents/MacOS/Chromium",
            "chromium-*/chrome-win*/chrome.exe",
        )
        for pattern in patterns:
            found = sorted(glob.glob(str(base / pattern)), reverse=True)
            for candidate in found:
                if os.access(candidate, os.X_OK):
                    return Path(candidate)
    return None


def system_chromium() -> Path | None:
    for name in SYSTEM_BROWSERS:
        found = shutil.which(name)
        if found:
            return Path(found)
    return None


def find_browser(explicit: str | os.PathLike[str] | None = None) -> Path | None:
    """Return the Chromium to launch, or ``None`` when there is none."""
    configured = explicit if explicit is not None else os.environ.get(BROWSER_ENV)
    if configured:
        path = Path(configured).expanduser()
        if not (path.is_file() and os.access(path, os.X_OK)):
            raise BrowserNotFound(f"{BROWSER_ENV}={configured} is not an executable file")
        return path
    return playwright_chromium() or system_chromium()


def launch_args() -> list[str]:
    args = list(QUIET_FLAGS)
    # Chromium refuses to start its sandbox as root.
    if hasattr(os, "geteuid") and os.geteuid() == 0:
        args.insert(0, "--no-sandbox")
    return args


def launch_options(executable: Path | None, *, headless: bool = True) -> dict[str, object]:
    """Keyword arguments for ``BrowserType.launch``."""
    options: dict[str, object] = {"headless": headless, "args": launch_args()}
    if executable is not None:
        options["executable_path"] = str(executable)
    return options


def _is_debian_root() -> bool:
    return (
        Path("/etc/debian_version").exists()
        and shutil.which("apt-get") is not None
        and hasattr(os, "geteuid")
        and os.geteuid() == 0
    )


def _run(command: list[str]) -> bool:
    print(f"order-agent: running {' '.join(command)}", file=sys.stderr)
    try:
        return subprocess.run(command, check=False).returncode == 0
    except OSError:
        return False


def ensure_browser() -> Path:
    """Find a Chromium, installing one when none exists; raise when impossible."""
    found = find_browser()
    if found:
        return found
    if _run([sys.executable, "-m", "playwright", "install", "chromium"]):
        found = find_browser()
        if found:
            return found
    if _is_debian_root():
        # Debian's package list may be stale or absent on a fresh machine.
        _run(["apt-get", "-o", f"DPkg::Lock::Timeout={APT_LOCK_TIMEOUT_S}", "update", "-qq"])
        lock = f"DPkg::Lock::Timeout={APT_LOCK_TIMEOUT_S}"
        if _run(["apt-get", "-o", lock, "install", "-y", "-qq", "chromium"]):
            found = find_browser()
            if found:
                return found
    raise BrowserNotFound(
        "no Chromium found: install one (Debian/Ubuntu: `apt-get install chromium`; "
        "elsewhere: `playwright install chromium`) or set ORDER_AGENT_BROWSER to its path"
    )


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    if argv != ["ensure"]:
        print("usage: python -m agent.browser ensure", file=sys.stderr)
        return 2
    try:
        path = ensure_browser()
    except BrowserNotFound as exc:
        print(f"order-agent: {exc}", file=sys.stderr)
        return 1
    print(f"order-agent: using Chromium at {path}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
