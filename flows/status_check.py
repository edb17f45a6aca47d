"""The order's status read again right before anything is sent, from the place it was read.

The filled form (or the chat) must stay as it is, and a batch's tabs must stay within
their number: so the page the status was read on is loaded again in an invisible,
sandboxed frame of the page in use (same origin, same cookies, same renderer; its
scripts run, so a status a script fills in is filled in; it cannot navigate the page
itself). A shop that refuses to be framed (``X-Frame-Options: DENY``), or a frame that
shows no status in its place, is read in a tab of its own instead, closed at once: there
a server error, a time-out or the sign-in form is raised as what it is (transient,
signed out), never read as a status gone.
"""

from __future__ import annotations

import contextlib
import uuid
from collections.abc import Callable, Mapping

from playwright.sync_api import Error as PlaywrightError
from playwright.sync_api import Frame, Page

from flows.browsing import Browsing
from flows.interruptions import install_dialog_handlers
from flows.locating import look_ms, wait_visible
from flows.order_pages import OrderListPage, OrderPage
from flows.status_reading import StatusRead, describe, judge
from flows.vocabulary import Vocabulary
from ordercore.errors import StatusChanged, StatusUnconfirmed, TransientError
from ordercore.models import Order, StatusEvidence, StatusPlace

# Loads ``url`` in an offscreen frame named ``name``: "loaded", or "refused" when the frame
# cannot show it (framing refused, an error page of another origin), or "timeout".
_LOAD_IN_FRAME = r"""([url, name, timeoutMs]) => new Promise((resolve) => {
  const frame = document.createElement("iframe");
  frame.name = name;
  frame.setAttribute("sandbox", "allow-same-origin allow-scripts allow-forms");
  frame.setAttribute("aria-hidden", "true");
  frame.setAttribute("tabindex", "-1");
  // Laid out like a window (its boxes count), far off the page: nobody sees it.
  frame.style.cssText =
    "position:fixed;left:-20000px;top:0;width:1280px;height:900px;border:0;visibility:visible";
  const done = (answer) => { clearTimeout(timer); resolve(answer); };
  const timer = setTimeout(() => done("timeout"), timeoutMs);
  frame.addEventListener("load", () => {
    try {
      const href = frame.contentWindow.location.href;
      done(href && href !== "about:blank" ? "loaded" : "refused");
    } catch (error) {
      done("refused");
    }
  });
  frame.src = url;
  (document.body || document.documentElement).appendChild(frame);
})"""
_REMOVE_FRAME = (
    "(name) => document.querySelectorAll(`iframe[name='${name}']`).forEach((f) => f.remove())"
)


def read_again(
    page: Page,
    site_url: str,
    words: Vocabulary,
    order: Order,
    evidence: StatusEvidence,
    remembered: Mapping[str, str],
) -> StatusRead | None:
    """The order's status as its place shows it now; None when the place shows none."""
    from_list = any(c.place is StatusPlace.LIST_ROW for c in evidence.taken)
    # A status read off the order list is read there again (the list's address).
    url = remembered.get("order_list") if from_list else evidence.url
    if not url:
        return None
    name = f"order-agent-{uuid.uuid4().hex[:12]}"
    try:
        loaded = page.evaluate(_LOAD_IN_FRAME, [url, name, look_ms() * 3])
        frame = page.frame(name=name) if loaded == "loaded" else None
        if frame is not None:
            again = _read(frame, words, order, url, from_list=from_list)
            if again is not None:
                return again
            # No status in its place: maybe the order's, maybe a server error, the sign-in
            # form or a page that never settled. A tab tells them apart (its answer's
            # status, the sign-in check): an error is raised, not read as "no status".
    except PlaywrightError:
        pass  # the page in use went away or refused the frame: a tab of its own below
    finally:
        with contextlib.suppress(PlaywrightError):
            page.evaluate(_REMOVE_FRAME, name)
    return _read_in_a_tab(page, site_url, words, order, url, from_list=from_list)


def _read_in_a_tab(
    page: Page, site_url: str, words: Vocabulary, order: Order, url: str, *, from_list: bool
) -> StatusRead | None:
    side = page.context.new_page()
    try:
        install_dialog_handlers(side, words)
        browsing = Browsing(side, site_url, words, remembered={})
        if browsing.goto(url, ok_below=400) is None:
            return None
        browsing.check_page()
        again = _read(side, words, order, url, from_list=from_list)
        if again is None:
            browsing.check_page()  # a sign-in form that showed late is a session gone
        return again
    finally:
        with contextlib.suppress(PlaywrightError):
            side.close()


def _read(
    scope: Page | Frame, words: Vocabulary, order: Order, url: str, *, from_list: bool
) -> StatusRead | None:
    number = order.number
    if from_list:
        listing = OrderListPage(scope, words)  # type: ignore[arg-type]
        if not wait_visible(listing.order_link(number), look_ms()):
            return None
        listed = listing.listed_status(number)
        return judge({}, words, listed=listed, url=url) if listed is not None else None
    order_page = OrderPage(scope, words)  # type: ignore[arg-type]
    if not wait_visible(order_page.status_sign(number), look_ms()):
        return None
    return order_page.read_status(number)


def confirm_status(order: Order, read: Callable[[StatusEvidence], StatusRead | None]) -> None:
    """Read ``order``'s status again (``read``: :func:`read_again`, from the place it was
    read) right before a submit. A status that changed, or that no longer shows in that
    place, stops the submit: ``StatusChanged``, nothing sent; a read that failed:
    ``StatusUnconfirmed``. An order read without evidence (built by hand) is not checked.
    """
    evidence = order.status_evidence
    if evidence is None or not evidence.url:
        return
    try:
        again = read(evidence)
    except TransientError as exc:
        # The read failed, not the order: nothing was sent, and that is known here.
        raise StatusUnconfirmed(
            f"the status of order {order.number} could not be read again before "
            f"sending ({exc.message}): nothing was sent"
        ) from exc
    if (
        again is not None
        and again.status is order.status
        and (again.evidence.places == evidence.places)
    ):
        return
    now = (
        f"now {again.raw!r} ({', '.join(describe(c) for c in again.evidence.taken)})"
        if again is not None and again.evidence.taken
        else "now it shows no status in that place"
    )
    was = ", ".join(describe(c) for c in evidence.taken) or "its place"
    raise StatusChanged(
        f"order {order.number} was {order.raw_status!r} ({was}) when read, {now}: nothing was sent",
        hint="run the command again: it reads the order afresh",
    )
