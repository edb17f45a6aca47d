"""Page objects: one class per kind of page a shopper meets, named after what they do there.

Each locator is built from the vocabulary with roles, accessible names, labels
and visible text. Page objects read and fill; they do not decide what a missing
element means (``flows.site`` does: session expired, server error, or a site
it does not understand).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence

from playwright.sync_api import Error as PlaywrightError
from playwright.sync_api import Frame, Locator, Page

from flows.facts import label_candidates, label_source, values_next_to
from flows.findings import note
from flows.forms import (
    Filled,
    choose_option,
    label_and_options,
    label_of,
    options_of,
    select_among,
    selected,
    typed,
)
from flows.limits import without_control_characters
from flows.locating import (
    Scope,
    best_of,
    button,
    control,
    labelled,
    look_ms,
    nearest,
    nearest_block,
    page_root,
    parsed,
    phrases,
    select,
    textbox,
    texts_of,
    visible_now,
    wait_visible,
)
from flows.matching import (
    bounded_reference,
    contains,
    first_group,
    names,
    order_link_numbers,
    order_number_in_text,
    pattern,
    reference_in,
    starts_with,
)
from flows.order_items import PRICE, items_in_tables
from flows.recognition import (
    Step,
    best_of_shown,
    describe,
    first_shown,
    name_pattern,
    ranked,
)
from flows.results import SupportRequest
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
_ORDER_IN_TEXT = re.compile(
    r"\border\b\s*(?:number|no\.?|#|id|reference|ref\.?)?\s*[:#]?\s*#?"
    r"((?=[A-Za-z-]*[0-9])[A-Za-z0-9][A-Za-z0-9-]*[A-Za-z0-9])",
    re.IGNORECASE,
)
# A reference-looking token ("CS-482913", "REF-12345") when no phrase introduces it.
_REFERENCE_TOKEN = re.compile(r"\b([A-Za-z]{1,6}-?[0-9]{3,}[A-Za-z0-9-]*)\b")

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


class SitePage:
    """Any page of the shop: its header, menus, footer and main content."""

    def __init__(self, page: Page, vocabulary: Vocabulary) -> None:
        self.page = page
        self.words = vocabulary
        self._content: tuple[str, Locator] | None = None

    @property
    def content(self) -> Locator:
        """The main landmark when there is exactly one (menus and footers repeat everywhere).

        Looked up once per address: reading an order asks for it a dozen times.
        """
        url = self.page.url
        if self._content is None or self._content[0] != url:
            main = self.page.get_by_role("main")
            self._content = (url, main if main.count() == 1 else page_root(self.page))
        return self._content[1]

    def _anywhere(self, name: re.Pattern[str]) -> Locator:
        """Links and buttons named like ``name``, shown or tucked away in a closed menu."""
        return self.page.get_by_role("link", name=name, include_hidden=True).or_(
            self.page.get_by_role("button", name=name, include_hidden=True)
        )

    def sign_out_control(self) -> Locator:
        """Sign-out links/buttons, shown or tucked away in a closed menu."""
        return self._anywhere(name_pattern(self.words.sign_out, Step.SIGN_OUT))

    def sign_in_control(self) -> Locator:
        """Ways in to signing in (and sign-in buttons), shown or hidden."""
        return self._anywhere(name_pattern(self.words.sign_in_entry, Step.SIGN_IN))

    def account_control(self) -> Locator:
        """Visible account links/buttons ("Account", an icon named "My account"), not "Sign in"."""
        words = self.words
        name = name_pattern(words.account_menu, Step.ACCOUNT, not_holding=words.sign_in_entry)
        return (
            self.page.get_by_role("link", name=name)
            .or_(self.page.get_by_role("button", name=name))
            .filter(visible=True)
        )

    def signed_in(self) -> bool:
        """The strong sign: a sign-out control anywhere (hidden ones count)."""
        return self.sign_out_control().count() > 0

    def shows_signed_in(self) -> bool:
        """Signed in, read from several signs.

        A sign-out control anywhere; or no way in to signing in left on the page while
        an account control shows (the header's "Sign in" icon turned into "Account").
        """
        if self.signed_in():
            return True
        if not visible_now(self.account_control()):
            return False
        parsed(self.page)
        return self.sign_in_control().count() == 0 and visible_now(self.account_control())

    def password_field(self) -> Locator:
        return labelled(self.page, self.words.password_labels, Step.PASSWORD)

    def find_control(
        self, words: Sequence[str], *, timeout_ms: float | None = None, step: Step = Step.ANY
    ) -> Locator | None:
        """The best visible link/button named like ``words``, opening an Account menu if needed."""
        if timeout_ms is None:
            timeout_ms = look_ms()
        wanted = control(self.page, words, step)
        menus = self.account_control()
        if not wait_visible(wanted.or_(menus), timeout_ms):
            return None
        shown = best_of_shown(wanted, words, step)
        if shown is not None:
            return shown
        # Menus best first: "My Account" before "Account Overview".
        for candidate in ranked(menus, self.words.account_menu, Step.ACCOUNT)[:3]:
            if not candidate.visible:
                continue
            before = self.page.url
            menus.nth(candidate.index).click(timeout=look_ms())
            if wait_visible(wanted, timeout_ms):
                return best_of(wanted, words, step)
            if self.page.url != before:  # an account link led to another page: look no further
                return None
        return None

    def find_now(self, words: Sequence[str], step: Step = Step.ANY) -> Locator | None:
        """The best visible link/button named like ``words`` on the page as it is (no waiting)."""
        return best_of_shown(control(self.page, words, step), words, step)


class HomePage(SitePage):
    """The page at the site URL: the way in to signing in, orders and help."""

    def open_sign_in(self, follow: Callable[[Locator], None]) -> bool:
        """Find the way in to signing in and ``follow`` it; ``False`` when there is none."""
        entry = self.find_control(self.words.sign_in_entry, step=Step.SIGN_IN)
        if entry is None:
            return False
        note("sign_in_entry", entry)
        if visible_now(self.password_field()):
            return True  # an account link already led to the form: its button is not a way in
        follow(entry)
        return True


class SignInPage:
    """The sign-in form (possibly in a frame) and its optional second step."""

    def __init__(self, frame: Frame, vocabulary: Vocabulary) -> None:
        self.frame = frame
        self.words = vocabulary
        # submit_for's answers: the same form's button is wanted to settle and to click.
        self._submits: dict[tuple[str, tuple[str, ...]], Locator | None] = {}

    @property
    def email_field(self) -> Locator:
        return labelled(self.frame, self.words.email_labels, Step.EMAIL)

    @property
    def password_field(self) -> Locator:
        return labelled(self.frame, self.words.password_labels, Step.PASSWORD)

    @property
    def code_field(self) -> Locator:
        return labelled(self.frame, self.words.code_labels)

    def identifier_field(self) -> Locator | None:
        """An e-mail field whose own form is sent with a sign-in button (e-mail first).

        A newsletter box ("Email" + "Subscribe") is not one.
        """
        fields = self.email_field
        for index in range(min(fields.count(), 3)):
            field = fields.nth(index)
            block = nearest_block(
                field, lambda b: b.get_by_role("button").filter(visible=True), within=self.frame
            )
            if block is not None and visible_now(
                button(block, self.words.sign_in_submit, Step.SIGN_IN)
            ):
                return field
        return None

    def shows_form(self) -> bool:
        return visible_now(self.password_field) or self.identifier_field() is not None

    def submit_for(self, field: Locator, words: Sequence[str]) -> Locator | None:
        """The form's own submit control: the nearest one to the field, not the header's.

        Of several in that block, the best named ("Sign in" before "Sign in with email").
        """

        def submits(block: Locator) -> Locator:
            return button(block, words, Step.SIGN_IN)

        # Found once per form: the locator is resolved again on the page at every use.
        key = (repr(field), tuple(words))
        if key not in self._submits or self._submits[key] is None:
            block = nearest_block(field.first, submits, within=self.frame)
            found = best_of(submits(block), words, Step.SIGN_IN) if block is not None else None
            self._submits[key] = found
        return self._submits[key]

    def email_beside_password(self) -> Locator | None:
        """The e-mail field of the password's own form (not a newsletter box in the header)."""
        if not visible_now(self.password_field):
            return self.email_field.first if visible_now(self.email_field) else None
        words = self.words.email_labels
        return nearest(
            self.password_field.first,
            lambda block: labelled(block, words, Step.EMAIL),
            within=self.frame,
        )

    def sign_in_with(self, email: str, password: str) -> list[Filled]:
        """Type the e-mail (if asked) and password; the caller submits and reads the outcome."""
        filled = []
        email_field = self.email_beside_password() if email else None
        if email_field is not None:
            email_field.fill(email, timeout=look_ms())
            filled.append(typed(email_field, email, "the e-mail"))
        password_field = self.password_field.first
        password_field.fill(password, timeout=look_ms())
        filled.append(typed(password_field, password, "the password"))
        return filled

    def enter_code(self, code: str) -> list[Filled]:
        field = self.code_field.first
        field.fill(code, timeout=look_ms())
        return [typed(field, code, "the verification code")]


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


class ContactPage(SitePage):
    """The Contact Us form, used to ask for a cancellation."""

    def __init__(self, page: Page, vocabulary: Vocabulary) -> None:
        super().__init__(page, vocabulary)
        self._form_block: tuple[str, Locator | Page] | None = None

    @property
    def topic(self) -> Locator:
        return select(self.page, self.words.topic_labels)

    @property
    def message(self) -> Locator:
        return textbox(self.page, self.words.message_labels)

    def form_field(self) -> Locator:
        """What shows that the form is there: its topic select, else its message box (a form
        of only name, e-mail and message)."""
        return self.topic.or_(self.message)

    def fill_request(
        self, *, order_number: str, name: str, email: str, reason: str, message: str
    ) -> dict[str, str]:
        """Fill every field the contract names; return label -> value as the form now holds.

        A form without a topic or an order-number field (name, e-mail and message only)
        gets the order number and the request in the message itself. ``kept`` then tells,
        field by field, whether the form still holds it all.
        """
        filled: dict[str, str] = {}
        self.kept: list[Filled] = []
        self._form_block = None  # filled again: a script may have rebuilt the form
        words = self.words
        wait_visible(self.form_field(), look_ms())
        has_topic = visible_now(self.topic)
        if has_topic:
            topic = self.topic.first
            # An option about the order ("Cancel an order") before another cancellation.
            about_order = re.compile(r"\border\b", re.IGNORECASE)
            topic_label, options = label_and_options(topic)
            cancel = pattern(words.cancel_option_pattern)
            chosen = select_among(topic, options, cancel, about_order)
            if chosen is None:
                raise LookupError("the topic list has no cancellation option")
            filled[topic_label or "Topic"] = chosen
            self.kept.append(
                selected(topic, chosen, topic_label or "Topic", field_label=topic_label)
            )
        form = self.form_block(has_topic=has_topic)
        text = message or reason
        labels = words.order_number_labels
        has_number = self._fill(filled, form, labels, order_number, "Order Number", optional=True)
        if not has_number and not order_number_in_text(order_number).search(text):
            text = f"Order {order_number}: {text}"  # the message must name the order
        self._fill(filled, form, words.contact_email_labels, email, "Email", Step.EMAIL)
        full_name = textbox(form, words.name_labels, Step.FULL_NAME)
        # Which names the form asks for is read off a form that is there (see _fill).
        wait_visible(full_name.or_(textbox(form, words.first_name_labels)), look_ms())
        full_names = words.name_labels
        if not self._fill(filled, form, full_names, name, "Name", Step.FULL_NAME, optional=True):
            first, _, last = name.strip().rpartition(" ")
            if not first:  # one word: it is all we have for both
                first = last
            self._fill(filled, form, words.first_name_labels, first, "First Name")
            self._fill(filled, form, words.last_name_labels, last, "Last Name")
        self._fill(filled, form, words.message_labels, text, "Message")
        return filled

    def form_block(self, *, has_topic: bool | None = None) -> Locator | Page:
        """The smallest block holding both the topic and the message: the form itself.

        Its fields are looked up there, so that a newsletter "Email" box elsewhere on
        the page is never filled in. Found once per filling of the form (the locator is
        resolved again at each use), then kept for its picture.
        """
        if self._form_block is None or self._form_block[0] != self.page.url:
            self._form_block = (self.page.url, self._find_form_block(has_topic))
        return self._form_block[1]

    def _find_form_block(self, has_topic: bool | None) -> Locator | Page:
        if has_topic is None:
            has_topic = visible_now(self.topic)
        if not has_topic:
            # No topic: the smallest block holding the message box and a submit button.
            submit = self.words.contact_submit
            block = nearest_block(self.message.first, lambda b: button(b, submit), within=self.page)
            return block if block is not None else self.page
        words = self.words.message_labels
        block = nearest_block(self.topic.first, lambda b: textbox(b, words), within=self.page)
        return block if block is not None else self.page

    def _fill(
        self,
        filled: dict[str, str],
        form: Locator | Page,
        labels: Sequence[str],
        value: str,
        fallback: str,
        step: Step = Step.FIELD,
        *,
        optional: bool = False,
    ) -> bool:
        """Fill the field best labelled like ``labels`` ("Order number" before "Order # or ID").

        ``optional``: a field the form may not have (an order number, a full name); ``False``
        when it shows none now. A field the form must have is waited for.
        """
        # One look: the best of the visible fields and its label, or none shows.
        boxes = textbox(form, labels, step)  # shown fields only
        described = describe(boxes, labels, step)
        if optional and not described:
            return False
        chosen = first_shown(described, step)
        if chosen is None and wait_visible(boxes, look_ms()):
            # A page's script may take its form away for a moment and mount its own.
            chosen = first_shown(describe(boxes, labels, step), step)
        if chosen is None:
            raise LookupError(f"no {fallback.lower()} field")
        self._type(filled, boxes.nth(chosen.index), chosen.label, value, fallback)
        return True

    def _type(
        self, filled: dict[str, str], field: Locator, label: str, value: str, fallback: str
    ) -> None:
        field.fill(value, timeout=look_ms())
        # What the form holds is read back once for all fields before the submit
        # (``Browsing.fill_for_submit``): a value it did not keep never gets that far.
        filled[label or fallback] = value
        self.kept.append(typed(field, value, label or fallback, label=label))

    def submit_control(self) -> Locator | None:
        words = self.words.contact_submit
        block = nearest_block(self.message.first, lambda b: button(b, words), within=self.page)
        return best_of(button(block, words), words) if block is not None else None


# The texts of cells, grouped by the row each sits in (rows in document order).
_CELL_TEXTS_BY_ROW = """(cells) => {
  const rows = new Map();
  for (const cell of cells) {
    const row = cell.closest("tr, [role=row]");
    if (!rows.has(row)) rows.set(row, []);
    rows.get(row).push(cell.innerText);
  }
  return [...rows.values()];
}"""


class SupportRequestsPage(SitePage):
    """Earlier requests ("Support Requests", "My Cases"...), with their order numbers."""

    def requests(self) -> list[SupportRequest]:
        return [self._parse(text) for text in self._entries() if text.strip()]

    def _entries(self) -> list[str]:
        content = self.content
        # ``has`` is matched inside each row: built from the page, not from ``content``.
        rows = content.get_by_role("row").filter(has=self.page.get_by_role("cell"))
        # Every row's cells in one look, however many requests the shop keeps.
        try:
            cells_by_row = [
                [" ".join(str(text).split()) for text in row]
                for row in rows.get_by_role("cell").evaluate_all(_CELL_TEXTS_BY_ROW)
            ]
        except PlaywrightError:
            cells_by_row = []
        if cells_by_row:
            headers = texts_of(content.get_by_role("columnheader"))
            skip = 0
            if not headers:
                # A head row of plain cells (some stock themes): its texts head the columns.
                head = content.locator("thead tr").first
                if head.count():
                    headers = texts_of(head.get_by_role("cell"))
                    skip = 1
            entries = []
            for cells in cells_by_row[skip:]:
                if headers and len(headers) == len(cells):
                    pairs = zip(headers, cells, strict=True)
                    entries.append("\n".join(f"{h}: {c}" for h, c in pairs))
                else:
                    entries.append("\n".join(cells))
            return entries
        for found in (content.get_by_role("article"), content.get_by_role("listitem")):
            if found.count():
                return [text.strip() for text in found.all_inner_texts()]
        return []

    def _parse(self, text: str) -> SupportRequest:
        text = without_control_characters(text)
        order_found = _ORDER_IN_TEXT.search(text)
        order = order_found.group(1) if order_found else None
        reference = reference_in(text, self.words.confirmation_pattern)
        if reference is None or reference == order:
            tokens = [t for t in _REFERENCE_TOKEN.findall(text) if t != order]
            reference = bounded_reference(tokens[0]) if tokens else None
        return SupportRequest(reference=reference, order=order, text=" ".join(text.split()))


class ReturnPage:
    """The return form: on a page of its own, or revealed in place on the order page."""

    def __init__(self, page: Page, vocabulary: Vocabulary, *, reason: str | None = None) -> None:
        self.page = page
        self.words = vocabulary
        self.reason = reason  # the shopper's own words, when they gave some

    def item_boxes(self) -> Locator:
        return self.page.get_by_role("checkbox").filter(visible=True)

    def items(self) -> list[tuple[str, Locator, bool]]:
        """(label, checkbox, can be ticked) for every item checkbox on the form."""
        boxes = self.item_boxes()
        found = []
        for index in range(boxes.count()):
            box = boxes.nth(index)
            found.append((label_of(box), box, box.is_enabled()))
        return found

    def _reason_selects(self, scope: Scope) -> Locator:
        reason = starts_with(self.words.return_reason_labels)
        return scope.get_by_role("combobox", name=reason).filter(visible=True)

    def choose_reason(self, box: Locator) -> str | None:
        """Set the item's own reason select (the one in the item's block) to a preferred reason.

        ``None`` when the item has no reason select of its own, e.g. a form that lists
        reasons apart from the items (see ``choose_remaining_reasons``).
        """
        block = nearest_block(box, self._reason_selects, within=self.page)
        if block is None or block.get_by_role("checkbox").count() != 1:
            return None
        field = self._reason_selects(block).first
        return self._choose_in(field) if field.is_enabled() else None

    def choose_remaining_reasons(self) -> None:
        """Reason selects still on their placeholder (forms that group reasons apart)."""
        selects = self._reason_selects(self.page)

        def boxes(block: Scope) -> Locator:
            return block.get_by_role("checkbox")

        for index in range(selects.count()):
            field = selects.nth(index)
            if not field.is_enabled() or self._chosen(field):
                continue
            # The select of an item left unticked keeps its placeholder.
            own = nearest_block(field, boxes, within=self.page)
            if own is not None and boxes(own).count() == 1 and not boxes(own).first.is_checked():
                continue
            self._choose_in(field)

    def reasons_chosen(self) -> bool:
        """Whether every ticked item's own reason select is off its placeholder."""

        def boxes(block: Scope) -> Locator:
            return block.get_by_role("checkbox")

        try:
            selects = self._reason_selects(self.page)
            for index in range(selects.count()):
                field = selects.nth(index)
                own = nearest_block(field, boxes, within=self.page)
                ticked_item = own is not None and boxes(own).count() == 1
                if ticked_item and boxes(own).first.is_checked() and not self._chosen(field):
                    return False
        except PlaywrightError:
            return False
        return True

    def method_chosen(self, name: str) -> bool:
        """Whether the return method named ``name`` is still the one chosen."""
        try:
            radio = self.page.get_by_role("radio", name=name, exact=True).filter(visible=True)
            if radio.count():
                return radio.first.is_checked()
            selects = self.page.get_by_role("combobox").filter(visible=True)
            for index in range(selects.count()):
                field = selects.nth(index)
                value = field.input_value()
                if any(
                    str(o["label"]) == name and str(o["value"]) == value for o in options_of(field)
                ):
                    return True
        except PlaywrightError:
            return False
        return False

    def _chosen(self, field: Locator) -> bool:
        value = field.input_value()
        placeholder = pattern(self.words.placeholder_option_pattern)
        labels = {str(o["value"]): str(o["label"]) for o in options_of(field)}
        return bool(value) and not placeholder.search(labels.get(value, ""))

    def _choose_in(self, field: Locator) -> str:
        placeholder = pattern(self.words.placeholder_option_pattern)
        if self.reason and self.reason.strip():
            asked = names([self.reason.strip()])
            if any(asked.search(str(option["label"])) for option in options_of(field)):
                return choose_option(field, asked, placeholder)
        preferred = re.compile(rf"\b(?:{self.words.preferred_reason_pattern})\b", re.IGNORECASE)
        return choose_option(field, preferred, placeholder)

    def choose_mail_method(self) -> str | None:
        """Prefer the prepaid mail label over drop-off, whether radios or a select offer it."""
        mail = contains(self.words.mail_method)
        drop_off = contains(self.words.drop_off_method)
        radios = self.page.get_by_role("radio").filter(visible=True)
        for index in range(radios.count()):
            radio = radios.nth(index)
            name = label_of(radio)
            if mail.search(name) and not drop_off.search(name):
                radio.check(timeout=look_ms())
                return name
        selects = self.page.get_by_role("combobox").filter(visible=True)
        for index in range(selects.count()):
            field = selects.nth(index)
            labels = [str(o["label"]) for o in options_of(field)]
            if any(drop_off.search(label) for label in labels):
                for option in options_of(field):
                    label = str(option["label"])
                    if mail.search(label) and not drop_off.search(label):
                        field.select_option(value=str(option["value"]), timeout=look_ms())
                        return label
        return None

    def submit_control(self, anchor: Locator) -> Locator | None:
        words = self.words.return_submit
        block = nearest_block(anchor, lambda b: button(b, words), within=self.page)
        return best_of(button(block, words), words) if block is not None else None

    def review_confirm(self) -> Locator:
        return button(self.page, self.words.review_confirm)

    # -- a return that is a request: one item per form, no item checkboxes -----------------
    def product_field(self) -> Locator:
        """The request form's product field (its value the item's name, often read-only)."""
        return labelled(self.page, self.words.return_product_labels)

    def quantity_field(self) -> Locator:
        return labelled(self.page, self.words.return_quantity_labels)

    def details_field(self) -> Locator:
        return textbox(self.page, self.words.return_details_labels)

    def reason_radios(self) -> Locator:
        """The reason's radio buttons: in a radio group named like a reason label."""
        named = starts_with(self.words.return_reason_labels)
        groups = self.page.get_by_role("radiogroup", name=named).filter(visible=True)
        return groups.get_by_role("radio")

    def is_request(self) -> bool:
        """A request form: a product field and a reason, and no item checkboxes to tick."""
        return (
            visible_now(self.product_field())
            and (visible_now(self.reason_radios()) or visible_now(self._reason_selects(self.page)))
            and not visible_now(self.item_boxes())
        )

    def product_named(self) -> str:
        """The product field's value, as the form shows it now ("" when there is none)."""
        field = self.product_field()
        try:
            if not visible_now(field):
                return ""
            return " ".join(field.first.input_value(timeout=look_ms()).split())
        except PlaywrightError:
            return ""

    def choose_reason_radio(self) -> str | None:
        """Tick the reason the shopper gave, else a preferred one ("Other"); its label."""
        radios = self.reason_radios()
        labels = [label_of(radios.nth(i)) for i in range(radios.count())]
        wanted = []
        if self.reason and self.reason.strip():
            wanted.append(names([self.reason.strip()]))
        wanted.append(re.compile(rf"\b(?:{self.words.preferred_reason_pattern})\b", re.IGNORECASE))
        for pattern_ in wanted:
            for index, label in enumerate(labels):
                if pattern_.search(label):
                    radios.nth(index).check(timeout=look_ms())
                    return label
        return None

    def reason_radio_chosen(self, label: str) -> bool:
        try:
            radios = self.reason_radios()
            return any(
                radios.nth(i).is_checked() and label_of(radios.nth(i)) == label
                for i in range(radios.count())
            )
        except PlaywrightError:
            return False

    def request_sent(self) -> Locator:
        """What the shop says once a return request went: its words, or a return number."""
        words = self.words
        said = phrases(self.page, words.return_request_sent_words)
        number = self.page.get_by_text(pattern(words.return_number_pattern)).filter(visible=True)
        return said.or_(number)


class ReturnConfirmationPage:
    """The page that gives the return number and the label link."""

    def __init__(self, page: Page, vocabulary: Vocabulary) -> None:
        self.page = page
        self.words = vocabulary

    def return_number_text(self) -> Locator:
        return self.page.get_by_text(pattern(self.words.return_number_pattern)).filter(visible=True)

    def return_number(self) -> str | None:
        for text in texts_of(self.return_number_text()):
            found = reference_in(text, self.words.return_number_pattern)
            if found:
                return found
        return None

    def label_control(self) -> Locator | None:
        words = self.words.label_links
        wanted = control(self.page, words, Step.ORDER)
        return best_of_shown(wanted, words, Step.ORDER)
