"""Signing in on the fixture shop: both regions, two-step, refusals, and unsafe forms."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, Route

from fixtures.server import ShopServer
from flows.site import RetailerSite
from flows.ways_in import Destination
from ordercore.errors import (
    AccountLocked,
    BotCheck,
    CredentialsRejected,
    SessionExpired,
    SiteNotUnderstood,
    TwoStepCodeMissing,
    UnsafeSignIn,
)
from ordercore.models import OrderStatus
from tests.support.people import JANE, PASSWORD, TOM, totp_code

from .shopper import OpenSite

pytestmark = pytest.mark.ui_sign_in  # signing in is what these test


@pytest.mark.parametrize("region", ["us", "uk"])
def test_signing_in_shows_a_sign_out_control(open_site: OpenSite, shop: ShopServer, region: str):
    site = open_site(region)
    assert site.is_signed_in()
    assert [a["ok"] for a in shop.sign_in_attempts(region)] == [True]


def test_a_sign_in_page_still_arriving_is_not_taken_for_a_signed_in_one(
    page: Page, shop: ShopServer
):
    # The header's account button is there before the menu that holds "Log in": a page
    # looked at then has an account control and no way in, as a signed-in page has.
    shop.fail(r"/login$", "trickle", delay=3, region="uk", method="GET")
    site = RetailerSite(page, shop.region_url("uk"))
    site.sign_in(JANE, PASSWORD)
    assert site.is_signed_in()
    assert [a["ok"] for a in shop.sign_in_attempts("uk")] == [True]


def test_an_open_session_is_reused_without_typing(open_site: OpenSite, shop: ShopServer):
    site = open_site("us")
    site.sign_in(JANE, PASSWORD)
    assert site.is_signed_in()
    assert len(shop.sign_in_attempts("us")) == 1


@pytest.mark.parametrize("region", ["us", "uk"])
def test_a_two_step_account_signs_in_with_a_fresh_totp_code(
    page: Page, shop: ShopServer, region: str
):
    site = RetailerSite(page, shop.region_url(region))
    site.sign_in(TOM, PASSWORD, totp=totp_code)
    assert site.is_signed_in()
    assert site.open_order("71001").status == "processing"


def test_a_two_step_account_without_a_totp_secret_needs_a_person(page: Page, shop: ShopServer):
    site = RetailerSite(page, shop.region_url("us"))
    with pytest.raises(TwoStepCodeMissing):
        site.sign_in(TOM, PASSWORD)
    assert not site.is_signed_in()


def test_a_wrong_code_is_rejected_and_not_repeated_in_the_message(page: Page, shop: ShopServer):
    site = RetailerSite(page, shop.region_url("uk"))
    wrong = "000000" if totp_code() != "000000" else "111111"
    with pytest.raises(CredentialsRejected) as raised:
        site.sign_in(TOM, PASSWORD, totp=lambda: wrong)
    assert "verification code" in str(raised.value)
    assert wrong not in str(raised.value)


@pytest.mark.parametrize("region", ["us", "uk"])
def test_a_wrong_password_is_rejected_without_repeating_it(
    page: Page, shop: ShopServer, region: str
):
    site = RetailerSite(page, shop.region_url(region))
    with pytest.raises(CredentialsRejected) as raised:
        site.sign_in(JANE, "not-the-password-42")
    assert "incorrect" in str(raised.value)
    assert "not-the-password-42" not in str(raised.value)
    assert not site.is_signed_in()


def test_too_many_attempts_lock_the_account_and_offer_the_phone(page: Page, shop: ShopServer):
    site = RetailerSite(page, shop.region_url("us"))
    for _ in range(4):
        with pytest.raises(CredentialsRejected):
            site.sign_in(JANE, "wrong-password")
    with pytest.raises(AccountLocked) as raised:
        site.sign_in(JANE, "wrong-password")
    assert raised.value.phone == "1-800-555-0199"


def _pages_loaded_since(shop: ShopServer, seen: int) -> list[str]:
    return [r.target for r in shop.requests()[seen:] if r.method == "GET"]


def test_a_session_ended_mid_flow_signs_in_again_where_the_shop_sent_us(
    open_site: OpenSite, shop: ShopServer
):
    site = open_site("us")
    sign_in_page = site.remembered[Destination.SIGN_IN.value]  # the form's own page, learnt
    assert sign_in_page != shop.region_url("us")
    shop.fail(r"/account/orders", "expire_session", region="us")
    with pytest.raises(SessionExpired):
        site.open_order("70001")
    seen = len(shop.requests())

    site.sign_in(JANE, PASSWORD)

    # Typed into the form the shop redirected to: neither the home page nor the form again.
    loaded = _pages_loaded_since(shop, seen)
    assert "/us/" not in loaded and sign_in_page.removeprefix(shop.url) not in loaded
    assert [a["ok"] for a in shop.sign_in_attempts("us")] == [True, True]
    assert site.open_order("70001").status is OrderStatus.PROCESSING


def test_a_later_sign_in_starts_at_the_remembered_form(page: Page, shop: ShopServer):
    first = RetailerSite(page, shop.region_url("uk"))
    first.sign_in(JANE, PASSWORD)
    sign_in_page = first.remembered[Destination.SIGN_IN.value]
    page.context.clear_cookies()  # the session is over, as on a later run
    page.goto("about:blank")
    seen = len(shop.requests())

    later = RetailerSite(page, shop.region_url("uk"), remembered=dict(first.remembered))
    later.sign_in(JANE, PASSWORD)

    loaded = _pages_loaded_since(shop, seen)
    assert loaded[0] == sign_in_page.removeprefix(shop.url)
    assert "/uk/" not in loaded
    assert later.is_signed_in()
    assert len(shop.sign_in_attempts("uk")) == 2


def test_a_remembered_form_that_moved_is_found_from_the_home_page(page: Page, shop: ShopServer):
    site = RetailerSite(
        page, shop.region_url("us"), remembered={"sign_in": shop.region_url("us") + "no-such-page"}
    )
    site.sign_in(JANE, PASSWORD)
    assert site.is_signed_in()
    assert site.remembered["sign_in"] != shop.region_url("us") + "no-such-page"


@pytest.mark.parametrize("region", ["us", "uk"])
def test_a_bot_check_stops_before_anything_is_typed(page: Page, shop: ShopServer, region: str):
    shop.set_bot_check(True, region)
    site = RetailerSite(page, shop.region_url(region))
    with pytest.raises(BotCheck) as raised:
        site.sign_in(JANE, PASSWORD)
    assert "verify you are human" in str(raised.value).lower()
    assert shop.sign_in_attempts(region) == []


@pytest.mark.usefixtures("quick_looks")  # the look runs out: that is the test
def test_a_page_that_is_not_a_shop_is_not_understood(page: Page, shop: ShopServer):
    site = RetailerSite(page, shop.url + "/")  # the store chooser: no sign-in anywhere
    with pytest.raises(SiteNotUnderstood, match="could not find a sign-in link on"):
        site.sign_in(JANE, PASSWORD)


# -- forms that must not get a password (served by routes: other hosts cannot be the shop) ----
HOME = '<a href="{login}">Sign In</a>'
FORM = (
    '<form method="post"><label>Email <input type="email" name="e"></label>'
    '<label>Password <input type="password" name="p"></label><button>Sign In</button></form>'
)


def _serve(page: Page, pages: dict[str, str]) -> list[str]:
    """Route each URL to its HTML; return the list of POST bodies received (nothing typed = [])."""
    posted: list[str] = []

    def answer(route: Route) -> None:
        if route.request.method == "POST":
            posted.append(route.request.post_data or "")
        html = pages.get(route.request.url)
        if html is None:
            route.fulfill(status=404, body="not found")
        else:
            route.fulfill(status=200, content_type="text/html", body=html)

    page.route("**/*", answer)
    return posted


def test_a_sign_in_form_on_another_site_gets_nothing(page: Page):
    posted = _serve(
        page,
        {
            "https://shop.test/": HOME.format(login="https://login.elsewhere.test/"),
            "https://login.elsewhere.test/": FORM,
        },
    )
    site = RetailerSite(page, "https://shop.test/")
    with pytest.raises(UnsafeSignIn, match=r"login\.elsewhere\.test"):
        site.sign_in(JANE, PASSWORD)
    assert page.get_by_label("Password").input_value() == ""
    assert posted == []


def test_a_sign_in_form_in_a_frame_from_another_site_gets_nothing(page: Page):
    posted = _serve(
        page,
        {
            "https://shop.test/": HOME.format(login="https://shop.test/login"),
            "https://shop.test/login": '<iframe src="https://id.elsewhere.test/form"></iframe>',
            "https://id.elsewhere.test/form": FORM,
        },
    )
    site = RetailerSite(page, "https://shop.test/")
    with pytest.raises(UnsafeSignIn, match=r"id\.elsewhere\.test"):
        site.sign_in(JANE, PASSWORD)
    assert posted == []


def test_a_sign_in_form_over_plain_http_gets_nothing(page: Page):
    posted = _serve(
        page,
        {"http://shop.test/": HOME.format(login="http://shop.test/login"),
         "http://shop.test/login": FORM},
    )  # fmt: skip
    site = RetailerSite(page, "http://shop.test/")
    with pytest.raises(UnsafeSignIn, match="https"):
        site.sign_in(JANE, PASSWORD)
    assert page.get_by_label("Password").input_value() == ""
    assert posted == []
