"""The Redis and PostgreSQL servers the scale-out tests run on: real, private, stopped after."""

from __future__ import annotations

import socket
import subprocess
from pathlib import Path

from tests.support.services import PostgresServer, RedisServer, postgres_bin_dir


def _redis_says(port: int, command: bytes) -> bytes:
    with socket.create_connection(("127.0.0.1", port), timeout=30) as connection:
        connection.sendall(command)
        return connection.recv(64)


def test_a_redis_server_answers_on_its_own_port_and_is_gone_after(tmp_path: Path):
    with RedisServer(tmp_path).start() as redis:
        assert redis.port != 6379
        assert _redis_says(redis.port, b"PING\r\n") == b"+PONG\r\n"
        process = redis.process
    assert process is not None and process.poll() is not None


def test_a_postgres_cluster_runs_unprivileged_and_takes_queries():
    with PostgresServer().start() as postgres:
        bin_dir = postgres_bin_dir()
        assert bin_dir is not None
        psql = [
            "psql", "-h", "127.0.0.1", "-p", str(postgres.port), "-U", "postgres", "-At", "-c",
            "select current_setting('is_superuser'), "
            "(select usename from pg_stat_activity where backend_type = 'checkpointer' limit 1)",
        ]  # fmt: skip
        answer = subprocess.run(psql, capture_output=True, text=True, check=True).stdout
        assert answer.strip().startswith("on|")
        # The server's own processes do not run as root.
        owner = subprocess.run(
            ["ps", "-o", "user=", "-p", str(_postgres_pid(postgres.directory))],
            capture_output=True, text=True, check=True,
        ).stdout.strip()  # fmt: skip
        assert owner and owner != "root"
        process = postgres.process
    assert process is not None and process.poll() is not None
    assert not postgres.directory.exists()


def _postgres_pid(directory: Path) -> int:
    return int((directory / "pgdata" / "postmaster.pid").read_text().splitlines()[0])
