"""Alembic's entry point for the ledger's migrations.

At run time :mod:`agent.ledger.schema` runs them on open, handing over its own
connection (already in a transaction, under the write lock) in
``config.attributes["connection"]``; no alembic.ini is needed. An operator may also
run Alembic by hand, with an alembic.ini whose ``[alembic]`` section says
``script_location = agent.ledger:migrations``::

    alembic -x url=postgresql://user@host/ledger current
"""

from __future__ import annotations

from alembic import context
from sqlalchemy import Connection

from agent.ledger.engine import create_ledger_engine, database_url
from agent.ledger.tables import metadata

config = context.config


def _run(connection: Connection) -> None:
    context.configure(connection=connection, target_metadata=metadata, render_as_batch=True)
    with context.begin_transaction():
        context.run_migrations()


def _main() -> None:
    given = config.attributes.get("connection")
    if given is not None:
        _run(given)
        return
    url = context.get_x_argument(as_dictionary=True).get("url") or config.get_main_option(
        "sqlalchemy.url"
    )
    if not url:
        raise SystemExit("give the ledger's URL: alembic -x url=sqlite:////path/ledger.sqlite3")
    if context.is_offline_mode():
        context.configure(url=database_url(url), target_metadata=metadata, literal_binds=True)
        with context.begin_transaction():
            context.run_migrations()
        return
    engine = create_ledger_engine(database_url(url))
    try:
        with engine.connect() as connection:
            connection.execution_options(ledger_write=True)
            _run(connection)
            connection.commit()
    finally:
        engine.dispose()


_main()
