"""The ways a cancellation request reaches a shop, behind one interface, and their registry.

A channel knows how to send one request on a signed-in site and what to call itself;
it decides nothing and keeps nothing. Whether to send at all, the write-ahead intent
around the send, and the refusal of a second one are ``agent.submitting``'s, the same
for every channel::

    Submitter.request_cancellation(..., channel=channel_named("form"))
        ledger.has_sent? the shop's open requests?   -> adopt, send nothing
        ledger.begin_intent                          (committed before the send)
        channel.send(site, order, request)           exactly once, never retried
        ledger.complete_intent / fail_intent

The contact form and the live chat are built in. Adding a channel (e-mail, say) is a
module with a class that has ``name``, ``label``, ``offered`` and ``send``, and one
line in :data:`REGISTRY` (or :func:`register`, as the tests do): ``--channel NAME``
then sends through it. ``auto`` is not a channel but a choice between two: the chat
when the shop shows one that is online, else the form (``agent.runner``).
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol, TypeVar

from ordercore.errors import UsageError
from ordercore.models import Channel, Order

if TYPE_CHECKING:
    from flows.chatting import ChatResult
    from flows.results import CancellationReceipt
    from flows.site import RetailerSite


Sent = TypeVar("Sent", covariant=True)


class CancellationChannel(Protocol[Sent]):
    """One way a cancellation request reaches a shop; ``Sent``: what its send answers.

    A channel ``--channel`` names answers with a ``CancellationReceipt`` (the reference,
    the fields sent, the page and words that confirmed it): what the receipt keeps.
    """

    @property
    def name(self) -> str:
        """What ``--channel`` calls it; kept with the ledger's intent."""
        ...

    @property
    def label(self) -> str:
        """What the shopper is told it goes through ("Contact Us")."""
        ...

    def offered(self, site: RetailerSite, wait_ms: float) -> bool:
        """Whether the shop offers it on the page in use (looked for within ``wait_ms``)."""
        ...

    def send(
        self,
        site: RetailerSite,
        order: Order,
        request: Mapping[str, str],
        *,
        proof: Path | None = None,
    ) -> Sent:
        """Send ``request`` (name, email, reason, message) once; what the shop answered.

        ``proof``: where to keep a picture of what is sent, taken just before it goes.
        """
        ...


class ContactForm:
    """The shop's Contact Us form: the order number, a reason and the message."""

    name = Channel.FORM.value
    label = "Contact Us"

    def offered(self, site: RetailerSite, wait_ms: float) -> bool:
        return True  # every shop the agent signs in to has a way to write to it

    def send(
        self,
        site: RetailerSite,
        order: Order,
        request: Mapping[str, str],
        *,
        proof: Path | None = None,
    ) -> CancellationReceipt:
        return site.request_cancellation(
            order,
            name=request["name"],
            email=request["email"],
            reason=request["reason"],
            message=request["message"],
            filled_form=proof,
        )


class LiveChat:
    """The shop's live chat widget: the shopper's name, e-mail and the request, typed."""

    name = Channel.CHAT.value
    label = "the shop's live chat"

    def offered(self, site: RetailerSite, wait_ms: float) -> bool:
        return site.chat.offered(wait_ms, patient=True)

    def send(
        self,
        site: RetailerSite,
        order: Order,
        request: Mapping[str, str],
        *,
        proof: Path | None = None,
    ) -> ChatResult:
        # The conversation is its own proof (its transcript); what the chat answered is
        # read by its words.
        return site.chat.request_cancellation(
            order, name=request["name"], email=request["email"], message=request["message"]
        )


FORM_CHANNEL = ContactForm()
CHAT_CHANNEL = LiveChat()

# Every channel ``--channel`` may name (besides ``auto``), by name.
REGISTRY: dict[str, CancellationChannel[Any]] = {
    CHAT_CHANNEL.name: CHAT_CHANNEL,
    FORM_CHANNEL.name: FORM_CHANNEL,
}


def register(channel: CancellationChannel[Any]) -> None:
    """Make ``channel`` one ``--channel`` can name (a name taken already is refused)."""
    if channel.name in REGISTRY or channel.name == Channel.AUTO:
        raise ValueError(f"a channel named {channel.name!r} is registered already")
    REGISTRY[channel.name] = channel


def unregister(name: str) -> None:
    """Forget a channel :func:`register` added (the built-in ones stay)."""
    if name not in (Channel.FORM, Channel.CHAT):
        REGISTRY.pop(name, None)


def channel_choices() -> list[str]:
    """What ``--channel`` accepts: auto, then every registered channel's name."""
    return [Channel.AUTO.value, *REGISTRY]


def channel_named(name: str) -> CancellationChannel[Any]:
    """The channel called ``name``; a ``UsageError`` naming the known ones otherwise."""
    try:
        return REGISTRY[name]
    except KeyError:
        known = ", ".join(channel_choices())
        raise UsageError(f"no channel named {name!r} (known: {known})") from None
