"""Helpers for the fixture shop's own tests: a browser visitor and a plain-HTTP client.

Browser steps key on what a person sees (roles, labels, names), taking every
word from the region under test, so the same steps drive US, UK and variants.
"""

from __future__ import annotations

import http.client
import re
from dataclasses import dataclass
from http.cookies import SimpleCookie
from urllib.parse import urlencode, urlsplit

from playwright.sync_api import Locator, Page, expect

from fixtures.layout import CONSENT_COOKIE
from fixtures.regions import Region
from fixtures.seed import PASSWORD
from fixtures.server import ShopServer
from fixtures.sessions import SESSION_COOKIE
from tests.support.people import JANE, TOM

TOTP_EMAIL = TOM

COOKIE_DIALOG = "We value your privacy"
PROMO_DIALOG = "Get 15% off"


def entry_role(control: str) -> str:
    return "button" if control == "button" else "link"


@dataclass
class Visitor:
    """A person using one region of the shop in a real browser."""

    page: Page
    shop: ShopServer
    prefix: str

    @property
    def region(self) -> Region:
        return self.shop.shop.regions[self.prefix]

    @property
    def main(self) -> Locator:
        return self.page.get_by_role("main")

    def dismiss_interruptions(self) -> Visitor:
        """Close the cookie and promotion dialogs whenever they get in the way."""
        region = self.region
        self.page.add_locator_handler(
            self.page.get_by_role("dialog", name=COOKIE_DIALOG),
            lambda dialog: dialog.get_by_role("button", name=region.cookie_accept).click(),
        )
        self.page.add_locator_handler(
            self.page.get_by_role("dialog", name=PROMO_DIALOG),
            lambda dialog: dialog.get_by_role("button", name=region.promo_close).click(),
        )
        return self

    def home(self) -> None:
        self.page.goto(self.shop.region_url(self.prefix))

    def open_sign_in(self) -> None:
        region = self.region
        self.home()
        if region.account_menu:
            self.page.get_by_role("button", name=region.account_menu, exact=True).click()
        self.page.get_by_role(
            entry_role(region.sign_in_entry), name=region.sign_in_link, exact=True
        ).click()

    def submit_credentials(self, email: str, password: str = PASSWORD) -> None:
        region = self.region
        self.page.get_by_label(region.email_label, exact=True).fill(email)
        self.page.get_by_label(region.password_label, exact=True).fill(password)
        self.page.get_by_role("button", name=region.sign_in_submit, exact=True).click()

    def sign_in(self, email: str = JANE, password: str = PASSWORD) -> None:
        self.open_sign_in()
        self.submit_credentials(email, password)
        self.expect_signed_in()

    def sign_in_directly(self, email: str = JANE) -> None:
        """Sign in over plain HTTP and hand the session to the browser (cookies accepted too).

        For tests about something other than signing in: it saves four page loads.
        """
        client = Client(self.shop.url)
        client.sign_in(self.region, email)
        path = f"/{self.prefix}/"
        host = urlsplit(self.shop.url).hostname or "127.0.0.1"
        self.page.context.add_cookies(
            [
                {
                    "name": SESSION_COOKIE,
                    "value": client.cookies[SESSION_COOKIE],
                    "domain": host,
                    "path": path,
                    "httpOnly": True,
                },
                {"name": CONSENT_COOKIE, "value": "accepted", "domain": host, "path": path},
            ]
        )
        self.goto("account")

    def expect_signed_in(self) -> None:
        region = self.region
        role = "link" if region.sign_out_control == "link" else "button"
        expect(self.page.get_by_role(role, name=region.sign_out, exact=True)).to_be_visible()

    def open_order_list(self) -> None:
        region = self.region
        link = self.page.get_by_role("link", name=region.order_list_link, exact=True)
        if region.account_menu and not link.first.is_visible():
            self.page.get_by_role("button", name=region.account_menu, exact=True).click()
        link.first.click()

    def open_order(self, number: str) -> None:
        region = self.region
        self.page.get_by_role("link", name=region.order_link_name(number), exact=True).click()

    def goto(self, route: str, **params: str) -> None:
        self.page.goto(self.shop.page_url(self.prefix, route, **params))

    def goto_order(self, number: str) -> None:
        self.page.goto(self.shop.url + self.region.order_url(number))

    def open_contact_form(self) -> None:
        region = self.region
        self.home()
        if region.contact_placement == "help_page":
            self.page.get_by_role("link", name=region.help_page_link, exact=True).click()
        self.page.get_by_role("link", name=region.contact_link, exact=True).click()

    def fill_contact_form(
        self, *, order: str, email: str = JANE, name: str = "Jane Shopper", message: str
    ) -> None:
        region = self.region
        page = self.page
        page.get_by_label(region.topic_label, exact=True).select_option(region.cancel_option)
        page.get_by_label(region.contact_order_label, exact=True).fill(order)
        page.get_by_label(region.contact_email_label, exact=True).fill(email)
        if region.name_layout == "single":
            page.get_by_label(region.name_label, exact=True).fill(name)
        else:
            first, _, last = name.partition(" ")
            page.get_by_label(region.first_name_label, exact=True).fill(first)
            page.get_by_label(region.last_name_label, exact=True).fill(last)
        page.get_by_label(region.message_label, exact=True).fill(message)
        page.get_by_role("button", name=region.contact_submit, exact=True).click()

    def open_return_form(self) -> None:
        region = self.region
        self.page.get_by_role(
            entry_role(region.return_entry_control), name=region.return_entry, exact=True
        ).click()

    def choose_return_item(self, item: str, reason: str | None = None) -> None:
        region = self.region
        self.page.get_by_label(item, exact=True).check()
        # The innermost group holding the item's checkbox (the whole form is a group too).
        line = (
            self.page.get_by_role("group").filter(has=self.page.get_by_label(item, exact=True)).last
        )
        line.get_by_label(region.reason_label, exact=True).select_option(
            reason or region.reason_options[0]
        )

    def submit_return(self, *, method: str = "mail") -> None:
        region = self.region
        if region.method_choice:
            label = region.mail_method if method == "mail" else region.dropoff_method
            self.page.get_by_label(label, exact=True).check()
        self.page.get_by_role("button", name=region.return_submit, exact=True).click()
        if region.review_step:
            self.page.get_by_role("button", name=region.review_confirm, exact=True).click()

    def return_number(self) -> str:
        region = self.region
        pattern = re.escape(region.return_confirmation).replace(re.escape("{rma}"), r"([A-Z0-9-]+)")
        expect(self.main).to_contain_text(re.compile(pattern))
        found = re.search(pattern, self.main.inner_text())
        assert found is not None
        return found.group(1)

    def label_control(self) -> Locator:
        region = self.region
        role = "button" if region.label_style == "blob" else "link"
        return self.page.get_by_role(role, name=region.label_link, exact=True)


@dataclass
class Answer:
    status: int
    headers: dict[str, str]
    body: bytes

    @property
    def text(self) -> str:
        return self.body.decode("utf-8", "replace")

    def csrf(self) -> str:
        found = re.search(r'name="csrf" value="([^"]+)"', self.text)
        assert found is not None, "no CSRF token on the page"
        return found.group(1)


class Client:
    """Plain HTTP against the shop, with cookies and without following redirects."""

    def __init__(self, base_url: str) -> None:
        parts = urlsplit(base_url)
        self.host = parts.hostname or "127.0.0.1"
        self.port = parts.port or 80
        self.cookies: dict[str, str] = {}

    def request(
        self,
        method: str,
        path: str,
        fields: dict[str, str] | None = None,
        *,
        body: bytes | None = None,
        content_type: str = "application/x-www-form-urlencoded",
    ) -> Answer:
        connection = http.client.HTTPConnection(self.host, self.port, timeout=10)
        headers = {"Cookie": "; ".join(f"{k}={v}" for k, v in self.cookies.items())}
        if fields is not None:
            body = urlencode(fields).encode()
        if body is not None:
            headers["Content-Type"] = content_type
        try:
            connection.request(method, path, body=body, headers=headers)
            response = connection.getresponse()
            answer = Answer(
                response.status, {k.lower(): v for k, v in response.getheaders()}, response.read()
            )
        finally:
            connection.close()
        for value in [v for k, v in response.getheaders() if k.lower() == "set-cookie"]:
            for name, morsel in SimpleCookie(value).items():
                self.cookies[name] = morsel.value
        return answer

    def get(self, path: str) -> Answer:
        return self.request("GET", path)

    def post(self, path: str, fields: dict[str, str]) -> Answer:
        return self.request("POST", path, fields)

    def sign_in(self, region: Region, email: str = JANE) -> None:
        token = self.get(region.url("sign_in")).csrf()
        answer = self.post(
            region.url("sign_in"), {"csrf": token, "email": email, "password": PASSWORD}
        )
        assert answer.status == 303, answer.text

    def contact(self, region: Region, order: str, topic: str | None = None) -> Answer:
        token = self.get(region.url("contact")).csrf()
        fields = {
            "csrf": token,
            "topic": topic or region.cancel_option,
            "order": order,
            "email": JANE,
            "name": "Jane Shopper",
            "first_name": "Jane",
            "last_name": "Shopper",
            "message": "Please cancel this order.",
        }
        return self.post(region.url("contact"), fields)
