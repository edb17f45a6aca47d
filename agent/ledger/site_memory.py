"""The ``site_urls`` table: URLs reached by clicking, kept to go straight there next time."""

from __future__ import annotations

from sqlalchemy import Connection, delete, select

from agent.ledger.dialects import upsert
from agent.ledger.models import normalise_site
from agent.ledger.tables import site_urls


def remember_url(conn: Connection, site: str, name: str, url: str, at: str) -> None:
    upsert(
        conn,
        site_urls,
        {"site": normalise_site(site), "name": name, "url": url, "updated_at": at},
        keys=("site", "name"),
    )


def remembered_urls(conn: Connection, site: str) -> dict[str, str]:
    rows = conn.execute(
        select(site_urls.c.name, site_urls.c.url)
        .where(site_urls.c.site == normalise_site(site))
        .order_by(site_urls.c.name)
    ).mappings()
    return {row["name"]: row["url"] for row in rows}


def forget_url(conn: Connection, site: str, name: str) -> None:
    conn.execute(
        delete(site_urls).where(site_urls.c.site == normalise_site(site), site_urls.c.name == name)
    )
