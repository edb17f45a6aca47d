"""The hostile fault kinds: the shop really sends what the agent's limits are tested on."""

from __future__ import annotations

import http.client
import io
from urllib.parse import urlsplit

from pypdf import PdfReader

from fixtures.hostile import CONTROL_INSERT, LONG_REFERENCE_DIGITS
from fixtures.regions import US
from fixtures.server import ShopServer

from .shop_helpers import Client

MIB = 1024 * 1024


def test_a_redirect_loop_points_at_itself(shop: ShopServer, client: Client) -> None:
    shop.fail(r"/pages/shipping", "redirect_loop", times=3)
    target = US.url("info", slug="shipping")
    for _ in range(3):
        answer = client.get(target)
        assert (answer.status, answer.headers["location"]) == (303, target)
    assert client.get(target).status == 200


def test_a_huge_page_is_the_page_grown_to_its_size(shop: ShopServer, client: Client) -> None:
    shop.fail(r"/pages/shipping", "huge_page", size=3 * MIB)
    answer = client.get(US.url("info", slug="shipping"))
    assert answer.status == 200 and len(answer.body) >= 3 * MIB
    assert int(answer.headers["content-length"]) == len(answer.body)
    assert "Shipping Information" in answer.text and answer.text.rstrip().endswith("</html>")


def test_a_huge_label_announces_and_sends_its_size(shop: ShopServer, client: Client) -> None:
    shop.fail(r"/pages/shipping", "huge_label", size=3 * MIB)
    answer = client.get(US.url("info", slug="shipping"))
    assert answer.headers["content-type"] == "application/pdf"
    assert "attachment" in answer.headers["content-disposition"]
    assert int(answer.headers["content-length"]) == len(answer.body) == 3 * MIB
    assert answer.body.startswith(b"%PDF-")


def test_an_endless_label_goes_on_past_any_size(shop: ShopServer) -> None:
    shop.fail(r"/pages/shipping", "endless")
    parts = urlsplit(shop.url)
    connection = http.client.HTTPConnection(parts.hostname, parts.port, timeout=30)
    try:
        connection.request("GET", US.url("info", slug="shipping"))
        response = connection.getresponse()
        assert response.getheader("content-length") is None
        first = response.read(8 * MIB)
        assert first.startswith(b"%PDF-") and len(first) == 8 * MIB  # and it goes on
    finally:
        connection.close()


def test_a_pdf_bomb_is_a_small_valid_pdf_that_inflates_to_its_size(
    shop: ShopServer, client: Client
) -> None:
    shop.fail(r"/pages/shipping", "pdf_bomb", size=5 * MIB + 7)
    answer = client.get(US.url("info", slug="shipping"))
    assert len(answer.body) < 100_000
    [page] = PdfReader(io.BytesIO(answer.body)).pages
    assert len(page.get_contents().get_data()) == 5 * MIB + 7  # type: ignore[union-attr]


def test_broken_case_numbers_replace_the_one_just_made(shop: ShopServer, client: Client) -> None:
    shop.fail(r"/contact-us$", "long_reference", method="POST")
    answer = client.contact(US, "70001")
    [case] = shop.inbox("us")
    assert str(case["case"]) + "7" * LONG_REFERENCE_DIGITS in answer.text
    shop.fail(r"/contact-us$", "control_reference", method="POST")
    answer = client.contact(US, "70002")
    second = str(shop.inbox("us")[1]["case"])
    cut = len(second) // 2
    assert second[:cut] + CONTROL_INSERT + second[cut:] in answer.text
