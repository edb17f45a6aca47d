"""Knobs for security and fault tests: own accounts, POST-only faults, lost replies, bad files."""

from __future__ import annotations

from fixtures.regions import US
from fixtures.server import ShopServer
from fixtures.totp import current_code

from .shop_helpers import JANE, Client

OWN_PASSWORD = "an-own-password-for-tests"
OWN_SECRET = "KRUGKIDROVUWG2ZAMJZG653OEBTG66BA"


def _sign_in(client: Client, email: str, password: str) -> int:
    token = client.get(US.url("sign_in")).csrf()
    answer = client.post(US.url("sign_in"), {"csrf": token, "email": email, "password": password})
    return answer.status


def test_add_account_signs_in_with_its_own_password_only(shop: ShopServer) -> None:
    shop.add_account("us", "own@example.com", OWN_PASSWORD, "Own Account")
    assert _sign_in(Client(shop.url), "own@example.com", "correct-horse-battery-staple") == 200
    assert _sign_in(Client(shop.url), "own@example.com", OWN_PASSWORD) == 303
    attempts = shop.sign_in_attempts("us")
    assert [(a["email"], a["ok"]) for a in attempts] == [
        ("own@example.com", False),
        ("own@example.com", True),
    ]
    assert shop.shop.state("uk").account("own@example.com") is None  # one region only


def test_add_account_with_a_second_step(shop: ShopServer) -> None:
    shop.add_account("us", "two@example.com", OWN_PASSWORD, "Two Step", totp_secret=OWN_SECRET)
    client = Client(shop.url)
    assert _sign_in(client, "two@example.com", OWN_PASSWORD) == 303
    token = client.get(US.url("two_step")).csrf()
    answer = client.post(US.url("two_step"), {"csrf": token, "code": current_code(OWN_SECRET)})
    assert answer.status == 303 and answer.headers["location"] == US.url("account")


def test_a_fault_limited_to_post_leaves_the_page_alone(shop: ShopServer, client: Client) -> None:
    fault = shop.fail(r"/contact-us$", "5xx", method="POST")
    assert client.get(US.url("contact")).status == 200
    assert not fault.arrived.is_set()
    answer = client.contact(US, "70001")
    assert answer.status == 503
    assert fault.arrived.is_set()
    assert shop.inbox("us") == []  # a plain 5xx happens before the shop does anything


def test_5xx_after_acts_then_loses_the_reply(shop: ShopServer, client: Client) -> None:
    shop.fail(r"/contact-us$", "5xx_after", method="POST")
    answer = client.contact(US, "70001")
    assert answer.status == 503 and "temporarily unavailable" in answer.text
    assert [case["order"] for case in shop.inbox("us")] == ["70001"]


def test_html_and_empty_answers_for_a_label(shop: ShopServer, client: Client) -> None:
    client.sign_in(US, JANE)
    label = US.url("label", rma="RA-500006")
    shop.fail(r"/returns/.*/label", "html")
    not_ready = client.get(label)
    assert not_ready.status == 200 and not_ready.headers["content-type"].startswith("text/html")
    assert "being prepared" in not_ready.text
    shop.fail(r"/returns/.*/label", "empty")
    empty = client.get(label)
    assert empty.status == 200 and empty.body == b""
    assert empty.headers["content-type"] == "application/pdf"
    assert client.get(label).body.startswith(b"%PDF-")  # both faults are used up
