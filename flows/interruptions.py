"""Overlays that get in the way: cookie consent and promotions, at any moment.

A locator handler runs whenever such a dialog is visible before Playwright acts
or asserts, so a dialog that appears on load or seconds later never blocks a
click. The handlers only ever press the dialog's accept/dismiss button: they
never type into or submit it.

A dialog that holds a password, a verification code or a select is never
treated as an interruption: that is a sign-in, contact or return form shown in
a modal, which a flow has to fill instead of closing.

A promotion that shows up between the press and the release of a click takes the
click (``flows.clicks``): ``click_in_place`` makes a click on a control that sends
nothing again once it is closed, and a dismiss button whose click it took is not
waited on (the newcomer is on top, and closed first).
"""

from __future__ import annotations

import contextlib
import logging
import weakref

from playwright.sync_api import BrowserContext, Dialog, ElementHandle, Locator, Page
from playwright.sync_api import Error as PlaywrightError

from flows.clicks import ClickCount
from flows.locating import visible_now
from flows.matching import names
from flows.vocabulary import DEFAULT_VOCABULARY, Vocabulary

_log = logging.getLogger(__name__)

# Pages and contexts already equipped, so installing twice is harmless.
_equipped_pages: weakref.WeakSet[Page] = weakref.WeakSet()
_equipped_contexts: weakref.WeakSet[BrowserContext] = weakref.WeakSet()

# Short: the button is visible when the handler runs, and a stuck handler stalls every action.
_CLICK_TIMEOUT_MS = 5_000
# A button under another overlay: give up on it quickly and close the other one first.
_COVERED_TIMEOUT_MS = 1_000
_ROUNDS = 4
# How many times a click that an interruption took is made again.
CLICKS_AGAIN = 2


def interruption_dialogs(page: Page, vocabulary: Vocabulary = DEFAULT_VOCABULARY) -> Locator:
    """Visible cookie/promotion dialogs that can be closed with a contract button."""
    return _dialogs_with(page, vocabulary, vocabulary.cookie_accept + vocabulary.promo_dismiss)


def _dialogs_with(page: Page, vocabulary: Vocabulary, words: tuple[str, ...]) -> Locator:
    work = (
        page.get_by_label(names(vocabulary.password_labels))
        .or_(page.get_by_label(names(vocabulary.code_labels)))
        .or_(page.get_by_role("combobox"))
    )
    dialogs = page.get_by_role("dialog").or_(page.get_by_role("alertdialog"))
    buttons = page.get_by_role("button", name=names(words))
    return dialogs.filter(has=buttons).filter(has_not=work).filter(visible=True)


def _dismiss_button(dialog: Locator, vocabulary: Vocabulary) -> Locator | None:
    # Cookie dialogs offer "Accept" and "Cookie Settings": accept first, then any dismiss word.
    for words in (vocabulary.cookie_accept, vocabulary.promo_dismiss):
        button = dialog.get_by_role("button", name=names(words)).filter(visible=True)
        if button.count():
            return button.first
    return None


def _dismiss_all(dialogs: Locator, vocabulary: Vocabulary) -> None:
    """Close every dialog ``dialogs`` shows, the one on top first.

    Handlers do not run inside a handler, so a dialog covered by another cannot be
    clicked yet: try the later ones (usually on top) first and come back.
    """
    failures: list[str] = []
    for _ in range(_ROUNDS):
        count = dialogs.count()
        if not count:
            return
        for index in reversed(range(count)):
            dialog = dialogs.nth(index)
            button = _dismiss_button(dialog, vocabulary)
            if button is None:
                continue
            try:
                # A handle pins this dialog: the locator moves on once it is gone.
                # The dialog may close by itself between count() and here.
                handle = dialog.element_handle(timeout=_COVERED_TIMEOUT_MS)
            except PlaywrightError as exc:
                failures.append(_why_not_clicked(exc))
                continue
            clicks = ClickCount.of(button, _COVERED_TIMEOUT_MS)
            try:
                button.click(timeout=_COVERED_TIMEOUT_MS)
            except PlaywrightError as exc:
                if not _click_event_closes(button, handle):
                    failures.append(_why_not_clicked(exc))
                continue
            if clicks is not None and clicks.missed():
                # A dialog that came with the press took the click: this one stays, under
                # the newcomer. Count again, the newcomer (the last) first.
                failures.append("a dialog that came with the click took it")
                break
            with contextlib.suppress(PlaywrightError):
                handle.wait_for_element_state("hidden", timeout=_CLICK_TIMEOUT_MS)
            break
    if failures and dialogs.count():
        # The action it interrupted waits on: say why, for the run's log (no value typed
        # by the agent is ever in a dismiss button's error).
        _log.warning(
            "an interruption dialog is still shown after %d rounds: %s",
            _ROUNDS,
            " | ".join(dict.fromkeys(failures)),
        )


def _click_event_closes(button: Locator, dialog: ElementHandle) -> bool:
    """Send the button's click event itself, as a click that cannot be made in time.

    A pointer click waits for the button to be still, in view and on top. On a busy
    machine that may not come within a quick try (round after round, the action it
    interrupted timing out behind the dialog), and a decorative layer over the button
    never lets it. The page's own click handler closes the dialog all the same.
    """
    try:
        button.dispatch_event("click", timeout=_COVERED_TIMEOUT_MS)
        dialog.wait_for_element_state("hidden", timeout=_COVERED_TIMEOUT_MS)
    except PlaywrightError:
        return False  # a page that answers only a person's click: named in the log
    return True


def _why_not_clicked(exc: PlaywrightError) -> str:
    """What failed, and Playwright's word on why ("... intercepts pointer events")."""
    lines = [line.strip(" -") for line in str(exc).strip().splitlines() if line.strip(" -")]
    if not lines:
        return type(exc).__name__
    reasons = [line for line in lines[1:] if any(word in line for word in _WHY)]
    why = reasons[-1] if reasons else (lines[-1] if len(lines) > 1 else "")
    return (f"{lines[0]} ({why})" if why else lines[0])[:300]


# Playwright's call-log lines that say why an element could not be clicked.
_WHY = ("intercepts pointer events", "not stable", "not visible", "not enabled", "detached")


def _dismiss_on_page(dialogs: Locator, vocabulary: Vocabulary) -> None:
    # A handler still running when its page or context closes (a run that ended, a tab
    # closed) has nothing left to close; its error would otherwise surface in whatever
    # the same Playwright connection does next, e.g. the next run in the same process.
    with contextlib.suppress(PlaywrightError):
        _dismiss_all(dialogs, vocabulary)


def install_dialog_handlers(page: Page, vocabulary: Vocabulary = DEFAULT_VOCABULARY) -> None:
    """Dismiss interruptions on ``page`` and on every page its context opens later."""
    _equip_page(page, vocabulary)
    context = page.context
    if context not in _equipped_contexts:
        _equipped_contexts.add(context)
        context.on("page", lambda new_page: _equip_page(new_page, vocabulary))


def _equip_page(page: Page, vocabulary: Vocabulary) -> None:
    if page in _equipped_pages:
        return
    _equipped_pages.add(page)
    dialogs = interruption_dialogs(page, vocabulary)
    # Playwright checks a handler's locator strictly: ``.first`` lets two dialogs show at once.
    # ``no_wait_after``: by default Playwright waits, with the whole action's time-out and no
    # handler running, for the locator to be hidden after the handler returns; a dialog that
    # shows up just after the handler's last look (or one more than its rounds close) would
    # stall the action until it fails. Without the wait, the action goes on and its next
    # check runs the handler again for whatever is still there.
    page.add_locator_handler(
        dialogs.first, lambda found: _dismiss_on_page(dialogs, vocabulary), no_wait_after=True
    )
    page.on("dialog", _answer_native_dialog)


def _answer_native_dialog(dialog: Dialog) -> None:
    # A native confirm()/alert() stands for a button the agent already chose to press;
    # a prompt() would need typing, which interruptions never get.
    with contextlib.suppress(PlaywrightError):
        if dialog.type == "prompt":
            dialog.dismiss()
        else:
            dialog.accept()


def dismiss_visible(page: Page, vocabulary: Vocabulary = DEFAULT_VOCABULARY) -> None:
    """Close interruptions showing right now (before a screenshot, which no handler precedes)."""
    _dismiss_all(interruption_dialogs(page, vocabulary), vocabulary)


def click_in_place(control: Locator, vocabulary: Vocabulary, timeout_ms: float | None) -> None:
    """Click a control that sends nothing; again (at most ``CLICKS_AGAIN`` times) once an
    interruption that took the click is closed."""
    page = control.page
    for _attempt in range(CLICKS_AGAIN):
        # The click waits for this too: a control that never shows fails once, not twice.
        control.wait_for(timeout=timeout_ms)
        clicks = ClickCount.of(control, timeout_ms)
        control.click(timeout=timeout_ms)
        if clicks is None or not clicks.missed():
            return
        if not visible_now(interruption_dialogs(page, vocabulary)):
            return  # lost to something else (a page that moved): no second guess
        _log.info("a click was taken by an interruption dialog: closing it and clicking again")
        with contextlib.suppress(PlaywrightError):
            dismiss_visible(page, vocabulary)
    control.click(timeout=timeout_ms)
