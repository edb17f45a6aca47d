"""The one way order-agent writes a file: private (0600) from its first byte, whole or absent.

Receipts, screenshots, labels, the history page and the per-user config all hold what
only the shopper may read, and a crash or a full disk must never leave half of one: the
bytes go to a temporary file beside the target (so ``os.replace`` never crosses a file
system), are flushed to disk, then renamed over the target, and the folder is synced so
that the rename itself survives a power cut where the file system allows it.
"""

from __future__ import annotations

import contextlib
import os
import tempfile
from pathlib import Path

FILE_MODE = 0o600
DIR_MODE = 0o700


def write_private(path: Path, data: bytes) -> Path:
    """``data`` into ``path`` atomically, mode 0600; its folder made 0700 when missing.

    Raises ``OSError`` (the caller says what could not be written, in its own words);
    nothing is left behind but the target as it was before.
    """
    path = Path(path)
    directory = path.parent
    directory.mkdir(mode=DIR_MODE, parents=True, exist_ok=True)
    descriptor, temporary = tempfile.mkstemp(dir=directory, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(descriptor, "wb") as handle:
            os.fchmod(handle.fileno(), FILE_MODE)  # whatever the umask made of mkstemp's
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(temporary, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(temporary)
        raise
    _sync_directory(directory)
    return path


def _sync_directory(directory: Path) -> None:
    # Makes the rename itself durable; not every file system allows it.
    try:
        descriptor = os.open(directory, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(descriptor)
    except OSError:
        pass
    finally:
        os.close(descriptor)
