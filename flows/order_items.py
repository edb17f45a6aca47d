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

# The words of a totals row ("Subtotal", "Basket total", "Shipping", "Tax", "Order total").
TOTALS = re.compile(
    r"^\W*(?:(?:basket|cart|order|grand|sub|items?)[\s-]*)?total\b|^\W*(?:sub-?total|shipping"
    r"|delivery|postage|handling|tax(?:es)?|vat|discount|coupon|gift card|payment method"
    r"|flat shipping rate|free shipping)\b",
    re.IGNORECASE,
)

# For each table: its column headers, and each data row's cells (text, columns spanned, a
# header cell?) and whether the row is in the table's foot, header row excluded.
_TABLES = r"""
(root) => {
  const clean = (s) => (s || "").replace(/[ \t\u00a0]+/g, " ").replace(/\n\s*/g, "\n").trim();
  const tables = [...root.querySelectorAll("table, [role=table], [role=grid]")];
  return tables.map((table) => {
    const rows = [...table.querySelectorAll("tr, [role=row]")];
    const headerRow = rows.find((r) =>
      [...r.children].some((c) => c.matches("th, [role=columnheader], thead td")) &&
      ![...r.children].some((c) => c.matches("tbody td, tfoot td, [role=cell]")));
    const headers = headerRow ? [...headerRow.children].map((c) => clean(c.innerText)) : [];
    const data = rows.filter((r) => r !== headerRow && r.querySelector("td, [role=cell]"))
      .map((r) => ({
        foot: r.closest("tfoot") !== null,
        cells: [...r.children].map((c) => ({
          text: clean(c.innerText),
          span: Math.max(1, Number(c.getAttribute("colspan") || 1)),
          header: c.matches("th, [role=rowheader]"),
        })),
      }));
    return {headers, data};
  });
}
"""


def _column(headers: Sequence[str], wanted: Sequence[str]) -> int | None:
    """The column headed by one of ``wanted``; else the first whose header holds one as whole
    words ("Line price incl. tax" is a price)."""
    keys = [" ".join(w.casefold().split()) for w in wanted]
    cleaned = [" ".join(h.casefold().strip(" :").split()) for h in headers]
    for index, header in enumerate(cleaned):
        if header in keys:
            return index
    for key in keys:
        inside = re.compile(rf"(?<!\w){re.escape(key)}(?!\w)")
        for index, header in enumerate(cleaned):
            if inside.search(header):
                return index
    return None


def _by_column(cells: Sequence[dict[str, object]]) -> tuple[list[str], dict[int, int]]:
    """The row's texts by the table's columns (a cell spanning two fills both), and the
    span of the cell that starts at each column."""
    texts: list[str] = []
    spans: dict[int, int] = {}
    for cell in cells:
        span = int(cell.get("span", 1) or 1)  # type: ignore[call-overload]
        spans[len(texts)] = span
        texts.extend([str(cell.get("text", ""))] * span)
    return texts, spans


def is_totals_row(row: dict[str, object], product: int) -> bool:
    """A row of the order's totals, not an item: in the table's foot, a row header cell,
    a product cell spanning several columns, or totals words where the product stands."""
    cells = row.get("cells", [])
    assert isinstance(cells, list)
    if row.get("foot") or any(cell.get("header") for cell in cells):
        return True
    texts, spans = _by_column(cells)
    if product >= len(texts):
        return True
    starts = max((at for at in spans if at <= product), default=0)
    if spans.get(starts, 1) > 1:
        return True
    return bool(TOTALS.search(texts[product]))


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
        for row in table["data"]:
            if is_totals_row(row, product):
                continue
            cells, _spans = _by_column(row["cells"])
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
