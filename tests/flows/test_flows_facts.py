"""A status (or tracking number) is read next to its label in every contract layout."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page

from flows.facts import value_next_to
from flows.vocabulary import DEFAULT_VOCABULARY as V

NAV = '<nav><a href="#">Order Status</a></nav><p>Status updates are emailed.</p>'

LAYOUTS = {
    "dl": "<dl><div><dt>Order Status</dt><dd>Shipped</dd></div></dl>",
    "flat-dl": "<dl><dt>Order Date</dt><dd>May 1</dd><dt>Status:</dt><dd> Shipped </dd>"
    "<dt>Total</dt><dd>$5</dd></dl>",
    "aria-terms": '<div role="term">Status</div><div role="definition">Shipped</div>',
    "row-header": "<table><tr><th>Order</th><td>MK-1</td></tr>"
    "<tr><th scope=row>Status</th><td>Shipped</td></tr></table>",
    "cell-pair": "<table><tr><td>Status</td><td>Shipped</td></tr></table>",
    "column-header": "<table><thead><tr><th>Order</th><th>Order Status</th><th>Total</th></tr>"
    "</thead><tbody><tr><td>MK-1</td><td>Shipped</td><td>$5</td></tr></tbody></table>",
    "text": "<p>Status: Shipped</p>",
    "split-text": "<p><strong>Order status:</strong> Shipped</p>",
    "text-value-element": "<p>Status: <strong>Shipped</strong></p>",
    "blocks": "<div><span>Status</span></div><div>Shipped</div>",
}


@pytest.mark.parametrize("layout", LAYOUTS)
def test_the_status_is_read_in_every_layout(markup_page: Page, layout: str):
    markup_page.set_content(f"{NAV}<main>{LAYOUTS[layout]}</main>")
    assert value_next_to(markup_page, V.status_labels) == "Shipped"


def test_tracking_labels_with_a_hash(markup_page: Page):
    markup_page.set_content("<dl><dt>Tracking #</dt><dd>1Z999</dd></dl>")
    assert value_next_to(markup_page, V.tracking_labels) == "1Z999"


def test_nothing_is_invented_when_the_label_is_missing(markup_page: Page):
    markup_page.set_content(NAV)
    assert value_next_to(markup_page, V.status_labels) is None
