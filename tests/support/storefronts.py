"""Storefront variants made of the contract's other words and layouts, written out once.

Two families: a sparse store (cards, one Name field, a label in a new tab) and a store
with URL paths of its own (a ``blob:`` label, First + Last Name). Each variant a test
mounts is its family's words plus the few it changes, so the shop, flow and agent
tests between them still meet every alternative they met before.
"""

from __future__ import annotations

from dataclasses import replace

from fixtures.regions import US, US_STATUS_WORDS, Paths, Region

# -- the sparse family: "Login", "Orders" as cards, a single Name field, "Print Label" ------
SPARSE = replace(
    US,
    sign_in_link="Login",
    email_label="Email",
    sign_in_submit="Continue",
    submit_control="input",
    code_label="One-time code",
    sign_out="Logout",
    sign_out_control="link",
    order_list_link="Orders",
    order_list_layout="cards",
    order_number_prefix="",
    order_link_format="Order No. {number}",
    status_label="Status",
    status_layout="table",
    tracking_label="Tracking #",
    contact_link="Contact",
    contact_placement="help_page",
    help_page_link="Help",
    topic_label="Subject",
    cancel_option="Cancel My Order",
    contact_email_label="Email",
    name_layout="single",
    name_label="Name",
    message_label="Comments",
    contact_submit="Send",
    support_page="My Requests",
    return_entry_control="button",
    review_step=False,
    label_link="Print Label",
    label_style="new_tab",
    promo_close="Maybe later",
    promo_close_text="Maybe later",
)
# ... with an "Account" menu, the return form revealed in place, promotions on every page.
SPARSE_INLINE = replace(
    SPARSE,
    account_menu="Account",
    code_submit="Continue",
    case_confirmation="Your ticket #{case} is open.",
    return_placement="inline",
    method_choice=False,
    return_submit="Submit Return",
    return_confirmation="Your return number is {rma}.",
    promo_repeat=True,
)

# -- the family with paths of its own: "Sign in / Register", "KR-" numbers, a blob label ----
OWN_PATHS = replace(
    US,
    account_menu="My Account",
    sign_in_link="Sign in / Register",
    email_label="E-mail",
    sign_in_submit="Login",
    sign_out="Log Out",
    order_list_link="Order Status",
    order_number_prefix="KR-",
    status_layout="text",
    tracking_label="Tracking",
    contact_placement="help_page",
    help_page_link="Customer Care",
    topic_label="How can we help?",
    cancel_option="Order Cancellation",
    message_label="Details",
    contact_submit="Send Message",
    case_confirmation="Request ID: {case}",
    support_page="Messages",
    return_entry="Request a Return",
    show_quantity=True,
    return_submit="Request Return",
    review_confirm="Confirm",
    return_confirmation="Return ID: {rma}",
    label_link="Download Label",
    label_style="blob",
    promo_close="Dismiss",
    promo_close_text="Dismiss",
)

# -- the agent's variants (tests/agent): every status word of the contract between them ----
AGENT_VARIANTS: dict[str, Region] = {
    "va": replace(
        SPARSE_INLINE,
        prefix="va",
        status_words={
            **US_STATUS_WORDS,
            "processing": "Preparing",
            "return_started": "Return Initiated",
            "returned": "Return Complete",
        },
        contact_order_label="Order ID",
        return_entry="Return Items",
        cookie_accept="I Agree",
    ),
    "vb": replace(
        OWN_PATHS,
        prefix="vb",
        paths=Paths(
            sign_in="/signin",
            two_step="/signin/code",
            sign_out="/signout",
            account="/me",
            orders="/me/purchases",
            order="/me/purchases/view?id={order}",
            order_return="/me/purchases/send-back?id={order}",
            label="/me/labels/{rma}",
            contact="/help/write-to-us",
            help="/help",
            cases="/me/messages",
            info="/about/{slug}",
        ),
        code_label="Security Code",
        code_submit="Submit",
        order_link_format="View order {number}",
        status_words={
            **US_STATUS_WORDS,
            "processing": "Pending",
            "placed": "Order Received",
            "return_started": "Return in Progress",
            "returned": "Returned",
            "cancelled": "Cancelled",
        },
        contact_order_label="Order #",
        first_name_label="First Name",
        last_name_label="Last Name",
        reason_options=("Too small", "No longer wanted"),
        cookie_accept="OK",
    ),
}

# -- the flows' variants (tests/flows): the whole journey on each ---------------------------
FLOW_VARIANTS: dict[str, Region] = {
    "alt1": replace(
        SPARSE_INLINE,
        prefix="alt1",
        sign_in_entry="button",
        contact_order_label="Order No.",
        return_entry="Return",
        cookie_accept="Got it",
    ),
    "alt2": replace(
        OWN_PATHS,
        prefix="alt2",
        code_label="Authentication code",
        code_submit="Verify",
        order_link_format="{number}",
        status_label="Order Status",
        contact_order_label="Order ID",
        reason_options=("Wrong colour", "No longer wanted"),
        cookie_accept="I Agree",
    ),
    "alt3": replace(
        US,
        prefix="alt3",
        sign_in_link="Log In",
        sign_in_submit="Log In",
        code_label="Security Code",
        code_submit="Submit",
        order_list_link="My Orders",
        status_label="Status",
        topic_label="Reason",
        contact_order_label="Order #",
        message_label="How can we help?",
        case_confirmation="Case: {case}",
        return_entry="Return Item",
        return_submit="Submit",
        review_confirm="Confirm Return",
        reason_options=("Too big", "Faulty"),
        reason_required=False,
        mail_method="Ship it back with a prepaid label",
        dropoff_method="Drop off at a parcel locker",
        return_confirmation="Return #{rma}",
        label_link="Print Return Label",
        cookie_accept="Accept All",
        cookie_other="Reject All",
        promo_close="No, thanks",
        promo_close_text="No, thanks",
    ),
}

# -- the shop's own end-to-end variant (tests/shop): a sign-in button, "T-" tickets --------
SHOP_SPARSE = replace(
    SPARSE,
    prefix="v1",
    sign_in_entry="button",
    code_submit="Submit",
    order_heading_format="Order No. {number}",
    status_words={
        **US.status_words,
        "processing": "Preparing",
        "return_started": "Return Initiated",
    },
    contact_order_label="Order ID",
    case_prefix="T-",
    case_confirmation="Request received. Your ticket #: {case}",
    return_entry="Request a Return",
    return_submit="Submit Return Request",
    reason_required=False,
    show_quantity=True,
    mail_method="Prepaid label",
    dropoff_method="Drop off at a store",
    return_confirmation="Return number {rma}",
    cookie_accept="I Agree",
)

# -- a third platform's layout (OpenCart 3's default theme, see docs/shops.md "Layouts") -----
# Routes in the query string; the order list's rows hold "#70001" in a plain cell and an eye
# icon titled "View"; the order page's status only in its "Order History" table (oldest
# first); a contact form of name, e-mail and enquiry answered with no reference; returns as a
# request per item (no number, no label); a page whose <html>/<body> have no height.
OPENCART_PATHS = Paths(
    sign_in="/index.php?route=account/login",
    two_step="/index.php?route=account/login/code",
    sign_out="/index.php?route=account/logout",
    account="/index.php?route=account/account",
    orders="/index.php?route=account/order",
    order="/index.php?route=account/order/info&order_id={order}",
    order_return="/index.php?route=account/return/add&order_id={order}",
    label="/index.php?route=account/return/label&rma={rma}",
    contact="/index.php?route=information/contact",
    help="/index.php?route=information/information&information_id=7",
    cases="/index.php?route=account/enquiries",
    returns_list="/index.php?route=account/return",
    info="/index.php?route=information/information&slug={slug}",
    register="/index.php?route=account/register",
)
OPENCART = replace(
    US,
    prefix="oc",
    paths=OPENCART_PATHS,
    store_name="Your Store",
    account_menu="My Account",
    sign_in_link="Login",
    sign_in_heading="Account Login",
    email_label="E-Mail Address",
    sign_in_submit="Login",
    submit_control="input",
    sign_out="Logout",
    sign_out_control="link",
    order_list_link="Order History",
    order_list_heading="Order History",
    order_list_layout="view_icon",
    order_number_prefix="",
    order_heading_format="Order Information",
    order_number_label="Order ID",
    status_label="Status",
    status_layout="history",
    history_order="asc",
    status_words={**US_STATUS_WORDS, "placed": "Pending"},
    items_layout="table",
    items_columns=("Product Name", "Quantity", "Price"),
    items_heading="Products",
    contact_form="bare",
    contact_link="Contact Us",
    contact_heading="Contact Us",
    contact_submit="Submit",
    support_page=None,
    return_kind="request",
    return_entry="Return",
    returns_list_page="Product Returns",
    zero_height_root=True,
    cookie_dialog=False,
    promo_dialog=False,
)
