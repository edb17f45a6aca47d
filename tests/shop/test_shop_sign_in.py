"""Signing in to the fixture shop: success, wrong password, lockout, two steps, bot check, CSRF."""

from __future__ import annotations

import re

from playwright.sync_api import expect

from fixtures.regions import UK, US
from fixtures.seed import PASSWORD, TOTP_SECRET
from fixtures.server import ShopServer
from fixtures.totp import current_code

from .shop_helpers import JANE, TOTP_EMAIL, Client, Visitor


def test_sign_in_shows_sign_out_and_records_the_attempt(visitor: Visitor, shop: ShopServer) -> None:
    visitor.dismiss_interruptions()
    visitor.sign_in()
    attempts = shop.sign_in_attempts(visitor.prefix)
    assert [(a["email"], a["ok"]) for a in attempts] == [(JANE, True)]
    assert PASSWORD not in repr(attempts)


def test_wrong_password_is_an_alert(visitor: Visitor, shop: ShopServer) -> None:
    visitor.dismiss_interruptions()
    visitor.open_sign_in()
    visitor.submit_credentials(JANE, "not-the-password")
    expect(visitor.page.get_by_role("alert")).to_have_text(
        "The email or password you entered is incorrect."
    )
    assert shop.sign_in_attempts(visitor.prefix)[-1]["ok"] is False


def test_account_locks_after_five_failures(us: Visitor) -> None:
    us.dismiss_interruptions()
    us.open_sign_in()
    for _ in range(4):
        us.submit_credentials(JANE, "guess")
        expect(us.page.get_by_role("alert")).to_contain_text("incorrect")
    us.submit_credentials(JANE, "guess")
    expect(us.page.get_by_role("alert")).to_have_text(
        "Your account is locked after too many attempts. Call 1-800-555-0199 to unlock it."
    )
    # Locked means locked: even the right password is refused now.
    us.submit_credentials(JANE, PASSWORD)
    expect(us.page.get_by_role("alert")).to_contain_text("locked")


def test_two_step_sign_in_asks_for_a_verification_code(uk: Visitor) -> None:
    uk.dismiss_interruptions()
    uk.open_sign_in()
    uk.submit_credentials(TOTP_EMAIL)
    code = uk.page.get_by_label("Verification Code")
    right = current_code(TOTP_SECRET)
    code.fill("000000" if right != "000000" else "111111")
    uk.page.get_by_role("button", name="Verify").click()
    expect(uk.page.get_by_role("alert")).to_contain_text("invalid")
    code.fill(current_code(TOTP_SECRET))
    uk.page.get_by_role("button", name="Verify").click()
    uk.expect_signed_in()


def test_bot_check_replaces_the_sign_in_form(visitor: Visitor, shop: ShopServer) -> None:
    shop.bot_check = True
    visitor.dismiss_interruptions()
    visitor.open_sign_in()
    expect(visitor.page.get_by_role("alert")).to_contain_text("Please verify you are human")
    expect(visitor.page.get_by_label("Password")).to_have_count(0)
    shop.set_bot_check(False)
    visitor.page.reload()
    expect(visitor.page.get_by_label("Password")).to_be_visible()


def test_bot_check_can_be_limited_to_one_region(shop: ShopServer, client: Client) -> None:
    shop.set_bot_check(True, region="uk")
    assert "verify you are human" in client.get(UK.url("sign_in")).text
    assert "verify you are human" not in client.get(US.url("sign_in")).text


def test_forms_without_the_right_csrf_token_get_400(shop: ShopServer, client: Client) -> None:
    form = {"email": JANE, "password": PASSWORD}
    client.get(US.url("sign_in"))  # a session, but no token sent
    assert client.post(US.url("sign_in"), form).status == 400
    assert client.post(US.url("sign_in"), {**form, "csrf": "forged"}).status == 400
    assert client.post(US.url("contact"), {"csrf": "forged"}).status == 400
    assert shop.sign_in_attempts("us") == []
    token = client.get(US.url("sign_in")).csrf()
    assert client.post(US.url("sign_in"), {**form, "csrf": token}).status == 303


def test_session_cookie_is_http_only_and_scoped_to_the_region(client: Client) -> None:
    answer = client.get(UK.url("home"))
    cookie = answer.headers["set-cookie"]
    assert "HttpOnly" in cookie
    assert "Path=/uk/" in cookie


def test_a_protected_page_sends_you_to_sign_in_and_back(us: Visitor) -> None:
    us.dismiss_interruptions()
    us.goto_order("70003")
    expect(us.page.get_by_role("heading", name="Sign In")).to_be_visible()
    us.submit_credentials(JANE)
    expect(us.page).to_have_url(re.compile(r"/us/account/orders/MK-70003$"))


def test_sign_out(visitor: Visitor) -> None:
    visitor.dismiss_interruptions()
    visitor.sign_in()
    region = visitor.region
    role = "link" if region.sign_out_control == "link" else "button"
    visitor.page.get_by_role(role, name=region.sign_out, exact=True).click()
    expect(visitor.page.get_by_role(role, name=region.sign_out, exact=True)).to_have_count(0)
    visitor.goto("orders")
    expect(visitor.page.get_by_label(region.password_label)).to_be_visible()
