"""Finding things the way a person does: by role and name, by label, by visible text.

Small building blocks shared by the page objects. Nothing here knows about ids,
classes or URL paths; the only structure used is what accessibility exposes
(roles, labels, terms and table headers) and "the nearest enclosing block".
"""

from __future__ import annotations

import contextlib
import re
import time
import weakref
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from playwright.sync_api import Error as PlaywrightError
from playwright.sync_api import Frame, Locator, Page, Request, expect

from flows.limits import current as current_limits
from flows.matching import any_text, contains
from flows.recognition import Step, best, name_pattern

Scope = Page | Frame | Locator


# The time budgets are settings (``ORDER_AGENT_LOOK_MS`` ...; see ``flows.limits``), read
# at each use: a test's negative path waits milliseconds on the real code path.
def look_ms() -> int:
    return current_limits().look_ms


def optional_ms() -> int:
    return current_limits().optional_ms


def submit_ms() -> int:
    return current_limits().submit_ms


# A phone number as people write them: "1-800-555-0199", "0800 555 0144", "+44 20 7946 0000".
# Spaces but not line breaks: a number does not run on into the next line's digits.
_PHONE = r"\+?\d[\d \u00a0().-]{5,}\d"
_PHONE_AFTER_WORD = re.compile(
    r"\b(?:call|phone|tel(?:ephone)?|ring)\b[^0-9+\n]{0,30}(" + _PHONE + ")", re.IGNORECASE
)
_PHONE_ONLY = re.compile(r"^\W*(" + _PHONE + r")\W*$")


def control(scope: Scope, words: Sequence[str], step: Step = Step.ANY) -> Locator:
    """Visible links and buttons whose name holds one of ``words`` (see ``flows.recognition``).

    An ``<a role=button>`` is a button. Names with another intent for ``step`` are left out.
    """
    name = name_pattern(words, step)
    return (
        scope.get_by_role("link", name=name)
        .or_(scope.get_by_role("button", name=name))
        .filter(visible=True)
    )


def button(scope: Scope, words: Sequence[str], step: Step = Step.SUBMIT) -> Locator:
    """Visible buttons (``<button>``, ``<input type=submit>``, ``role=button``) named like words."""
    return scope.get_by_role("button", name=name_pattern(words, step)).filter(visible=True)


def labelled(scope: Scope, words: Sequence[str], step: Step = Step.FIELD) -> Locator:
    """Visible form fields labelled like ``words``: by a label, ``aria-label`` or placeholder."""
    name = name_pattern(words, step)
    return scope.get_by_label(name).or_(scope.get_by_placeholder(name)).filter(visible=True)


def textbox(scope: Scope, words: Sequence[str], step: Step = Step.FIELD) -> Locator:
    name = name_pattern(words, step)
    boxes = scope.get_by_role("textbox")
    return (
        scope.get_by_role("textbox", name=name)
        .or_(boxes.and_(scope.get_by_placeholder(name)))
        .filter(visible=True)
    )


def select(scope: Scope, words: Sequence[str], step: Step = Step.FIELD) -> Locator:
    return scope.get_by_role("combobox", name=name_pattern(words, step)).filter(visible=True)


def best_of(found: Locator, words: Sequence[str], step: Step = Step.ANY) -> Locator:
    """The best-ranked visible element of ``found`` (whole name, start, inside; landmark)."""
    return best(found, words, step) or found.first


def alerts(scope: Scope) -> Locator:
    """Visible ``role=alert`` elements that say something."""
    return scope.get_by_role("alert").filter(has_text=any_text()).filter(visible=True)


def phrases(scope: Scope, words: Sequence[str]) -> Locator:
    """Visible text containing one of ``words`` (phrases such as "too many attempts")."""
    return scope.get_by_text(contains(words)).filter(visible=True)


def page_root(page: Page | Frame) -> Locator:
    """The document element: a scope for "anywhere on the page".

    Never waited on for its own visibility: a layout may give ``<html>``/``<body>`` no
    height (everything in an absolutely positioned container), and Playwright then calls
    the root hidden. "The page holds X" is a :class:`Sight`'s ``present`` part.
    """
    return page.locator(":root")


def holding(
    page: Page | Frame, has: Locator | None = None, has_not: Locator | None = None
) -> Locator:
    """The document when it holds ``has`` (shown or not) and not ``has_not``: a presence."""
    return page_root(page).filter(has=has, has_not=has_not)


@dataclass(frozen=True)
class Sight:
    """What a wait looks for: elements ``shown``, or a ``present`` state of the document.

    ``present`` parts (``holding(...)``) count when they exist at all, whatever their box;
    ``shown`` parts when visible. Judged on the elements that matter, never on the root's box.
    """

    shown: Locator | None = None
    present: Locator | None = None

    def or_(self, other: Sight | Locator) -> Sight:
        if isinstance(other, Locator):
            other = Sight(shown=other)
        return Sight(_either(self.shown, other.shown), _either(self.present, other.present))

    def locator(self) -> Locator:
        shown = self.shown.filter(visible=True) if self.shown is not None else None
        combined = _either(shown, self.present)
        if combined is None:
            raise ValueError("a Sight of nothing")
        return combined

    def now(self) -> bool:
        """Whether it is seen right now (no waiting)."""
        try:
            return self.locator().count() > 0
        except PlaywrightError:
            return False


def _either(first: Locator | None, second: Locator | None) -> Locator | None:
    if first is None:
        return second
    return first if second is None else first.or_(second)


def without_texts(locator: Locator, texts: Sequence[str]) -> Locator:
    """``locator`` minus elements whose text is one of ``texts`` (what was already there)."""
    for text in dict.fromkeys(t.strip() for t in texts if t.strip()):
        locator = locator.filter(has_not_text=re.compile(r"^\s*" + re.escape(text) + r"\s*$"))
    return locator


def texts_of(locator: Locator) -> list[str]:
    try:
        return [" ".join(text.split()) for text in locator.all_inner_texts()]
    except PlaywrightError:
        return []


def parsed(page: Page, timeout_ms: float | None = None) -> None:
    """Wait until the document shown is parsed to its end (bounded; no error if it is not).

    A page is looked at while it still arrives: its header's account button can be there
    before the menu that holds "Sign in". Whatever is judged from what a page does *not*
    show (no way in left: signed in) is judged on a whole document only.
    """
    wait = look_ms() if timeout_ms is None else timeout_ms
    try:
        page.wait_for_load_state("domcontentloaded", timeout=wait)
    except PlaywrightError:
        return


def visible_now(locator: Locator) -> bool:
    """Whether ``locator`` shows at least one element right now (no waiting)."""
    try:
        return locator.first.is_visible()
    except PlaywrightError:
        return False


class DocumentChanges:
    """How many times a page's main frame began or finished replacing its document.

    Counted from the browser's events (a navigation request, a commit), which the sync
    API delivers during later Playwright calls: compare two readings around such calls.
    """

    def __init__(self, page: Page) -> None:
        self.count = 0
        main_frame = page.main_frame
        page.on("request", lambda request: self._on_request(request, main_frame))
        page.on("framenavigated", lambda frame: self._on_navigated(frame, main_frame))

    def _on_request(self, request: Request, main_frame: Frame) -> None:
        with contextlib.suppress(PlaywrightError):
            if request.is_navigation_request() and request.frame == main_frame:
                self.count += 1

    def _on_navigated(self, frame: Frame, main_frame: Frame) -> None:
        if frame == main_frame:
            self.count += 1


_document_changes: weakref.WeakKeyDictionary[Page, DocumentChanges] = weakref.WeakKeyDictionary()


def document_changes(page: Page) -> DocumentChanges:
    """The page's :class:`DocumentChanges` (counting from the first time it is asked for)."""
    changes = _document_changes.get(page)
    if changes is None:
        changes = _document_changes[page] = DocumentChanges(page)
    return changes


# However often the page is replaced during a look, it ends after this many windows.
LOOK_WINDOWS = 3


def wait_visible(locator: Locator | Sight, timeout_ms: float) -> bool:
    """Wait until ``locator`` shows an element (a :class:`Sight`: is seen); ``False`` when
    it never did.

    A page replaced during the look (a script router going late, a failed load the
    browser reloads by itself, a redirect) gets a whole window of its own: what the old
    document did not show says nothing about the new one. At most ``LOOK_WINDOWS``.
    """
    sight = locator.locator() if isinstance(locator, Sight) else None
    changes = document_changes((sight or locator).page)  # type: ignore[union-attr]
    for _window in range(LOOK_WINDOWS):
        before = changes.count
        try:
            if sight is not None:
                expect(sight.first).to_be_attached(timeout=timeout_ms)
            else:
                expect(locator.first).to_be_visible(timeout=timeout_ms)  # type: ignore[union-attr]
        except AssertionError:
            if changes.count == before:
                return False
        else:
            return True
    return False


def nearest_block(
    anchor: Locator,
    find: Callable[[Scope], Locator],
    *,
    levels: int = 12,
    within: Page | Frame | None = None,
) -> Locator | None:
    """The smallest block around ``anchor`` in which ``find`` matches something.

    With ``within`` (the page or frame ``anchor`` is in), one round trip: the anchor's
    ancestors that hold a match, of which the last in document order is the nearest.
    Without it, the ancestors are asked one level at a time (two calls a level).
    """
    if within is not None:
        ancestors = anchor.locator(f"xpath=ancestor::*[position() <= {levels}]")
        holding = ancestors.filter(has=find(within))
        try:
            return holding.last if holding.count() else None
        except PlaywrightError:
            return None
    for level in range(1, levels + 1):
        block = anchor.locator(f"xpath=ancestor::*[{level}]")
        try:
            if not block.count():
                return None
            if find(block).count():
                return block
        except PlaywrightError:
            return None
    return None


def nearest(
    anchor: Locator,
    find: Callable[[Scope], Locator],
    *,
    levels: int = 12,
    within: Page | Frame | None = None,
) -> Locator | None:
    """The first match of ``find`` in the smallest block around ``anchor`` that has one.

    A form's own submit button rather than the header's, the reason select of the
    same item: found by walking up from the field, not by knowing the markup.
    """
    block = nearest_block(anchor, find, levels=levels, within=within)
    return find(block).first if block is not None else None


def phone_in(text: str) -> str | None:
    """A phone number the text offers ("Call 1-800-555-0199 to unlock it")."""
    found = _PHONE_AFTER_WORD.search(text)
    return " ".join(found.group(1).split()) if found else None


def phone_on(page: Page) -> str | None:
    """The customer-service phone shown on the page: a phone link, or "Call …" text."""
    try:
        links = page.get_by_role("link", name=_PHONE_ONLY).filter(visible=True)
        if links.count():
            found = _PHONE_ONLY.search(links.first.inner_text())
            if found:
                return found.group(1).strip()
        return phone_in(page_root(page).inner_text())
    except PlaywrightError:
        return None


class Deadline:
    """A time budget shared by the steps of one wait."""

    def __init__(self, ms: float) -> None:
        self._end = time.monotonic() + ms / 1000

    def left_ms(self, floor: float = 1.0) -> float:
        return max(floor, (self._end - time.monotonic()) * 1000)

    @property
    def passed(self) -> bool:
        return time.monotonic() >= self._end
