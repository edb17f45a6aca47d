"""Proof on disk: receipts, return labels and screenshots, one folder per order.

Layout::

    <data_dir>/                                 0700
      orders/<shop>/<account>/<order>/          0700
        20250301T101500Z-cancellation_requested.json   0600
        return-label-RMA-12345.pdf                      0600
        20250301T101502Z-cancellation_requested.png     0600

keyed as the ledger keys an order: the shop (its address, host and path: two shops with
an order 70001 never share a folder), the account (its e-mail) and the order's number as
any spelling of it reads (``MK-70001``, ``#70001`` and ``000070001`` are ``70001``).
Folders of the releases before that (``orders/<order as shown>/``) are moved into it by
``migrate_legacy_folders``, receipt by receipt; what no receipt says the shop of stays.

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
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from agent import __version__
from agent.redaction import redact
from ordercore.errors import StorageError, UsageError
from ordercore.models import Action
from ordercore.order_numbers import normalise_order_number
from ordercore.private_files import write_private

DIR_MODE = 0o700
_UNSAFE = re.compile(r"[^A-Za-z0-9._-]+")


def safe_name(text: str, *, limit: int = 80) -> str:
    """``text`` as one harmless path component ("MK 70001/../x" -> "MK_70001_.._x")."""
    name = _UNSAFE.sub("_", text.strip()).strip("._")[:limit]
    return name or "_"


def order_folder_name(order: str) -> str:
    """The one folder name of an order however it is spelt ("#MK-70001", "000070001" ->
    "70001"); a text that is no order number stays itself, made harmless."""
    try:
        core = normalise_order_number(order)
    except UsageError:
        return safe_name(order)
    return (core.lstrip("0") or "0") if core.isdigit() else core


def shop_folder_name(site_url: str) -> str:
    """The shop's folder: its host (and port) and path ("shop.example.com_us")."""
    parts = urlsplit(site_url.strip())
    return safe_name(f"{parts.netloc.lower()}{parts.path.rstrip('/')}", limit=120)


def account_folder_name(email: str) -> str:
    return safe_name(email.strip().lower(), limit=120)


def _timestamp(moment: datetime | None = None) -> str:
    return (moment or datetime.now(UTC)).strftime("%Y%m%dT%H%M%SZ")


def _storage_error(path: Path, exc: OSError) -> StorageError:
    reason = exc.strerror or str(exc)
    return StorageError(f"cannot write to {path}: {reason}")


class ProofStore:
    """The data directory's proof files; every write is atomic and private."""

    def __init__(
        self, data_dir: Path, *, site_url: str | None = None, account: str | None = None
    ) -> None:
        """``site_url`` and ``account`` (the e-mail) key the order folders; without them
        (a tool with no shop in mind) a folder is named after the order alone."""
        self.data_dir = Path(data_dir).expanduser()
        self.site_url = site_url
        self.account = account
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

    def order_folder(self, order: str) -> Path:
        """Where ``order``'s proof is (not created)."""
        if self.site_url and self.account:
            return (
                self.orders_dir
                / shop_folder_name(self.site_url)
                / account_folder_name(self.account)
                / order_folder_name(order)
            )
        return self.orders_dir / safe_name(order)

    def order_dir(self, order: str) -> Path:
        """The order's proof folder (see the module doc), created (0700) on first use."""
        folder = self.order_folder(order)
        for directory in (*reversed(folder.relative_to(self.data_dir).parents), folder):
            self._make_dir(self.data_dir / directory)
        return folder

    def migrate_legacy_folders(self) -> int:
        """Move the proof of the releases before shop-keyed folders into them.

        A legacy folder is ``orders/<order>/`` holding files. Each receipt in it names its
        shop (``site_url``) and, for a request, the e-mail it was sent as; the receipt and
        the files it names move to that shop's folder (the account: the e-mail sent, else
        this store's when the shop is this store's). Files no receipt names move only when
        every receipt of the folder is this store's shop. An emptied folder goes. Returns
        how many files moved; a file that cannot be moved stays where it was.
        """
        if not (self.site_url and self.account) or not self.orders_dir.is_dir():
            return 0
        moved = 0
        for folder in sorted(self.orders_dir.iterdir()):
            if folder.is_dir() and any(path.is_file() for path in folder.iterdir()):
                moved += self._migrate_folder(folder)
        return moved

    def _migrate_folder(self, folder: Path) -> int:
        mine = shop_folder_name(self.site_url or "")
        homes: dict[Path, Path] = {}  # file -> the order folder it moves to
        shops: set[str] = set()
        for receipt in sorted(folder.glob("*.json")):
            try:
                data = json.loads(receipt.read_text(encoding="utf-8"))
            except (OSError, ValueError):
                continue
            if not isinstance(data, dict) or not data.get("site_url"):
                continue
            shop = shop_folder_name(str(data["site_url"]))
            shops.add(shop)
            sent = data.get("sent") if isinstance(data.get("sent"), dict) else {}
            email = next((str(v) for v in sent.values() if "@" in str(v)), None)
            if email is None and shop != mine:
                continue  # another shop's, of an account this store cannot tell
            account = account_folder_name(email or self.account or "")
            home = self.orders_dir / shop / account / order_folder_name(folder.name)
            homes[receipt] = home
            for key in ("label", "screenshot", "form_screenshot"):
                named = data.get(key)
                if isinstance(named, str) and named and (folder / Path(named).name).is_file():
                    homes[folder / Path(named).name] = home
        if shops == {mine}:
            own = self.order_folder(folder.name)
            for path in folder.iterdir():
                if path.is_file() and not path.name.startswith("."):
                    homes.setdefault(path, own)
        moved = 0
        for path, home in homes.items():
            try:
                self._make_dir(home.parent.parent)
                self._make_dir(home.parent)
                self._make_dir(home)
                os.replace(path, home / path.name)
                moved += 1
            except (OSError, StorageError):
                continue
        with contextlib.suppress(OSError):
            folder.rmdir()  # only when it is empty now
        return moved

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
        self._make_dir(path.parent)
        try:
            return write_private(path, data)
        except OSError as exc:
            raise _storage_error(path, exc) from exc

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
