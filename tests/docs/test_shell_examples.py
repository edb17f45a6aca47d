"""Every shell example of the README and of docs/ runs, as written, on a fresh home.

Each ```sh block of ``README.md`` and ``docs/*.md`` is one of three kinds, said by an
HTML comment on the line just above it:

* no comment: it runs in its page's session, one ``bash`` per page with a fresh
  ``HOME``, the blocks in page order, so that a block's ``export``s and the demo
  shop it starts in the background serve the blocks after it (as they would in a
  reader's terminal);
* ``<!-- example: fresh home, runs in a copy of the repository -->``: it runs alone,
  in a fresh ``HOME`` of its own, in a copy of the repository's files (the install
  examples: ``pip install .``, ``pipx install .``);
* ``<!-- not run: REASON -->``: it is not run, and REASON says why and which test
  covers what it shows. The list of such blocks is pinned below, so that a new
  example cannot quietly join it.

A command is a line with its continuation lines (``\\`` or ``|`` at the end); it must
exit with the code its comment gives (``# exit N``), else 0. One change is made to
what is written: the demo shop's port 8000 becomes a free port, so that tests can
run side by side. A command ending in ``&`` (the demo shop) is followed by the next
once the shop has printed its banner, as a reader would wait for it.
"""

from __future__ import annotations

import contextlib
import os
import queue
import re
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest

pytestmark = pytest.mark.slow

REPO = Path(__file__).resolve().parents[2]
PAGES = [REPO / "README.md", *sorted((REPO / "docs").glob("*.md"))]
BLOCK = re.compile(r"(?:^<!-- (?P<directive>[^\n]*?) -->\n)?^```sh\n(?P<body>.*?)^```", re.M | re.S)
EXIT_IN_COMMENT = re.compile(r"\bexit (\d+)\b")
FRESH = "example: fresh home, runs in a copy of the repository"
DEMO_PORT = "8000"
SHOP_BANNER = "demo account:"
COMMAND_TIMEOUT_S = 240  # one agent run on a machine running the rest of the suite
INSTALL_TIMEOUT_S = 900  # `pip install .` resolves every dependency on the package index

# page -> how each block that is not run starts. Each says why above the block.
NOT_RUN = {
    "README.md": ["make demo", "order-agent init"],
    "docs/development.md": ["make check"],
    "docs/scale-out.md": ["export ORDER_AGENT_BROKER_URL", ".venv/bin/celery"],
    "docs/scheduled.md": ["systemctl --user daemon-reload", "journalctl --user -u order-agent"],
}


@dataclass(frozen=True)
class Command:
    text: str  # as the page shows it, continuation lines included
    exit_code: int  # what the page says it exits with

    @property
    def background(self) -> bool:
        return self.text.split("#", 1)[0].rstrip().endswith("&")


@dataclass
class Block:
    page: str
    line: int
    directive: str | None
    commands: list[Command] = field(default_factory=list)

    @property
    def first_line(self) -> str:
        return self.commands[0].text.splitlines()[0] if self.commands else ""


def commands_of(body: str) -> list[Command]:
    commands: list[Command] = []
    pending: list[str] = []
    for line in body.splitlines():
        if not pending and (not line.strip() or line.lstrip().startswith("#")):
            continue
        pending.append(line)
        code_part = line.split(" #", 1)[0].rstrip()
        if code_part.endswith(("\\", "|")):
            continue
        text = "\n".join(pending)
        pending = []
        found = EXIT_IN_COMMENT.search(text.split(" #", 1)[1]) if " #" in text else None
        commands.append(Command(text, int(found.group(1)) if found else 0))
    assert not pending, f"a command continues past the end of its block: {pending}"
    return commands


def blocks_of(page: Path) -> list[Block]:
    text = page.read_text(encoding="utf-8")
    name = str(page.relative_to(REPO))
    return [
        Block(
            name,
            text.count("\n", 0, match.start("body")) + 1,
            match.group("directive"),
            commands_of(match.group("body")),
        )
        for match in BLOCK.finditer(text)
    ]


BLOCKS = [block for page in PAGES for block in blocks_of(page)]


def session_blocks(page: str) -> list[Block]:
    return [block for block in BLOCKS if block.page == page and block.directive is None]


SESSION_PAGES = sorted({block.page for block in BLOCKS if block.directive is None})
FRESH_BLOCKS = [block for block in BLOCKS if block.directive == FRESH]


def test_every_block_is_run_or_says_why_not() -> None:
    # Parsing alone: a rewrite that loses examples, or that leaves one unrun without a
    # word, fails here rather than testing less.
    for block in BLOCKS:
        assert block.commands, f"{block.page}:{block.line}: an empty example"
        directive = block.directive
        assert directive is None or directive == FRESH or directive.startswith("not run: "), (
            f"{block.page}:{block.line}: unknown directive {directive!r}"
        )
        if directive and directive.startswith("not run: "):
            assert len(directive.split()) >= 8, f"{block.page}:{block.line}: say why"
    not_run: dict[str, list[str]] = {}
    for block in BLOCKS:
        if block.directive and block.directive.startswith("not run: "):
            not_run.setdefault(block.page, []).append(block.first_line)
    assert not_run.keys() == NOT_RUN.keys(), not_run
    for page, lines in not_run.items():
        assert len(lines) == len(NOT_RUN[page]), (page, lines)
        assert all(map(str.startswith, lines, NOT_RUN[page])), (page, lines)
    assert len(FRESH_BLOCKS) == 2
    assert {"README.md", "docs/usage.md", "docs/scheduled.md", "docs/accounts.md"} <= set(
        SESSION_PAGES
    )
    run = [c for b in BLOCKS if b.directive is None for c in b.commands]
    assert len(run) >= 40 and any(command.exit_code != 0 for command in run)


# -- running a page --------------------------------------------------------------------------------
def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class Shell:
    """One ``bash`` reading commands on stdin, as a reader's terminal would run them."""

    def __init__(self, home: Path, cwd: Path, path: list[str]) -> None:
        env = {
            "HOME": str(home),
            "PATH": os.pathsep.join([*path, "/usr/local/bin", "/usr/bin", "/bin"]),
            "LANG": "C.UTF-8",
            "USER": os.environ.get("USER", "root"),
        }
        self.process = subprocess.Popen(
            ["bash", "--noprofile", "--norc"],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            cwd=cwd,
            env=env,
            text=True,
            start_new_session=True,
        )
        self.lines: queue.Queue[str | None] = queue.Queue()
        self.transcript: list[str] = []
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self) -> None:
        assert self.process.stdout is not None
        for line in self.process.stdout:
            self.lines.put(line.rstrip("\n"))
        self.lines.put(None)

    def _until(self, wanted: re.Pattern[str], timeout_s: float, what: str) -> re.Match[str]:
        deadline = time.monotonic() + timeout_s
        while True:
            try:
                line = self.lines.get(timeout=max(0.0, deadline - time.monotonic()))
            except queue.Empty:
                ended = f"{what}: no end after {timeout_s} s\n"
                raise AssertionError(ended + self.tail()) from None
            if line is None:
                raise AssertionError(f"{what}: the shell ended\n" + self.tail())
            if found := wanted.search(line):
                return found
            self.transcript.append(line)

    def run(self, text: str, *, timeout_s: float) -> int:
        marker = f"__example_done_{uuid.uuid4().hex}"
        assert self.process.stdin is not None
        self.transcript.append(f"$ {text}")
        self.process.stdin.write(f"{text}\nprintf '\\n{marker} %s\\n' \"$?\"\n")
        self.process.stdin.flush()
        return int(self._until(re.compile(rf"{marker} (\d+)"), timeout_s, text).group(1))

    def wait_for(self, text: str, *, timeout_s: float) -> None:
        self._until(re.compile(re.escape(text)), timeout_s, f"waiting for {text!r}")

    def tail(self) -> str:
        return "\n".join(self.transcript[-60:])

    def close(self) -> None:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.process.pid, signal.SIGTERM)
        try:
            self.process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait()


def as_run_here(text: str, port: int) -> str:
    return text.replace(f"127.0.0.1:{DEMO_PORT}", f"127.0.0.1:{port}").replace(
        f"--port {DEMO_PORT}", f"--port {port}"
    )


def run_blocks(shell: Shell, blocks: list[Block], port: int, timeout_s: float) -> None:
    for block in blocks:
        for command in block.commands:
            code = shell.run(as_run_here(command.text, port), timeout_s=timeout_s)
            assert code == command.exit_code, (
                f"{block.page}:{block.line}: {command.text!r} exited {code}, the page says "
                f"{command.exit_code}\n{shell.tail()}"
            )
            if command.background:
                shell.wait_for(SHOP_BANNER, timeout_s=timeout_s)


@pytest.fixture
def shell_at(tmp_path: Path) -> Iterator[object]:
    shells: list[Shell] = []

    def start(cwd: Path, path: list[str]) -> Shell:
        home = tmp_path / "home"
        home.mkdir()
        shells.append(Shell(home, cwd, path))
        return shells[-1]

    yield start
    for shell in shells:
        shell.close()


@pytest.mark.long(150)  # a page's agent runs, one after the other: up to ten
@pytest.mark.timeout(1800)
@pytest.mark.parametrize("page", SESSION_PAGES)
def test_the_examples_of_a_page_run_as_written(page: str, shell_at, tmp_path: Path) -> None:
    work = tmp_path / "work"
    work.mkdir()
    # `order-agent` on PATH as an install puts it there: the one of this checkout.
    shell = shell_at(work, [str(Path(sys.executable).parent)])
    run_blocks(shell, session_blocks(page), free_port(), COMMAND_TIMEOUT_S)


def repository_copy(into: Path) -> Path:
    listed = subprocess.run(
        ["git", "ls-files", "--cached", "--others", "--exclude-standard", "-z"],
        cwd=REPO,
        capture_output=True,
        check=True,
    ).stdout.decode()
    for name in filter(None, listed.split("\0")):
        source = REPO / name
        if source.is_file():
            (into / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source, into / name)
    return into


@pytest.fixture(scope="session")
def pipx_bin(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A machine with pipx, as the README assumes for its pipx route."""
    tools = tmp_path_factory.mktemp("pipx-tool")
    subprocess.run([sys.executable, "-m", "venv", str(tools / "venv")], check=True)
    subprocess.run(
        [str(tools / "venv/bin/pip"), "install", "--quiet", "--disable-pip-version-check", "pipx"],
        check=True,
        timeout=INSTALL_TIMEOUT_S,
    )
    (tools / "bin").mkdir()
    (tools / "bin/pipx").symlink_to(tools / "venv/bin/pipx")
    return tools / "bin"


@pytest.mark.long(300)  # `pip install .` from the package index, then a Chromium found
@pytest.mark.timeout(2400)
@pytest.mark.parametrize("block", FRESH_BLOCKS, ids=[b.first_line.split()[0] for b in FRESH_BLOCKS])
def test_an_install_example_runs_on_a_fresh_home(
    block: Block, shell_at, tmp_path: Path, request: pytest.FixtureRequest
) -> None:
    checkout = repository_copy(tmp_path / "order-agent")
    path = [str(tmp_path / "home/.local/bin")]
    if block.first_line.startswith("pipx "):
        path.append(str(request.getfixturevalue("pipx_bin")))
    shell = shell_at(checkout, path)
    run_blocks(shell, [block], free_port(), INSTALL_TIMEOUT_S)
    # What the install put on PATH reads an order on the demo shop: its package data
    # (the page scripts of flows/) came along.
    port = free_port()
    assert shell.run(f"order-agent site --port {port} &", timeout_s=COMMAND_TIMEOUT_S) == 0
    shell.wait_for(SHOP_BANNER, timeout_s=COMMAND_TIMEOUT_S)
    status = shell.run(
        f"ORDER_AGENT_SITE_URL=http://127.0.0.1:{port}/us/ ORDER_AGENT_EMAIL=jane@example.com"
        " ORDER_AGENT_PASSWORD=correct-horse-battery-staple order-agent status 70001 --json",
        timeout_s=COMMAND_TIMEOUT_S,
    )
    assert status == 0, shell.tail()
    assert '"status": "processing"' in shell.tail()
