"""Sign-in shapes the fixture shop does not have, served to the real browser by routes.

Routes answer for made-up https hosts, so origins can differ without a second server.
"""

from __future__ import annotations

from collections.abc import Callable

import pytest
from playwright.sync_api import Page, Request, Route

from flows.site import RetailerSite
from ordercore.errors import SiteNotUnderstood
from tests.support.people import JANE, PASSWORD

Answer = str | Callable[[Request], str]

SIGNED_IN = '<h1>Your account</h1><form><button type="button">Sign Out</button></form>'


def _serve(page: Page, pages: dict[str, Answer]) -> list[str]:
    """Serve ``pages`` (URL -> HTML, or a function of the request); return the POST bodies."""
    posted: list[str] = []

    def answer(route: Route) -> None:
        request = route.request
        if request.method == "POST":
            posted.append(request.post_data or "")
        found = pages.get(request.url.split("?")[0])
        if found is None:
            route.fulfill(status=404, content_type="text/html", body="<h1>Not found</h1>")
            return
        html = found(request) if callable(found) else found
        route.fulfill(status=200, content_type="text/html", body=html)

    page.route("**/*", answer)
    return posted


def test_an_email_first_sign_in_gets_its_password_on_the_next_step(page: Page):
    posted = _serve(
        page,
        {
            "https://shop.test/": '<a href="/signin">Sign in / Register</a>',
            "https://shop.test/signin": '<form method="post" action="/password">'
            '<label>E-mail <input type="email" name="email"></label>'
            "<button>Continue</button></form>",
            "https://shop.test/password": '<form method="post" action="/account">'
            '<label for="p">Password</label><input id="p" type="password" name="password">'
            '<input type="submit" value="Log In"></form>',
            "https://shop.test/account": SIGNED_IN,
        },
    )
    site = RetailerSite(page, "https://shop.test/")
    site.sign_in(JANE, PASSWORD)
    assert site.is_signed_in()
    assert posted == ["email=jane%40example.com", f"password={PASSWORD}"]


def test_a_sign_in_form_in_a_frame_of_the_shop_itself_is_used(page: Page):
    posted = _serve(
        page,
        {
            "https://shop.test/": '<header><a href="/login">Log In</a></header>',
            "https://shop.test/login": '<iframe title="Sign in" src="/login/frame"></iframe>',
            "https://shop.test/login/frame": '<form method="post" action="/account" target="_top">'
            '<label>Email Address <input type="email" name="e"></label>'
            '<label>Password <input type="password" name="p"></label>'
            "<button>Sign In</button></form>",
            "https://shop.test/account": SIGNED_IN,
        },
    )
    site = RetailerSite(page, "https://shop.test/")
    site.sign_in(JANE, PASSWORD)
    assert site.is_signed_in()
    assert len(posted) == 1


def test_a_password_that_cannot_be_typed_is_not_quoted_anywhere(page: Page):
    _serve(
        page,
        {
            "https://shop.test/": '<a href="/login">Login</a>',
            "https://shop.test/login": '<form method="post" action="/account">'
            '<label>Email <input type="email" name="e"></label>'
            '<label>Password <input type="password" name="p" readonly></label>'
            "<button>Login</button></form>",
        },
    )
    site = RetailerSite(page, "https://shop.test/")
    with pytest.raises(SiteNotUnderstood) as raised:
        site.sign_in(JANE, PASSWORD)
    assert PASSWORD not in str(raised.value)
    # Nothing carries Playwright's own message (which quotes the value) along.
    assert raised.value.__context__ is None and raised.value.__cause__ is None


def test_a_newsletter_email_box_before_the_form_is_left_alone(page: Page):
    posted = _serve(
        page,
        {
            "https://shop.test/": '<form><label>Email <input name="news"></label>'
            '<button type="button">Subscribe</button></form><a href="/in">Sign In</a>',
            "https://shop.test/in": '<form><label>Email <input name="news"></label>'
            '<button type="button">Subscribe</button></form>'
            '<main><h1>Sign in</h1><form method="post" action="/account">'
            '<label>Email <input type="email" name="e"></label>'
            '<label>Password <input type="password" name="p"></label>'
            "<button>Sign In</button></form></main>",
            "https://shop.test/account": SIGNED_IN,
        },
    )
    RetailerSite(page, "https://shop.test/").sign_in(JANE, PASSWORD)
    assert posted == [f"e=jane%40example.com&p={PASSWORD}"]
