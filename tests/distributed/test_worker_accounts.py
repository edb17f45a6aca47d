"""Two real ``order-agent worker`` processes and two stored accounts on Redis + PostgreSQL.

Each order tied to a stored account (``add --account``) is checked as that account: its
request reaches the shop under the account's own e-mail and name. A locked account ends
its own orders as needs-human and holds up nobody: while the shop still holds its
sign-in, the other worker checks the other account's orders to the end.
"""

from __future__ import annotations

import subprocess
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest
from cryptography.fernet import Fernet

from agent.distributed.app import CHECK_ORDER, create_app
from agent.ledger import EndState, OrderKey
from agent.scheduler import Scheduler, WatchPlan
from agent.settings import Settings
from agent.shopper_accounts import AccountSecrets, add_account, settings_for
from fixtures.server import ShopServer
from ordercore.models import Action, Outcome
from tests.distributed.helpers import deployment_settings
from tests.schedule.helpers import agent_env
from tests.support import ledgers
from tests.support.services import RedisServer, worker_processes

pytestmark = [pytest.mark.distributed, pytest.mark.ledger_backends("postgresql")]

# name, e-mail, full name, password (each its own: the shop tells who signed in)
ANN = ("ann", "ann.worker@example.com", "Ann Worker", "Ann-w0rker &=+ pa55")
LOU = ("lou", "lou.locked@example.com", "Lou Locked", "Lou-l0cked <> pa55")
ANN_ORDERS = ("83001", "83002")
LOU_ORDERS = ("83101", "83102")
# Guards against a hung worker, not speed checks: a busy machine may take minutes.
TASK_WAIT_S = 240
STOP_WAIT_S = 120


@pytest.fixture(autouse=True)
def _isolated(clean_environment: None, ledger_url: str | None) -> None:
    """The clean environment of tests/conftest.py, on a fresh PostgreSQL ledger."""


def _track(
    shop: ShopServer, settings: Settings, account: tuple[str, ...], orders: tuple[str, ...]
) -> list[OrderKey]:
    name, email, full_name, password = account
    shop.add_account("us", email, password, full_name)
    stored = add_account(
        settings, name, settings.site_url or "", email, full_name, AccountSecrets(password)
    )
    scheduler = Scheduler(settings_for(settings, stored))
    keys = []
    for number in orders:
        shop.add_order("us", email, number, "Processing")
        keys.append(scheduler.add(number, WatchPlan(every=timedelta(hours=1)), account=name).key)
    return keys


@pytest.fixture
def secret_key() -> str:
    return Fernet.generate_key().decode()


@pytest.fixture
def workers(
    shop: ShopServer, redis_server: RedisServer, tmp_path: Path, secret_key: str
) -> Iterator[list[subprocess.Popen[bytes]]]:
    env = agent_env(
        shop.region_url("us"),
        tmp_path / "data",
        ORDER_AGENT_BROKER_URL=redis_server.url,
        ORDER_AGENT_SECRET_KEY=secret_key,
        ORDER_AGENT_HEADLESS="true",
    )
    with worker_processes(env, 2, tmp_path) as started:
        yield started


def test_each_account_is_worked_as_itself_and_a_locked_one_holds_up_nobody(
    shop: ShopServer,
    redis_server: RedisServer,
    workers: list[subprocess.Popen[bytes]],
    tmp_path: Path,
    secret_key: str,
) -> None:
    settings = deployment_settings(
        shop, tmp_path / "data", broker_url=redis_server.url, secret_key=secret_key
    )
    ann = _track(shop, settings, ANN, ANN_ORDERS)
    lou = _track(shop, settings, LOU, LOU_ORDERS)
    shop.lock_account("us", LOU[1])
    app = create_app(settings)

    def send(key: OrderKey) -> str:
        return app.send_task(CHECK_ORDER, args=[key.site, key.email, key.number]).id

    # The shop holds the first sign-in it is sent: the locked account's, on one worker.
    held = shop.fail("login", "slow", delay=TASK_WAIT_S, region="us", method="POST")
    stuck = send(lou[0])
    assert held.arrived.wait(TASK_WAIT_S), _logs(tmp_path)
    try:
        # Meanwhile the other worker checks Ann's orders (and Lou's other one) to the end.
        others = [send(key) for key in (*ann, lou[1])]
        done = [app.AsyncResult(task).get(timeout=TASK_WAIT_S) for task in others]
        assert not app.AsyncResult(stuck).ready()
    finally:
        held.release()
    last = app.AsyncResult(stuck).get(timeout=TASK_WAIT_S)

    *for_ann, for_lou = done
    assert [c["action"] for c in for_ann] == [Action.CANCELLATION_REQUESTED.value] * 2
    assert {c["email"] for c in for_ann} == {ANN[1]}
    assert [c["outcome"] for c in (for_lou, last)] == [Outcome.NEEDS_HUMAN.value] * 2
    inbox = shop.inbox("us")
    assert sorted(str(case["order"]) for case in inbox) == sorted(ANN_ORDERS)
    assert {(case["email"], case["name"]) for case in inbox} == {(ANN[1], ANN[2])}
    with ledgers.open_ledger(settings.data_dir) as ledger:
        assert [ledger.get(key).end_state for key in lou] == [EndState.NEEDS_HUMAN] * 2  # type: ignore[union-attr]
        assert all(ledger.get(key).active for key in ann)  # type: ignore[union-attr]
    # The accounts' passwords appear in no worker's log.
    logs = _logs(tmp_path)
    assert ANN[3] not in logs and LOU[3] not in logs


def _logs(tmp_path: Path) -> str:
    return "\n".join(p.read_text(errors="replace") for p in sorted(tmp_path.glob("worker*.log")))
