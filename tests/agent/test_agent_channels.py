"""A channel added from outside the product, by the registry alone: it sends through the one
write-ahead path (its intent is on file before it sends) and is refused a second send."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from pathlib import Path

import pytest

from agent.channels import channel_choices, register, unregister
from agent.ledger import IntentKind, IntentState, Ledger, OrderKey
from fixtures.server import ShopServer
from flows.results import CancellationReceipt
from flows.site import RetailerSite
from ordercore.errors import NeedsHuman, UsageError
from ordercore.models import Action, CommandOptions, Order, Outcome
from tests.support.people import JANE

from .conftest import RunAgent

TOY = CommandOptions(channel="toy")


class ToyChannel:
    """Sends nothing to the shop: it notes what it was asked, and what the ledger held then."""

    name = "toy"
    label = "the toy channel"

    def __init__(self, data_dir: Path, key: OrderKey) -> None:
        self.data_dir = data_dir
        self.key = key
        self.sent: list[dict[str, str]] = []
        self.open_when_sending: list[list[IntentKind]] = []
        self.shown = True  # whether the shop offers it

    def offered(self, site: RetailerSite, wait_ms: float) -> bool:
        return self.shown

    def send(
        self,
        site: RetailerSite,
        order: Order,
        request: Mapping[str, str],
        *,
        proof: Path | None = None,
    ) -> CancellationReceipt:
        with Ledger.open(self.data_dir) as ledger:
            self.open_when_sending.append([i.kind for i in ledger.open_intents(self.key)])
        self.sent.append(dict(request))
        return CancellationReceipt(
            reference=f"TOY-{len(self.sent)}",
            fields={"Order": order.number},
            url=site.page.url,
            confirmation="Noted by the toy channel.",
        )


@pytest.fixture
def toy(shop: ShopServer, data_dir: Path) -> Iterator[ToyChannel]:
    channel = ToyChannel(data_dir, OrderKey(shop.region_url("us"), JANE, "70001"))
    register(channel)
    yield channel
    unregister(channel.name)


def test_a_registered_channel_sends_through_the_write_ahead_path_once(
    run_agent: RunAgent, shop: ShopServer, data_dir: Path, toy: ToyChannel
):
    first = run_agent("cancel", "70001", options=TOY)

    assert (first.action, first.outcome, first.reference) == (
        Action.CANCELLATION_REQUESTED,
        Outcome.DONE,
        "TOY-1",
    )
    assert first.details["channel"] == "toy"
    assert toy.open_when_sending == [[IntentKind.CANCELLATION_REQUEST]]  # written ahead
    assert [r["message"] for r in toy.sent] and "70001" in toy.sent[0]["message"]
    assert shop.inbox("us") == []  # not through the Contact Us form

    second = run_agent("cancel", "70001", options=TOY)

    assert len(toy.sent) == 1  # refused a second send
    assert (second.action, second.reference) == (Action.NONE, "TOY-1")
    with Ledger.open(data_dir) as ledger:
        [intent] = ledger.intents(toy.key)
    assert (intent.kind, intent.state, intent.reference) == (
        IntentKind.CANCELLATION_REQUEST,
        IntentState.SENT,
        "TOY-1",
    )
    assert intent.payload["channel"] == "toy"


def test_a_dry_run_through_a_registered_channel_sends_nothing(run_agent: RunAgent, toy: ToyChannel):
    result = run_agent("cancel", "70001", options=CommandOptions(channel="toy", dry_run=True))

    assert result.action is Action.NONE
    assert "through the toy channel" in result.message
    assert toy.sent == []


def test_a_registered_channel_the_shop_does_not_offer_sends_nothing_at_all(
    run_agent: RunAgent, shop: ShopServer, data_dir: Path, toy: ToyChannel
):
    toy.shown = False

    with pytest.raises(
        NeedsHuman, match="the shop does not offer the toy channel: nothing was sent"
    ):
        run_agent("cancel", "70001", options=TOY)

    assert toy.sent == []
    assert shop.inbox("us") == []  # not the form instead either
    with Ledger.open(data_dir) as ledger:
        assert ledger.intents(toy.key) == []


def test_a_channel_nobody_registered_is_a_usage_error_naming_those_that_are(
    run_agent: RunAgent, toy: ToyChannel
):
    assert channel_choices() == ["auto", "chat", "form", "toy"]
    with pytest.raises(
        UsageError, match=r"no channel named 'pigeon' \(known: auto, chat, form, toy\)"
    ):
        run_agent("cancel", "70001", options=CommandOptions(channel="pigeon"))
    assert toy.sent == []
