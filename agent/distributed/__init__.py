"""Many workers: the same checks as ``order-agent run``, on Celery.

``app`` is the Celery app, ``tasks`` its two tasks (``check_order``, ``enqueue_due``),
``worker_browser`` the one Chromium a worker process keeps, ``limiter`` the per-shop
limit shared by every worker through Redis. Nothing here is imported in embedded mode.
"""
