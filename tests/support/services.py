"""Redis and PostgreSQL servers for tests: real ones, on free loopback ports, in temp dirs.

``python -m tests.support.services ensure`` (run by ``make test``) installs what is
missing on Debian/Ubuntu as root (``redis-server``, ``postgresql``), as ``make`` does
for Chromium, and else says what to install.

Each server is started in the foreground of its own process and is ready once it says
so on its log stream (read line by line, never polled on a timer). PostgreSQL refuses to
run as root: as root, its data dir belongs to an unprivileged system user created for it
(:data:`POSTGRES_USER`) and the server runs as that user.
"""

from __future__ import annotations

import contextlib
import glob
import os
import pwd
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import IO, Self

POSTGRES_USER = "order-agent-pg"
READY_TIMEOUT_S = 120.0  # a guard against a server that never comes up, not a speed check
WORKER_STOP_S = 120.0  # a warm shutdown finishes the order in hand: a guard, not a speed check

REDIS_READY = "Ready to accept connections"
POSTGRES_READY = "database system is ready to accept connections"


class ServiceUnavailable(RuntimeError):
    """A server's programs are missing, or it did not start."""


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def redis_program() -> str | None:
    return shutil.which("redis-server")


def postgres_bin_dir() -> Path | None:
    """The newest installed PostgreSQL's programs (``initdb``, ``postgres``)."""
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"), key=_major, reverse=True)
    if found:
        return Path(found[0]).parent
    initdb = shutil.which("initdb")
    return Path(initdb).parent if initdb else None


def _major(path: str) -> int:
    version = Path(path).parent.parent.name
    return int(version) if version.isdigit() else 0


def missing_packages() -> list[str]:
    missing = []
    if redis_program() is None:
        missing.append("redis-server")
    if postgres_bin_dir() is None:
        missing.append("postgresql")
    return missing


def ensure() -> None:
    """Install the missing servers (Debian/Ubuntu, as root), or stop saying what is needed."""
    missing = missing_packages()
    if not missing:
        return
    if os.geteuid() != 0 or shutil.which("apt-get") is None:
        raise ServiceUnavailable(
            f"the tests need {' and '.join(missing)}: install them (Debian/Ubuntu: "
            f"sudo apt-get install -y {' '.join(missing)})"
        )
    env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    install = ["apt-get", "install", "-y", "--no-install-recommends", *missing]
    if subprocess.run(install, env=env, check=False).returncode != 0:
        subprocess.run(["apt-get", "update"], env=env, check=True)
        subprocess.run(install, env=env, check=True)
    # Debian starts its own cluster and Redis on the default ports: the tests use theirs.
    for unit in ("redis-server", "postgresql"):
        subprocess.run(["service", unit, "stop"], capture_output=True, check=False)
    if missing_packages():
        raise ServiceUnavailable(f"installing {' '.join(missing)} did not provide them")


class _Server:
    """A server process whose log stream says when it is ready."""

    name = "server"

    def __init__(self, directory: Path) -> None:
        self.directory = directory
        self.port = free_port()
        self.process: subprocess.Popen[str] | None = None
        self.log: list[str] = []

    def _start(self, command: list[str], ready: str, *, user: str | None = None) -> None:
        if user is not None:
            command = ["runuser", "-u", user, "--", *command]
        self.process = subprocess.Popen(
            command,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
            cwd=self.directory,
            start_new_session=True,
        )
        came_up = threading.Event()
        reader = threading.Thread(
            target=self._read, args=(self.process.stdout, ready, came_up), daemon=True
        )
        reader.start()
        if not came_up.wait(READY_TIMEOUT_S) or self.process.poll() is not None:
            self.stop()
            tail = " | ".join(self.log[-5:])
            raise ServiceUnavailable(f"{self.name} did not start: {tail}")

    def _read(self, stream: IO[str] | None, ready: str, came_up: threading.Event) -> None:
        if stream is None:
            return
        for line in stream:
            self.log.append(line.rstrip())
            if ready in line:
                came_up.set()
        came_up.set()  # the process ended: the caller sees it did

    def stop(self) -> None:
        self._stop_process()

    def _stop_process(self) -> None:
        process, self.process = self.process, None
        if process is None or process.poll() is not None:
            return
        process.terminate()
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()


class RedisServer(_Server):
    """``redis-server`` on a free loopback port, nothing persisted."""

    name = "redis-server"

    def start(self) -> Self:
        program = redis_program()
        if program is None:
            raise ServiceUnavailable("redis-server is not installed (make test installs it)")
        self._start(
            [
                program,
                "--port", str(self.port),
                "--bind", "127.0.0.1",
                "--save", "",
                "--appendonly", "no",
                "--dir", str(self.directory),
            ],
            REDIS_READY,
        )  # fmt: skip
        return self

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"


class PostgresServer(_Server):
    """A PostgreSQL cluster of its own in a temp dir, trusted on loopback only.

    The cluster lives in a directory of its own under the system's temp dir, removed at
    stop: the unprivileged user cannot reach into a root-only test dir.
    """

    name = "postgres"
    superuser = "postgres"
    database = "postgres"

    def __init__(self) -> None:
        super().__init__(Path(tempfile.mkdtemp(prefix="order-agent-pg-")))

    def start(self) -> Self:
        bin_dir = postgres_bin_dir()
        if bin_dir is None:
            raise ServiceUnavailable("PostgreSQL is not installed (make test installs it)")
        user = _unprivileged_user() if os.geteuid() == 0 else None
        data = self.directory / "pgdata"
        data.mkdir(mode=0o700)
        if user is not None:
            account = pwd.getpwnam(user)
            for path in (self.directory, data):
                os.chown(path, account.pw_uid, account.pw_gid)
        initdb = [
            str(bin_dir / "initdb"),
            "-D", str(data),
            "-U", self.superuser,
            "--auth=trust",
            "--no-sync",
            "--encoding=UTF8",
        ]  # fmt: skip
        if user is not None:
            initdb = ["runuser", "-u", user, "--", *initdb]
        made = subprocess.run(initdb, capture_output=True, text=True, check=False)
        if made.returncode != 0:
            raise ServiceUnavailable(f"initdb failed: {made.stderr.strip()[-300:]}")
        self._start(
            [
                str(bin_dir / "postgres"),
                "-D", str(data),
                "-p", str(self.port),
                "-h", "127.0.0.1",
                "-k", str(self.directory),
                "-c", "fsync=off",
                "-c", "full_page_writes=off",
            ],
            POSTGRES_READY,
            user=user,
        )  # fmt: skip
        return self

    def stop(self) -> None:
        self._stop_process()
        shutil.rmtree(self.directory, ignore_errors=True)

    @property
    def url(self) -> str:
        """A SQLAlchemy URL (psycopg 3) for the cluster's default database."""
        return f"postgresql+psycopg://{self.superuser}@127.0.0.1:{self.port}/{self.database}"


def _unprivileged_user() -> str:
    """The system user PostgreSQL runs as when the tests run as root (created once)."""
    with contextlib.suppress(KeyError):
        pwd.getpwnam(POSTGRES_USER)
        return POSTGRES_USER
    created = subprocess.run(
        ["useradd", "--system", "--no-create-home", "--shell", "/usr/sbin/nologin", POSTGRES_USER],
        capture_output=True,
        text=True,
        check=False,
    )
    if created.returncode != 0 and "already exists" not in created.stderr:
        raise ServiceUnavailable(f"could not create user {POSTGRES_USER}: {created.stderr.strip()}")
    return POSTGRES_USER


@contextlib.contextmanager
def worker_processes(
    env: dict[str, str], count: int, logs: Path
) -> Iterator[list[subprocess.Popen[bytes]]]:
    """``count`` ``order-agent worker --concurrency 1`` processes, each in a session of its
    own (so a kill of its group takes its Chromium too) and logging to ``logs/workerN.log``;
    asked to stop (SIGTERM: Celery's warm shutdown) at the end, killed if they do not."""
    started = [
        subprocess.Popen(
            [sys.executable, "-m", "agent", "worker", "--concurrency", "1"],
            env=env,
            stdout=(logs / f"worker{index}.log").open("wb"),
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        for index in range(count)
    ]
    try:
        yield started
    finally:
        for process in started:
            if process.poll() is None:
                process.send_signal(signal.SIGTERM)
        for process in started:
            try:
                process.wait(WORKER_STOP_S)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)
                process.wait(WORKER_STOP_S)


def main(argv: list[str]) -> int:
    if argv[1:] != ["ensure"]:
        print("usage: python -m tests.support.services ensure", file=sys.stderr)
        return 2
    try:
        ensure()
    except (ServiceUnavailable, subprocess.CalledProcessError) as error:
        print(f"tests.support.services: {error}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
