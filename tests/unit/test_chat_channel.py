"""The cancellation channel (issue #13): where it is chosen, and how it is said."""

from __future__ import annotations

import pytest

from agent.cancel_step import chosen_channel
from agent.cli import main
from agent.messages import chat_shortfall
from agent.settings import load_settings
from agent.site_profiles import parse_profile
from flows.chatting import ChatOutcome, ChatResult
from ordercore.errors import ConfigError


@pytest.mark.parametrize(
    ("option", "setting", "profile", "chosen"),
    [
        (None, None, None, "auto"),
        (None, None, "form", "form"),
        (None, "chat", "form", "chat"),
        ("form", "chat", "auto", "form"),
    ],
)
def test_the_option_wins_then_the_setting_then_the_profile(
    option: str | None, setting: str | None, profile: str | None, chosen: str
) -> None:
    assert chosen_channel(option, setting, profile) == chosen


def test_a_profile_says_its_channel() -> None:
    assert parse_profile('channel = "form"\n', "shop.toml").channel == "form"
    assert parse_profile('name = "x"\n', "shop.toml").channel is None
    with pytest.raises(ConfigError, match=r"line 1: channel"):
        parse_profile('channel = "phone"\n', "shop.toml")


def test_the_setting_is_read_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ORDER_AGENT_CHANNEL", "chat")
    monkeypatch.setenv("ORDER_AGENT_CHAT_WAIT_MS", "2500")
    settings = load_settings(require_credentials=False)
    assert settings.channel == "chat" and settings.limits().chat_wait_ms == 2500
    monkeypatch.setenv("ORDER_AGENT_CHANNEL", "")
    assert load_settings(require_credentials=False).channel is None
    monkeypatch.setenv("ORDER_AGENT_CHANNEL", "phone")
    with pytest.raises(ConfigError, match="ORDER_AGENT_CHANNEL"):
        load_settings(require_credentials=False)


def test_cancel_help_explains_the_channels(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["cancel", "--help"]) == 0
    shown = " ".join(capsys.readouterr().out.split())
    assert "--channel [auto|chat|form]" in shown and "never opens the chat" in shown


def test_why_the_chat_put_nothing_on_file_is_one_clause() -> None:
    assert chat_shortfall(None, tried=False) == "is away right now"
    assert chat_shortfall(None, tried=True) == "was tried before and could not help"
    said = ChatResult(ChatOutcome.NOTHING, None, "Bot: Sorry, I can't help.", said="Bot: Sorry")
    assert chat_shortfall(said, tried=False) == 'could not help: "Bot: Sorry"'
    assert chat_shortfall(ChatResult(ChatOutcome.NOTHING), tried=False) == "gave no answer"


def test_the_channel_of_a_tracked_order_survives_the_ledger() -> None:
    from agent.ledger import OrderOptions

    assert OrderOptions.from_json(OrderOptions(channel="chat").to_json()).channel == "chat"
    assert "channel" not in OrderOptions().to_json()  # rows written before it read the same
    assert OrderOptions.from_json({"reason": None}).channel is None
