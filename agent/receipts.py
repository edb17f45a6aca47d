"""Proof on disk: receipts, return labels and screenshots, one folder per order.

Layout::

    <data_dir>/                      0700
      orders/<order>/                0700
        20250301T101500Z-cancellation_requested.json   0600
        return-label-RMA-12345.pdf                      0600
        20250301T101502Z-cancellation_requested.png     0600

Every file is written whole or not at all: a temporary file in the same
folder, flushed to disk, then renamed over the final name. A crash, a full
disk or a kill leaves the previous version (or nothing), never half a PDF.
"""

from __future__ import annotations

import contextlib
import errno
import json
import os
import re
import tempfile
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from agent import __version__
from agent.redaction import redact
from ordercore.errors import StorageError
from ordercore.models import Action

DIR_MODE = 0o700
FILE_MODE = 0o600
_UNSAFE = re.compile(r"[^A-Za-z0-9._-]+")


def safe_name(text: str, *, limit: int = 80) -> str:
    """``text`` as one harmless path component ("MK 70001/../x" -> "MK_70001_.._x")."""
    name = _UNSAFE.sub("_", text.strip()).strip("._")[:limit]
    return name or "_"


def _timestamp(moment: datetime | None = None) -> str:
    return (moment or datetime.now(UTC)).strftime("%Y%m%dT%H%M%SZ")


def _storage_error(path: Path, exc: OSError) -> StorageError:
    reason = exc.strerror or str(exc)
    return StorageError(f"cannot write to {path}: {reason}")


def _fsync_directory(directory: Path) -> None:
    # Makes the rename itself durable; not every file system allows it.
    try:
        fd = os.open(directory, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


class ProofStore:
    """The data directory's proof files; every write is atomic and private."""

    def __init__(self, data_dir: Path, *, site_url: str | None = None) -> None:
        self.data_dir = Path(data_dir).expanduser()
        self.site_url = site_url
        self._make_dir(self.data_dir)

    def _make_dir(self, directory: Path) -> Path:
        try:
            existed = directory.is_dir()
            directory.mkdir(mode=DIR_MODE, parents=True, exist_ok=True)
            if not existed:
                # mkdir's mode is filtered by the umask; parents get the default.
                directory.chmod(DIR_MODE)
        except FileExistsError as exc:
            # A file sits where the folder should be: say so, not "File exists".
            in_the_way = NotADirectoryError(errno.ENOTDIR, os.strerror(errno.ENOTDIR))
            raise _storage_error(directory, in_the_way) from exc
        except OSError as exc:
            raise _storage_error(directory, exc) from exc
        return directory

    @property
    def orders_dir(self) -> Path:
        return self.data_dir / "orders"

    def order_dir(self, order: str) -> Path:
        """``<data_dir>/orders/<order>/``, created (0700) on first use."""
        self._make_dir(self.orders_dir)
        return self._make_dir(self.orders_dir / safe_name(order))

    def _unique(self, directory: Path, stem: str, suffix: str) -> Path:
        candidate = directory / f"{stem}{suffix}"
        counter = 2
        while candidate.exists():
            candidate = directory / f"{stem}-{counter}{suffix}"
            counter += 1
        return candidate

    def receipt_path(self, order: str, action: Action | str) -> Path:
        stem = f"{_timestamp()}-{safe_name(str(action))}"
        return self._unique(self.order_dir(order), stem, ".json")

    def screenshot_path(self, order: str, action: Action | str) -> Path:
        stem = f"{_timestamp()}-{safe_name(str(action))}"
        return self._unique(self.order_dir(order), stem, ".png")

    def label_path(self, order: str, return_number: str) -> Path:
        # One name per return: fetching the same label again replaces it.
        return self.order_dir(order) / f"return-label-{safe_name(return_number)}.pdf"

    def write_bytes(self, path: Path, data: bytes) -> Path:
        """Write ``data`` to ``path`` atomically with mode 0600."""
        path = Path(path)
        directory = self._make_dir(path.parent)
        temporary: str | None = None
        try:
            fd, temporary = tempfile.mkstemp(dir=directory, prefix=f".{path.name}.", suffix=".tmp")
            with os.fdopen(fd, "wb") as handle:
                os.fchmod(handle.fileno(), FILE_MODE)
                handle.write(data)
                handle.flush()
                os.fsync(handle.fileno())
            os.replace(temporary, path)
            temporary = None
        except OSError as exc:
            raise _storage_error(path, exc) from exc
        finally:
            if temporary is not None:
                with contextlib.suppress(OSError):
                    os.unlink(temporary)
        _fsync_directory(directory)
        return path

    def write_json(self, path: Path, obj: Any) -> Path:
        """Write ``obj`` as pretty JSON, secrets redacted, atomically with mode 0600."""
        text = json.dumps(redact(obj), indent=2, ensure_ascii=False, default=str) + "\n"
        return self.write_bytes(path, text.encode("utf-8"))

    def save_receipt(
        self,
        order: str,
        action: Action | str,
        sent: dict[str, Any],
        reference: str | None,
        extra: dict[str, Any] | None = None,
        *,
        site_url: str | None = None,
    ) -> Path:
        """Keep what was sent, when, where, and the reference the shop gave back."""
        receipt: dict[str, Any] = {
            "order": order,
            "action": str(action),
            "reference": reference,
            "site_url": site_url or self.site_url,
            "saved_at": datetime.now(UTC).isoformat(timespec="seconds"),
            "agent_version": __version__,
            "sent": sent,
        }
        for key, value in (extra or {}).items():
            receipt.setdefault(key, value)
        return self.write_json(self.receipt_path(order, action), receipt)

    def save_label(self, order: str, return_number: str, pdf: bytes) -> Path:
        return self.write_bytes(self.label_path(order, return_number), pdf)

    def save_screenshot(self, order: str, action: Action | str, png: bytes) -> Path:
        return self.write_bytes(self.screenshot_path(order, action), png)
