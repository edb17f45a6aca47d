"""The shop's live chat, as one visit (``RetailerSite.chat``) uses it.

A thin layer over :class:`flows.chatting.ChatWidget`: a fresh widget for the tab in
use, never typing the secrets it was given, whether the launcher is shown (waited for
only on a shop where it was seen before, unless asked to be patient), and the order's
status read again just before the chat is asked to cancel it.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

from flows.browsing import Browsing, TabPart, as_agent_errors
from flows.chatting import ChatResult, ChatWidget
from flows.locating import visible_now
from flows.remembered import CHAT
from ordercore.models import Order


class ShopChat(TabPart):
    """The live chat of one tab of a visit."""

    def __init__(self, browsing: Browsing, confirm_status: Callable[[Order], None]) -> None:
        super().__init__(browsing)
        self.confirm_status = confirm_status
        self._widget_now: ChatWidget | None = None  # the live chat on the page in use
        self._secrets: tuple[str, ...] = ()

    def use(self, secrets: Sequence[str] = ()) -> None:
        """Never type any of ``secrets`` into the chat (a fresh widget on the page in use)."""
        self._secrets = tuple(secrets)
        self._widget_now = None

    def _widget(self) -> ChatWidget:
        if self._widget_now is None or self._widget_now.page is not self.page:
            self._widget_now = ChatWidget(
                self.page, self.site_url, self.words, secrets=self._secrets
            )
        return self._widget_now

    @as_agent_errors
    def offered(self, wait_ms: float, *, patient: bool = True) -> bool:
        """Whether the page shows the shop's chat launcher (within ``wait_ms``).

        Not ``patient``: the launcher is waited for only on a shop where it was seen
        before (``remembered["chat"]``: the page it was seen on, "" when it was not);
        elsewhere it is only looked at, so a shop without chat costs no wait at all.
        """
        widget = self._widget()
        if patient or self.remembered.get(CHAT):
            offered = widget.offered(wait_ms)
        else:
            offered = visible_now(widget.launcher())
        self.remembered[CHAT] = self.page.url if offered else ""
        return offered

    @as_agent_errors
    def opening(self) -> str:
        """Open the chat: ``"away"``, ``"talk"`` (a conversation shown again) or ``"form"``."""
        return self._widget().opening()

    @as_agent_errors
    def earlier(self, order: Order) -> ChatResult | None:
        """The conversation about ``order`` the chat shows again (a dropped chat's), read;
        nothing sent. ``None``: none, or one about another order."""
        return self._widget().earlier_conversation(order.number)

    @as_agent_errors
    def request_cancellation(
        self, order: Order, *, name: str, email: str, message: str
    ) -> ChatResult:
        """Ask the shop's live chat to cancel ``order``; its outcome, read by its words."""
        return self._widget().request_cancellation(
            order_number=order.number,
            name=name,
            email=email,
            message=message,
            before_send=lambda: self.confirm_status(order),
        )

    @as_agent_errors
    def minimise(self) -> None:
        """Put the open chat away (it may cover the page's own form)."""
        self._widget().minimise()

    def screenshot(self) -> bytes | None:
        """A picture of the open chat (best effort)."""
        return self._widget().screenshot()
