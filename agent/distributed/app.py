"""The Celery app, configured from the project's Settings (``celery -A agent.distributed.app``).

Tasks are acknowledged only once done (``task_acks_late``) and put back when their
worker dies (``task_reject_on_worker_lost``): a check may run again, which is safe, since
the ledger's claim and write-ahead intents decide what was sent. A worker takes one task
at a time per process (``worker_prefetch_multiplier=1``): an order waits in the queue,
not behind a busy worker. Messages are JSON only and carry order keys, never secrets.
"""

from __future__ import annotations

from celery import Celery

from agent.settings import Settings, load_settings

APP_NAME = "order_agent"
CHECK_ORDER = f"{APP_NAME}.check_order"
ENQUEUE_DUE = f"{APP_NAME}.enqueue_due"
# Task results (what a check found: its outcome line) are kept this long in Redis.
RESULT_EXPIRES_S = 24 * 3600


def celery_config(settings: Settings) -> dict[str, object]:
    broker = settings.broker_url_text()
    return {
        "broker_url": broker,
        "result_backend": broker,
        "result_expires": RESULT_EXPIRES_S,
        "task_acks_late": True,
        "task_reject_on_worker_lost": True,
        "worker_prefetch_multiplier": 1,
        "task_serializer": "json",
        "result_serializer": "json",
        "accept_content": ["json"],
        "result_accept_content": ["json"],
        "broker_connection_retry_on_startup": True,
        # Task events, for `celery events`, Flower and whoever waits on a check's end.
        "worker_send_task_events": True,
        "task_send_sent_event": True,
        # Our own logging (secrets scrubbed) stays in charge of the root logger.
        "worker_hijack_root_logger": False,
        # A pool process logs to stderr itself: redirected into logging, it would loop.
        "worker_redirect_stdouts": False,
        "beat_schedule": {
            "enqueue-due": {"task": ENQUEUE_DUE, "schedule": settings.beat_interval_s},
        },
        "timezone": "UTC",
    }


def create_app(settings: Settings) -> Celery:
    celery = Celery(APP_NAME, include=["agent.distributed.tasks"])
    celery.conf.update(celery_config(settings))
    return celery


app = create_app(load_settings(require_credentials=False))
