"""What the ledger keeps per shop and account: remembered pages, refused credentials,
stored accounts and their sealed browser sessions."""

from __future__ import annotations

from agent.ledger import (
    accounts,
    credential_blocks,
    site_memory,
)
from agent.ledger.accounts import StoredAccount
from agent.ledger.codec import iso
from agent.ledger.core import LedgerCore
from agent.ledger.models import (
    OrderKey,
)


class SiteRecords(LedgerCore):
    """Per-site memory, credential blocks, stored accounts and saved sessions."""

    # --- per site -------------------------------------------------------------------------

    def remember_url(self, site: str, name: str, url: str) -> None:
        """Keep a URL reached by clicking (e.g. ``"order_list"``) to go straight there."""
        with self._write() as conn:
            site_memory.remember_url(conn, site, name, url, iso(self._clock()))

    def remembered_urls(self, site: str) -> dict[str, str]:
        with self._read() as conn:
            return site_memory.remembered_urls(conn, site)

    def forget_url(self, site: str, name: str) -> None:
        """Drop a remembered URL that no longer works."""
        with self._write() as conn:
            site_memory.forget_url(conn, site, name)

    def credentials_fingerprint(self, email: str, password: str) -> str:
        """A salted hash of e-mail + password; the password itself is never stored."""
        with self._read() as conn:
            return credential_blocks.credentials_fingerprint(conn, email, password)

    def block_credentials(self, site: str, email: str, fingerprint: str, reason: str) -> None:
        """The site rejected these credentials: do not try them again until they change."""
        with self._write() as conn:
            credential_blocks.block_credentials(
                conn, site, email, fingerprint, reason, iso(self._clock())
            )

    def credentials_blocked(self, site: str, email: str, fingerprint: str) -> str | None:
        """Why these exact credentials were rejected before; None if not (or changed since)."""
        with self._read() as conn:
            return credential_blocks.credentials_blocked(conn, site, email, fingerprint)

    def clear_credentials_block(self, site: str, email: str) -> None:
        """A sign-in worked: forget an earlier rejection."""
        with self._write() as conn:
            credential_blocks.clear_credentials_block(conn, site, email)

    # --- many accounts (agent/ledger/accounts.py; secrets sealed by agent.secret_box) ------

    def put_account(self, account: StoredAccount) -> None:
        with self._write() as conn:
            accounts.put_account(conn, account, iso(self._clock()))

    def account(self, name: str) -> StoredAccount | None:
        with self._read() as conn:
            return accounts.get_account(conn, name)

    def list_accounts(self) -> list[StoredAccount]:
        with self._read() as conn:
            return accounts.list_accounts(conn)

    def remove_account(self, name: str) -> bool:
        """False when there is no such account."""
        with self._write() as conn:
            return accounts.remove_account(conn, name)

    def tie_order(self, key: OrderKey, name: str) -> None:
        """Work on the (tracked) order as the stored account ``name``."""
        with self._write() as conn:
            accounts.tie_order(conn, key, name)

    def account_of(self, key: OrderKey) -> str | None:
        with self._read() as conn:
            return accounts.account_of(conn, key)

    def save_browser_session(self, site: str, email: str, sealed: str) -> None:
        with self._write() as conn:
            accounts.save_session(conn, site, email, sealed, iso(self._clock()))

    def browser_session(self, site: str, email: str) -> str | None:
        with self._read() as conn:
            return accounts.load_session(conn, site, email)

    def forget_browser_session(self, site: str, email: str) -> None:
        with self._write() as conn:
            accounts.forget_session(conn, site, email)
