"""The shop's live chat widget, as a person uses it.

A launcher button ("Chat with us", or a bubble named only by its ``aria-label``)
opens a panel whose frame (titled "Chat", usually served by the chat vendor from
another origin) holds a pre-chat form (name, e-mail, order number, topic), then the
conversation (a ``role=log``) and a message box. Outside business hours it says
"We're away. Leave a message" instead: no live chat then.

Everything is found by what a person sees (the vocabulary's ``chat_*`` words, roles,
labels, the frame's title) and the answer is read by its words: cancelled, a case
reference, a hand-over (keep waiting for the person), or nothing useful. Only the
order number, the request, the shopper's name and e-mail are typed, and
:func:`refuse_secret_in_frame` refuses to type into a frame of another origin
anything that holds a secret.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from enum import StrEnum

from playwright.sync_api import Error as PlaywrightError
from playwright.sync_api import Frame, FrameLocator, Locator, Page, expect

from flows.forms import choose_option
from flows.interruptions import click_in_place
from flows.limits import current as current_limits
from flows.locating import (
    best_of,
    button,
    control,
    labelled,
    look_ms,
    phrases,
    select,
    texts_of,
    visible_now,
    wait_visible,
)
from flows.matching import order_number_in_text, pattern, reference_in, starts_with
from flows.recognition import Step, name_pattern
from flows.signing_in import origin_of
from flows.vocabulary import DEFAULT_VOCABULARY, Vocabulary
from ordercore.errors import SiteNotUnderstood, UnsafeSignIn


def chat_wait_ms() -> int:
    return current_limits().chat_wait_ms


class ChatOutcome(StrEnum):
    """What came of a chat, read from the shop's own words."""

    CANCELLED = "cancelled"  # the shop says the order is cancelled
    CASE = "case"  # the shop opened a case: ``ChatResult.reference``
    NOTHING = "nothing"  # it cannot help, declined, or no answer in time
    AWAY = "away"  # no live chat now ("We're away. Leave a message")
    NOT_OFFERED = "not_offered"  # no chat launcher on the page


@dataclass(frozen=True)
class ChatResult:
    outcome: ChatOutcome
    reference: str | None = None
    transcript: str = ""  # the conversation as shown, one "Speaker: text" line each
    resumed: bool = False  # an earlier conversation shown again: nothing was sent now
    said: str = ""  # the shop's line the outcome was read from
    frame_url: str = ""

    @property
    def useful(self) -> bool:
        return self.outcome in (ChatOutcome.CANCELLED, ChatOutcome.CASE)


def refuse_secret_in_frame(
    frame_url: str, site_url: str, text: str, secrets: Sequence[str]
) -> None:
    """Raise ``UnsafeSignIn`` before a secret is typed into a frame of another origin.

    The chat frame is the vendor's: the order number, the request, a name and an e-mail
    may go there, a password or a code never (nothing is typed when this raises).
    """
    if origin_of(frame_url) == origin_of(site_url):
        return
    if any(secret and secret in text for secret in secrets):
        raise UnsafeSignIn(
            "refusing to type a secret into the chat, a frame served by another site: "
            "nothing was typed"
        )


class ChatWidget:
    """The chat widget on ``page`` (any page of the shop that shows the launcher)."""

    def __init__(
        self,
        page: Page,
        site_url: str,
        vocabulary: Vocabulary = DEFAULT_VOCABULARY,
        *,
        secrets: Sequence[str] = (),
    ) -> None:
        self.page = page
        self.site_url = site_url
        self.words = vocabulary
        self._secrets = tuple(s for s in secrets if s)
        self._frame: Frame | None = None
        self._opened: FrameLocator | None = None
        self._start: str | None = None

    # -- finding it -------------------------------------------------------------------
    def launcher(self) -> Locator:
        return control(self.page, self.words.chat_launchers)

    def frame_element(self) -> Locator:
        """The chat's frame, by its title (an ``<iframe title="Chat">``)."""
        title = name_pattern(self.words.chat_frames)
        return self.page.locator("iframe").and_(self.page.get_by_title(title)).filter(visible=True)

    def offered(self, wait_ms: float) -> bool:
        """Whether the page shows a chat launcher (or an open chat) within ``wait_ms``."""
        return wait_visible(self.launcher().or_(self.frame_element()), wait_ms)

    def open(self) -> FrameLocator:
        """Open the panel (once) and return its frame; its origin is kept for the guard."""
        if self._opened is not None:
            return self._opened
        frame = self.frame_element()
        if not visible_now(frame):
            launcher = self.launcher()
            if not wait_visible(launcher, look_ms()):
                raise SiteNotUnderstood("the chat launcher went away before it was opened")
            click_in_place(best_of(launcher, self.words.chat_launchers), self.words, None)
            if not wait_visible(frame, look_ms()):
                raise SiteNotUnderstood("the chat launcher opened no chat window")
        handle = frame.first.element_handle(timeout=look_ms())
        self._frame = handle.content_frame() if handle is not None else None
        self._opened = frame.first.content_frame
        return self._opened

    def opening(self) -> str:
        """Open the chat: ``"away"`` (no live chat now), ``"talk"`` (a conversation shown
        again) or ``"form"`` (the pre-chat form: a new conversation can start)."""
        if self._start is None:
            self._start = self._wait_for_start(self.open())
        return self._start

    @property
    def frame_url(self) -> str:
        return self._frame.url if self._frame is not None else ""

    # -- what the frame shows ---------------------------------------------------------
    def _log(self, frame: FrameLocator) -> Locator:
        return frame.get_by_role("log")

    def _lines(self, frame: FrameLocator) -> Locator:
        log = self._log(frame)
        items = log.get_by_role("listitem")
        # A log made of plain blocks: its children are its lines.
        return items.or_(log.locator(":scope > :not(ul, ol)"))

    def _shop_lines(self, frame: FrameLocator) -> Locator:
        """The conversation's lines not said by the shopper ("You: ...")."""
        return self._lines(frame).filter(has_not_text=starts_with(self.words.chat_own_speaker))

    def _away(self, frame: FrameLocator) -> Locator:
        return phrases(frame.locator(":root"), self.words.chat_away)

    def _start_button(self, frame: FrameLocator) -> Locator:
        return button(frame.locator(":root"), self.words.chat_start)

    def transcript(self, frame: FrameLocator) -> str:
        return "\n".join(texts_of(self._lines(frame)))

    def _wait_for_start(self, frame: FrameLocator) -> str:
        """``"away"``, ``"talk"`` (a conversation shown again) or ``"form"`` (pre-chat)."""
        lines = self._lines(frame).filter(visible=True)
        shown = self._away(frame).or_(lines).or_(self._start_button(frame))
        if not wait_visible(shown, look_ms()):
            raise SiteNotUnderstood("the chat window showed neither a form nor a conversation")
        if visible_now(self._away(frame)):
            return "away"
        if visible_now(lines):
            return "talk"
        return "form"

    # -- reading an answer ------------------------------------------------------------
    def _conclusive(self) -> re.Pattern[str]:
        words = self.words
        source = "|".join(
            f"(?:{s})"
            for s in (
                words.chat_cancelled_pattern,
                words.confirmation_pattern,
                words.chat_refusal_pattern,
            )
        )
        return re.compile(source, re.IGNORECASE)

    def _read(self, frame: FrameLocator, *, resumed: bool) -> ChatResult:
        """The outcome the shop's lines say, latest line first."""
        words = self.words
        transcript = self.transcript(frame)
        for line in reversed(texts_of(self._shop_lines(frame))):
            refused = pattern(words.chat_refusal_pattern).search(line)
            reference = reference_in(line, words.confirmation_pattern)
            if reference and not refused:
                return self._result(ChatOutcome.CASE, transcript, line, resumed, reference)
            if pattern(words.chat_cancelled_pattern).search(line) and not refused:
                return self._result(ChatOutcome.CANCELLED, transcript, line, resumed)
            if refused:
                return self._result(ChatOutcome.NOTHING, transcript, line, resumed)
        return self._result(ChatOutcome.NOTHING, transcript, "", resumed)

    def _result(
        self,
        outcome: ChatOutcome,
        transcript: str,
        said: str,
        resumed: bool,
        reference: str | None = None,
    ) -> ChatResult:
        return ChatResult(outcome, reference, transcript, resumed, said, self.frame_url)

    # -- the journeys -----------------------------------------------------------------
    def earlier_conversation(self, order_number: str) -> ChatResult | None:
        """The conversation about ``order_number`` the widget shows again on opening (a
        dropped chat), if any.

        Opens the panel; sends nothing. ``None`` when it shows the pre-chat form (no
        conversation kept for this visitor), a conversation about another order, or is
        away.
        """
        if self.opening() != "talk" or not self._about(order_number):
            return None
        return self._read(self.open(), resumed=True)

    def _about(self, order_number: str) -> bool:
        """Whether the conversation shown names ``order_number``."""
        return bool(order_number_in_text(order_number).search(self.transcript(self.open())))

    def _start_new(self, frame: FrameLocator) -> bool:
        """Leave the conversation shown for the pre-chat form ("Start a new chat")."""
        new = button(frame.locator(":root"), self.words.chat_new, Step.ANY)
        if not visible_now(new):
            return False
        new.first.click(timeout=look_ms())
        if not wait_visible(self._start_button(frame), look_ms()):
            return False
        self._start = "form"
        return True

    def request_cancellation(
        self,
        *,
        order_number: str,
        name: str,
        email: str,
        message: str,
        before_send: Callable[[], None] | None = None,
    ) -> ChatResult:
        """Ask the chat to cancel ``order_number``; wait (bounded) for its answer.

        A conversation shown again is read, not added to: an earlier run's chat may
        have done it already (the caller reconciles from that).
        """
        started = self.opening()
        frame = self.open()
        if started == "away":
            return self._result(ChatOutcome.AWAY, self.transcript(frame), "", False)
        if started == "talk":
            if self._about(order_number):
                return self._read(frame, resumed=True)
            if not self._start_new(frame):  # another order's conversation, and no way out
                return self._result(ChatOutcome.NOTHING, self.transcript(frame), "", False)
        self._start = "talk"  # from here on, what is shown is this conversation
        self._prechat(frame, order_number=order_number, name=name, email=email)
        greeting = self._shop_lines(frame)
        if not wait_visible(greeting, chat_wait_ms()):
            return self._result(ChatOutcome.NOTHING, self.transcript(frame), "", False)
        self._type(frame, self._message_box(frame), message)
        send = button(frame.locator(":root"), self.words.chat_send)
        if not wait_visible(send, look_ms()):
            raise SiteNotUnderstood("the chat has no Send button")
        if before_send is not None:
            before_send()  # the order's status read again: it raises to stop the send
        send.first.click()
        answer = self._shop_lines(frame).filter(has_text=self._conclusive())
        # A hand-over line is no answer: the person's line comes later, in the same wait.
        wait_visible(answer, chat_wait_ms())
        return self._read(frame, resumed=False)

    def _message_box(self, frame: FrameLocator) -> Locator:
        root = frame.locator(":root")
        box = root.get_by_role("textbox", name=name_pattern(self.words.chat_message_labels))
        if not wait_visible(box, look_ms()):
            raise SiteNotUnderstood("the chat has no message box")
        return box.first

    def _prechat(self, frame: FrameLocator, *, order_number: str, name: str, email: str) -> None:
        root = frame.locator(":root")
        words = self.words
        fields = [
            (labelled(root, labels, step).and_(root.get_by_role("textbox")), value)
            for labels, value, step in (
                (words.chat_name_labels, name, Step.FULL_NAME),
                (words.chat_email_labels, email, Step.EMAIL),
                (words.chat_order_labels, order_number, Step.FIELD),
            )
            if value
        ]
        # The form may not be whole yet: a widget that builds it in parts (its Start
        # button first), or one still leaving a conversation ("Start a new chat" is also
        # named like a Start button, so `_start_new` may find one before the form shows).
        if fields:
            wait_visible(functools.reduce(Locator.or_, (field for field, _ in fields)), look_ms())
        filled = 0
        for field, value in fields:
            if visible_now(field):
                self._type(frame, field.first, value)
                filled += 1
        topic = select(root, words.chat_topic_labels)
        if visible_now(topic):
            choose_option(
                topic.first,
                pattern(words.cancel_option_pattern),
                pattern(words.placeholder_option_pattern),
            )
        if not filled:
            raise SiteNotUnderstood("the chat's pre-chat form has no field order-agent knows")
        self._start_button(frame).first.click()

    def _type(self, frame: FrameLocator, field: Locator, text: str) -> None:
        refuse_secret_in_frame(self.frame_url, self.site_url, text, self._secrets)
        field.fill(text, timeout=look_ms())

    def minimise(self) -> None:
        """Put the open chat away, so that it covers nothing on the page (best effort)."""
        if self._opened is None:
            return
        control = button(self.page, self.words.chat_minimise, Step.ANY)
        try:
            if not visible_now(control):
                return
            control.first.click(timeout=look_ms())
            expect(self.frame_element()).to_have_count(0, timeout=look_ms())
        except (PlaywrightError, AssertionError):
            return
        self._opened = None
        self._start = None

    def screenshot(self) -> bytes | None:
        """A picture of the open chat frame (PNG), or ``None`` when it cannot be taken."""
        try:
            return self.frame_element().first.screenshot(timeout=look_ms())
        except PlaywrightError:
            return None
