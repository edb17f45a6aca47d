"""Every word of the retailer contract, in one overridable table.

The contract (``shared/retailer-contract.md``) names what a person sees on any
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
from types import MappingProxyType

from agent.models import OrderStatus

Words = tuple[str, ...]

# woob-style: one table from the raw words a site shows to the canonical status.
CONTRACT_STATUS_WORDS: Mapping[str, OrderStatus] = MappingProxyType(
    {
        "processing": OrderStatus.PROCESSING,
        "pending": OrderStatus.PROCESSING,
        "order placed": OrderStatus.PROCESSING,
        "order received": OrderStatus.PROCESSING,
        "preparing": OrderStatus.PROCESSING,
        "shipped": OrderStatus.SHIPPED,
        "in transit": OrderStatus.SHIPPED,
        "dispatched": OrderStatus.SHIPPED,
        "out for delivery": OrderStatus.SHIPPED,
        "delivered": OrderStatus.DELIVERED,
        "cancelled": OrderStatus.CANCELLED,
        "canceled": OrderStatus.CANCELLED,
        "return started": OrderStatus.RETURN_STARTED,
        "return requested": OrderStatus.RETURN_STARTED,
        "return initiated": OrderStatus.RETURN_STARTED,
        "return in progress": OrderStatus.RETURN_STARTED,
        "returned": OrderStatus.RETURNED,
        "return received": OrderStatus.RETURNED,
        "refunded": OrderStatus.RETURNED,
        "return complete": OrderStatus.RETURNED,
    }
)

# A reference is letters, digits and dashes; requiring a digit keeps ordinary words
# ("Your request has been received") from being read as one.
# What may stand between "case"/"RMA" and the reference: "number is", "No.:", "#", "ID:".
_REFERENCE_INTRO = r"(?:\s*(?:number|no|#|id))?\.?(?:\s+is)?\s*[:#]?\s*"
_REFERENCE = r"((?=[A-Za-z-]*[0-9])[A-Za-z0-9][A-Za-z0-9-]*[A-Za-z0-9]|[0-9])"


@dataclass(frozen=True)
class Vocabulary:
    """The contract's words. Field order follows the contract's sections."""

    # 1. Entry and interruptions
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

    # 2. Signing in
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

    # 3. Orders and status
    order_list_links: Words = ("Order History", "My Orders", "Orders", "Order Status")
    # How an order link names its order; "{number}" stands for the number as shown.
    order_link_formats: Words = (
        "Order #{number}",
        "Order No. {number}",
        "View order {number}",
        "{number}",
    )
    status_labels: Words = ("Order Status", "Status")
    status_words: Mapping[str, OrderStatus] = field(default_factory=lambda: CONTRACT_STATUS_WORDS)
    tracking_labels: Words = ("Tracking", "Tracking Number", "Tracking #")
    final_sale: Words = ("Final Sale",)

    # 4. Requesting a cancellation
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
    contact_email_labels: Words = ("Email", "Email Address")
    name_labels: Words = ("Name", "Full Name")
    first_name_labels: Words = ("First Name",)
    last_name_labels: Words = ("Last Name",)
    message_labels: Words = ("Message", "Comments", "Details", "Your Message", "How can we help?")
    contact_submit: Words = ("Submit", "Send", "Send Message")
    # e.g. "Thanks! Your case number is CS-482913." -> group 1 is the reference.
    confirmation_pattern: str = (
        r"\b(?:case|reference|ticket|request)\b" + _REFERENCE_INTRO + _REFERENCE
    )
    support_request_pages: Words = ("Support Requests", "My Cases", "My Requests", "Messages")

    # 5. Starting a return
    return_entry: Words = (
        "Start a Return",
        "Return Items",
        "Return Item",
        "Request a Return",
        "Return",
    )
    return_reason_labels: Words = ("Reason",)
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

    def status_of(self, raw: str) -> OrderStatus:
        return canonical_status(raw, self)


DEFAULT_VOCABULARY = Vocabulary()


def _normalise(text: str) -> str:
    return " ".join(re.sub(r"[^\w#]+", " ", text.casefold()).split())


def canonical_status(raw: str, vocabulary: Vocabulary = DEFAULT_VOCABULARY) -> OrderStatus:
    """The canonical status a site's status words mean; ``UNKNOWN`` for any other word.

    The whole value is looked up first; failing that, a table word that *starts* the
    value ("Delivered on 3 March") decides, longest word first so that "Return
    Received" is not read as "Return". Words inside the value ("On Hold - payment
    pending") do not count: a status the contract does not name must reach a person.
    """
    wanted = _normalise(raw)
    table = {_normalise(word): status for word, status in vocabulary.status_words.items()}
    if wanted in table:
        return table[wanted]
    for word in sorted(table, key=len, reverse=True):
        if word and (wanted.startswith(word + " ")):
            return table[word]
    return OrderStatus.UNKNOWN
