"""The engine on the paraphrase variant: every contract phrase inside a longer, realistic name.

The wrappings are picked per test run by the paraphrase seed (shown in the report header and
on every failure; replay with ``ORDER_AGENT_PARAPHRASE_SEED``). Both built-in stores are
paraphrased: the US layout (header links, a table, dt/dd facts, a return page, a label as an
attachment) and the UK one (a "My Account" menu, cards, "Status: ..." text, a return form
revealed in place, a script-made label download).
"""

from __future__ import annotations

from pathlib import Path

import pytest
from playwright.sync_api import Page

from fixtures.paraphrase import Paraphrase, paraphrase
from fixtures.regions import UK, US
from fixtures.server import ShopServer
from flows.site import RetailerSite
from ordercore.models import OrderStatus
from tests.support.people import JANE, PASSWORD, TOM, totp_code

from .shopper import OpenSite

pytestmark = pytest.mark.ui_sign_in  # every name wrapped, the sign-in words too

BASES = {"para-us": US, "para-uk": UK}


@pytest.fixture(params=sorted(BASES))
def variant(request: pytest.FixtureRequest, shop: ShopServer, paraphrase_seed: int) -> Paraphrase:
    made = paraphrase(BASES[request.param], paraphrase_seed, prefix=request.param)
    shop.add_region(made.region)
    return made


def test_the_whole_journey_works_with_every_name_wrapped(
    open_site: OpenSite, shop: ShopServer, tmp_path: Path, variant: Paraphrase
) -> None:
    region = variant.region
    site = open_site(region.prefix)
    assert site.is_signed_in()

    order = site.open_order("#70001")
    assert (order.status, order.raw_status) == (
        OrderStatus.PROCESSING,
        region.status_words["processing"],
    )
    assert order.number == region.display_number("70001")
    assert site.open_order("70003").tracking == region.tracking_format.format(number="70003")

    receipt = site.request_cancellation(
        order, name="Jane Shopper", email=JANE, reason="Changed my mind", message="Cancel it."
    )
    [case] = shop.inbox(region.prefix)
    assert receipt.reference == case["case"]
    assert (case["topic"], case["name"]) == (region.cancel_option, "Jane Shopper")
    [listed] = site.support_requests() or []
    assert listed.reference == case["case"]

    started = site.start_return(site.open_order("70012"))
    [record] = shop.returns(region.prefix)
    assert started.reference == record["return_number"]
    label = site.download_label(tmp_path / "label.pdf", expect=[started.reference])
    assert label.read_bytes().startswith(b"%PDF-")


def test_two_step_sign_in_works_with_wrapped_code_words(
    page: Page, shop: ShopServer, variant: Paraphrase
) -> None:
    site = RetailerSite(page, shop.region_url(variant.region.prefix))
    site.sign_in(TOM, PASSWORD, totp=totp_code)
    assert site.open_order("71002").status is OrderStatus.DELIVERED
