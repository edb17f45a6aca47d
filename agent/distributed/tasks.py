"""The two tasks: beat's ``enqueue_due`` and the workers' ``check_order``.

Task arguments are an order's key (site, e-mail, number): never a secret. Each worker
process keeps one :class:`~agent.distributed.worker_browser.WorkerBrowser` (a
module-level holder, made on the first task, closed when the process ends).
"""

from __future__ import annotations

from typing import Any

from celery.signals import worker_process_init, worker_process_shutdown

from agent.distributed.app import CHECK_ORDER, ENQUEUE_DUE, app
from agent.distributed.limiter import ShopLimiter
from agent.distributed.worker_browser import WorkerBrowser, WorkerScheduler
from agent.ledger import Ledger, OrderKey
from agent.logs import get_logger
from agent.settings import Settings, load_settings

log = get_logger("agent.distributed")

_holder: WorkerBrowser | None = None


def _settings() -> Settings:
    return load_settings(require_credentials=False)


def limiter_for(settings: Settings) -> ShopLimiter | None:
    """The shared per-shop limit; None without a broker (embedded mode)."""
    broker = settings.broker_url_text()
    if broker is None:
        return None
    return ShopLimiter(
        broker,
        max_in_flight=settings.shop_max_in_flight,
        per_second=settings.shop_max_per_second,
        hold_s=settings.claim_lease_s,
    )


def worker_browser() -> WorkerBrowser:
    global _holder
    if _holder is None:
        settings = _settings()
        _holder = WorkerBrowser(settings, limiter_for(settings))
    return _holder


@worker_process_init.connect
def _configure_process(**_: Any) -> None:
    from agent.run_logging import configure_logging

    configure_logging(_settings())


@worker_process_shutdown.connect
def _close_browser(**_: Any) -> None:
    global _holder
    holder, _holder = _holder, None
    if holder is not None:
        holder.close()


@app.task(name=CHECK_ORDER)
def check_order(site: str, email: str, number: str) -> dict[str, object] | None:
    """Claim the order and check it once, as ``order-agent run`` would; an order another
    worker holds is skipped (its check says so), not an error."""
    check = worker_browser().check(OrderKey(site, email, number))
    if check is None:
        log.info("nothing to do: not due or no longer tracked", order=number)
        return None
    log.info("order checked", order=number, outcome=check.outcome.value)
    return check.to_json()


@app.task(name=ENQUEUE_DUE)
def enqueue_due() -> list[str]:
    """Send one ``check_order`` per due order; the ids of the tasks sent. Orders past their
    end date are ended first, as ``order-agent run`` ends them."""
    settings = _settings()
    with Ledger.open(settings.data_dir, database_url=settings.database_url_text()) as ledger:
        due = WorkerScheduler(settings).due_orders(ledger)
    sent = [check_order.delay(t.key.site, t.key.email, t.key.number).id for t in due]
    log.info("due orders sent to the workers", orders=len(sent))
    return sent
