"""Two real ``order-agent worker`` processes on Redis and a PostgreSQL ledger check the
fixture shop's orders that ``enqueue_due`` sent them: one request per order at the shop,
whichever worker took it; SIGTERM stops both workers and leaves no process behind."""

from __future__ import annotations

import signal
import subprocess
from collections import Counter
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest

from agent.distributed.app import ENQUEUE_DUE, create_app
from agent.scheduler import Scheduler, WatchPlan
from fixtures.server import ShopServer
from ordercore.models import Outcome
from tests.distributed.helpers import deployment_settings
from tests.schedule.helpers import agent_command, agent_env
from tests.support.people import JANE
from tests.support.processes import descendants, is_alive
from tests.support.services import RedisServer, worker_processes

pytestmark = [pytest.mark.distributed, pytest.mark.ledger_backends("postgresql")]

ORDERS = tuple(f"8100{n}" for n in range(1, 5))
# Guards against a hung worker, not speed checks: a busy machine may take minutes.
TASK_WAIT_S = 240
STOP_WAIT_S = 120


@pytest.fixture(autouse=True)
def _isolated(clean_environment: None, ledger_url: str | None) -> None:
    """The clean environment of tests/conftest.py, on a fresh PostgreSQL ledger."""


@pytest.fixture
def workers(
    shop: ShopServer, redis_server: RedisServer, tmp_path: Path
) -> Iterator[list[subprocess.Popen[bytes]]]:
    env = agent_env(
        shop.region_url("us"),
        tmp_path / "data",
        ORDER_AGENT_BROKER_URL=redis_server.url,
        ORDER_AGENT_HEADLESS="true",
    )
    with worker_processes(env, 2, tmp_path) as started:
        yield started


def test_two_workers_send_one_request_per_order_and_stop_cleanly(
    shop: ShopServer,
    redis_server: RedisServer,
    workers: list[subprocess.Popen[bytes]],
    tmp_path: Path,
) -> None:
    settings = deployment_settings(shop, tmp_path / "data", broker_url=redis_server.url)
    scheduler = Scheduler(settings)
    for number in ORDERS:
        shop.add_order("us", JANE, number, "Processing")
        scheduler.add(number, WatchPlan(every=timedelta(hours=1)))
    app = create_app(settings)

    sent = app.send_task(ENQUEUE_DUE).get(timeout=TASK_WAIT_S)
    checks = [app.AsyncResult(task_id).get(timeout=TASK_WAIT_S) for task_id in sent]

    assert len(sent) == len(ORDERS)
    assert sorted(check["order"] for check in checks) == [f"MK-{n}" for n in ORDERS]
    assert {check["outcome"] for check in checks} == {Outcome.WAITING.value}
    assert Counter(str(case["order"]) for case in shop.inbox("us")) == Counter(ORDERS)
    # Nothing is due any more: a second round sends nothing, and the shop hears nothing new.
    assert app.send_task(ENQUEUE_DUE).get(timeout=TASK_WAIT_S) == []

    family = {pid for worker in workers for pid in descendants(worker.pid)}
    assert family  # each worker's pool process (and its Chromium) runs under it
    for worker in workers:
        worker.send_signal(signal.SIGTERM)
    assert [worker.wait(STOP_WAIT_S) for worker in workers] == [0, 0]
    assert not [pid for pid in family if is_alive(pid)]
    assert Counter(str(case["order"]) for case in shop.inbox("us")) == Counter(ORDERS)


def test_beat_sends_the_due_orders_to_a_worker_on_its_own(
    shop: ShopServer, redis_server: RedisServer, tmp_path: Path
) -> None:
    settings = deployment_settings(shop, tmp_path / "data", broker_url=redis_server.url)
    scheduler = Scheduler(settings)
    for number in ORDERS[:2]:
        shop.add_order("us", JANE, number, "Processing")
        scheduler.add(number, WatchPlan(every=timedelta(hours=1)))
    env = agent_env(
        shop.region_url("us"),
        tmp_path / "data",
        ORDER_AGENT_BROKER_URL=redis_server.url,
        ORDER_AGENT_BEAT_INTERVAL_S="1",
    )
    app = create_app(settings)
    requested: list[str] = []
    with app.connection() as connection:

        def on_success(event: dict[str, object]) -> None:
            # A check's result, as the event quotes it: the order and what was done.
            if "cancellation_requested" in str(event.get("result")):
                requested.append(str(event["uuid"]))
            if len(requested) == 2:
                receiver.should_stop = True

        receiver = app.events.Receiver(connection, handlers={"task-succeeded": on_success})
        services = [
            subprocess.Popen(
                agent_command(command),
                env=env,
                stdout=(tmp_path / f"{command}.log").open("wb"),
                stderr=subprocess.STDOUT,
            )
            for command in ("worker", "beat")
        ]
        try:
            # Blocks on the worker's task events until both orders were checked.
            receiver.capture(limit=None, timeout=TASK_WAIT_S, wakeup=False)
            family = {pid for service in services for pid in descendants(service.pid)}
            for service in services:
                service.send_signal(signal.SIGTERM)
            assert [service.wait(STOP_WAIT_S) for service in services] == [0, 0]
        finally:
            for service in services:
                if service.poll() is None:
                    service.kill()
                    service.wait(STOP_WAIT_S)

    assert len(requested) == 2
    assert not [pid for pid in family if is_alive(pid)]
    # Beat kept sending every second; the orders, checked, were not due again.
    assert Counter(str(case["order"]) for case in shop.inbox("us")) == Counter(ORDERS[:2])
