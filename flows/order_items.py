"""An order's items, read from a table (Product / Item / Description, Qty, Price columns)
or from a list, as a person reads them: by column headers and lines, not by markup."""

from __future__ import annotations

import re
from collections.abc import Sequence

from playwright.sync_api import Error as PlaywrightError
from playwright.sync_api import Locator

from ordercore.models import Item

# Column headers a person reads as "what was bought", "how many", "what it cost".
PRODUCT_COLUMNS = ("Product", "Products", "Item", "Items", "Description", "Product Name",
                   "Item Name", "Article", "Name")  # fmt: skip
QUANTITY_COLUMNS = ("Qty", "Qty.", "Quantity", "Units", "Count")
PRICE_COLUMNS = ("Price", "Unit Price", "Item Price", "Total", "Subtotal", "Amount", "Cost")
PRICE = re.compile(r"[$£€]\s?\d[\d,]*(?:\.\d\d)?|\b\d[\d,]*(?:\.\d\d)?\s?(?:USD|GBP|EUR)\b")

# For each table: its column headers and each data row's cells (text), header row excluded.
_TABLES = r"""
(root) => {
  const clean = (s) => (s || "").replace(/[ \t\u00a0]+/g, " ").replace(/\n\s*/g, "\n").trim();
  const tables = [...root.querySelectorAll("table, [role=table], [role=grid]")];
  return tables.map((table) => {
    const rows = [...table.querySelectorAll("tr, [role=row]")];
    const headerRow = rows.find((r) =>
      [...r.children].some((c) => c.matches("th, [role=columnheader]")) &&
      ![...r.children].some((c) => c.matches("td, [role=cell]")));
    const headers = headerRow ? [...headerRow.children].map((c) => clean(c.innerText)) : [];
    const data = rows.filter((r) => r !== headerRow && r.querySelector("td, [role=cell]"))
      .map((r) => [...r.children].map((c) => clean(c.innerText)));
    return {headers, data};
  });
}
"""


def _column(headers: Sequence[str], wanted: Sequence[str]) -> int | None:
    keys = {" ".join(w.casefold().split()) for w in wanted}
    for index, header in enumerate(headers):
        if " ".join(header.casefold().strip(" :").split()) in keys:
            return index
    return None


def items_in_tables(scope: Locator, final_sale_words: Sequence[str]) -> tuple[Item, ...]:
    """Items of the first table with a product column (a facts table has none)."""
    try:
        tables = scope.evaluate(_TABLES)
    except PlaywrightError:
        return ()
    final = re.compile("|".join(re.escape(w) for w in final_sale_words), re.IGNORECASE)
    for table in tables:
        headers = table["headers"]
        product = _column(headers, PRODUCT_COLUMNS)
        if product is None:
            continue
        quantity = _column(headers, QUANTITY_COLUMNS)
        price = _column(headers, PRICE_COLUMNS)
        items = []
        for cells in table["data"]:
            if product >= len(cells):
                continue
            item = _item(cells, product, quantity, price, final)
            if item is not None:
                items.append(item)
        if items:
            return tuple(items)
    return ()


def _item(
    cells: Sequence[str],
    product: int,
    quantity: int | None,
    price: int | None,
    final: re.Pattern[str],
) -> Item | None:
    lines = [line.strip() for line in cells[product].splitlines() if line.strip()]
    if not lines:
        return None
    name = " ".join(final.sub(" ", lines[0]).split()).strip(" -·|,")
    if not name:
        return None
    count = 1
    if quantity is not None and quantity < len(cells):
        digits = re.search(r"\d+", cells[quantity])
        count = int(digits.group(0)) if digits else 1
    cost = None
    if price is not None and price < len(cells):
        found = PRICE.search(cells[price])
        cost = found.group(0) if found else None
    is_final = any(final.search(cell) for cell in cells)
    return Item(name=name, price=cost, quantity=count, final_sale=is_final, returnable=not is_final)
