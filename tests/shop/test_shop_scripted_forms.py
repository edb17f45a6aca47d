"""The hydration variant: forms rebuilt by script after load, and stacked promotions."""

from __future__ import annotations

from dataclasses import replace

from playwright.sync_api import Page, expect

from fixtures.regions import US
from fixtures.server import ShopServer

HYDRATED = "document.body.getAttribute('data-hydrated') === 'true'"


def test_a_hydrated_sign_in_form_is_rebuilt_empty_and_only_then_submits(
    page: Page, shop: ShopServer
) -> None:
    url = shop.add_region(replace(US, prefix="hyd", cookie_dialog=False, hydration_ms=2_000))
    # The page's timers run only when told: on a busy machine, 2 s can pass before typing.
    page.clock.install()
    page.goto(url.rstrip("/") + US.paths.sign_in)
    email = page.get_by_label(US.email_label)
    submit = page.get_by_role("button", name=US.sign_in_submit).last
    # Server-rendered: typing works, sending does not yet.
    expect(submit).to_be_disabled()
    email.fill("jane@example.com")
    before = email.element_handle()
    assert not page.evaluate(HYDRATED)  # typed into the server-rendered form
    page.clock.run_for(2_000)
    assert page.evaluate(HYDRATED)
    expect(email).to_have_value("")  # a new, empty field...
    assert not before.evaluate("(el) => el.isConnected")  # ...in place of the typed one
    expect(submit).to_be_enabled()
    email.fill("jane@example.com")
    page.get_by_label(US.password_label).fill("correct-horse-battery-staple")
    submit.click()
    expect(page.get_by_role("button", name=US.sign_out)).to_be_visible()


def test_a_hydrated_contact_form_keeps_its_hidden_token_and_loses_what_was_chosen(
    page: Page, shop: ShopServer
) -> None:
    url = shop.add_region(replace(US, prefix="hydc", cookie_dialog=False, hydration_ms=2_000))
    page.goto(url.rstrip("/") + US.paths.contact)
    topic = page.get_by_label(US.topic_label)
    topic.select_option(label=US.cancel_option)
    assert not page.evaluate(HYDRATED)  # chosen in the server-rendered form
    page.wait_for_function(HYDRATED)
    expect(topic).to_have_value("")
    expect(page.locator("main form input[name=csrf]")).not_to_have_value("")


def test_stacked_promotions_show_at_once_and_close_one_by_one(page: Page, shop: ShopServer) -> None:
    url = shop.add_region(
        replace(
            US,
            prefix="stk",
            cookie_dialog=False,
            promo_pages=("home",),
            promo_delay_ms=0,
            promo_stack=3,
        )
    )
    page.goto(url)
    promos = page.get_by_role("dialog")
    expect(promos).to_have_count(3)
    for left in (2, 1, 0):
        promos.last.get_by_role("button", name=US.promo_close).click()
        expect(promos).to_have_count(left)
