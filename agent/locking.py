"""One order-agent run at a time per data dir.

Scheduled runs (cron, systemd timers) may overlap when a run is slow; two runs
working the same ledger and the same shop accounts at once would race each
other to the shop. Every command that acts takes the lock first::

    with DataDirLock(settings.data_dir):
        with Ledger.open(settings.data_dir, database_url=settings.database_url_text()) as ledger:
            ...

A second holder fails at once with :class:`ordercore.errors.AlreadyRunning` (exit 75,
"try later"), naming the holder's pid. The lock is ``flock`` on
``<data_dir>/.lock``: the kernel drops it when the holder dies, even by SIGKILL,
so there is never a stale lock to clean up. The descriptor is not inherited by
child processes (Python's default), so a Chromium left behind cannot keep it.
"""

from __future__ import annotations

import fcntl
import os
from pathlib import Path
from types import TracebackType
from typing import Self

from ordercore.errors import AlreadyRunning, StorageError

LOCK_FILENAME = ".lock"


class DataDirLock:
    """An exclusive, non-blocking lock on a data dir; a context manager."""

    def __init__(self, data_dir: Path) -> None:
        self.data_dir = Path(data_dir)
        self.path = self.data_dir / LOCK_FILENAME
        self._fd: int | None = None

    @property
    def held(self) -> bool:
        return self._fd is not None

    def acquire(self) -> None:
        if self._fd is not None:
            return
        try:
            self.data_dir.mkdir(mode=0o700, parents=True, exist_ok=True)
            # No O_TRUNC: until we hold the lock, the pid in the file is the holder's.
            fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o600)
        except OSError as exc:
            raise StorageError(f"cannot create the lock file {self.path}: {exc.strerror}") from exc
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            holder = _read_pid(fd)
            os.close(fd)
            raise AlreadyRunning(
                f"another order-agent run is using {self.data_dir} (pid {holder or 'unknown'})"
            ) from None
        except BaseException:
            os.close(fd)
            raise
        # The pid is only for the message above; the flock is what excludes.
        os.ftruncate(fd, 0)
        os.pwrite(fd, f"{os.getpid()}\n".encode(), 0)
        self._fd = fd

    def release(self) -> None:
        if self._fd is None:
            return
        fd, self._fd = self._fd, None
        try:
            os.ftruncate(fd, 0)
        finally:
            # Closing the descriptor is what releases the flock.
            os.close(fd)

    def __enter__(self) -> Self:
        self.acquire()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.release()


def _read_pid(fd: int) -> int | None:
    text = os.pread(fd, 32, 0).decode("ascii", "replace").strip()
    return int(text) if text.isdigit() else None
