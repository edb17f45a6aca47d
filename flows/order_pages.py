"""The order list and an order's page: which row is this order, what its page says."""

from __future__ import annotations

import re
from collections.abc import Sequence

from playwright.sync_api import Error as PlaywrightError
from playwright.sync_api import Locator

from flows.facts import label_candidates, label_source, values_next_to
from flows.locating import (
    Scope,
    control,
    look_ms,
    nearest_block,
    parsed,
    visible_now,
    wait_visible,
)
from flows.matching import (
    contains,
    first_group,
    names,
    order_link_numbers,
    order_number_in_text,
)
from flows.order_items import PRICE, items_in_tables
from flows.pages import SitePage
from flows.recognition import (
    Step,
)
from flows.status_reading import StatusRead, read_order_status
from flows.vocabulary import Vocabulary, read_status_text
from ordercore.models import Item, Order, OrderStatus, ReturnStage, StatusCandidate, StatusPlace

_ITEMS_HEADING = re.compile(
    r"^\W*(?:order\s+)?(?:items?|products?|your\s+items|items\s+in\s+(?:this|your)\s+order)"
    r"(?:\s*\(\d+\))?\W*$",
    re.IGNORECASE,
)
_PRICE = re.compile(r"[$£€]\s?\d[\d,]*(?:\.\d\d)?|\b\d[\d,]*(?:\.\d\d)?\s?(?:USD|GBP|EUR)\b")
_QUANTITY = re.compile(r"\b(?:qty|quantity)\s*:?\s*(\d+)", re.IGNORECASE)

# The status an order's row or card shows, from its control: the cell under the table's
# Status header; else, in the card (the nearest block holding the number), a labelled value
# or the one short text that is not the number, a date, a price or a control.
_STATUS_IN_ROW = r"""(control, [labelSource, oursSource]) => {
  const clean = (s) => (s || "").replace(/\s+/g, " ").trim();
  const bare = new RegExp("^\\W*(?:" + labelSource + ")\\W*$", "i");
  const prefix = new RegExp("^\\W*(?:" + labelSource + ")\\s*[:\\-\u2013\u2014]\\s*", "i");
  const ours = new RegExp(oursSource, "i");
  const row = control.closest("tr, [role=row]");
  const table = row && row.closest("table, [role=table], [role=grid]");
  if (table) {
    // Header cells: th, columnheader, or a thead's td (some stock themes).
    const header = [...table.querySelectorAll("th, [role=columnheader], thead td")]
      .find((h) => bare.test(clean(h.innerText)));
    if (!header) return null;
    const index = [...header.parentElement.children].indexOf(header);
    const cell = row.children[index];
    return cell ? { text: clean(cell.innerText), label: clean(header.innerText) } : null;
  }
  // The card: the smallest block around the control that names the order and says more
  // than the control itself (a link named "View order 70001" is not its card; a card that
  // is a link as a whole is).
  const own = clean(control.innerText);
  let card = control;
  while (
    card && card !== document.body &&
    !(ours.test(clean(card.innerText)) && (card !== control ? clean(card.innerText) !== own
      : [...control.children].some((c) => clean(c.innerText) && clean(c.innerText) !== own)))
  ) {
    card = card.parentElement;
  }
  if (!card || card === document.body) return null;
  const badges = [];
  for (const el of card.querySelectorAll("*")) {
    const text = clean(el.innerText);
    const control = el.closest("a, button, [role=link], [role=button]");
    if (!text || (control && control !== card && card.contains(control))) continue;
    if (prefix.test(text) && ![...el.children].some((c) => prefix.test(clean(c.innerText)))) {
      const value = text.replace(prefix, "");
      const label = clean(text.slice(0, text.length - value.length)).replace(/[:\-\s]+$/, "");
      return { text: value, label };
    }
    const leaf = ![...el.children].some((c) => clean(c.innerText));
    if (leaf && !ours.test(text) && text.split(" ").length <= 4) badges.push(text);
  }
  return { badges };
}"""

# Under an items heading with no list or table: the item cards, each the largest element
# holding one price, in a block holding several (or the one card of a one-item order).
_CARDS_UNDER = r"""(heading, priceSource) => {
  const prices = (el) => ((el.innerText || "").match(new RegExp(priceSource, "g")) || []).length;
  let block = heading.parentElement;
  while (block && block !== document.body && prices(block) === 0) block = block.parentElement;
  if (!block || block === document.body) return [];
  if (prices(block) === 1) {
    return [(block.innerText || "").replace(heading.innerText || "", "")];
  }
  return [...block.querySelectorAll("*")]
    .filter((el) => prices(el) === 1 && el.parentElement && prices(el.parentElement) > 1)
    .map((el) => el.innerText || "");
}"""

# The names links go by, near enough: their aria-label, else their text.
_NAMES_OF = (
    "(els) => els.map((el) => el.getAttribute('aria-label') || el.innerText.trim() || "
    "el.getAttribute('title') || el.value || '')"
)


class OrderListPage(SitePage):
    """The order history: one row or card per order, holding its number.

    The order's control is a link or button named with its number; else the control of
    the row or card that holds the number ("View", "Details", an icon link named by its
    title). The row's status is the cell under its Status header, a labelled value in the
    card, or the one status badge in it.
    """

    def _named_links(self, wanted: re.Pattern[str]) -> Locator:
        return (
            self.content.get_by_role("link", name=wanted)
            .or_(self.content.get_by_role("button", name=wanted))
            .filter(visible=True)
        )

    def order_row(self, number: str) -> Locator:
        """The smallest block around the order's number that holds a link or button."""
        holder = self.content.get_by_text(order_number_in_text(number)).filter(visible=True)
        return holder.locator(_NEAREST_WITH_A_CONTROL)

    def order_link(self, number: str) -> Locator:
        """The order's own control: named with its number, else its row's "View"/icon link."""
        named = self._named_links(order_number_in_text(number))
        if visible_now(named):
            return named
        control = self._row_control(number)
        return control if control is not None else named

    def _row_control(self, number: str) -> Locator | None:
        rows = self.order_row(number)
        try:
            if not rows.count():
                return None
            row = rows.first
            if other_orders_in(row.inner_text(), number):
                return None  # a block of several orders: not this order's row
            controls = row.get_by_role("link").or_(row.get_by_role("button")).filter(visible=True)
            names = [" ".join(str(n).split()) for n in controls.evaluate_all(_NAMES_OF)]
        except PlaywrightError:
            return None
        chosen = row_control_index(names, number, self.words.order_view_links)
        return controls.nth(chosen) if chosen is not None else None

    def listed_status(self, number: str, link: Locator | None = None) -> StatusCandidate | None:
        """The status the list shows for the order: its row's cell under a Status header,
        a labelled value in its card, or the one status badge in it.

        ``link``: the order's link (``order_link``) when the caller has seen it shown.
        """
        if link is None:
            link = self.order_link(number)
            if not visible_now(link):
                return None
        source = label_source(self.words.status_labels, self.words.status_label_qualifiers)
        try:
            found = link.first.evaluate(
                _STATUS_IN_ROW, [source, order_number_in_text(number).pattern]
            )
        except PlaywrightError:
            return None
        if not found:
            return None
        if "badges" in found:
            # A card's badge: its one short text that names a status.
            said = [
                " ".join(str(text).split())
                for text in found["badges"]
                if read_status_text(str(text), self.words).says_anything
            ]
            said = list(dict.fromkeys(said))
            return StatusCandidate(said[0], StatusPlace.LIST_ROW) if len(said) == 1 else None
        text = " ".join(str(found.get("text") or "").split())
        if not text:
            return None
        label = " ".join(str(found.get("label") or "").split()) or None
        return StatusCandidate(text, StatusPlace.LIST_ROW, label)

    def order_links(self) -> Locator:
        """What shows that the list shows orders: order links, order-number cells, order
        headings of cards ("Order #70001"), whatever their controls are named."""
        words = self.words
        numbered = order_link_numbers(words.order_link_formats)
        worded = order_link_numbers(
            [f for f in words.order_link_formats if f.strip() != "{number}"]
        )
        cells = self.content.get_by_role("cell").or_(self.content.get_by_role("rowheader"))
        return (
            self._named_links(numbered)
            .or_(cells.filter(has_text=NUMBER_CELL).filter(has_not_text=_DATE_LIKE))
            .or_(self.content.get_by_text(worded))
            .filter(visible=True)
        )

    def order_numbers(self) -> list[str]:
        numbered = order_link_numbers(self.words.order_link_formats)
        numbers = []
        try:
            # An icon link ("View order 70001" as its aria-label) has no text to read.
            names = self.order_links().evaluate_all(_NAMES_OF)
        except PlaywrightError:
            names = []
        for name in names:
            text = " ".join(str(name).split())
            found = numbered.search(text) or NUMBER_CELL.search(text)
            if found:
                numbers.append(first_group(found).lstrip("#").strip())
        return list(dict.fromkeys(numbers))


# The nearest block (the element itself or an ancestor) that holds a link or a button.
_NEAREST_WITH_A_CONTROL = (
    "xpath=ancestor-or-self::*[.//a[@href] or .//button or .//input[@type='button'] or "
    ".//*[@role='link' or @role='button']][1]"
)
# A table cell that is an order number and nothing else: "#1001", "MK-70001", "000070001".
NUMBER_CELL = re.compile(r"^\W*#?\s*([A-Za-z]{0,6}-?[0-9]{3,}[A-Za-z0-9-]*)\W*$")
_DATE_LIKE = re.compile(r"^\W*\d{4}-\d{1,2}-\d{1,2}")
# An order's reference in text ("Order #70002", "#70002"): group 1.
_ORDER_REFERENCE = re.compile(
    r"(?:\border\b\s*(?:number|no\.?|#|id|ref(?:erence)?)?\s*[:#]?\s*#?\s*|#\s*)"
    r"([A-Za-z]{0,6}-?[0-9]{3,}[A-Za-z0-9-]*)",
    re.IGNORECASE,
)


def other_orders_in(text: str, number: str) -> list[str]:
    """Order references in ``text`` ("Order #70002", "#70002") that are not ``number``."""
    ours = order_number_in_text(number)
    return [ref for ref in _ORDER_REFERENCE.findall(text) if not ours.fullmatch(ref)]


def row_control_index(
    controls: Sequence[str], number: str, view_words: Sequence[str]
) -> int | None:
    """Which of a row's controls (by their names) opens the order: named with its number,
    else named like "View"/"Details", else the row's one control when it has no name (an icon)."""
    ours = order_number_in_text(number)
    viewing = names(view_words)
    for index, name in enumerate(controls):
        if ours.search(name):
            return index
    for index, name in enumerate(controls):
        if viewing.search(name):
            return index
    if len(controls) == 1 and not controls[0].strip():
        return 0
    return None


# Statuses whose page may show a return's tracking number, and a refund.
_RETURN_STATUSES = frozenset(
    {OrderStatus.RETURN_STARTED, OrderStatus.RETURNED, OrderStatus.REFUNDED}
)
_REFUND_STATUSES = frozenset({OrderStatus.RETURNED, OrderStatus.REFUNDED})


def return_stage(status: OrderStatus, raw: str, words: Vocabulary) -> ReturnStage | None:
    """How far a return has gone, from the order's status and its words."""
    if status is OrderStatus.REFUNDED:
        return ReturnStage.REFUNDED
    if status is OrderStatus.RETURNED:
        said = contains(words.refunded_words).search(raw)
        return ReturnStage.REFUNDED if said else ReturnStage.RECEIVED
    if status is OrderStatus.RETURN_STARTED:
        moving = contains(words.return_in_transit_words).search(raw)
        return ReturnStage.IN_TRANSIT if moving else ReturnStage.STARTED
    return None


class OrderPage(SitePage):
    """One order: its number, status, items, tracking, and the ways to return it."""

    def status_label(self) -> Locator:
        words = self.words
        return label_candidates(
            self.content, words.status_labels, words.status_label_qualifiers
        ).filter(visible=True)

    def order_heading(self, number: str) -> Locator:
        """The heading that names the order ("Order #10001")."""
        wanted = order_number_in_text(number)
        return self.content.get_by_role("heading").filter(has_text=wanted).filter(visible=True)

    def status_sign(self, number: str) -> Locator:
        """What shows that an order's page is there: a status label, or the order's heading."""
        return self.status_label().or_(self.order_heading(number))

    def read_status(
        self, number: str = "", listed: StatusCandidate | None = None
    ) -> StatusRead | None:
        """The order's status from the places a shop shows it (``flows.status_reading``).

        A labelled value, the order's row cell under a Status header, a badge by the
        order's heading, a tracker's current step, the latest history entry; else
        ``listed``, the status its row in the order list showed. Status words anywhere
        else are set aside; places that disagree read as unknown.
        """
        return read_order_status(self.page, number, self.words, wait_ms=look_ms(), listed=listed)

    def shows_order(self, number: str) -> str | None:
        """The order number as this page shows it ("MK-70001"), when it shows it."""
        try:
            text = self.content.inner_text()
        except PlaywrightError:
            return None
        found = order_number_in_text(number).search(text)
        return found.group(0) if found else None

    def tracking(self) -> str | None:
        words = self.words
        found = values_next_to(self.content, words.tracking_labels, words.tracking_label_qualifiers)
        return found[0] if found else None

    def return_tracking(self) -> str | None:
        """The carrier's tracking number of a return's parcel ("Return Tracking Number")."""
        found = values_next_to(self.content, self.words.return_tracking_labels)
        return found[0].split(" (")[0].strip() if found else None

    def refund(self) -> str | None:
        """The refund's amount as shown ("$426.00"), when the page shows a refund line."""
        try:
            text = self.content.inner_text()
        except PlaywrightError:
            return None
        found = re.search(self.words.refund_pattern, text, re.IGNORECASE)
        return found.group(1) if found else None

    def return_entry(self) -> Locator | None:
        return self.find_now(self.words.return_entry, Step.RETURN)

    def item_return_entry(self, item_name: str) -> Locator | None:
        """The return link of one item, in the item's own row (a shop with one per item)."""
        named = self.content.get_by_text(item_name, exact=True).filter(visible=True)
        row = named.locator(_NEAREST_WITH_A_CONTROL)
        try:
            if not row.count():
                return None
        except PlaywrightError:
            return None
        entries = control(row.first, self.words.return_entry, Step.RETURN)
        return entries.first if visible_now(entries) else None

    def label_control(self) -> Locator | None:
        return self.find_now(self.words.label_links, Step.ORDER)

    def items(self) -> tuple[Item, ...]:
        """The order's items, best effort: a table with a Product/Item/Description column,
        else the list items or rows under an "Items" heading, else list items with a price."""
        final = self.words.final_sale
        in_table = items_in_tables(self.content, final)
        if in_table:
            return in_table
        heading = self.content.get_by_role("heading", name=_ITEMS_HEADING)
        if not heading.count():
            priced = self.content.get_by_role("listitem").filter(has_text=PRICE)
            found = (_item_from_text(text, final) for text in priced.all_inner_texts())
            return tuple(item for item in found if item is not None)
        cells = self.page.get_by_role("cell")

        def lines_in(block: Scope) -> Locator:
            # List items, or table rows holding data cells (not the header row).
            return block.get_by_role("listitem").or_(block.get_by_role("row").filter(has=cells))

        # The heading's own block first: a block further up holds other lists and tables
        # (a history table, the page's menus) that are not items.
        block = nearest_block(heading.first, lines_in, levels=1, within=self.page)
        texts = lines_in(block).all_inner_texts() if block is not None else []
        if not texts:
            # Cards (no list, no table): each the largest block with one price of its own.
            try:
                texts = heading.first.evaluate(_CARDS_UNDER, PRICE.pattern)
            except PlaywrightError:
                texts = []
        if not texts:
            block = nearest_block(heading.first, lines_in, levels=2, within=self.page)
            texts = lines_in(block).all_inner_texts() if block is not None else []
        items = []
        for text in texts:
            item = _item_from_text(str(text), final)
            if item is not None:
                items.append(item)
        return tuple(items)

    def read(
        self,
        number: str,
        listed: StatusCandidate | None = None,
        *,
        status: StatusRead | None = None,
        shown: str | None = None,
    ) -> Order:
        """The order as this page shows it; ``status`` and ``shown`` when already read."""
        # The status can show while the rest still arrives: no return entry, no label link
        # are judged on the whole document (under load, a delivered order was once read as
        # offering no return).
        parsed(self.page)
        status = status or self.read_status(number, listed)
        if status is None:
            raise LookupError("no status in any of the places an order's status is shown")
        raw, canonical = status.raw, status.status
        entry = self.return_entry()
        if entry is None and canonical is OrderStatus.DELIVERED:
            # A delivered order without a return entry is a finding of its own (the agent
            # stops): the entry a script adds late is waited for before it is concluded.
            wait_visible(control(self.page, self.words.return_entry, Step.RETURN), look_ms())
            entry = self.return_entry()
        refund = self.refund() if canonical in _REFUND_STATUSES else None
        if refund and canonical is OrderStatus.RETURNED:
            canonical = OrderStatus.REFUNDED  # "Refunded" (the contract's returned) + its amount
        return Order(
            number=shown or self.shows_order(number) or number.strip().lstrip("#").strip(),
            status=canonical,
            raw_status=raw,
            items=self.items(),
            tracking=self.tracking(),
            url=self.page.url,
            label_available=self.label_control() is not None,
            return_available=entry is not None,
            return_tracking=(self.return_tracking() if canonical in _RETURN_STATUSES else None),
            refund=refund,
            return_stage=return_stage(canonical, raw, self.words),
            status_evidence=status.evidence,
        )


# A quantity on its own line: a badge on the item's picture ("2", "×2", "2 x").
_QUANTITY_BADGE = re.compile(r"^\W*(?:[x×]\s*)?(\d{1,3})(?:\s*[x×])?\W*$", re.IGNORECASE)


def _item_from_text(text: str, final_sale_words: Sequence[str]) -> Item | None:
    lines = [line.strip() for line in text.splitlines() if line.strip()]
    badge = None
    while lines and (found := _QUANTITY_BADGE.match(lines[0])):
        badge = int(found.group(1))
        lines = lines[1:]
    if not lines:
        return None
    whole = " ".join(lines)
    final = re.compile("|".join(re.escape(w) for w in final_sale_words), re.IGNORECASE)
    name = final.sub(" ", lines[0])
    price = _PRICE.search(whole)
    name = _PRICE.sub(" ", name)
    name = " ".join(name.split()).strip(" -·|,")
    if not name or _ITEMS_HEADING.match(name):
        return None  # a header row
    quantity = _QUANTITY.search(whole)
    is_final = bool(final.search(whole))
    return Item(
        name=name,
        price=price.group(0) if price else None,
        quantity=int(quantity.group(1)) if quantity else (badge or 1),
        final_sale=is_final,
        returnable=not is_final,
    )
