"""Whether a click reached the element it was aimed at.

A promotion that shows up between the press and the release of a click takes the
release: the click lands on the promotion (or on what holds both), and the control
never hears of it. Playwright checks what is under the pointer at the press only, so
the click "succeeds". A "Return Items" toggle or a chat launcher then opens
nothing, and the page looks as if the site had no such thing.

So the element counts the clicks it receives (a listener of its own, on the capture
side so that the page's handlers cannot hide one). A click it did not receive can be
made again (``flows.interruptions.click_in_place``), or not waited on: the element's
own count decides, never a guess from what the page shows, since a toggle clicked
twice closes what it opened.
"""

from __future__ import annotations

from playwright.sync_api import ElementHandle, Locator
from playwright.sync_api import Error as PlaywrightError

# Starts the control's count (once per element) and reads it. A symbol from the global
# registry: no name of the page's own can clash with it.
# The last click is kept: once its dispatch is over, it says whether a page script
# prevented what the browser does with it (a link's navigation).
_COUNT_CLICKS = """(el) => {
  const key = Symbol.for("order-agent.clicks-received");
  if (!(key in el)) {
    Object.defineProperty(el, key, {value: {count: 0, last: null}});
    el.addEventListener("click", (event) => {
      if (!event.isTrusted) return;
      el[key].count += 1;
      el[key].last = event;
    }, {capture: true});
  }
  return el[key].count;
}"""
_CLICKS_RECEIVED = """(el) => {
  const seen = el[Symbol.for("order-agent.clicks-received")];
  if (!el.isConnected || !seen) return null;
  return {count: seen.count, prevented: seen.last ? seen.last.defaultPrevented : null};
}"""


# The link a click on ``el`` follows: '' for none, a download or another tab.
LINK_TARGET = """(el) => {
  const a = el.closest('a[href]');
  if (!a || a.hasAttribute('download') || (a.target && a.target !== '_self')) return '';
  return a.href;
}"""
# That target and the element's click count, started: what ``Browsing.follow`` needs, in
# one round trip.
_TARGET_AND_COUNT = (
    "(el) => ({count: (" + _COUNT_CLICKS + ")(el), target: (" + LINK_TARGET + ")(el)})"
)


class ClickCount:
    """The clicks one element has received since it was first watched."""

    def __init__(self, handle: ElementHandle, before: int) -> None:
        self._handle = handle
        self._before = before

    @classmethod
    def of(cls, control: Locator, timeout_ms: float | None) -> ClickCount | None:
        """Watch the element ``control`` shows; ``None`` when it cannot be (the click says why)."""
        try:
            handle = control.element_handle(timeout=timeout_ms)
            return cls(handle, int(handle.evaluate(_COUNT_CLICKS)))
        except PlaywrightError:
            return None

    @classmethod
    def with_target_of(cls, control: Locator) -> tuple[ClickCount | None, str | None]:
        """Watch the one element ``control`` shows now, and read where clicking it leads
        (``''``: nowhere, another tab, a download), in one look at it.

        ``(None, None)`` when there is not exactly one element now: the caller reads the
        target its own way (waiting for one to come) and the click says why.
        """
        try:
            handles = control.element_handles()
            if len(handles) != 1:
                return None, None
            seen = handles[0].evaluate(_TARGET_AND_COUNT)
        except PlaywrightError:
            return None, None
        return cls(handles[0], int(seen["count"])), str(seen["target"])

    def _received(self) -> dict[str, object] | None:
        try:
            return self._handle.evaluate(_CLICKS_RECEIVED)
        except PlaywrightError:
            return None  # the page gone on: its element with it

    def missed(self) -> bool:
        """Whether the element is still there and received no click since it was watched.

        Any doubt (the element replaced, the page gone on) reads as "received": a click
        made again is only ever made on certain knowledge that the first one was lost.
        """
        received = self._received()
        return received is not None and received["count"] == self._before

    def left_to_the_browser(self) -> bool:
        """Whether the element received a click that no page script prevented.

        On a link, the browser is then on its way to the link's page, whether or not
        the news of it has come yet: a second click would load the page a second time.
        """
        received = self._received()
        return (
            received is not None
            and received["count"] != self._before
            and received["prevented"] is False
        )
