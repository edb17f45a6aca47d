"""The shopper's name, as the shop's signed-in pages show it.

A greeting ("Hi, Jane", "Welcome back, Jane Shopper") or the account details'
First/Last Name (or Name) fields and facts. Never the e-mail address: a name
guessed from ``jane@example.com`` signs a request "Jane Jane".
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from playwright.sync_api import Error as PlaywrightError
from playwright.sync_api import Locator, Page

from flows.facts import value_next_to
from flows.locating import control, labelled, page_root, texts_of, visible_now, wait_visible
from flows.matching import alternatives, names
from flows.vocabulary import Vocabulary

# Words that follow a greeting but are not a name ("Hello, sign in", "Welcome, guest").
_NOT_NAMES = frozenset(
    [
        "sign",
        "log",
        "login",
        "signin",
        "register",
        "account",
        "guest",
        "there",
        "everyone",
        "friend",
        "friends",
        "customer",
        "user",
        "member",
        "visitor",
        "back",
        "in",
        "out",
    ]
)
_NAME_WORD = re.compile(r"^[^\W\d_][\w'’.-]*$")
MAX_NAME_WORDS = 4


def greeting_pattern(greetings: Sequence[str]) -> re.Pattern[str]:
    """A short text that is a greeting and a name; group 1 is the name (valid in JS too)."""
    return re.compile(
        rf"^\W*(?:{alternatives(greetings)})\s*[,!]?\s+([^\s,!.?][^,!?]{{0,60}}?)\W*$",
        re.IGNORECASE,
    )


def name_in_greeting(text: str, greetings: Sequence[str]) -> str | None:
    """``"Welcome back, Jane Shopper"`` -> ``"Jane Shopper"``; ``"Hello, sign in"`` -> None."""
    found = greeting_pattern(greetings).match(" ".join(text.split()))
    if found is None:
        return None
    return plausible_name(found.group(1))


def plausible_name(text: str) -> str | None:
    """``text`` when it reads as a person's name (capitalised words, no digits), else None."""
    words = text.strip(" .,!").split()
    if not 1 <= len(words) <= MAX_NAME_WORDS:
        return None
    if any(not _NAME_WORD.match(word) or not word[0].isupper() for word in words):
        return None
    if any(word.casefold().strip(".") in _NOT_NAMES for word in words):
        return None
    return " ".join(words)


def _field_value(scope: Page | Locator, words: Sequence[str], *, fields_shown: bool) -> str | None:
    """The value of the field labelled like ``words``, else the value shown next to them.

    ``fields_shown``: whether the page has any name field at all (one look for the three).
    """
    fields = labelled(scope, words)
    try:
        if fields_shown and fields.count():
            value = fields.first.input_value()
            return " ".join(value.split()) or None
    except PlaywrightError:
        pass
    return value_next_to(scope, words)


def name_in_heading(text: str, words: Vocabulary) -> str | None:
    """A heading that is only a person's name ("Pat Ever"), as an account page may show it,
    not one naming a part of the page ("Address Book", ``account_section_words``)."""
    name = plausible_name(text)
    if name is None or not 2 <= len(name.split()) <= MAX_NAME_WORDS:
        return None
    sections = {word.casefold() for word in words.account_section_words}
    if any(word.casefold().strip(".") in sections for word in name.split()):
        return None
    return name


def name_on_page(page: Page, words: Vocabulary, *, headings: bool = False) -> str | None:
    """The fullest name the page shows: details fields first, else a greeting, else (on the
    account page, ``headings``) a heading that is only a name."""
    root = page_root(page)
    all_labels = [*words.first_name_labels, *words.last_name_labels, *words.name_labels]
    try:
        # Most pages (an order, a landing page) have no name field: one look, not three.
        fields_shown = labelled(root, all_labels).count() > 0
    except PlaywrightError:
        fields_shown = False
    first = _field_value(root, words.first_name_labels, fields_shown=fields_shown)
    last = _field_value(root, words.last_name_labels, fields_shown=fields_shown)
    if first and last:
        return plausible_name(f"{first} {last}")
    single = _field_value(root, words.name_labels, fields_shown=fields_shown)
    if single and plausible_name(single):
        return plausible_name(single)
    greeted = page.get_by_text(greeting_pattern(words.greetings)).filter(visible=True)
    names = [name_in_greeting(text, words.greetings) for text in texts_of(greeted)]
    found = [name for name in names if name]
    if headings and not any(len(name.split()) > 1 for name in found):
        shown = page.get_by_role("heading").filter(visible=True)
        found += [name for text in texts_of(shown) if (name := name_in_heading(text, words))]
    return max(found, key=lambda name: len(name.split()), default=first)


def account_page_link(page: Page, words: Vocabulary, timeout_ms: float) -> Locator | None:
    """A link to a page that shows the account holder's name, opening an Account menu if needed.

    Links only: an "Account" / "My Account" *button* opens a menu, not the page.
    """
    wanted = page.get_by_role("link", name=names(words.account_pages)).filter(visible=True)
    menus = control(page, words.account_menu)
    if not wait_visible(wanted.or_(menus), timeout_ms):
        return None
    if visible_now(wanted):
        return wanted.first
    for index in range(menus.count()):
        menu = menus.nth(index)
        try:
            if menu.get_attribute("href") is not None:
                return menu  # an "Account" link is itself the way to the account page
            menu.click(timeout=timeout_ms)
        except PlaywrightError:
            continue
        if wait_visible(wanted, timeout_ms):
            return wanted.first
    return None
