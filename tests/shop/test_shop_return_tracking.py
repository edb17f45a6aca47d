"""A return followed to its refund: the scan switch, the warehouse clock, the words shown."""

from __future__ import annotations

import html
import json
import re

import pytest

from fixtures.regions import ST, UK, US, Region
from fixtures.server import ShopServer

from .shop_helpers import Client
from .test_shop_returns import pdf_text

# Region -> (the seed's started return, its tracking number, each stage's status word, refund).
JOURNEYS = {
    "us": (US, "RA-500006", "1Z4K7R0500006",
           ["Return Started", "Return in Transit", "Return Received", "Refunded"],
           "Refunded $150.00 to your Visa ending in 1234 on March 16, 2025."),
    "uk": (UK, "R500006", "RR5000065GB",
           ["Return Requested", "Return in Transit", "Return Received", "Refund Issued"],
           "Refund of £150.00 issued to your Visa ending 1234 on 16 March 2025."),
    "st": (ST, "000500006", "1ZST9R000500006",
           ["Return Requested", "Return Shipped", "Return Received", "Refunded"],
           "Total Refunded: $150.00"),
}  # fmt: skip


def page_text(client: Client, region: Region, order: str) -> str:
    answer = client.get(region.order_url(order))
    assert answer.status == 200
    return " ".join(html.unescape(re.sub(r"<[^>]+>", " ", answer.text)).split())


@pytest.mark.parametrize("prefix", JOURNEYS)
def test_a_return_waits_for_its_scan_then_moves_on_the_clock_to_its_refund(
    shop: ShopServer, client: Client, prefix: str
) -> None:
    region, number, tracking, words, refund = JOURNEYS[prefix]
    client.sign_in(region)
    # The label is out, the parcel not scanned: days go by and nothing moves.
    shop.advance(hours=24 * 10)
    assert shop.order_status(prefix, "70006")["word"] == words[0]
    text = page_text(client, region, "70006")
    assert f"{region.return_tracking_label}: {tracking} ({region.return_carrier})" in text
    assert region.label_link in text
    label = client.get(region.url("label", rma=number))
    assert f"Tracking Number: {tracking}" in pdf_text(label.body)

    scanned = shop.scan_return(prefix, number)
    assert (scanned["stage"], scanned["tracking"]) == ("return_in_transit", tracking)
    assert shop.order_status(prefix, "70006")["word"] == words[1]
    assert region.label_link in page_text(client, region, "70006")  # still offered in transit

    shop.advance(hours=47)
    assert shop.order_status(prefix, "70006")["word"] == words[1]
    shop.advance(hours=1)
    assert shop.order_status(prefix, "70006") == {
        "key": "return_received", "canonical": "returned", "word": words[2]
    }  # fmt: skip
    text = page_text(client, region, "70006")
    assert region.label_link not in text and tracking in text and "Refund" not in text

    shop.advance(hours=24)
    assert shop.order_status(prefix, "70006") == {
        "key": "refunded", "canonical": "refunded", "word": words[3]
    }  # fmt: skip
    text = page_text(client, region, "70006")
    assert refund in text and tracking in text


def test_the_scan_over_the_control_api(shop: ShopServer, client: Client) -> None:
    answer = client.request(
        "POST", "/__control/scan", body=json.dumps({"region": "us", "return": "RA-500006"}).encode()
    )
    assert answer.status == 200 and json.loads(answer.body)["return"]["stage"] == (
        "return_in_transit"
    )
    missing = client.request(
        "POST", "/__control/scan", body=json.dumps({"region": "us", "return": "RA-1"}).encode()
    )
    assert missing.status == 400 and "no return RA-1" in json.loads(missing.body)["error"]
    # A second scan changes nothing.
    shop.scan_return("us", "RA-500006")
    assert shop.order_status("us", "70006")["word"] == "Return in Transit"
