"""Orders checked per minute with 1, 2, 3... Celery workers: the scaling curve (issue #14).

    .venv/bin/python -m bench.workers --workers 1,2,3 --orders 30 --repeat 3
    .venv/bin/python -m bench.workers --workers 1 --orders 2 --repeat 1 --markdown /tmp/w.md

For each worker count: a fresh PostgreSQL database and Redis (``tests.support.services``,
real servers on loopback), the fixture shop in a thread, ``--orders`` processing orders
across ``--accounts`` stored accounts, and that many ``order-agent worker --concurrency 1``
processes. One ``check_order`` task per order is sent at once (as beat would) and the
clock runs from the first send until the last result: each check signs in when its
account's context is new, reads the order and sends its cancellation request. The
workers start (Chromium and all) before the clock starts, and each checks one warm-up
order first (one per worker, as the queue hands them out), so a count measures checks,
not launches.

Memory: every second of the run, the resident set (RSS) and proportional set (PSS,
shared pages split between their users) of each worker's whole tree: the Celery main
process, its pool process and its Chromium's processes. The peak per worker is reported.

Written to ``bench/results/workers.md`` (``--markdown``); the numbers depend on the
machine and on what else runs on it: the table says which machine it was.
"""

from __future__ import annotations

import argparse
import os
import statistics
import tempfile
import threading
import time
from contextlib import ExitStack
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path

from cryptography.fernet import Fernet

from agent.ledger import OrderKey
from agent.settings import Settings
from bench.processes import descendants, process_memory
from fixtures.server import ShopServer

REPO = Path(__file__).resolve().parents[1]
DEFAULT_MARKDOWN = REPO / "bench" / "results" / "workers.md"
RESULT_WAIT_S = 600  # a guard against a hung worker, not a speed target
SAMPLE_EVERY_S = 1.0
MB = 1024 * 1024


@dataclass(frozen=True)
class Point:
    """One worker count, measured (or the medians of several runs of it)."""

    workers: int
    orders: int
    wall_s: float
    peak_rss_mb: float  # the largest of the workers' peaks (a worker's whole tree)
    peak_pss_mb: float
    runs: tuple[float, ...] = ()  # orders per minute of each run, when this is their median

    @property
    def per_minute(self) -> float:
        return self.orders / self.wall_s * 60 if self.wall_s else 0.0


class TreeMemory:
    """Samples each worker's process tree (itself, its pool, its Chromium) until stopped."""

    def __init__(self, roots: list[int]) -> None:
        self.roots = roots
        self.peak_rss = dict.fromkeys(roots, 0)
        self.peak_pss = dict.fromkeys(roots, 0)
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._loop, name="worker-memory", daemon=True)

    def sample(self) -> None:
        for root in self.roots:
            found = [process_memory(pid) for pid in [root, *descendants(root)]]
            memories = [m for m in found if m is not None]
            self.peak_rss[root] = max(self.peak_rss[root], sum(m.rss_bytes for m in memories))
            self.peak_pss[root] = max(self.peak_pss[root], sum(m.pss_bytes for m in memories))

    def _loop(self) -> None:
        while not self._stop.wait(SAMPLE_EVERY_S):
            self.sample()

    def __enter__(self) -> TreeMemory:
        self.sample()
        self._thread.start()
        return self

    def __exit__(self, *exc_info: object) -> None:
        self._stop.set()
        self._thread.join()
        self.sample()


def _tracked_orders(
    settings: Settings, shop: ShopServer, count: int, accounts: int, start: int
) -> list[OrderKey]:
    """``count`` processing orders over ``accounts`` stored accounts; their keys."""
    from agent.scheduler import Scheduler, WatchPlan
    from agent.shopper_accounts import AccountSecrets, add_account, settings_for

    assert settings.site_url
    stored = []
    for a in range(accounts):
        email, password = f"bench{start}-{a}@example.com", f"Bench-{a}-pa55"
        shop.add_account("us", email, password, f"Bench Shopper {a}")
        secrets = AccountSecrets(password)
        stored.append(
            add_account(settings, f"bench{start}-{a}", settings.site_url, email, None, secrets)
        )
    keys = []
    for n in range(count):
        account = stored[n % accounts]
        number = str(start + n)
        shop.add_order("us", account.email, number, "Processing")
        scheduler = Scheduler(settings_for(settings, account))
        plan = WatchPlan(every=timedelta(hours=1))
        keys.append(scheduler.add(number, plan, account=account.name).key)
    return keys


def measure(workers: int, orders: int, accounts: int) -> Point:
    """One worker count on fresh servers and a fresh shop."""
    from agent.distributed.app import CHECK_ORDER, create_app
    from agent.settings import load_settings
    from tests.support.ledgers import PostgresDatabases
    from tests.support.services import RedisServer, worker_processes

    with ExitStack() as stack:
        tmp = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="bench-workers-")))
        shop = stack.enter_context(ShopServer(control=True))
        redis = stack.enter_context(RedisServer(tmp).start())
        databases = PostgresDatabases()
        stack.callback(databases.stop)
        database_url = databases.create()
        key = Fernet.generate_key().decode()
        settings = load_settings(
            require_credentials=False,
            site_url=shop.region_url("us"),
            data_dir=tmp / "data",
            database_url=database_url,
            broker_url=redis.url,
            secret_key=key,
        )
        # One warm-up order per worker (each worker's Chromium starts on it), then the run.
        warm = _tracked_orders(settings, shop, workers, 1, 60000)
        keys = _tracked_orders(settings, shop, orders, accounts, 61000)
        env = {
            **os.environ,
            "PYTHONPATH": str(REPO),
            "ORDER_AGENT_DATA_DIR": str(tmp / "data"),
            "ORDER_AGENT_DATABASE_URL": database_url,
            "ORDER_AGENT_BROKER_URL": redis.url,
            "ORDER_AGENT_SECRET_KEY": key,
            "ORDER_AGENT_HEADLESS": "true",
            "ORDER_AGENT_LOG_FORMAT": "json",
        }
        app = create_app(settings)

        def send(keys: list[OrderKey]) -> list[object]:
            sent = [app.send_task(CHECK_ORDER, args=[k.site, k.email, k.number]) for k in keys]
            return [result.get(timeout=RESULT_WAIT_S) for result in sent]

        with worker_processes(env, workers, tmp) as started:
            send(warm)
            with TreeMemory([p.pid for p in started]) as memory:
                began = time.perf_counter()
                checks = send(keys)
                wall = time.perf_counter() - began
        sent_ok = sum(
            1 for c in checks if isinstance(c, dict) and c.get("action") == "cancellation_requested"
        )
        if sent_ok != orders:
            raise SystemExit(f"{orders - sent_ok} of {orders} orders were not checked to the end")
        return Point(
            workers,
            orders,
            wall,
            max(memory.peak_rss.values()) / MB,
            max(memory.peak_pss.values()) / MB,
        )


def median_point(runs: list[Point]) -> Point:
    """One worker count's runs as one point: the median of each measure."""
    first = runs[0]
    return Point(
        first.workers,
        first.orders,
        statistics.median(p.wall_s for p in runs),
        statistics.median(p.peak_rss_mb for p in runs),
        statistics.median(p.peak_pss_mb for p in runs),
        tuple(p.per_minute for p in runs),
    )


def markdown(points: list[Point], accounts: int) -> str:
    cores = os.cpu_count() or 0
    total_mb = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / MB
    load = os.getloadavg()[0]
    lines = [
        "# Workers: orders checked per minute (bench.workers)",
        "",
        f"Machine: {cores} cores, {total_mb / 1024:.1f} GB RAM, shared with whatever else ran "
        f"(load average {load:.1f} when the table was written).",
        f"Orders: processing ones across {accounts} stored accounts; each check signs in when",
        "its account's context is new, reads the order and sends a cancellation request.",
        "",
        f"Each worker count ran {len(points[0].runs) if points else 0} time(s), the counts "
        "taking turns; the table holds medians, each run's rate in the last column.",
        "",
        "| workers | orders | wall s | orders/min | per worker/min "
        "| peak RSS per worker MB | peak PSS per worker MB | runs (orders/min) |",
        "|---:|---:|---:|---:|---:|---:|---:|---|",
    ]
    for p in points:
        each = ", ".join(f"{rate:.1f}" for rate in p.runs)
        lines.append(
            f"| {p.workers} | {p.orders} | {p.wall_s:.1f} | {p.per_minute:.1f} | "
            f"{p.per_minute / p.workers:.1f} | {p.peak_rss_mb:.0f} | {p.peak_pss_mb:.0f} "
            f"| {each} |"
        )
    lines += [
        "",
        "Orders per minute is the median run's orders over its wall time.",
        "RSS counts pages shared between a worker's processes (and with other workers) more",
        "than once; PSS splits them: the sum of PSS is what the workers cost together.",
        "",
    ]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m bench.workers", description=__doc__.split("\n")[0]
    )
    parser.add_argument("--workers", default="1,2,3", help="worker counts, comma-separated")
    parser.add_argument("--orders", type=int, default=30, help="orders per worker count")
    parser.add_argument("--accounts", type=int, default=3, help="stored accounts they belong to")
    parser.add_argument(
        "--repeat", type=int, default=3, help="runs of each count, taking turns (medians)"
    )
    parser.add_argument("--markdown", type=Path, default=DEFAULT_MARKDOWN)
    args = parser.parse_args(argv)
    counts = [int(part) for part in args.workers.split(",") if part.strip()]
    runs: dict[int, list[Point]] = {count: [] for count in counts}
    # The counts take turns, so a slow spell of the machine falls on all of them alike.
    for round_ in range(1, args.repeat + 1):
        for count in counts:
            point = measure(count, args.orders, min(args.accounts, args.orders))
            print(
                f"run {round_}, {count} worker(s): {point.orders} orders in "
                f"{point.wall_s:.1f} s = {point.per_minute:.1f}/min; peak per worker "
                f"RSS {point.peak_rss_mb:.0f} MB, PSS {point.peak_pss_mb:.0f} MB",
                flush=True,
            )
            runs[count].append(point)
    points = [median_point(runs[count]) for count in counts]
    text = markdown(points, min(args.accounts, args.orders))
    args.markdown.parent.mkdir(parents=True, exist_ok=True)
    args.markdown.write_text(text, encoding="utf-8")
    print(f"written to {args.markdown}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
