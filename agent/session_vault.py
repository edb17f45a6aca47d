"""Saved browser sessions in the ledger too (encrypted), so any worker can reuse them.

Today a signed-in session is a Playwright storage-state file per site + e-mail in the
data dir (:func:`session_file`). With a secret key configured
(``ORDER_AGENT_SECRET_KEY``/``_FILE``) it is ALSO sealed into the ledger's
``browser_sessions`` table after each save, and written back to the file from there
before a browser opens: a worker on another machine, sharing the ledger, starts signed
in. Without a key, nothing changes: the file only.
"""

from __future__ import annotations

from pathlib import Path

from agent.ledger import Ledger
from agent.logs import get_logger
from agent.receipts import ProofStore, safe_name
from agent.secret_box import optional_secret_box
from agent.settings import Settings

log = get_logger(__name__)


def session_file(settings: Settings) -> Path:
    """The file a signed-in session of this site and e-mail is saved in."""
    assert settings.site_url and settings.email
    name = safe_name(f"{settings.site_url}-{settings.email}")
    return settings.data_dir / "sessions" / f"{name}.json"


def restore_session(settings: Settings, ledger: Ledger) -> None:
    """The ledger's session for this site + e-mail, written to its file (when a key is set)."""
    box = optional_secret_box(settings)
    if box is None or not settings.site_url or not settings.email:
        return
    sealed = ledger.browser_session(settings.site_url, settings.email)
    if sealed is None:
        return
    state = box.open(sealed, "the saved session").get("state")
    if state:
        ProofStore(settings.data_dir).write_bytes(session_file(settings), state.encode("utf-8"))


def keep_session(settings: Settings, ledger: Ledger) -> None:
    """The session file just saved, sealed into the ledger (when a key is set)."""
    box = optional_secret_box(settings)
    if box is None or not settings.site_url or not settings.email:
        return
    path = session_file(settings)
    if not path.is_file():
        return
    state = path.read_text(encoding="utf-8")
    ledger.save_browser_session(settings.site_url, settings.email, box.seal({"state": state}))
    log.debug("session kept in the ledger")
