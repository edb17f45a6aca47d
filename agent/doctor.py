"""``order-agent doctor [ORDER]``: a read-only conformance check of the configured shop.

For a person setting up a new shop: it signs in, finds the order list, opens
one order (or ``ORDER``), finds the returns entry (on a delivered order when
one is listed) and the Contact Us form with its fields. It types only the
credentials, submits nothing else, and writes nothing but a screenshot per
miss (``DATA_DIR/doctor/``).

Each step becomes a row: found or not, what it matched ("link 'Login or
register' in the header"), and where (URL). The order list's status words are
listed with the status each means. For every miss the report gives the
profile lines that would teach it (see ``agent.site_profiles``).
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING

from agent.doctor_report import DoctorReport, Row, StatusWord, Suggestion, row_lines
from agent.one_time_codes import one_time_codes
from agent.output import StepPrinter
from agent.receipts import safe_name
from agent.settings import Settings
from agent.site_profiles import (
    PROFILE_ENV,
    SiteProfile,
    candidate_paths,
    site_profile,
)
from ordercore.errors import OrderAgentError
from ordercore.models import Order, OrderStatus

if TYPE_CHECKING:
    from playwright.sync_api import Page

    from flows.findings import Finding
    from flows.site import RetailerSite

DOCTOR_DIR = "doctor"
_RETURNISH = re.compile(r"\b(?:return|send\s+back|rma|exchange|refund)", re.IGNORECASE)


# What to add to a profile when a step is missed.
def _phrases(key: str, what: str) -> Suggestion:
    return Suggestion("phrases", f'{key} = ["…"]  # {what}')


def _path(key: str, what: str) -> Suggestion:
    return Suggestion("paths", f'{key} = "/…"  # {what}')


SIGN_IN_ROWS: tuple[tuple[str, str, list[Suggestion]], ...] = (
    (
        "sign_in_entry",
        "sign-in link",
        [
            _phrases("sign_in_entry", "the name of the link or button that leads to sign-in"),
            _path("sign_in", "the path of the sign-in page"),
        ],
    ),
    (
        "sign_in_form",
        "sign-in form",
        [
            _phrases("email_labels", "the e-mail field's label"),
            _phrases("password_labels", "the password field's label"),
        ],
    ),
    (
        "signed_in",
        "signed in",
        [
            _phrases("sign_in_submit", "the sign-in form's button"),
            _phrases("sign_out", "the sign-out link shown once signed in"),
        ],
    ),
)
ORDER_LIST_HELP = [
    _phrases("order_list_links", "the name of the link to your orders"),
    _phrases("order_link_formats", 'how an order link is named, with {number}: "Order {number}"'),
    _path("orders", "the path of the order list"),
]
ORDER_HELP = [_phrases("order_link_formats", 'how an order link is named: "Order {number}"')]
STATUS_LABEL_HELP = [_phrases("status_labels", "the label next to the order's status")]
RETURN_HELP = [_phrases("return_entry", "the name of the link or button that starts a return")]
CONTACT_HELP = [
    _phrases("contact_links", "the name of the Contact Us link"),
    _phrases("customer_service_links", "the help page that holds it, if any"),
    _path("contact", "the path of the contact form"),
]
# Steps whose miss is a link or button a person could name from the page.
CONTROL_STEPS = {"sign_in_entry", "order_list_links", "contact_links", "return_entry"}
FIELD_HELP = {
    "topic_labels": "the label of the topic/subject select",
    "order_number_labels": "the order number field's label",
    "contact_email_labels": "the e-mail field's label",
    "name_labels": "the name field's label",
    "first_name_labels": "the first name field's label",
    "last_name_labels": "the last name field's label",
    "message_labels": "the message field's label",
    "contact_submit": "the form's send button",
}


class Doctor:
    """The steps of the check, each one read-only, on one signed-in browser page."""

    def __init__(
        self,
        settings: Settings,
        profile: SiteProfile,
        page: Page,
        site: RetailerSite,
        findings: list[Finding],
        steps: StepPrinter,
        report: DoctorReport,
    ) -> None:
        self.settings = settings
        self.profile = profile
        self.page = page
        self.site = site
        self.findings = findings
        self.steps = steps
        self.report = report
        self.stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")

    # -- helpers -----------------------------------------------------------------------------
    def finding(self, step: str) -> Finding | None:
        return next((f for f in reversed(self.findings) if f.step == step), None)

    def add(self, row: Row) -> Row:
        if row.found is False:
            row.screenshot = self.screenshot(row.step)
            row.url = row.url or self.page.url
            keys = {s.line.split(" ", 1)[0] for s in row.suggestions if s.table == "phrases"}
            if keys & CONTROL_STEPS:
                row.seen = self.names_on_page(fields=False)
            elif keys & set(FIELD_HELP):
                row.seen = self.names_on_page(fields=True)
        self.report.rows.append(row)
        # Shown once, as it is found: the report at the end then leaves its rows out.
        self.steps.line("\n".join(row_lines(row, ascii_only=self.steps.ascii_only)))
        return row

    def found(self, step: str, finding: Finding | None, fallback: str = "") -> Row:
        if finding is None:
            return self.add(Row(step, True, fallback, self.page.url))
        return self.add(Row(step, True, finding.describe(), finding.url))

    def not_reached(self, steps: list[str], why: str) -> None:
        for step in steps:
            self.add(Row(step, None, f"not reached: {why}"))

    def names_on_page(self, *, fields: bool) -> list[str]:
        """What the page offers instead: link/button names, or field labels (at most 12)."""
        from playwright.sync_api import Error as PlaywrightError

        from flows.forms import label_of

        page = self.page
        try:
            if fields:
                found = page.get_by_role("textbox").or_(page.get_by_role("combobox"))
                found = found.filter(visible=True)
                names = [label_of(found.nth(i)) for i in range(min(found.count(), 20))]
            else:
                found = page.get_by_role("link").or_(page.get_by_role("button"))
                names = found.filter(visible=True).all_inner_texts()
        except PlaywrightError:
            return []
        clean = (" ".join(name.split()) for name in names)
        return list(dict.fromkeys(n for n in clean if n and len(n) <= 40))[:12]

    def screenshot(self, step: str) -> str | None:
        """The page as it is, passwords and codes masked, kept 0600 in DATA_DIR/doctor."""
        from flows.labels import save_atomically

        path = self.settings.data_dir / DOCTOR_DIR / f"{self.stamp}-{safe_name(step)}.png"
        try:
            png = self.page.screenshot(
                full_page=True,
                mask=[
                    self.page.locator("input[type=password]"),
                    self.page.locator("input[autocomplete=one-time-code]"),
                ],
            )
            return str(save_atomically(png, path))
        except Exception:  # proof of a miss is a courtesy, never a reason to fail
            return None

    # -- the steps ---------------------------------------------------------------------------
    def run(self, order: str | None) -> None:
        if not self.sign_in():
            self.not_reached(
                ["order list", "order", "order status", "return entry", "contact link"],
                "signing in failed",
            )
            return
        numbers = self.order_list()
        opened = self.order(order or (numbers[0] if numbers else None))
        self.return_entry(opened)
        self.contact()

    def sign_in(self) -> bool:
        settings = self.settings
        assert settings.email and settings.password
        failure: OrderAgentError | None = None
        self.steps.doing("Signing in…")
        try:
            self.site.sign_in(
                settings.email, settings.password.get_secret_value(), one_time_codes(settings)
            )
        except OrderAgentError as exc:
            failure = exc
        form_found = self.finding("sign_in_form") is not None
        missed = False
        for step, title, help_lines in SIGN_IN_ROWS:
            finding = self.finding(step)
            if finding is not None:
                self.found(title, finding)
            elif step == "sign_in_entry" and (form_found or failure is None):
                self.add(Row(title, True, "not needed: the sign-in form is on the first page"))
            elif step == "signed_in" and failure is None:
                self.add(Row(title, True, "the sign-in form was accepted", self.page.url))
            elif missed:
                self.add(Row(title, None, "not reached"))
            else:
                missed = True
                why = failure.message if failure else "not found"
                self.add(Row(title, False, why, suggestions=list(help_lines)))
        return failure is None

    def order_list(self) -> list[str]:
        from flows.inspection import list_statuses
        from flows.order_pages import OrderListPage

        try:
            numbers = self.site.visible_order_numbers()
        except OrderAgentError as exc:
            self.add(Row("order list", False, exc.message, suggestions=list(ORDER_LIST_HELP)))
            return []
        self.found("order list", self.finding("order_list"), f"{len(numbers)} orders listed")
        words = self.site.words
        for number, raw in list_statuses(OrderListPage(self.page, words)):
            status = words.status_of(raw) if raw else OrderStatus.UNKNOWN
            self.report.statuses.append(StatusWord(number, raw, status))
        return numbers

    def order(self, number: str | None) -> Order | None:
        if number is None:
            self.not_reached(["order", "order status"], "no order listed")
            return None
        before = len(self.findings)
        try:
            order = self.site.open_order(number)
        except OrderAgentError as exc:
            link = self.finding("order") if len(self.findings) > before else None
            if link is None:
                self.add(Row("order", False, exc.message, suggestions=list(ORDER_HELP)))
                self.add(Row("order status", None, "not reached"))
            else:
                self.found("order", link)
                self.add(
                    Row("order status", False, exc.message, suggestions=list(STATUS_LABEL_HELP))
                )
            return None
        link = self.finding("order") if len(self.findings) > before else None
        self.found("order", link, f"order {order.number} (a page remembered this run)")
        summary = f"'{order.raw_status}' → {order.status.value}"
        evidence = order.status_evidence
        aside = [f"'{c.text}' ({c.where})" for c in evidence.set_aside] if evidence else []
        if evidence is not None and evidence.where:
            summary += f" ({evidence.where})"
        if (
            evidence is not None
            and order.status is OrderStatus.UNKNOWN
            and (evidence.conflict or not evidence.taken)
        ):
            why = "places that disagree" if evidence.conflict else "no status in its place"
            row = Row("order status", False, f"{summary}: {why}", order.url)
            row.set_aside = aside
            self.add(row)
        elif order.status is OrderStatus.UNKNOWN:
            word = StatusWord(order.number, order.raw_status, order.status)
            suggestion = word.suggestion()
            self.add(
                Row(
                    "order status",
                    False,
                    f"{summary}: a status word order-agent does not know",
                    order.url,
                    [suggestion] if suggestion else [],
                )
            )
        else:
            items = f", {len(order.items)} item{'s' if len(order.items) != 1 else ''}"
            row = Row("order status", True, summary + items, order.url)
            row.set_aside = aside
            self.add(row)
        return order

    def return_entry(self, opened: Order | None) -> None:
        from flows.findings import describe
        from flows.order_pages import OrderPage

        delivered = [w.order for w in self.report.statuses if w.status is OrderStatus.DELIVERED]
        if opened is not None and opened.status is OrderStatus.DELIVERED:
            target = opened.number
        elif delivered:
            target = delivered[0]
        else:
            shown = any(word.words for word in self.report.statuses)
            why = (
                "no delivered order is listed"
                if shown
                else "the order list shows no statuses, so no delivered order could be picked"
            )
            self.add(Row("return entry", None, f"not checked: {why}"))
            return
        try:
            if opened is None or target != opened.number:
                self.site.open_order(target)
        except OrderAgentError as exc:
            self.add(Row("return entry", False, f"order {target}: {exc.message}"))
            return
        entry = OrderPage(self.page, self.site.words).return_entry()
        finding = describe("return_entry", entry) if entry is not None else None
        if finding is None:
            offered = self.names_on_page(fields=False)
            # A profile line helps only where the page names a return in its own words;
            # a page with nothing of the kind likely has no online returns at all.
            returnish = [name for name in offered if _RETURNISH.search(name)]
            row = Row(
                "return entry",
                False,
                f"no return link or button on delivered order {target}"
                + ("" if returnish else " (this shop may not offer returns online)"),
                suggestions=list(RETURN_HELP) if returnish else [],
            )
            row.seen = returnish
            self.add(row)
        else:
            self.found("return entry", finding)

    def contact(self) -> None:
        from flows.inspection import contact_fields

        before = len(self.findings)
        try:
            contact = self.site.open_contact_form()
        except OrderAgentError as exc:
            self.add(Row("contact link", False, exc.message, suggestions=list(CONTACT_HELP)))
            return
        new = self.findings[before:]
        via = [f for f in new if f.step == "customer_service"]
        link = next((f for f in reversed(new) if f.step == "contact"), None)
        matched = link.describe() if link else "the contact form (a page remembered this run)"
        if via:
            matched = f"{via[0].describe()}, then {matched}"
        self.add(Row("contact link", True, matched, link.url if link else self.page.url))
        for check in contact_fields(contact):
            if check.finding is not None:
                self.found(check.step, check.finding)
            elif check.phrases == "cancel_option_pattern":
                self.add(Row(check.step, False, f"no option mentions cancelling ({check.detail})"))
            else:
                help_line = _phrases(check.phrases, FIELD_HELP.get(check.phrases, check.step))
                self.add(Row(check.step, False, "not found", suggestions=[help_line]))


def profile_file(settings: Settings, profile: SiteProfile) -> str:
    """Where the suggested lines go: the profile in use, else the one looked up by host."""
    if settings.profile and Path(settings.profile).expanduser().is_file():
        return str(Path(settings.profile).expanduser())
    if settings.profile:  # a built-in: it cannot be edited, a copy of it can
        return f"a copy of the {profile.source} (agent/profiles/), set as {PROFILE_ENV}"
    candidates = candidate_paths(settings.site_url or "")
    if profile.source in {str(path) for path in candidates}:
        return profile.source
    return str(candidates[-1]) if candidates else "a profile (see docs/shops.md)"


@contextmanager
def _recording() -> Iterator[list[Finding]]:
    from flows.findings import recording

    with recording() as found:
        yield found


def run_doctor(settings: Settings, order: str | None, steps: StepPrinter) -> DoctorReport:
    """Check the configured shop, read-only, in a fresh browser (no saved session)."""
    from agent.shop_browser import open_browser
    from flows.site import RetailerSite

    assert settings.site_url
    profile = site_profile(settings)
    report = DoctorReport(settings.site_url, profile.source, profile_file(settings, profile))
    with open_browser(settings, fresh=True) as session, _recording() as findings:
        site = RetailerSite(
            session.page,
            settings.site_url,
            vocabulary=profile.vocabulary(),
            start_urls=profile.start_urls(settings.site_url),
            phone=profile.phone,
        )
        Doctor(settings, profile, session.page, site, findings, steps, report).run(order)
    return report
