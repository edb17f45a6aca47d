"""Overlays that come late, or more than one handler call can close, never stall a flow.

Playwright runs a locator handler before an action or assertion when the handler's
locator is visible. These tests make an interruption show up where a handler that
then waited for "its" dialog to hide would stall the caller: right after the
handler's last look, one more than it closes in one call, or at any moment after a
page loads.
"""

from __future__ import annotations

from dataclasses import replace

import pytest
from playwright.sync_api import Error as PlaywrightError
from playwright.sync_api import Locator, Page

import flows.interruptions as interruptions
from fixtures.regions import UK, US, Region
from fixtures.server import ShopServer
from flows.browsing import Browsing
from flows.site import RetailerSite
from flows.vocabulary import DEFAULT_VOCABULARY, Vocabulary
from ordercore.errors import SiteNotUnderstood
from tests.support.people import JANE, PASSWORD

from .shopper import OpenSite

# Every page of the fixture shop, so that a promotion can follow each navigation.
EVERY_PAGE = (
    "home",
    "sign_in",
    "two_step",
    "account",
    "orders",
    "order",
    "return",
    "contact",
    "contact_sent",
    "help",
    "cases",
    "info",
)

# The fixture shop's promotion, shown now (tests may use markup; flows may not).
SHOW_PROMOTION = (
    "document.body.appendChild(document.getElementById('promo-template').content.cloneNode(true))"
)


def test_a_dialog_that_appears_right_after_the_handlers_last_look_is_closed_too(
    page: Page, shop: ShopServer, monkeypatch: pytest.MonkeyPatch
):
    # The promotion is on every page but would only show by itself after ten minutes.
    url = shop.add_region(
        replace(
            US, prefix="late", promo_pages=EVERY_PAGE, promo_repeat=True, promo_delay_ms=600_000
        )
    )
    revealed: list[str] = []
    original = interruptions._dismiss_all

    def dismiss_then_reveal(dialogs: Locator, vocabulary: Vocabulary) -> None:
        original(dialogs, vocabulary)
        if not revealed:  # the first call closed the cookie dialog and saw nothing else
            dialogs.page.evaluate(SHOW_PROMOTION)
            revealed.append(dialogs.page.url)

    monkeypatch.setattr(interruptions, "_dismiss_all", dismiss_then_reveal)
    site = RetailerSite(page, url)
    site.sign_in(JANE, PASSWORD)
    assert revealed, "the cookie dialog never called the handler"
    assert site.is_signed_in()
    assert [a["ok"] for a in shop.sign_in_attempts("late")] == [True]


def test_five_stacked_dialogs_one_more_than_a_handler_call_closes_never_stall(
    page: Page, shop: ShopServer
):
    url = shop.add_region(
        replace(
            US,
            prefix="stack",
            cookie_dialog=False,
            promo_pages=EVERY_PAGE,
            promo_repeat=True,
            promo_delay_ms=0,
            promo_stack=interruptions._ROUNDS + 1,
        )
    )
    site = RetailerSite(page, url)
    site.sign_in(JANE, PASSWORD)
    assert site.is_signed_in()
    order = site.open_order("70001")
    assert order.status == "processing"


@pytest.mark.parametrize("delay_ms", [0, 150, 600, 1_200, 2_000])
def test_overlays_at_any_moment_after_each_page_load_never_stop_a_flow(
    page: Page, shop: ShopServer, delay_ms: int
):
    # A cookie dialog on load, and a promotion that comes back after every navigation.
    url = shop.add_region(
        replace(
            US,
            prefix=f"anytime{delay_ms}",
            promo_pages=EVERY_PAGE,
            promo_repeat=True,
            promo_delay_ms=delay_ms,
            promo_stack=2,
        )
    )
    site = RetailerSite(page, url)
    site.sign_in(JANE, PASSWORD)
    order = site.open_order("70001")
    assert order.status == "processing"
    receipt = site.request_cancellation(
        order,
        name="Jane Shopper",
        email=JANE,
        reason="Ordered by mistake",
        message="Please cancel this order.",
    )
    assert receipt.reference
    assert [case["order"] for case in shop.inbox(f"anytime{delay_ms}")] == ["70001"]
    delivered = site.open_order("70012")
    returned = site.start_return(delivered)
    assert returned.reference


def test_a_dismiss_button_under_a_layer_that_takes_the_pointer_still_closes_its_dialog(
    page: Page,
):
    # A promotion over the page whose "Close" sits under a transparent decorative layer:
    # no pointer click reaches it, ever; its own click event closes the promotion.
    page.set_content(
        '<button type="button" onclick="this.textContent = \'Continued\'">Continue</button>'
        '<div role="dialog" aria-label="Get 15% off" style="position:fixed;inset:0;'
        'background:#fff"><button type="button" style="position:absolute;top:40px"'
        ' onclick="this.parentElement.remove()">Close</button>'
        '<div style="position:absolute;top:0;left:0;right:0;height:120px;z-index:9"></div>'
        "</div>"
    )
    interruptions.install_dialog_handlers(page)
    page.get_by_role("button", name="Continue").click(timeout=15_000)
    assert page.get_by_role("button", name="Continued").is_visible()
    assert page.get_by_role("dialog").count() == 0


def test_a_dialog_the_handler_cannot_close_is_named_in_the_log(
    page: Page, caplog: pytest.LogCaptureFixture
):
    # A promotion whose "Close" button sits under a pane that takes every click, and
    # answers a person's click only: the action it interrupts can only wait, and the
    # run's log says why.
    page.set_content(
        '<button type="button">Continue</button>'
        '<div role="dialog" aria-label="Get 15% off" style="position:fixed;inset:20px">'
        '<button type="button" onclick="if (event.isTrusted) this.parentElement.remove()">'
        "Close</button></div>"
        '<div style="position:fixed;inset:0;z-index:9"></div>'
    )
    interruptions.install_dialog_handlers(page)
    with caplog.at_level("WARNING", logger="flows.interruptions"), pytest.raises(PlaywrightError):
        page.get_by_role("button", name="Continue").click(timeout=15_000)
    said = " ".join(record.getMessage() for record in caplog.records)
    assert "an interruption dialog is still shown" in said
    assert "intercepts pointer events" in said


def test_a_promotion_shown_as_a_settled_page_is_judged_is_closed_not_taken_for_a_busy_page(
    open_site: OpenSite, shop: ShopServer
):
    # Order 70011's status is shown only as "On Hold", not a status word: the page is not
    # understood. A promotion that shows between the look and the judgement (no action ran
    # a handler in between) hides nothing from a read of the document; a flake in CI once
    # said "the page was still busy (a dialog covers the page)", a retry for nothing.
    region = replace(
        US,
        prefix="judged",
        order_list_layout="clickable_cards",
        status_layout="list",
        promo_pages=EVERY_PAGE,
        promo_repeat=True,
        promo_delay_ms=600_000,
    )
    shop.add_region(region)
    site = open_site(region.prefix)
    site.page.goto(shop.page_url(region.prefix, "order", order="MK-70011"))
    site.page.evaluate(SHOW_PROMOTION)
    promotion = site.page.get_by_role("dialog", name="Get 15% off")
    assert promotion.is_visible()

    with pytest.raises(SiteNotUnderstood, match="could not read the status of order 70011"):
        site.browsing.diagnose("could not read the status of order 70011")
    assert not promotion.is_visible()


# A link whose first click opens a promotion instead of following it ("Before you go..."),
# as a click meets a promotion that shows up with it.
FIRST_CLICK_PROMOTION = """(href) => {
  const link = document.createElement("a");
  link.href = href;
  link.textContent = "Contact Us";
  link.addEventListener("click", (event) => {
    if (link.dataset.promoted) return;
    link.dataset.promoted = "yes";
    event.preventDefault();
    const dialog = document.createElement("div");
    dialog.setAttribute("role", "dialog");
    dialog.setAttribute("aria-label", "Before you go");
    dialog.style = "position:fixed;inset:0;background:#fff";
    dialog.innerHTML = '<p>Get 15% off</p><button type="button">No thanks</button>';
    dialog.querySelector("button").onclick = () => dialog.remove();
    document.body.appendChild(dialog);
  });
  document.body.prepend(link);
}"""


def test_a_link_whose_click_a_promotion_took_is_followed_once_it_is_closed(
    page: Page, shop: ShopServer
):
    home, contact = shop.page_url("us", "home"), shop.page_url("us", "contact")
    browsing = Browsing(page, shop.region_url("us"), DEFAULT_VOCABULARY)
    interruptions.install_dialog_handlers(page)  # the cookie dialog on arrival
    browsing.goto(home)
    page.evaluate(FIRST_CLICK_PROMOTION, contact)
    browsing.follow(page.get_by_role("link", name="Contact Us").first)
    assert page.url == contact
    assert page.get_by_role("dialog", name="Before you go").count() == 0


# A link under a veil that shows as the button goes down and goes at the release: the
# release lands on the veil, the link gets no click, and nothing is left to close.
PRESS_VEIL = """(href) => {
  const link = document.createElement("a");
  link.href = href;
  link.textContent = "Contact Us";
  document.body.prepend(link);
  document.addEventListener("pointerdown", () => {
    const veil = document.createElement("div");
    veil.style = "position:fixed;inset:0;background:rgba(0,0,0,.2)";
    veil.addEventListener("pointerup", () => veil.remove());
    document.body.appendChild(veil);
  }, {capture: true, once: true});
}"""


def test_a_link_click_that_a_passing_veil_took_is_made_again(page: Page, shop: ShopServer):
    url = shop.add_region(replace(US, prefix="veil", cookie_dialog=False, promo_dialog=False))
    home, contact = shop.page_url("veil", "home"), shop.page_url("veil", "contact")
    browsing = Browsing(page, url, DEFAULT_VOCABULARY)
    browsing.goto(home)
    page.evaluate(PRESS_VEIL, contact)
    browsing.follow(page.get_by_role("link", name="Contact Us").first)
    assert page.url == contact


@pytest.mark.parametrize("base", [US, UK], ids=["return-page-link", "in-place-toggle"])
def test_a_return_entry_click_that_a_promotion_took_is_made_again_once_it_is_closed(
    open_site: OpenSite, shop: ShopServer, base: Region
):
    # The promotion shows as the button goes down on the order page: the release lands
    # on it, and the return entry (a link to the form, or a toggle that shows it in
    # place) never gets the click.
    shop.add_region(replace(base, prefix="press", promo_on_press=True, promo_pages=("order",)))
    site = open_site("press")
    receipt = site.start_return(site.open_order("70004"))
    [started] = shop.returns("press")
    assert receipt.reference == started["return_number"]
    assert site.page.get_by_role("dialog", name="Get 15% off").count() == 0


def test_a_promotion_that_comes_with_the_press_on_a_cookie_button_is_closed_too(
    open_site: OpenSite, shop: ShopServer
):
    # The first press on the home and account pages is the handler's own, on "Accept":
    # the promotion takes its click, and the cookie dialog stays under it. Waiting for
    # that dialog to close would hold the action the handler runs for until it fails.
    shop.add_region(
        replace(UK, prefix="press", promo_on_press=True, promo_pages=("home", "account"))
    )
    site = open_site("press")
    assert site.open_order("70004").number.endswith("70004")
    dialogs = site.page.get_by_role("dialog")
    assert dialogs.filter(visible=True).count() == 0
