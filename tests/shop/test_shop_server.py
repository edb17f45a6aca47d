"""The server itself: the JSON control API, error pages, quietness, the region index."""

from __future__ import annotations

import json
from collections.abc import Iterator

import pytest

from fixtures import views
from fixtures.regions import US
from fixtures.server import ShopServer

from .shop_helpers import Client


def _call(client: Client, method: str, operation: str, body: object = None) -> tuple[int, object]:
    data = json.dumps(body).encode() if body is not None else None
    answer = client.request(
        method, f"/__control/{operation}", body=data, content_type="application/json"
    )
    return answer.status, json.loads(answer.text)


def test_control_api_drives_the_shop(shop: ShopServer, client: Client) -> None:
    assert (
        _call(client, "POST", "status", {"region": "us", "order": "70001", "word": "Shipped"})[0]
        == 200
    )
    assert shop.order_status("us", "70001")["word"] == "Shipped"
    client.contact(US, "MK-70002")
    status, inbox = _call(client, "GET", "inbox?region=us")
    assert status == 200 and [case["order"] for case in inbox] == ["70002"]  # type: ignore[index]
    status, answer = _call(client, "POST", "advance", {"minutes": 60})
    assert answer["now"] == "2025-03-03T10:00:00+00:00"  # type: ignore[index]
    assert _call(client, "GET", "order_status?region=us&order=70002")[1]["canonical"] == (  # type: ignore[index]
        "cancelled"
    )
    _call(client, "POST", "fault", {"path": "^/uk/$", "kind": "5xx", "times": 1})
    assert client.get("/uk/").status == 503
    _call(client, "POST", "bot_check", {"on": True, "region": "us"})
    assert "verify you are human" in client.get(US.url("sign_in")).text
    _call(
        client,
        "POST",
        "order",
        {
            "region": "us",
            "email": "b@example.com",
            "number": "81000",
            "word": "Delivered",
            "items": ["Scarf"],
        },
    )
    for reader in ("returns", "attempts", "downloads", "faults"):
        assert _call(client, "GET", f"{reader}?region=us")[0] == 200
    assert _call(client, "POST", "reset", {}) == (200, {"ok": True})
    assert shop.order_status("us", "70001")["word"] == "Processing"


def test_control_api_reports_mistakes(client: Client) -> None:
    assert _call(client, "POST", "fault", {"path": "x", "kind": "teapot"})[0] == 400
    assert _call(client, "POST", "status", {"region": "zz", "order": "1", "word": "x"})[0] == 400
    assert _call(client, "POST", "advance", {})[0] == 400
    assert _call(client, "POST", "explode", {})[0] == 404


@pytest.fixture
def plain_server() -> Iterator[ShopServer]:
    server = ShopServer().start()  # control off: the default
    yield server
    server.stop()


def test_control_api_is_off_unless_asked(plain_server: ShopServer) -> None:
    client = Client(plain_server.url)
    assert client.request("POST", "/__control/reset", body=b"{}").status == 404


def test_errors_become_a_500_page_without_details(
    shop: ShopServer, client: Client, monkeypatch: pytest.MonkeyPatch
) -> None:
    def broken(*args: object) -> None:
        raise RuntimeError("internal detail: password=hunter2")

    monkeypatch.setattr(views, "home", broken)
    answer = client.get(US.url("home"))
    assert answer.status == 500
    assert "Sorry, something went wrong" in answer.text
    assert "hunter2" not in answer.text and "Traceback" not in answer.text


def test_unknown_pages_and_methods(client: Client) -> None:
    assert client.get("/us/no-such-page").status == 404
    assert client.get("/fr/").status == 404
    assert client.request("POST", US.url("orders"), {}).status == 405
    assert client.get("/us").status == 303
    index = client.get("/")
    assert index.status == 200 and 'href="/us/"' in index.text and 'href="/uk/"' in index.text


def test_requests_are_not_logged(client: Client, capfd: pytest.CaptureFixture[str]) -> None:
    client.get(US.url("home"))
    client.get("/us/missing")
    captured = capfd.readouterr()
    assert captured.err == "" and captured.out == ""


def test_pages_load_nothing_from_elsewhere(client: Client) -> None:
    html = client.get(US.url("home")).text
    assert "http://" not in html and "https://" not in html
