"""Every word of the retailer contract, in one overridable table.

The contract (``docs/shops.md``) names what a person sees on any
shop: link and button names, field labels, status words, confirmation phrasing.
The flows read those words from here and nowhere else, so a shop whose wording
differs is supported by a site profile (``agent.site_profiles``, docs/shops.md)
that adds words to this table rather than by changing a flow.

Word lists are matched case-insensitively and tolerant of surrounding
whitespace and punctuation (see ``flows.matching``); the ``*_pattern`` fields
are regular expressions that must stay valid in both Python and JavaScript,
because Playwright evaluates locator regexes in the page.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field

from flows.status_words import (
    AGREEING_STATUS_WORDS,
    CONTRACT_STATUS_WORDS,
    STATUS_PAIRS,
    STATUS_TEXT_MAX_WORDS,
)
from ordercore.models import OrderStatus

Words = tuple[str, ...]

# A reference is letters, digits and dashes; requiring a digit keeps ordinary words
# ("Your request has been received") from being read as one.
# What may stand between "case"/"RMA" and the reference: "number is", "No.:", "#", "ID:".
_REFERENCE_INTRO = r"(?:\s*(?:number|no|#|id))?\.?(?:\s+is)?\s*[:#]?\s*"
_REFERENCE = r"((?=[A-Za-z-]*[0-9])[A-Za-z0-9][A-Za-z0-9-]*[A-Za-z0-9]|[0-9])"


@dataclass(frozen=True)
class EntryWords:
    """Part 1 of the contract, entry and interruptions: cookie banners and promotions."""

    cookie_accept: Words = (
        "Accept",
        "Accept All",
        "Accept All Cookies",
        "I Agree",
        "Agree",
        "Got it",
        "OK",
    )
    promo_dismiss: Words = ("Close", "×", "No thanks", "No, thanks", "Dismiss", "Maybe later")


@dataclass(frozen=True)
class SignInWords:
    """Part 2 of the contract, signing in: the way in, the form, its second step, its
    outcome, the shopper's name."""

    sign_in_entry: Words = ("Sign In", "Log In", "Login", "Sign in / Register")
    account_menu: Words = ("Account", "My Account")
    email_labels: Words = ("Email", "Email Address", "E-mail")
    password_labels: Words = ("Password",)
    sign_in_submit: Words = ("Sign In", "Log In", "Login", "Continue")
    code_labels: Words = (
        "Verification Code",
        "Security Code",
        "One-time code",
        "Authentication code",
    )
    code_submit: Words = ("Verify", "Continue", "Submit")
    wrong_credentials: Words = ("incorrect", "invalid", "not recognized")
    account_locked: Words = ("locked", "too many attempts")
    bot_check: Words = (
        "verify you are human",
        "verify that you are human",
        "are you a robot",
        "captcha",
    )
    sign_out: Words = ("Sign Out", "Log Out", "Logout")
    # Where a signed-in page names the shopper: "Hi, Jane", "Welcome back, Jane Shopper".
    greetings: Words = ("Hi", "Hello", "Hey", "Welcome", "Welcome back", "Good morning",
                        "Good afternoon", "Good evening")  # fmt: skip
    # Pages that show the account holder's name (greeting, or First/Last Name details).
    account_pages: Words = (
        "Account Overview",
        "Account Details",
        "Account Information",
        "My Account",
        "My Profile",
        "Profile",
        "Personal Details",
        "Personal Information",
    )
    # Words of an account page's headings that name a part of it, not its holder: a heading
    # of capitalised words is read as the holder's name only without any of these.
    account_section_words: Words = tuple(
        """account accounts order orders address addresses book information info contact
        details billing shipping delivery newsletter newsletters settings profile dashboard
        wish wishlist list payment payments password history returns return rewards points
        recent default subscription subscriptions downloads transactions overview welcome my
        your store shop help service support messages cases requests saved cards security
        preferences""".split()  # noqa: SIM905 (a word list reads best as words)
    )


@dataclass(frozen=True)
class OrderWords:
    """Part 3 of the contract, orders and status: the order list, an order's page, its
    status and tracking number."""

    order_list_links: Words = ("Order History", "My Orders", "Orders", "Order Status")
    # How an order link names its order; "{number}" stands for the number as shown.
    order_link_formats: Words = (
        "Order #{number}",
        "Order No. {number}",
        "Order number {number}",
        "Order {number}",
        "View order {number}",
        "{number}",
    )
    # A row's control that opens its order when no control is named with the number: the
    # whole name is one of these ("View", an eye icon titled "View", "Order details").
    order_view_links: Words = (
        "View",
        "View order",
        "View Order Details",
        "View details",
        "Details",
        "Order details",
        "Show",
        "Open",
    )
    status_labels: Words = ("Order Status", "Status")
    # Words that may stand before "Status" in a label: "Shipment status", "Payment status".
    status_label_qualifiers: Words = (
        "Order",
        "Shipment",
        "Shipping",
        "Delivery",
        "Payment",
        "Fulfillment",
        "Fulfilment",
        "Return",
        "Refund",
    )
    status_words: Mapping[str, OrderStatus] = field(default_factory=lambda: CONTRACT_STATUS_WORDS)
    agreeing_status_words: Mapping[str, frozenset[OrderStatus]] = field(
        default_factory=lambda: AGREEING_STATUS_WORDS
    )
    tracking_labels: Words = ("Tracking", "Tracking Number", "Tracking #")
    # Words that may stand before a tracking label: "Carrier tracking number".
    tracking_label_qualifiers: Words = ("Carrier", "Courier", "Shipment", "Shipping", "Package")
    final_sale: Words = ("Final Sale",)


@dataclass(frozen=True)
class ContactWords:
    """Part 4 of the contract, requesting a cancellation: the Contact Us form, its answer,
    the lists of open requests."""

    contact_links: Words = ("Contact Us", "Contact")
    customer_service_links: Words = ("Customer Service", "Customer Care", "Help")
    topic_labels: Words = ("Topic", "Subject", "Reason", "Reason for Contact", "How can we help?")
    cancel_option_pattern: str = r"cancel"
    order_number_labels: Words = (
        "Order Number",
        "Order No.",
        "Order #",
        "Order ID",
        "Order Reference",
    )
    contact_email_labels: Words = ("Email", "Email Address", "E-mail", "E-Mail Address")
    name_labels: Words = ("Name", "Full Name")
    first_name_labels: Words = ("First Name",)
    last_name_labels: Words = ("Last Name",)
    message_labels: Words = (
        "Message",
        "Comments",
        "Comment",
        "Details",
        "Your Message",
        "How can we help?",
        "What's on your mind?",
        "Enquiry",  # a stock contact form: Your Name, E-Mail Address, Enquiry
        "Inquiry",
    )
    # A contact form's answer that says it was sent, with no reference in it: "Your enquiry
    # has been successfully sent to the store owner!", "Thanks for contacting us".
    contact_sent_words: Words = (
        "successfully sent",
        "has been sent",
        "have been sent",
        "we have received your",
        "we've received your",
        "thank you for contacting",
        "thanks for contacting",
        "thank you for your message",
        "thank you for your enquiry",
        "message sent",
        "we will get back to you",
        "we'll get back to you",
    )
    contact_submit: Words = ("Submit", "Send", "Send Message")
    # e.g. "Thanks! Your case number is CS-482913." -> group 1 is the reference.
    confirmation_pattern: str = (
        r"\b(?:case|reference|ticket|request)\b" + _REFERENCE_INTRO + _REFERENCE
    )
    support_request_pages: Words = ("Support Requests", "My Cases", "My Requests", "Messages")
    # A shop's list of return requests, where a request that answered with no number shows.
    return_request_pages: Words = (
        "Product Returns",
        "My Returns",
        "Return Requests",
        "View your return requests",
    )


@dataclass(frozen=True)
class ReturnWords:
    """Part 5 of the contract, starting a return: the entry, the form, its answer, the label."""

    return_entry: Words = (
        "Start a Return",
        "Return Items",
        "Return Item",
        "Request a Return",
        "Return",
    )
    return_reason_labels: Words = ("Reason",)
    # A return that is a request (a form per item: product, quantity, reason, details; no
    # number, no label): what its fields are labelled and what its answer says.
    return_product_labels: Words = ("Product Name", "Product")
    return_quantity_labels: Words = ("Quantity", "Qty")
    return_details_labels: Words = (
        "Faulty or other details",
        "Other details",
        "Details",
        "Comments",
        "Comment",
    )
    return_request_sent_words: Words = (
        "return request",
        "request has been sent",
        "thank you for submitting",
        "has been received",
        "we have received your return",
    )
    preferred_reason_pattern: str = r"no longer needed|no longer wanted|changed my mind|other"
    # A reason option that is a prompt, not a reason.
    placeholder_option_pattern: str = r"^\W*(select|choose|please select|please choose)\b|^\W*$"
    mail_method: Words = ("Mail", "Ship", "Prepaid label", "Return by mail")
    drop_off_method: Words = (
        "Drop off",
        "Drop-off",
        "In store",
        "In-store",
        "Store",
        "Locker",
        "Pick up",
        "Pickup",
        "Collection",
    )
    return_submit: Words = (
        "Continue",
        "Submit",
        "Submit Return",
        "Submit Return Request",
        "Request Return",
        "Confirm",
    )
    review_confirm: Words = ("Confirm", "Confirm Return")
    # e.g. "Return Authorization: RA-123456", "RMA: R1234567" -> group 1 is the return number.
    return_number_pattern: str = (
        r"(?:\breturn\s*(?:authori[sz]ation|number|id|#)|\bRMA\b)" + _REFERENCE_INTRO + _REFERENCE
    )
    label_links: Words = (
        "Print Return Label",
        "Download Return Label",
        "Print Label",
        "Download Label",
    )


@dataclass(frozen=True)
class ChatWords:
    """Part 6 of the contract, the live chat: launcher, frame, pre-chat form, outcome."""

    # The launcher's name, visible or only its aria-label: "Chat with us", "Need help? Chat".
    chat_launchers: Words = ("Chat", "Live Chat", "Chat with us", "Chat now")
    # The chat frame's title (or the name of the region holding it).
    chat_frames: Words = ("Chat", "Live Chat", "Messaging", "Support chat")
    chat_name_labels: Words = ("Name", "Your name", "Full Name")
    chat_email_labels: Words = ("Email", "Email Address", "E-mail")
    chat_order_labels: Words = ("Order number", "Order Number", "Order #", "Order ID", "Order")
    chat_topic_labels: Words = ("Topic", "Subject", "How can we help?")
    chat_start: Words = ("Start chat", "Start Chat", "Chat now", "Start", "Begin")
    chat_message_labels: Words = ("Type your message", "Message", "Write a message", "Reply")
    chat_send: Words = ("Send",)
    # How the shopper's own lines start in the conversation ("You: ...").
    chat_own_speaker: Words = ("You", "Me")
    # The shop says the order is cancelled (read only in the shop's lines, never "cannot").
    chat_cancelled_pattern: str = (
        r"\b(?:has|have|is|was)\s+(?:now\s+|just\s+)?(?:been\s+)?cancell?ed\b"
        r"|\bi(?:'ve|\s+have)\s+(?:now\s+|just\s+)?cancell?ed\b"
    )
    # It says it will not or cannot: then nothing was done.
    chat_refusal_pattern: str = (
        r"\b(?:can\s*not|can't|cannot|could\s*not|couldn't|unable|no\s+longer|sorry)\b"
    )
    # A hand-over: someone else answers later; the agent keeps waiting for that answer.
    chat_handover: Words = (
        "connect you",
        "transfer you",
        "member of our team",
        "an agent will",
        "please hold",
        "please wait",
    )
    # Leaves the conversation shown (about another order) for a new one.
    chat_new: Words = ("Start a new chat", "New chat", "New conversation", "Start new chat",
                       "Start a new conversation")  # fmt: skip
    # Puts the open chat away (the launcher opens it again).
    chat_minimise: Words = ("Minimise", "Minimize", "Minimise chat", "Minimize chat", "Hide chat",
                            "Close chat")  # fmt: skip
    # No live chat now: the widget offers to take a message instead.
    chat_away: Words = (
        "We're away",
        "We are away",
        "Leave a message",
        "currently offline",
        "outside our hours",
        "we're closed",
    )


@dataclass(frozen=True)
class RefundWords:
    """Part 7, a return followed to its refund (not in the contract's first six parts)."""

    # The carrier's tracking number of the parcel going back, next to one of these labels
    # on the order or return page ("Return Tracking Number: 1Z…"), or printed on the label.
    return_tracking_labels: Words = (
        "Return Tracking",
        "Return Tracking Number",
        "Return Tracking #",
        "Return Tracking No.",
        "Return Shipment Tracking",
    )
    # A started return's status words that say its parcel is on the way back, and a
    # returned order's words that say it was refunded (its amount may not be shown).
    return_in_transit_words: Words = (
        "Return in Transit",
        "Return Shipped",
        "Return on its way",
        "Return on the way",
    )
    refunded_words: Words = (
        "Refunded",
        "Refund Issued",
        "Refund Complete",
        "Refund Completed",
        "Refund Processed",
        "Fully Refunded",
    )
    # On the label PDF: "UPS Tracking Number: 1Z…", "Tracking #: …" -> group 1.
    label_tracking_pattern: str = (
        r"\btracking\s*(?:number|no\.?|#|id)?\s*[:#]?\s*"
        r"((?=[A-Za-z-]*[0-9])[A-Za-z0-9][A-Za-z0-9-]{6,}[A-Za-z0-9])"
    )
    # The refund and its amount: "Refunded $426.00 to your Visa", "Refund of £426.00 issued",
    # an order-totals line "Total Refunded: $426.00" or "Refund: -$426.00" -> group 1.
    refund_pattern: str = (
        r"\b(?:(?:total|amount)\s+refunded|refunded(?:\s+amount)?|refund(?:ed)?"
        r"(?:\s+(?:of|total|amount|issued))?)\s*(?:of\s+)?[:\-\u2013]?\s*-?\s*"
        r"((?:[$£€]|USD|GBP|EUR)\s?\d[\d,]*(?:\.\d{2})?)"
    )


@dataclass(frozen=True)
class Vocabulary(
    RefundWords, ChatWords, ReturnWords, ContactWords, OrderWords, SignInWords, EntryWords
):
    """The contract's words: one part per section of the contract (its fields in the
    contract's order: dataclass fields are collected from the last base to the first)."""

    def status_of(self, raw: str) -> OrderStatus:
        return canonical_status(raw, self)


DEFAULT_VOCABULARY = Vocabulary()


def _normalise(text: str) -> str:
    text = text.casefold().replace("&", " and ")
    return " ".join(re.sub(r"[^\w#]+", " ", text).split())


@dataclass(frozen=True)
class StatusReading:
    """What one status text says: the statuses named in it and the agreeing words' sets."""

    raw: str
    statuses: frozenset[OrderStatus]
    agrees: tuple[frozenset[OrderStatus], ...]

    @property
    def says_anything(self) -> bool:
        return bool(self.statuses or self.agrees)


def read_status_text(raw: str, vocabulary: Vocabulary = DEFAULT_VOCABULARY) -> StatusReading:
    """The known status phrases in ``raw``, as whole words, longest first, not overlapping.

    A text of more than ``STATUS_TEXT_MAX_WORDS`` words is a sentence: it says nothing.
    """
    words = _normalise(raw).split()
    if not words or len(words) > STATUS_TEXT_MAX_WORDS:
        return StatusReading(raw, frozenset(), ())
    table: dict[tuple[str, ...], OrderStatus | frozenset[OrderStatus]] = {}
    for word, agreed in vocabulary.agreeing_status_words.items():
        table[tuple(_normalise(word).split())] = frozenset(agreed)
    for word, status in vocabulary.status_words.items():
        table[tuple(_normalise(word).split())] = status
    taken = [False] * len(words)
    statuses: set[OrderStatus] = set()
    agrees: list[frozenset[OrderStatus]] = []
    for phrase in sorted((p for p in table if p), key=len, reverse=True):
        size = len(phrase)
        for at in range(len(words) - size + 1):
            if tuple(words[at : at + size]) != phrase or any(taken[at : at + size]):
                continue
            taken[at : at + size] = [True] * size
            meaning = table[phrase]
            if isinstance(meaning, frozenset):
                agrees.append(meaning)
            else:
                statuses.add(meaning)
    return StatusReading(raw, frozenset(statuses), tuple(agrees))


def _pair(first: OrderStatus, second: OrderStatus) -> OrderStatus:
    if first is second:
        return first
    if OrderStatus.CANCELLED in (first, second):
        return OrderStatus.CANCELLED
    return STATUS_PAIRS.get(frozenset({first, second}), OrderStatus.UNKNOWN)


def combined_status(readings: list[StatusReading]) -> OrderStatus:
    """The one status several status texts say together (see ``STATUS_PAIRS``).

    Within one text, two statuses that disagree are unknown; across texts (a
    shipment's badge and an order's) the table settles them, or they are unknown.
    """
    result: OrderStatus | None = None
    agrees: list[frozenset[OrderStatus]] = []
    for reading in readings:
        # A text that names no status ("On hold" beside "Shipped") leaves it open.
        if not reading.says_anything:
            return OrderStatus.UNKNOWN
        if len(reading.statuses) > 1 or OrderStatus.UNKNOWN in reading.statuses:
            return OrderStatus.UNKNOWN
        agrees.extend(reading.agrees)
        for status in reading.statuses:
            result = status if result is None else _pair(result, status)
            if result is OrderStatus.UNKNOWN:
                return result
    if result is None:
        return OrderStatus.UNKNOWN
    if any(result not in agreed for agreed in agrees):
        return OrderStatus.UNKNOWN
    return result


def canonical_status(raw: str, vocabulary: Vocabulary = DEFAULT_VOCABULARY) -> OrderStatus:
    """The canonical status a short status text means; ``UNKNOWN`` for any other text.

    The text must hold exactly one known status phrase, as whole words ("Delivered on
    3 March", "Order status: Being processed"). Two that disagree ("Shipped -
    Cancelled"), none ("On Hold"), a phrase that means something else ("Payment
    pending", "Partially shipped") or a whole sentence: a person must look.
    """
    return combined_status([read_status_text(raw, vocabulary)])
