"""Cookie and promotion dialogs are dismissed at any moment; work dialogs are left alone."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect

from flows.interruptions import dismiss_visible, install_dialog_handlers
from flows.vocabulary import DEFAULT_VOCABULARY as V

OVERLAY = "position:fixed;inset:0;background:#fff;z-index:10"

PAGE = f"""
<main>
  <button onclick="document.getElementById('done').textContent = 'Clicked'">Go</button>
  <p id="done"></p>
</main>
<div role="dialog" aria-label="Cookies" style="{OVERLAY}" id="cookies">
  <p>We use cookies.</p>
  <button>Cookie Settings</button>
  <button onclick="this.parentElement.remove()">Accept All Cookies</button>
</div>
<script>
  setTimeout(() => {{
    const promo = document.createElement('div');
    promo.setAttribute('role', 'dialog');
    promo.setAttribute('style', '{OVERLAY};z-index:20');
    promo.innerHTML = '<p>10% off!</p><label>Email <input type="email"></label>' +
      '<button>Subscribe</button><button aria-label="Close">×</button>';
    promo.querySelector('[aria-label=Close]').onclick = () => promo.hidden = true;
    document.body.append(promo);
  }}, 300);
</script>
"""


def test_a_cookie_dialog_and_a_late_promotion_never_block_a_click(page: Page):
    install_dialog_handlers(page)
    page.set_content(PAGE)
    # Wait until both overlays cover the page (expect() would already run the handlers),
    # then act as if they were not there.
    page.wait_for_function("document.querySelectorAll('[role=dialog]').length === 2")
    page.get_by_role("button", name="Go").click()
    expect(page.get_by_text("Clicked")).to_be_visible()
    expect(page.get_by_role("dialog")).to_have_count(0)
    # The promotion's e-mail field was never typed into.
    assert (
        page.get_by_label("Email").input_value() == ""
        if page.get_by_label("Email").count()
        else True
    )


def test_a_sign_in_dialog_is_not_closed(page: Page):
    install_dialog_handlers(page)
    page.set_content(
        """
        <div role="dialog" aria-label="Sign in" style="position:fixed;inset:0;background:#fff">
          <label>Email <input type="email"></label>
          <label>Password <input type="password"></label>
          <button>Close</button><button onclick="this.textContent='Signed'">Sign In</button>
        </div>"""
    )
    page.get_by_role("button", name="Sign In").click()
    expect(page.get_by_role("button", name="Signed")).to_be_visible()
    expect(page.get_by_role("dialog", name="Sign in")).to_be_visible()


def test_dialogs_in_a_popup_are_dismissed_too(page: Page):
    install_dialog_handlers(page)
    page.set_content("<button onclick=\"window.open('about:blank')\">Open</button>")
    with page.context.expect_page() as opened:
        page.get_by_role("button", name="Open").click()
    popup = opened.value
    popup.set_content(
        """<button onclick="this.textContent='Done'">Go</button>
        <div role="alertdialog" aria-label="Consent" style="position:fixed;inset:0;background:#fff">
          <button onclick="this.parentElement.remove()">I Agree</button></div>"""
    )
    popup.get_by_role("button", name="Go").click()
    expect(popup.get_by_role("button", name="Done")).to_be_visible()
    popup.close()


def test_visible_dialogs_can_be_closed_on_demand_before_a_screenshot(page: Page):
    page.set_content(
        """<div role="dialog" aria-label="Promo"><p>Sale!</p>
        <button onclick="this.parentElement.remove()">No, thanks</button></div>"""
    )
    dismiss_visible(page)
    expect(page.get_by_role("dialog")).to_have_count(0)


@pytest.mark.parametrize("word", V.cookie_accept + V.promo_dismiss)
def test_every_contract_button_word_closes_its_dialog(markup_page: Page, word: str):
    install_dialog_handlers(markup_page)
    markup_page.set_content(
        f"""<button onclick="this.textContent='Done'">Go</button>
        <div role="dialog" style="{OVERLAY}"><p>Offer</p>
        <button onclick="this.parentElement.remove()">{word}</button></div>"""
    )
    markup_page.get_by_role("button", name="Go").click()
    expect(markup_page.get_by_role("button", name="Done")).to_be_visible()
