"""The shop's traffic counters: requests in flight, their peak, the log, gatherings."""

from __future__ import annotations

import json
import threading

from fixtures.server import ShopServer

from .shop_helpers import Client


def _get_all_at_once(shop: ShopServer, paths: list[str]) -> list[int]:
    """GET every path on its own thread, all started together; their status codes."""
    statuses: list[int] = [0] * len(paths)

    def get(index: int, path: str) -> None:
        statuses[index] = Client(shop.url).get(path).status

    threads = [threading.Thread(target=get, args=(i, p)) for i, p in enumerate(paths)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    return statuses


def test_one_request_at_a_time_peaks_at_one_and_is_logged(shop: ShopServer, client: Client) -> None:
    assert client.get("/us/").status == 200
    assert client.get("/uk/").status == 200
    assert shop.in_flight == 0
    assert shop.peak_in_flight == 1
    assert [(r.method, r.target, r.in_flight) for r in shop.requests()] == [
        ("GET", "/us/", 1),
        ("GET", "/uk/", 1),
    ]
    # The control API is not the shop's traffic.
    answer = client.get("/__control/traffic")
    assert json.loads(answer.text) == {
        "in_flight": 0,
        "peak": 1,
        "requests": [
            {"method": "GET", "target": "/us/", "in_flight": 1},
            {"method": "GET", "target": "/uk/", "in_flight": 1},
        ],
    }
    shop.reset()
    assert shop.peak_in_flight == 0 and shop.requests() == []


def test_a_gathering_holds_requests_until_they_are_all_there(shop: ShopServer) -> None:
    gathering = shop.gather(r"^/us/customer-service", count=3)
    statuses = _get_all_at_once(shop, ["/us/customer-service"] * 3)
    assert statuses == [200, 200, 200]
    assert gathering.met.is_set()
    assert shop.peak_in_flight == 3  # all three were in the shop's hands at once
    assert sorted(r.in_flight for r in shop.requests()) == [1, 2, 3]

    # Over once met: later requests pass one by one.
    shop.reset()
    assert Client(shop.url).get("/us/customer-service").status == 200
    assert shop.peak_in_flight == 1


def test_a_gathering_that_is_never_met_lets_its_requests_go(shop: ShopServer) -> None:
    gathering = shop.gather(r"^/us/customer-service", count=2, timeout=0.2)
    assert Client(shop.url).get("/us/customer-service").status == 200
    assert not gathering.met.is_set()
    assert shop.peak_in_flight == 1
