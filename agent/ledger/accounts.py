"""The ``accounts``, ``order_accounts`` and ``browser_sessions`` tables (revision 0003).

A stored account is a shopper the ledger can work for: its site, e-mail and name in
clear, its password and TOTP secret only as one Fernet token (``secrets``, made by
:mod:`agent.secret_box`; this module never sees a key). ``order_accounts`` ties an
order to the account it is worked on as. ``browser_sessions`` holds each site + e-mail's
saved Playwright storage state, also as a Fernet token, so any worker can reuse it.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import Connection, delete, select

from agent.ledger.dialects import upsert
from agent.ledger.models import OrderKey, normalise_email, normalise_site
from agent.ledger.orders import order_row
from agent.ledger.tables import accounts, browser_sessions, order_accounts


@dataclass(frozen=True)
class StoredAccount:
    """An account as the ledger holds it: ``sealed`` is the Fernet token of its secrets."""

    name: str
    site: str
    email: str
    full_name: str | None
    sealed: str


def _account(row: object) -> StoredAccount:
    values = dict(row._mapping)  # type: ignore[attr-defined]
    return StoredAccount(
        values["name"], values["site"], values["email"], values["full_name"], values["secrets"]
    )


def put_account(conn: Connection, account: StoredAccount, at: str) -> None:
    existing = conn.execute(
        select(accounts.c.created_at).where(accounts.c.name == account.name)
    ).scalar()
    upsert(
        conn,
        accounts,
        {
            "name": account.name,
            "site": normalise_site(account.site),
            "email": normalise_email(account.email),
            "full_name": account.full_name,
            "secrets": account.sealed,
            "created_at": existing or at,
            "updated_at": at,
        },
        keys=("name",),
    )


def get_account(conn: Connection, name: str) -> StoredAccount | None:
    row = conn.execute(select(accounts).where(accounts.c.name == name)).first()
    return _account(row) if row is not None else None


def list_accounts(conn: Connection) -> list[StoredAccount]:
    return [_account(row) for row in conn.execute(select(accounts).order_by(accounts.c.name))]


def remove_account(conn: Connection, name: str) -> bool:
    return bool(conn.execute(delete(accounts).where(accounts.c.name == name)).rowcount)


def orders_of(conn: Connection, name: str) -> int:
    rows = conn.execute(select(order_accounts.c.order_id).where(order_accounts.c.account == name))
    return len(rows.all())


def tie_order(conn: Connection, key: OrderKey, name: str) -> None:
    row = order_row(conn, key)
    assert row is not None, "tie_order after track"
    upsert(conn, order_accounts, {"order_id": row["id"], "account": name}, keys=("order_id",))


def account_of(conn: Connection, key: OrderKey) -> str | None:
    row = order_row(conn, key)
    if row is None:
        return None
    name: str | None = conn.execute(
        select(order_accounts.c.account).where(order_accounts.c.order_id == row["id"])
    ).scalar()
    return name


def save_session(conn: Connection, site: str, email: str, sealed: str, at: str) -> None:
    upsert(
        conn,
        browser_sessions,
        {
            "site": normalise_site(site),
            "email": normalise_email(email),
            "state": sealed,
            "saved_at": at,
        },
        keys=("site", "email"),
    )


def load_session(conn: Connection, site: str, email: str) -> str | None:
    sealed: str | None = conn.execute(
        select(browser_sessions.c.state).where(
            browser_sessions.c.site == normalise_site(site),
            browser_sessions.c.email == normalise_email(email),
        )
    ).scalar()
    return sealed


def forget_session(conn: Connection, site: str, email: str) -> None:
    conn.execute(
        delete(browser_sessions).where(
            browser_sessions.c.site == normalise_site(site),
            browser_sessions.c.email == normalise_email(email),
        )
    )
