"""The proof folders of ``order-agent history``: receipts, screenshots and labels on disk.

``<data_dir>/orders/<shop>/<account>/<order>/`` (and the older layouts, read as they
are: see ``agent.receipts``), read without writing: each receipt's action, reference
and time, each screenshot's moment and subject, each saved label's return number.
"""

from __future__ import annotations

import json
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

from agent.ledger import (
    normalise_site,
)
from agent.receipts import order_folder_name

# Proof files are named "<UTC timestamp>-<what>.<ext>" by agent.receipts.ProofStore.
_PROOF_NAME = re.compile(r"^(?P<at>\d{8}T\d{6}Z)-(?P<what>.+?)(?:-\d+)?\.(?P<ext>png|json)$")
_LABEL_NAME = re.compile(r"^return-label-(?P<reference>.+)\.pdf$")


@dataclass(frozen=True)
class Proof:
    """One proof file: ``kind`` is receipt, screenshot or label."""

    kind: str
    path: Path
    what: str

    def to_json(self) -> dict[str, str]:
        return {"kind": self.kind, "path": str(self.path), "what": self.what}


@dataclass
class Receipt:
    order: str | None  # the order as the shop showed it ("MK-70001")
    path: Path
    at: datetime
    action: str
    reference: str | None
    site: str | None
    files: list[Proof]


@dataclass
class ProofFolder:
    receipts: list[Receipt] = field(default_factory=list)
    screenshots: list[tuple[datetime, Proof]] = field(default_factory=list)
    labels: list[tuple[datetime, str, Proof]] = field(default_factory=list)
    shown_number: str | None = None


@dataclass
class ProofFolders:
    """The order folders of a data dir: keyed by (shop, account, order), and the folders of
    earlier releases (``orders/<order>/``) by order."""

    keyed: dict[tuple[str, str, str], Path] = field(default_factory=dict)
    legacy: dict[str, list[Path]] = field(default_factory=dict)


def proof_folders(data_dir: Path) -> ProofFolders:
    found = ProofFolders()
    orders_dir = data_dir / "orders"
    if not orders_dir.is_dir():
        return found
    for folder in sorted(orders_dir.iterdir()):
        if not folder.is_dir():
            continue
        if any(path.is_file() for path in folder.iterdir()):
            found.legacy.setdefault(order_folder_name(folder.name), []).append(folder)
            continue
        for account in sorted(p for p in folder.iterdir() if p.is_dir()):
            for order in sorted(p for p in account.iterdir() if p.is_dir()):
                found.keyed[(folder.name, account.name, order.name)] = order
    return found


def read_folders(own: Path | None, legacy: Sequence[Path], *, site: str | None) -> ProofFolder:
    """One order's proof: its own folder, and the receipts of earlier releases' folders that
    name its shop (their loose files only when no receipt there names another shop)."""
    found = read_folder(own, site=site)
    for folder in legacy:
        older = read_folder(folder, site=site, loose=site is None or _only_shop(folder, site))
        older.shown_number = older.shown_number or folder.name  # named as the shop showed it
        found.receipts += older.receipts
        found.screenshots += older.screenshots
        found.labels += older.labels
        found.shown_number = found.shown_number or older.shown_number
    return found


def _only_shop(folder: Path, site: str) -> bool:
    for path in folder.glob("*.json"):
        receipt = read_receipt(path)
        if receipt is not None and receipt.site and normalise_site(receipt.site) != site:
            return False
    return True


def what_words(slug: str) -> str:
    return slug.replace("_", " ").replace("-", " ")


def _stamp(text: str) -> datetime:
    return datetime.strptime(text, "%Y%m%dT%H%M%SZ").replace(tzinfo=UTC)


def _modified(path: Path) -> datetime:
    return datetime.fromtimestamp(path.stat().st_mtime, UTC)


def read_folder(folder: Path | None, *, site: str | None, loose: bool = True) -> ProofFolder:
    """A folder's receipts (those of ``site``), and unless not ``loose`` the files no
    receipt names."""
    found = ProofFolder()
    if folder is None:
        return found
    referenced: set[Path] = set()
    for path in sorted(folder.glob("*.json")):
        receipt = read_receipt(path)
        if receipt is None or (site and receipt.site and normalise_site(receipt.site) != site):
            continue
        found.receipts.append(receipt)
        # The order as the shop shows it ("MK-70001"), as its receipt kept it.
        found.shown_number = found.shown_number or receipt.order
        # Resolved: a receipt names the file by the path it was written under, and the
        # data dir may be reached through a link since (the demo's `latest`).
        referenced.update(proof.path.resolve() for proof in receipt.files)
    if not loose:
        return found
    for path in sorted(folder.glob("*.png")):
        named = _PROOF_NAME.match(path.name)
        if path.resolve() in referenced:
            continue
        at = _stamp(named["at"]) if named else _modified(path)
        what = what_words(named["what"]) if named else path.stem
        found.screenshots.append((at, Proof("screenshot", path, what)))
    for path in sorted(folder.glob("return-label-*.pdf")):
        named = _LABEL_NAME.match(path.name)
        if path.resolve() in referenced or named is None:
            continue
        found.labels.append(
            (_modified(path), named["reference"], Proof("label", path, "return label"))
        )
    return found


def read_receipt(path: Path) -> Receipt | None:
    named = _PROOF_NAME.match(path.name)
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    if not isinstance(data, dict) or "action" not in data:
        return None
    try:
        at = datetime.fromisoformat(str(data.get("saved_at")))
    except ValueError:
        at = _stamp(named["at"]) if named else _modified(path)
    files = [Proof("receipt", path, "receipt")]
    for key in ("label", "form_screenshot", "screenshot"):
        value = data.get(key)
        if not isinstance(value, str) or not value:
            continue
        # Proof is written beside its receipt: found there, it is shown under the data dir
        # as it is reached now (moved, or through a link), not as it was when written.
        beside = path.parent / Path(value).name
        found = beside if beside.is_file() else Path(value)
        if found.is_file():
            kind = "label" if key == "label" else "screenshot"
            what = "return label" if kind == "label" else screenshot_what(found)
            files.append(Proof(kind, found, what))
    reference = data.get("reference")
    return Receipt(
        order=str(data["order"]) if data.get("order") else None,
        path=path,
        at=at if at.tzinfo else at.replace(tzinfo=UTC),
        action=str(data["action"]),
        reference=str(reference) if reference else None,
        site=str(data["site_url"]) if data.get("site_url") else None,
        files=files,
    )


def screenshot_what(path: Path) -> str:
    named = _PROOF_NAME.match(path.name)
    return what_words(named["what"]) if named else path.stem


# -- the timeline ---------------------------------------------------------------------
