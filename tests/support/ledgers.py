"""The ledger under test: the SQLite file (the default) or a fresh PostgreSQL database.

The ``ledger_url`` fixture (tests/conftest.py) runs a test once per backend. For the
PostgreSQL variant it creates a database of its own on the session's server and sets
:data:`TEST_DATABASE_URL` in this process's environment; then

- :func:`open_ledger` (what tests use instead of ``Ledger.open``) opens that database,
- :func:`tests.support.environment.agent_environment` hands it to ``order-agent``
  subprocesses as ``ORDER_AGENT_DATABASE_URL``,
- tests/schedule's ``settings_for`` puts it into the in-process agent's settings.

No ``ORDER_AGENT_`` prefix: the clean environment of each test removes those.
"""

from __future__ import annotations

import os
import tempfile
import threading
import uuid
from collections.abc import Callable
from datetime import datetime
from pathlib import Path

import psycopg
from sqlalchemy.engine import make_url

from agent.ledger import Ledger, utc_now
from tests.support.services import PostgresServer

TEST_DATABASE_URL = "LEDGER_TEST_DATABASE_URL"
BACKENDS = ("sqlite", "postgresql")


def test_database_url() -> str | None:
    """The PostgreSQL database of this test's variant; None for the SQLite one."""
    return os.environ.get(TEST_DATABASE_URL) or None


def open_ledger(data_dir: Path, *, clock: Callable[[], datetime] = utc_now) -> Ledger:
    """``Ledger.open`` on this test's backend."""
    return Ledger.open(data_dir, clock=clock, database_url=test_database_url())


class PostgresDatabases:
    """One PostgreSQL server for the test session, started at the first database asked
    for; a fresh database (``t_<uuid>``) per test, dropped after it.

    A test's database is a copy of a template that ``Ledger.open`` created and migrated
    once per server (``CREATE DATABASE ... TEMPLATE``): the tests start from a ledger at
    the current schema, as every run after the first finds it, without paying seconds of
    migrations each (two of a PostgreSQL test's three set-up seconds). ``empty=True``
    (the ``new_ledger`` marker) gives an empty database, for a test about creating the
    ledger itself. The migrations run on an empty PostgreSQL database in the template,
    in those tests, and on SQLite in every test.
    """

    TEMPLATE = "t_template"

    def __init__(self) -> None:
        self._server: PostgresServer | None = None
        self._lock = threading.Lock()
        self._template_ready = False

    def _admin(self) -> psycopg.Connection[tuple[object, ...]]:
        with self._lock:
            if self._server is None:
                self._server = PostgresServer().start()
            server = self._server
        return psycopg.connect(
            host="127.0.0.1", port=server.port, user=server.superuser, dbname="postgres",
            autocommit=True,
        )  # fmt: skip

    def create(self, *, empty: bool = False) -> str:
        name = f"t_{uuid.uuid4().hex}"
        with self._admin() as admin:
            if empty:
                admin.execute(f'CREATE DATABASE "{name}"')
            else:
                self._make_template(admin)
                admin.execute(f'CREATE DATABASE "{name}" TEMPLATE "{self.TEMPLATE}"')
        return self._url(name)

    def _url(self, name: str) -> str:
        assert self._server is not None
        return str(make_url(self._server.url).set(database=name))

    def _make_template(self, admin: psycopg.Connection[tuple[object, ...]]) -> None:
        """The template, created and brought to the current schema by the agent's own
        ``Ledger.open``, once; no connection is left on it (a copy needs none)."""
        with self._lock:
            if self._template_ready:
                return
            admin.execute(f'CREATE DATABASE "{self.TEMPLATE}"')
            with tempfile.TemporaryDirectory() as data_dir:
                Ledger.open(Path(data_dir), database_url=self._url(self.TEMPLATE)).close()
            self._template_ready = True

    def drop(self, url: str) -> None:
        name = make_url(url).database
        with self._admin() as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')

    def stop(self) -> None:
        if self._server is not None:
            self._server.stop()
            self._server = None
