"""``worker`` and ``beat`` without a broker stop at once (exit 2, one line); the broker's
URL is a secret like the ledger's; the Celery app is configured for safe re-runs."""

from __future__ import annotations

import pytest

from agent.cli import main
from agent.distributed.app import celery_config
from agent.settings import load_settings

pytestmark = pytest.mark.distributed


@pytest.fixture(autouse=True)
def _isolated(clean_environment: None) -> None:
    """No ORDER_AGENT_ setting from outside (tests/conftest.py)."""


@pytest.mark.parametrize("command", ["worker", "beat"])
def test_without_a_broker_the_command_exits_2_with_one_line(
    command: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main([command]) == 2
    out, err = capsys.readouterr()
    assert out == ""
    assert err.splitlines() == [
        "order-agent: ORDER_AGENT_BROKER_URL is not set (set it to your Redis, e.g. "
        "ORDER_AGENT_BROKER_URL=redis://127.0.0.1:6379/0; embedded mode (`order-agent run`) "
        "needs none)"
    ]


def test_the_broker_url_is_a_secret_and_empty_means_embedded_mode(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    assert load_settings(require_credentials=False).broker_url_text() is None
    monkeypatch.setenv("ORDER_AGENT_BROKER_URL", " ")
    assert load_settings(require_credentials=False).broker_url_text() is None
    url = "redis://:pw-Broker-1@redis.example:6379/0"
    monkeypatch.setenv("ORDER_AGENT_BROKER_URL", url)
    settings = load_settings(require_credentials=False)
    assert settings.broker_url_text() == url
    assert "pw-Broker-1" not in repr(settings)
    assert {url, "pw-Broker-1"} <= set(settings.secret_values())


def test_the_app_acks_late_takes_one_task_at_a_time_and_speaks_only_json(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("ORDER_AGENT_BROKER_URL", "redis://127.0.0.1:6379/0")
    monkeypatch.setenv("ORDER_AGENT_BEAT_INTERVAL_S", "30")
    config = celery_config(load_settings(require_credentials=False))
    assert config["broker_url"] == "redis://127.0.0.1:6379/0"
    assert (config["task_acks_late"], config["task_reject_on_worker_lost"]) == (True, True)
    assert config["worker_prefetch_multiplier"] == 1
    assert config["accept_content"] == ["json"]
    assert config["task_serializer"] == config["result_serializer"] == "json"
    assert config["beat_schedule"] == {
        "enqueue-due": {"task": "order_agent.enqueue_due", "schedule": 30.0}
    }
