"""The recognition rules against names real shops show (no browser).

Every row: the name as a shop platform's own template renders it, the step it is
read for, whether it must be taken for that step, and where the name comes from.
The same rows are listed in docs/shops.md, "Names seen on real shops". Every row
is checked twice: by ``fit`` (Python) and by ``name_pattern`` (the regex Playwright
runs in the page), so that the two never disagree.
"""

from __future__ import annotations

import re

import pytest

from flows.recognition import Fit, Step, fit, name_pattern
from flows.vocabulary import (
    DEFAULT_VOCABULARY,
    canonical_status,
    combined_status,
    read_status_text,
)
from ordercore.models import OrderStatus

V = DEFAULT_VOCABULARY

# (name, phrases, step, taken, source)
NAMES: list[tuple[str, tuple[str, ...], Step, bool, str]] = [
    # -- the way in to signing in ---------------------------------------------------------
    ("Log in", V.sign_in_entry, Step.SIGN_IN, True, "Shopify Dawn locales customer.log_in"),
    ("Sign in", V.sign_in_entry, Step.SIGN_IN, True, "PrestaShop ps_customersignin"),
    ("Sign In", V.sign_in_entry, Step.SIGN_IN, True, "Magento Customer i18n 'Sign In'"),
    ("Sign in", V.sign_in_entry, Step.SIGN_IN, True, "BigCommerce Cornerstone common.login"),
    ("Login or register", V.sign_in_entry, Step.SIGN_IN, True, "django-oscar nav_accounts"),
    ("Sign In / Register", V.sign_in_entry, Step.SIGN_IN, True, "SAP Spartacus miniLogin"),
    ("Login", V.sign_in_entry, Step.SIGN_IN, True, "WooCommerce form-login heading"),
    ("Log in for pricing", V.sign_in_entry, Step.SIGN_IN, True, "Cornerstone login_for_pricing"),
    ("Log in here", V.sign_in_entry, Step.SIGN_IN, True, "Dawn password_page admin link"),
    (
        "Log in to your customer account",
        V.sign_in_entry,
        Step.SIGN_IN,
        True,
        "PrestaShop Shop.Theme.Customeraccount title",
    ),
    ("Hello, sign in", V.sign_in_entry, Step.SIGN_IN, True, "issue #10 (a large marketplace)"),
    ("Sign in / Create account", V.sign_in_entry, Step.SIGN_IN, True, "contract section 6"),
    ("Signin", V.sign_in_entry, Step.SIGN_IN, True, "one-word spelling (SFRA route name)"),
    (
        "Login to proceed to checkout",
        V.sign_in_entry,
        Step.SIGN_IN,
        False,
        "Cornerstone cart.login_to_checkout (checkout intent)",
    ),
    ("Sign in with Google", V.sign_in_entry, Step.SIGN_IN, False, "third-party sign-in"),
    ("Login with Facebook", V.sign_in_entry, Step.SIGN_IN, False, "third-party sign-in"),
    ("Sign in with Amazon", V.sign_in_entry, Step.SIGN_IN, False, "third-party sign-in"),
    ("Sign in with Shop", V.sign_in_entry, Step.SIGN_IN, False, "Shopify customer accounts"),
    ("Sign out", V.sign_in_entry, Step.SIGN_IN, False, "Magento/PrestaShop 'Sign out'"),
    ("Forgot your password?", V.sign_in_entry, Step.SIGN_IN, False, "Dawn forgot_password"),
    ("Create account", V.sign_in_entry, Step.SIGN_IN, False, "Dawn login_page.create_account"),
    ("Register", V.sign_in_entry, Step.SIGN_IN, False, "WooCommerce form-login register"),
    ("Sign up", V.sign_in_entry, Step.SIGN_IN, False, "common register wording"),
    ("Designer index", V.sign_in_entry, Step.SIGN_IN, False, "'sign' inside a word"),
    # -- the sign-in form's submit control ---------------------------------------------------
    ("Sign in", V.sign_in_submit, Step.SIGN_IN, True, "Dawn login_page.sign_in"),
    ("Log in", V.sign_in_submit, Step.SIGN_IN, True, "WooCommerce form-login button"),
    ("Login", V.sign_in_submit, Step.SIGN_IN, True, "WooCommerce 2.x input value"),
    ("Log In", V.sign_in_submit, Step.SIGN_IN, True, "django-oscar login form"),
    ("Continue", V.sign_in_submit, Step.SIGN_IN, True, "Dawn login_page.guest_continue"),
    ("Continue with Apple", V.sign_in_submit, Step.SIGN_IN, False, "third-party sign-in"),
    ("Continue shopping", V.sign_in_submit, Step.SIGN_IN, False, "Dawn continue_shopping"),
    ("Continue as a guest", V.sign_in_submit, Step.SIGN_IN, False, "Dawn guest_title"),
    ("Subscribe", V.sign_in_submit, Step.SIGN_IN, False, "Dawn newsletter.button_label"),
    # -- signed in ------------------------------------------------------------------------
    ("Log out", V.sign_out, Step.SIGN_OUT, True, "Dawn customer.log_out"),
    ("Logout", V.sign_out, Step.SIGN_OUT, True, "WooCommerce account menu"),
    ("Logout", V.sign_out, Step.SIGN_OUT, True, "django-oscar nav_accounts"),
    ("Sign Out", V.sign_out, Step.SIGN_OUT, True, "Magento Customer i18n"),
    ("Sign out", V.sign_out, Step.SIGN_OUT, True, "Cornerstone common.logout"),
    ("Account", V.account_menu, Step.ACCOUNT, True, "Dawn customer.account_fallback"),
    ("Account", V.account_menu, Step.ACCOUNT, True, "django-oscar nav_accounts"),
    ("My Account", V.account_menu, Step.ACCOUNT, True, "Magento Customer i18n"),
    ("Account details", V.account_menu, Step.ACCOUNT, True, "WooCommerce edit-account"),
    ("Your Account", V.account_menu, Step.ACCOUNT, True, "Cornerstone account.breadcrumb"),
    ("View my customer account", V.account_menu, Step.ACCOUNT, True, "PrestaShop title"),
    ("Create account", V.account_menu, Step.ACCOUNT, False, "Dawn register.title"),
    ("Create an Account", V.account_menu, Step.ACCOUNT, False, "Magento header link"),
    (
        "Create New Customer Account",
        V.account_menu,
        Step.ACCOUNT,
        False,
        "Magento Customer i18n",
    ),
    ("Activate account", V.account_menu, Step.ACCOUNT, True, "Dawn (names the account)"),
    # -- orders -----------------------------------------------------------------------------
    ("Orders", V.order_list_links, Step.ORDERS, True, "WooCommerce account menu"),
    ("Orders", V.order_list_links, Step.ORDERS, True, "Cornerstone account.nav.orders"),
    ("My Orders", V.order_list_links, Step.ORDERS, True, "Magento Luma account nav"),
    ("Order history", V.order_list_links, Step.ORDERS, True, "Dawn customer.orders.title"),
    (
        "Order history and details",
        V.order_list_links,
        Step.ORDERS,
        True,
        "PrestaShop classic my-account",
    ),
    ("View your order history", V.order_list_links, Step.ORDERS, True, "OpenCart account"),
    ("My Orders & Returns", V.order_list_links, Step.ORDERS, True, "contract section 6"),
    ("Order tracking", V.order_list_links, Step.ORDERS, False, "PrestaShop guest tracking"),
    ("Reorder", V.order_list_links, Step.ORDERS, False, "Cornerstone details.reorder"),
    ("Order #1001", V.order_list_links, Step.ORDERS, False, "Cornerstone order heading"),
    (
        "Complimentary shipping on orders over $75",
        V.order_list_links,
        Step.ORDERS,
        False,
        "an offer banner (fixture shop)",
    ),
    # -- help and contact ----------------------------------------------------------------------
    ("Contact Us", V.contact_links, Step.HELP, True, "Magento Luma footer"),
    ("Contact us", V.contact_links, Step.HELP, True, "PrestaShop classic footer"),
    ("Contact form", V.contact_links, Step.HELP, True, "Dawn templates.contact.form.title"),
    ("Contact us | Help centre", V.contact_links, Step.HELP, True, "contract section 6"),
    ("Contact information", V.contact_links, Step.HELP, False, "Shopify checkout section"),
    ("Contact preferences", V.contact_links, Step.HELP, False, "account settings pages"),
    ("Customer service", V.customer_service_links, Step.HELP, True, "PrestaShop contact"),
    ("Help", V.customer_service_links, Step.HELP, True, "common footer link"),
    # -- form fields ----------------------------------------------------------------------------
    ("Email", V.email_labels, Step.EMAIL, True, "Dawn login_page.email"),
    ("Email address", V.email_labels, Step.EMAIL, True, "django-oscar / Spartacus label"),
    ("Email Address:", V.email_labels, Step.EMAIL, True, "Cornerstone login.field_email"),
    (
        "Username or email address *",
        V.email_labels,
        Step.EMAIL,
        True,
        "WooCommerce form-login",
    ),
    ("Confirm email", V.email_labels, Step.EMAIL, False, "register forms"),
    ("Password", V.password_labels, Step.PASSWORD, True, "Dawn / WooCommerce"),
    ("Password:", V.password_labels, Step.PASSWORD, True, "Cornerstone login.field_password"),
    ("Your password", V.password_labels, Step.PASSWORD, True, "Dawn password placeholder"),
    ("Confirm password", V.password_labels, Step.PASSWORD, False, "Dawn password_confirm"),
    ("Name", V.name_labels, Step.FULL_NAME, True, "Dawn contact.form.name"),
    ("First name", V.name_labels, Step.FULL_NAME, False, "Dawn register.first_name"),
    ("Last name", V.name_labels, Step.FULL_NAME, False, "Dawn register.last_name"),
    ("First name", V.first_name_labels, Step.FIELD, True, "Dawn register.first_name"),
    ("Last name", V.last_name_labels, Step.FIELD, True, "Dawn register.last_name"),
    ("Comment", V.message_labels, Step.FIELD, True, "Dawn contact.form.comment"),
    ("Message", V.message_labels, Step.FIELD, True, "PrestaShop contact form"),
    ("What’s on your mind?", V.message_labels, Step.FIELD, True, "Magento Luma contact form"),
    ("Comments", V.message_labels, Step.FIELD, True, "Cornerstone orders.return.comments"),
    ("Subject Heading", V.topic_labels, Step.FIELD, True, "PrestaShop contact form"),
    ("Subject", V.topic_labels, Step.FIELD, True, "Magento Customer i18n"),
    ("Order reference", V.order_number_labels, Step.FIELD, True, "PrestaShop contact form"),
    ("Order #", V.order_number_labels, Step.FIELD, True, "Magento Customer i18n"),
    ("Order Total", V.order_number_labels, Step.FIELD, False, "Magento Customer i18n"),
    ("Order date:", V.order_number_labels, Step.FIELD, False, "Cornerstone payment_date"),
    ("Send", V.contact_submit, Step.SUBMIT, True, "Dawn contact.form.send"),
    ("Submit", V.contact_submit, Step.SUBMIT, True, "Cornerstone common.form_submit"),
    ("Subscribe", V.contact_submit, Step.SUBMIT, False, "Dawn newsletter.button_label"),
    ("Post comment", V.contact_submit, Step.SUBMIT, False, "Dawn blogs.article.post"),
    # -- returns and labels ---------------------------------------------------------------------
    ("Return", V.return_entry, Step.RETURN, True, "Cornerstone orders.return_item"),
    ("Return Items?", V.return_entry, Step.RETURN, True, "Cornerstone orders.return_items"),
    (
        "Request a return for this order",
        V.return_entry,
        Step.RETURN,
        True,
        "contract section 6",
    ),
    ("Returns", V.return_entry, Step.RETURN, False, "Cornerstone account.nav.returns"),
    (
        "Return to Account details",
        V.return_entry,
        Step.RETURN,
        False,
        "Dawn customer.account.return",
    ),
    ("Returns Policy", V.return_entry, Step.RETURN, False, "fixture shop footer"),
    ("Download Return Label", V.return_entry, Step.RETURN, False, "contract section 5 label"),
    ("Return status", V.return_entry, Step.RETURN, False, "account return pages"),
    ("Print Return Label (PDF)", V.label_links, Step.ORDER, True, "contract section 5"),
    ("Track shipment", V.label_links, Step.ORDER, False, "Dawn order.track_shipment"),
]


@pytest.mark.parametrize(
    ("name", "phrases", "step", "taken", "source"),
    NAMES,
    ids=[f"{row[2].value}:{row[0]}" for row in NAMES],
)
def test_real_names_are_taken_or_left_by_their_step(
    name: str, phrases: tuple[str, ...], step: Step, taken: bool, source: str
):
    assert (fit(name, phrases, step) is not None) is taken, source
    # The regex Playwright evaluates in the page says the same.
    assert bool(name_pattern(phrases, step).search(name)) is taken, source


def test_there_are_at_least_sixty_real_world_names():
    assert len({(row[0], row[2]) for row in NAMES}) >= 60


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("Sign in", Fit.WHOLE),
        (" LOG IN » ", Fit.WHOLE),
        ("Login or register", Fit.START),
        ("Sign in / Create account", Fit.START),
        ("Hello, sign in", Fit.INSIDE),
        ("Log in to your customer account", Fit.START),
        ("Sign in with Google", None),
    ],
)
def test_whole_names_rank_before_starts_before_insides(name: str, expected: Fit | None):
    assert fit(name, V.sign_in_entry, Step.SIGN_IN) == expected


def test_and_and_ampersand_are_the_same_word():
    phrases = ("Orders and Returns",)
    assert fit("My Orders & Returns", phrases) is Fit.INSIDE
    assert name_pattern(phrases).search("Orders & Returns")
    assert name_pattern(("Orders & Returns",)).search("orders and returns")


def test_patterns_use_only_what_javascript_regexes_understand():
    for phrases, step in ((V.sign_in_entry, Step.SIGN_IN), (V.account_menu, Step.ACCOUNT)):
        source = name_pattern(phrases, step).pattern
        assert "(?P<" not in source and "(?i" not in source and r"\Z" not in source
        assert not re.search(r"\(\?[aiLmsux]", source)


# (raw words, canonical, source)
STATUSES: list[tuple[str, OrderStatus, str]] = [
    ("Processing", OrderStatus.PROCESSING, "WooCommerce wc-processing"),
    ("Pending payment", OrderStatus.UNKNOWN, "WooCommerce wc-pending"),
    ("On hold", OrderStatus.UNKNOWN, "WooCommerce wc-on-hold"),
    ("Completed", OrderStatus.UNKNOWN, "WooCommerce wc-completed: shipped or delivered"),
    ("Cancelled", OrderStatus.CANCELLED, "WooCommerce wc-cancelled"),
    ("Refunded", OrderStatus.RETURNED, "WooCommerce wc-refunded"),
    ("Failed", OrderStatus.UNKNOWN, "WooCommerce wc-failed"),
    ("Pending", OrderStatus.PROCESSING, "Magento order status"),
    ("Complete", OrderStatus.UNKNOWN, "Magento order status"),
    ("Closed", OrderStatus.UNKNOWN, "Magento order status (refunded)"),
    ("Canceled", OrderStatus.CANCELLED, "Magento order status"),
    ("Suspected Fraud", OrderStatus.UNKNOWN, "Magento order status"),
    ("Awaiting check payment", OrderStatus.UNKNOWN, "PrestaShop order state"),
    ("Payment accepted", OrderStatus.UNKNOWN, "PrestaShop order state (alone)"),
    ("Processing in progress", OrderStatus.PROCESSING, "PrestaShop order state"),
    ("Shipped", OrderStatus.SHIPPED, "PrestaShop order state"),
    ("Delivered", OrderStatus.DELIVERED, "PrestaShop order state"),
    ("Awaiting Fulfillment", OrderStatus.PROCESSING, "BigCommerce order status"),
    ("Awaiting Shipment", OrderStatus.PROCESSING, "BigCommerce order status"),
    ("Partially Shipped", OrderStatus.UNKNOWN, "BigCommerce order status"),
    ("Awaiting Pickup", OrderStatus.UNKNOWN, "BigCommerce order status"),
    ("Being processed", OrderStatus.PROCESSING, "django-oscar sandbox pipeline"),
    ("Unfulfilled", OrderStatus.PROCESSING, "Shopify fulfillment status / Saleor"),
    ("Fulfilled", OrderStatus.SHIPPED, "Shopify fulfillment status / Saleor"),
    ("Partially fulfilled", OrderStatus.UNKNOWN, "Shopify / Saleor"),
    ("Returned", OrderStatus.RETURNED, "Saleor order status"),
    ("Partially refunded", OrderStatus.UNKNOWN, "Shopify payment status"),
    ("Paid", OrderStatus.UNKNOWN, "Shopify payment status (alone)"),
    ("Out for delivery", OrderStatus.SHIPPED, "carrier wording"),
    ("On its way", OrderStatus.SHIPPED, "Shopify shipping notification"),
    ("Delivered on 3 March 2025", OrderStatus.DELIVERED, "dated status"),
    ("Order status: Being processed", OrderStatus.PROCESSING, "label inside the text"),
    ("Shipped - Cancelled", OrderStatus.UNKNOWN, "two statuses that disagree"),
    ("Returned to sender", OrderStatus.UNKNOWN, "a parcel, not a customer return"),
]


@pytest.mark.parametrize(("raw", "expected", "source"), STATUSES, ids=[s[0] for s in STATUSES])
def test_real_status_words_map_to_one_status_or_unknown(
    raw: str, expected: OrderStatus, source: str
):
    assert canonical_status(raw) is expected, source


@pytest.mark.parametrize(
    ("texts", "expected"),
    [
        (("Shipped", "Processing"), OrderStatus.SHIPPED),
        (("Delivered", "Completed"), OrderStatus.DELIVERED),
        (("Processing", "Canceled"), OrderStatus.CANCELLED),
        (("Paid", "Cancelled"), OrderStatus.CANCELLED),
        (("Fulfilled", "Paid"), OrderStatus.SHIPPED),
        (("Unfulfilled", "Paid"), OrderStatus.PROCESSING),
        (("Delivered", "Return Requested"), OrderStatus.RETURN_STARTED),
        (("Processing", "Completed"), OrderStatus.UNKNOWN),
        (("Shipped", "On hold"), OrderStatus.UNKNOWN),
        (("Partially fulfilled", "Paid"), OrderStatus.UNKNOWN),
        (("Returned", "Processing"), OrderStatus.UNKNOWN),
        (("Paid",), OrderStatus.UNKNOWN),
    ],
)
def test_several_statuses_are_combined_by_the_one_table(
    texts: tuple[str, ...], expected: OrderStatus
):
    assert combined_status([read_status_text(text) for text in texts]) is expected
