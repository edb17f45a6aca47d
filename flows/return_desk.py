"""Returns on the shop: what a return form is, starting one, and its prepaid label.

:class:`ReturnDesk` is ``RetailerSite``'s part for a delivered order: a look, in a tab
of its own, at what starting a return opens (a form per item with no label, or a
label); the return itself (``flows.returning.ReturnFlow``, the order's status read
again just before the submit); and the label, from the confirmation or else from the
order's page, downloaded and checked before it is kept.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Sequence
from pathlib import Path

from playwright.sync_api import Error as PlaywrightError
from playwright.sync_api import Locator, Page

from flows.browsing import Browsing, TabPart
from flows.interruptions import install_dialog_handlers
from flows.label_capture import capture_label
from flows.labels import keep_label
from flows.locating import (
    best_of,
    control,
    look_ms,
    wait_visible,
)
from flows.order_pages import OrderPage
from flows.recognition import Step
from flows.results import ReturnReceipt
from flows.return_pages import ReturnConfirmationPage, ReturnPage
from flows.returning import ReturnFlow
from ordercore.models import Order
from ordercore.steps import SafeStep


class ReturnDesk(TabPart):
    """The returns of one visit (``RetailerSite``'s tab)."""

    def __init__(
        self, browsing: Browsing, confirm_status: Callable[[Order], None], safe_step: SafeStep
    ) -> None:
        super().__init__(browsing)
        self.confirm_status = confirm_status
        self.safe_step = safe_step
        self._return_page: Page | None = None  # the return flow's last page

    def kind(self, order: Order) -> str | None:
        """What starting a return for ``order`` opens, looked at in a tab of its own (read
        only): "request" (a form per item, no label), "label", or None (no form reached)."""
        if not order.url:
            return None
        side = self.page.context.new_page()
        try:
            install_dialog_handlers(side, self.words)
            browsing = Browsing(side, self.site_url, self.words, remembered={})
            if browsing.goto(order.url, ok_below=400) is None:
                return None
            browsing.check_page()
            entry = OrderPage(side, self.words).return_entry()
            if entry is None:
                return None
            target = browsing.click_maybe_new_page(entry)
            form = ReturnPage(target, self.words)
            if not wait_visible(form.item_boxes().or_(form.product_field()), look_ms()):
                return None
            return "request" if form.is_request() else "label"
        finally:
            for page in side.context.pages:
                if page is side or page.opener == side:
                    with contextlib.suppress(PlaywrightError):
                        page.close()

    def start(
        self,
        order: Order,
        *,
        items: Sequence[str] | None = None,
        reason: str | None = None,
        dry_run: bool = False,
        screenshot: Path | None = None,
    ) -> ReturnReceipt:
        """Return ``order``'s returnable items (or only ``items``) by prepaid mail label.

        ``reason`` picks the Reason option with those words when the form has one.
        ``screenshot`` keeps the filled form (dry run) or the confirmation (submitted).
        """
        flow = ReturnFlow(self.browsing)
        receipt = flow.start(
            order,
            items=items,
            reason=reason,
            dry_run=dry_run,
            screenshot=screenshot,
            before_submit=lambda: self.confirm_status(order),
            safe_step=self.safe_step,
        )
        self._return_page = flow.page
        return receipt

    def download_label(self, dest: Path, order: Order | None, *, expect: Sequence[str]) -> Path:
        """The label from the confirmation, else from ``order``'s page, kept at ``dest``."""
        page, link = self._label_link(order)
        data = capture_label(self.browsing, page, link)
        return keep_label(data, Path(dest), expect)

    def _label_link(self, order: Order | None) -> tuple[Page, Locator]:
        """The label link on the confirmation, else on the last order's page."""
        pages = [p for p in (self._return_page, self.page) if p is not None and not p.is_closed()]
        for page in dict.fromkeys(pages):
            link = ReturnConfirmationPage(page, self.words).label_control()
            if link is not None:
                return page, link
        if order is not None and order.url:
            self.browsing.goto(order.url)
            self.browsing.check_page()
            words = self.words.label_links
            wanted = control(self.page, words, Step.ORDER)
            if wait_visible(wanted, look_ms()):
                return self.page, best_of(wanted, words, Step.ORDER)
        self.browsing.diagnose("could not find a return label link")
