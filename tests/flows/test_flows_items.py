"""An order's items are read from a list or a table, with or without an "Items" heading."""

from __future__ import annotations

from dataclasses import replace

import pytest

from fixtures.regions import UK, US
from fixtures.server import ShopServer

from .shopper import OpenSite

VARIANTS = {
    # A table: Product | Qty | Price, under "What you ordered" (no "Items" heading).
    "items-table": replace(US, prefix="items-table", items_layout="table",
                           items_heading="What you ordered"),
    # The same with other column words, on the UK store's markup.
    "items-columns": replace(UK, prefix="items-columns", items_layout="table",
                             items_columns=("Description", "Quantity", "Item Price"),
                             items_heading="Your order"),
    # A list, under a heading that is not "Items".
    "items-list": replace(US, prefix="items-list", items_heading="In your bag"),
    # The totals in the items' own table body, spanning two columns; "Line price incl. tax".
    "items-totals": replace(US, prefix="items-totals", items_layout="table_totals"),
    # Cards, the quantity a badge on each picture, before the name.
    "items-cards": replace(UK, prefix="items-cards", items_layout="cards"),
}  # fmt: skip


@pytest.mark.parametrize("variant", sorted(VARIANTS))
def test_items_are_read_with_names_quantities_prices_and_final_sale(
    open_site: OpenSite, shop: ShopServer, variant: str
) -> None:
    region = VARIANTS[variant]
    shop.add_region(region)
    currency = region.currency

    order = open_site(variant).open_order("70004")

    assert len(order.items) == 3
    names = [item.name for item in order.items]
    assert "Runway Chronograph Watch" in names
    assert all(not any(ch.isdigit() for ch in name) for name in names)
    final = [item for item in order.items if item.final_sale]
    assert [item.name for item in final] == ["Runway Chronograph Watch"]
    assert all(item.returnable is not item.final_sale for item in order.items)
    assert all(item.price and item.price.startswith(currency) for item in order.items)
    assert all(item.quantity >= 1 for item in order.items)
    assert not any("total" in name.lower() for name in names)
    quantities = {item.name: item.quantity for item in order.items}
    seeded = {i["name"]: i["quantity"] for i in shop.order_items(region.prefix, "70004")}
    assert quantities == seeded


def test_the_table_and_the_list_give_the_same_items(open_site: OpenSite, shop: ShopServer) -> None:
    shop.add_region(VARIANTS["items-table"])
    as_table = open_site("items-table").open_order("70001").items
    as_list = open_site("us").open_order("70001").items
    assert as_table == as_list
    assert len(as_table) == 2
