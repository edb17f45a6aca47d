"""The ``credential_blocks`` table, and the fingerprint that keys it.

A fingerprint is a salted hash of e-mail + password (the salt is the ledger's own, in
``meta``): the password itself is never stored, and a fingerprint is useless outside
this ledger.
"""

from __future__ import annotations

import hashlib
import secrets

from sqlalchemy import Connection, delete, select

from agent.ledger.dialects import upsert
from agent.ledger.models import normalise_email, normalise_site
from agent.ledger.tables import credential_blocks, meta


def credentials_fingerprint(conn: Connection, email: str, password: str) -> str:
    salt = conn.execute(select(meta.c.value).where(meta.c.key == "fingerprint_salt")).scalar_one()
    material = f"{normalise_email(email)}\0{password}".encode()
    return hashlib.blake2b(material, key=bytes.fromhex(salt), digest_size=32).hexdigest()


def block_credentials(
    conn: Connection, site: str, email: str, fingerprint: str, reason: str, at: str
) -> None:
    upsert(
        conn,
        credential_blocks,
        {
            "site": normalise_site(site),
            "email": normalise_email(email),
            "fingerprint": fingerprint,
            "reason": reason,
            "blocked_at": at,
        },
        keys=("site", "email"),
    )


def credentials_blocked(conn: Connection, site: str, email: str, fingerprint: str) -> str | None:
    row = (
        conn.execute(
            select(credential_blocks.c.fingerprint, credential_blocks.c.reason).where(
                credential_blocks.c.site == normalise_site(site),
                credential_blocks.c.email == normalise_email(email),
            )
        )
        .mappings()
        .first()
    )
    if row is None or not secrets.compare_digest(row["fingerprint"], fingerprint):
        return None
    return str(row["reason"])


def clear_credentials_block(conn: Connection, site: str, email: str) -> None:
    conn.execute(
        delete(credential_blocks).where(
            credential_blocks.c.site == normalise_site(site),
            credential_blocks.c.email == normalise_email(email),
        )
    )
