"""Notifications through real Apprise targets: an HTTP receiver on loopback (no browser)."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import parse_qs

import pytest
from structlog.testing import capture_logs

from agent.notify import NOTIFY_ENV, REDACTED, Notifier, NotifyEvent, parse_notify_urls

REPO = Path(__file__).resolve().parents[2]


@dataclass
class Delivery:
    path: str
    content_type: str
    body: bytes


@dataclass
class Receiver:
    """What a notification service would have received."""

    port: int
    answer: int = 200
    deliveries: list[Delivery] = field(default_factory=list)
    arrived: threading.Event = field(default_factory=threading.Event)

    def url(self, scheme: str, path: str) -> str:
        return f"{scheme}://127.0.0.1:{self.port}/{path}"

    def json_payloads(self) -> dict[str, dict[str, object]]:
        return {
            d.path: json.loads(d.body)
            for d in self.deliveries
            if d.content_type.startswith("application/json")
        }


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), BaseHTTPRequestHandler)
    state = Receiver(port=server.server_address[1])

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
            state.deliveries.append(Delivery(self.path, self.headers.get("Content-Type", ""), body))
            # Set before answering: the client may read the answer before this thread goes on.
            state.arrived.set()
            self.send_response(state.answer)
            self.send_header("Content-Length", "0")
            self.end_headers()

        def log_message(self, format: str, *args: object) -> None:
            pass  # keep test output clean

    server.RequestHandlerClass = Handler
    # A short poll interval only makes shutdown() return sooner.
    thread = threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True)
    thread.start()
    yield state
    server.shutdown()
    server.server_close()
    thread.join(timeout=5)


def closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def test_a_json_target_receives_title_and_body(receiver: Receiver) -> None:
    notifier = Notifier([receiver.url("json", "hooks/order-agent")])
    with capture_logs() as logs:
        delivered = notifier.notify(
            NotifyEvent.REQUEST_SENT,
            "70001",
            "Cancellation requested for order 70001",
            "The shop's case number is CS-482913.",
        )
    assert delivered
    assert receiver.arrived.is_set()
    payload = receiver.json_payloads()["/hooks/order-agent"]
    assert payload["title"] == "Cancellation requested for order 70001"
    assert payload["message"] == "The shop's case number is CS-482913."
    assert payload["type"] == "info"
    assert {
        "event": "notification",
        "change": "request_sent",
        "log_level": "info",
        "order": "70001",
        "title": "Cancellation requested for order 70001",
    }.items() <= logs[0].items()
    assert "CS-482913" not in str(logs)  # bodies are sent, not logged


def test_a_form_target_and_several_urls_from_the_environment(receiver: Receiver) -> None:
    environ = {
        NOTIFY_ENV: f"{receiver.url('form', 'form')}, {receiver.url('json', 'json')}",
    }
    notifier = Notifier.from_env(environ)
    assert notifier.enabled
    assert notifier.notify(
        NotifyEvent.LABEL_READY, "70004", "Return label ready", "RMA-1029 label saved."
    )
    [form] = [d for d in receiver.deliveries if d.path == "/form"]
    fields = parse_qs(form.body.decode())
    assert fields["title"] == ["Return label ready"]
    assert fields["message"] == ["RMA-1029 label saved."]
    assert fields["type"] == ["success"]
    assert receiver.json_payloads()["/json"]["title"] == "Return label ready"


def test_a_target_that_refuses_is_logged_not_raised(receiver: Receiver) -> None:
    receiver.answer = 500
    notifier = Notifier([receiver.url("json", "hook")])
    with capture_logs() as logs:
        delivered = notifier.notify(NotifyEvent.NEEDS_HUMAN, "70011", "Needs you", "On Hold")
    assert receiver.arrived.is_set()
    assert delivered is False
    [warning] = [entry for entry in logs if entry["log_level"] == "warning"]
    assert warning["event"] == "notification not delivered"
    assert warning["targets"] == ["json"]  # the URL itself may hold a token: never logged


def test_an_unreachable_target_does_not_crash_the_run() -> None:
    notifier = Notifier([f"json://127.0.0.1:{closed_port()}/hook?cto=2&rto=2"])
    with capture_logs() as logs:
        assert notifier.notify(NotifyEvent.SHIPPED, "70003", "Shipped", "Too late.") is False
    assert any(entry["event"] == "notification not delivered" for entry in logs)


def test_an_unknown_url_is_reported_and_skipped(receiver: Receiver) -> None:
    notifier = Notifier(["nosuchservice://token@example", receiver.url("json", "ok")])
    with capture_logs() as logs:
        assert notifier.notify(NotifyEvent.ORDER_CANCELLED, "70001", "Cancelled", "Done.")
    assert receiver.json_payloads()["/ok"]["type"] == "success"
    assert {"event": "notification URL not understood", "scheme": "nosuchservice"}.items() <= (
        logs[1].items()
    )
    assert not any("token@example" in str(entry) for entry in logs)

    only_unknown = Notifier(["nosuchservice://token@example"])
    with capture_logs():
        assert only_unknown.notify(NotifyEvent.SHIPPED, "70003", "Shipped", "x") is False


def test_secrets_never_leave_the_process(receiver: Receiver) -> None:
    password = "correct-horse-battery-staple"
    notifier = Notifier([receiver.url("json", "hook")], redact=[password, "JBSWY3DPEHPK3PXP"])
    with capture_logs() as logs:
        notifier.notify(
            NotifyEvent.NEEDS_HUMAN,
            "70001",
            f"Sign-in refused with {password}",
            "TOTP secret JBSWY3DPEHPK3PXP was rejected",
        )
    payload = receiver.json_payloads()["/hook"]
    assert payload["title"] == f"Sign-in refused with {REDACTED}"
    assert payload["message"] == f"TOTP secret {REDACTED} was rejected"
    assert password not in str(logs)


def test_without_urls_it_only_logs_and_never_imports_apprise() -> None:
    child = subprocess.run(
        [
            sys.executable,
            "-c",
            "import sys\n"
            "from structlog.testing import capture_logs\n"
            "from agent.notify import Notifier\n"
            "notifier = Notifier.from_env({})\n"
            "with capture_logs() as logs:\n"
            "    sent = notifier.notify('shipped', '70003', 'Shipped', 'On its way')\n"
            "print(sent, notifier.enabled, 'apprise' in sys.modules, logs[0]['title'])\n",
        ],
        cwd=REPO,
        env={**os.environ, "PYTHONPATH": str(REPO)},
        capture_output=True,
        text=True,
        timeout=30,
        check=True,
    )
    assert child.stdout.split() == ["False", "False", "False", "Shipped"]


@pytest.mark.parametrize(
    ("value", "urls"),
    [
        (None, []),
        ("  ", []),
        ("ntfy://orders", ["ntfy://orders"]),
        (
            "ntfy://orders, json://127.0.0.1:9/hook\nmailto://me:pw@example.com?to=a@x.com,b@x.com",
            [
                "ntfy://orders",
                "json://127.0.0.1:9/hook",
                "mailto://me:pw@example.com?to=a@x.com,b@x.com",
            ],
        ),
    ],
)
def test_notify_urls_are_split_between_schemes(value: str | None, urls: list[str]) -> None:
    assert parse_notify_urls(value) == urls
