"""What an element's own count of clicks says (``flows.clicks``), in a real browser."""

from __future__ import annotations

from playwright.sync_api import Page

from flows.clicks import ClickCount

# A veil that shows as the button goes down: the release, and the click, land on it.
VEIL_ON_PRESS = (
    "document.addEventListener('pointerdown', () => {"
    "const veil = document.createElement('div');"
    "veil.style = 'position:fixed;inset:0';"
    "document.body.appendChild(veil);"
    "}, {capture: true, once: true});"
)


def test_a_link_the_browser_follows_is_received_and_left_to_the_browser(page: Page):
    page.set_content('<a href="#next">Next</a>')
    link = page.get_by_role("link", name="Next")
    clicks = ClickCount.of(link, 5_000)
    assert clicks is not None and not clicks.left_to_the_browser()
    link.click()
    assert not clicks.missed() and clicks.left_to_the_browser()


def test_a_click_a_page_script_prevents_is_received_but_not_left_to_the_browser(page: Page):
    page.set_content('<a href="#next" onclick="event.preventDefault()">Next</a>')
    link = page.get_by_role("link", name="Next")
    clicks = ClickCount.of(link, 5_000)
    assert clicks is not None
    link.click()
    assert not clicks.missed() and not clicks.left_to_the_browser()
    assert page.url == "about:blank"


def test_a_click_that_a_veil_on_press_took_is_missed(page: Page):
    page.set_content('<button type="button" onclick="this.textContent=\'Done\'">Go</button>')
    page.add_script_tag(content=VEIL_ON_PRESS)
    button = page.get_by_role("button", name="Go")
    clicks = ClickCount.of(button, 5_000)
    assert clicks is not None
    button.click()
    assert clicks.missed() and not clicks.left_to_the_browser()
    assert button.text_content() == "Go"
    assert ClickCount.of(page.get_by_role("button", name="Nowhere"), 100) is None
