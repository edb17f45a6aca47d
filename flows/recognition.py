"""Recognition: does a name a person reads fit a step of the contract, and how well.

One set of rules for every lookup in ``flows`` (links, buttons, labels, headings,
status texts):

* A name fits a contract phrase when the phrase occurs in it **as whole words**,
  after normalising case, punctuation, "&"/"and" and whitespace: "Hello, sign in",
  "Login or register" and "My Orders & Returns" fit; "Signing" does not fit "Sign in".
* Names that carry another intent never fit, whatever phrase they hold: a
  third-party sign-in ("Sign in with <provider>", "Continue with <provider>"), "Sign out"
  for signing in, "Forgot password", "Create account" for the account control,
  "Continue shopping" for a submit button, "Return to cart" for a return. The
  table of other intents per step is ``OTHER_INTENTS``.
* Candidates are ranked: whole-name fit, then the phrase at the start, then
  inside; visible before hidden; then the landmark that suits the step (banner
  and navigation for the way in, contentinfo for help links, main for order
  content); then page order. ``best`` reads every candidate's name, visibility
  and landmark in one round trip to the page.

Every pattern built here is valid in Python and in JavaScript (Playwright runs
name patterns in the page): only lookarounds, classes and alternation.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from enum import Enum, IntEnum
from functools import lru_cache

from playwright.sync_api import Error as PlaywrightError
from playwright.sync_api import Locator

from flows.matching import alternatives


class Fit(IntEnum):
    """How well a name fits a phrase; lower is better."""

    WHOLE = 0
    START = 1
    INSIDE = 2


class Step(Enum):
    """What a lookup is for: decides the other intents and the landmarks that suit it."""

    ANY = "any"
    SIGN_IN = "sign_in"  # the way in to signing in, and the form's submit control
    SIGN_OUT = "sign_out"
    ACCOUNT = "account"  # the account menu or account control
    ORDERS = "orders"
    ORDER = "order"  # one order's link, return entry, label link: order content
    HELP = "help"  # contact and customer-service links
    SUBMIT = "submit"  # a form's submit control other than sign-in
    EMAIL = "email"
    PASSWORD = "password"
    FULL_NAME = "full_name"
    FIELD = "field"  # any other form field label
    RETURN = "return"  # the return entry


# Pieces of the other-intents table (regex sources, case-insensitive, Python and JS).
_THIRD_PARTY = (
    r"\b(?:with|via|using|through)\s+(?!(?:your\s+|an?\s+|the\s+)?"
    r"(?:e\W?mail|password|account|username|user\s*name|code|us|return|order|request|items?)\b)\w+"
)
_SIGN_OUT = r"\b(?:sign|log)\W*(?:out|off)\b|\blogout\b"
_FORGOT = r"\bforg[eo]t|\blost\b[\s\S]*\bpassword|\breset\b[\s\S]*\bpassword|\bpassword\s+reset"
_SUBSCRIBE = r"\bsubscribe|\bnewsletter|\bsign\W*me\W*up\b"
_AWAY = (
    r"\bcontinue\s+(?:shopping|browsing|as\s+(?:a\s+)?guest|to\s+(?:checkout|cart|payment|shipping))"
    r"|\bcheck\W*out\b|\bguest\b"
)
_NEW_ACCOUNT = (
    r"\b(?:create|open|delete|close|register)\b[\s\S]*\baccount\b"
    r"|\bnew\s+(?:\w+\s+)?account\b|^\W*register\W*$"
)

OTHER_INTENTS: dict[Step, str] = {
    Step.ANY: "",
    Step.SIGN_IN: "|".join((_THIRD_PARTY, _SIGN_OUT, _FORGOT, _SUBSCRIBE, _AWAY)),
    Step.SIGN_OUT: r"\bsign\W*out\s+of\s+all\b",
    Step.ACCOUNT: "|".join((_NEW_ACCOUNT, _THIRD_PARTY, _SIGN_OUT, _FORGOT)),
    # "Free shipping on orders over $75" is an offer, not the order list.
    Step.ORDERS: r"\b(?:on|for)\s+(?:all\s+)?orders?\s+(?:over|above|of|from)\b|\bfree\s+shipping",
    Step.ORDER: "",
    Step.HELP: r"\bcontact\s+(?:preferences|information|info|details|lens)",
    Step.SUBMIT: "|".join((_THIRD_PARTY, _SUBSCRIBE, _AWAY)),
    Step.EMAIL: r"\bconfirm|\bnewsletter|\bfriend|\brecipient",
    Step.PASSWORD: r"\b(?:confirm|repeat|re\W?enter|retype|new|current|forg[eo]t|lost)\b",
    Step.FULL_NAME: (
        r"\b(?:first|last|given|family|sur|company|user|business|display|middle|nick|account"
        r"|store|shop|product|recipient)\W*name"
    ),
    Step.FIELD: "",
    Step.RETURN: (
        r"\breturn\s+to\b|\breturn\s+home\b|\breturns?\s+(?:policy|policies|information|info)\b"
        r"|\bback\b|\blabels?\b|\bstatus\b|\bwindow\b"
    ),
}

# Landmarks that suit a step, best first (banner = header, contentinfo = footer).
LANDMARKS: dict[Step, tuple[str, ...]] = {
    Step.SIGN_IN: ("banner", "navigation", "dialog", "main"),
    Step.SIGN_OUT: ("banner", "navigation", "main"),
    Step.ACCOUNT: ("banner", "navigation", "main"),
    Step.ORDERS: ("main", "navigation", "banner"),
    Step.ORDER: ("main",),
    Step.HELP: ("contentinfo", "main", "navigation", "banner"),
    Step.RETURN: ("main", "dialog"),
    Step.SUBMIT: ("main", "dialog"),
}


def normalise(text: str) -> str:
    """Lower case, "&" read as "and", every punctuation/space run as one space."""
    text = text.casefold().replace("&", " and ")
    return " ".join(re.sub(r"[^\w#]+", " ", text).split())


def _phrase_words(phrase: str) -> list[str]:
    return normalise(phrase).split()


def _find(name_words: list[str], phrase_words: list[str], start: int = 0) -> int:
    """Index of ``phrase_words`` as a run of whole words in ``name_words``, else -1.

    A phrase "Sign In" also fits the one word "signin"/"login": the words joined.
    """
    size = len(phrase_words)
    joined = "".join(phrase_words)
    for index in range(start, len(name_words)):
        if name_words[index : index + size] == phrase_words:
            return index
        if size > 1 and name_words[index] == joined:
            return index
    return -1


@lru_cache(maxsize=1024)
def _other_intent(step: Step) -> re.Pattern[str] | None:
    source = OTHER_INTENTS.get(step, "")
    return re.compile(source, re.IGNORECASE) if source else None


def fit(name: str, phrases: Iterable[str], step: Step = Step.ANY) -> Fit | None:
    """How ``name`` fits the best of ``phrases`` for ``step``; ``None`` when it does not."""
    other = _other_intent(step)
    if other is not None and other.search(name):
        return None
    words = normalise(name).split()
    if not words:
        return None
    best: Fit | None = None
    for phrase in phrases:
        wanted = _phrase_words(phrase)
        if not wanted:
            # A symbol-only phrase ("×") fits only the whole name.
            if name.strip() == phrase.strip():
                return Fit.WHOLE
            continue
        at = _find(words, wanted)
        if at < 0:
            continue
        span = 1 if len(wanted) > 1 and words[at] == "".join(wanted) else len(wanted)
        if at == 0 and span == len(words):
            return Fit.WHOLE
        found = Fit.START if at == 0 else Fit.INSIDE
        best = found if best is None else min(best, found)
    return best


# -- patterns for locators ----------------------------------------------------------------


def _phrase_source(phrase: str) -> str:
    """A phrase as a regex source: words in order, "and" also as "&", any punctuation between."""
    parts = re.findall(r"\w+|&|#", phrase)
    if not parts:
        return re.escape(phrase.strip())
    sources = []
    for part in parts:
        low = part.casefold()
        sources.append(r"(?:and|&)" if low in ("and", "&") else re.escape(part))
    return r"\W*".join(sources)


@lru_cache(maxsize=512)
def _inside_source(phrases: tuple[str, ...]) -> str:
    sources = sorted({_phrase_source(p) for p in phrases if p.strip()}, key=len, reverse=True)
    if not sources:
        raise ValueError("an empty word list matches nothing")
    return "|".join(sources)


def name_pattern(
    phrases: Sequence[str], step: Step = Step.ANY, *, not_holding: Sequence[str] = ()
) -> re.Pattern[str]:
    """Names holding one of ``phrases`` as whole words, without another intent of ``step``.

    ``not_holding``: phrases that must not be in the name either (an account control
    is not one when it says "Sign in to your account"). For ``get_by_role(name=...)``,
    ``get_by_label``, ``get_by_placeholder``, ``get_by_text``.
    """
    body = rf"(?<!\w)(?:{_inside_source(tuple(phrases))})(?!\w)"
    other = OTHER_INTENTS.get(step, "")
    if not_holding:
        held = rf"(?<!\w)(?:{_inside_source(tuple(not_holding))})(?!\w)"
        other = f"{other}|{held}" if other else held
    if other:
        body = rf"^(?![\s\S]*(?:{other}))[\s\S]*?" + body
    return re.compile(body, re.IGNORECASE)


def whole_pattern(phrases: Sequence[str]) -> re.Pattern[str]:
    """The whole name is one of ``phrases``, give or take punctuation (for exact lookups)."""
    return re.compile(rf"^\W*(?:{_inside_source(tuple(phrases))})\W*$", re.IGNORECASE)


def any_of(phrases: Sequence[str]) -> str:
    """The alternatives of ``phrases`` as one regex source (no anchors)."""
    return alternatives(phrases)


# -- ranking candidates on the page ---------------------------------------------------------

# The label a person reads next to a form field (its accessible name, near enough): what
# ``flows.forms`` reads back before a submit, so a field is known by one name throughout.
FIELD_LABEL_JS = """(el) => {
  const clean = (s) => (s || "").replace(/\\s+/g, " ").trim();
  const by = el.getAttribute("aria-labelledby");
  if (by) {
    return clean(by.split(/\\s+/).map((id) => {
      const node = document.getElementById(id);
      return node ? node.innerText : "";
    }).join(" "));
  }
  if (el.getAttribute("aria-label")) return clean(el.getAttribute("aria-label"));
  if (el.labels && el.labels.length) return clean(el.labels[0].innerText);
  return clean(el.getAttribute("title") || el.getAttribute("placeholder") || "");
}"""

# Name, visibility and landmark of every candidate (a form field's label too), in one round trip.
_DESCRIBE = (
    r"""(els) => els.map((el) => {
  const clean = (s) => (s || "").replace(/\s+/g, " ").trim();
  let name = "";
  const by = el.getAttribute("aria-labelledby");
  if (by) {
    name = by.split(/\s+/).map((id) => {
      const node = document.getElementById(id);
      return node ? node.textContent : "";
    }).join(" ");
  }
  if (!clean(name)) name = el.getAttribute("aria-label") || "";
  const tag = el.tagName.toLowerCase();
  if (!clean(name) && ["input", "select", "textarea"].includes(tag)) {
    if (el.labels && el.labels.length) name = el.labels[0].innerText;
    else if (tag === "input" && ["submit", "button", "reset"].includes(el.type)) name = el.value;
    if (!clean(name)) name = el.getAttribute("placeholder") || "";
  }
  if (!clean(name)) name = el.innerText || el.textContent || "";
  if (!clean(name)) {
    name = el.getAttribute("title") ||
      [...el.querySelectorAll("img[alt], svg[aria-label]")]
        .map((i) => i.getAttribute("alt") || i.getAttribute("aria-label")).join(" ");
  }
  const box = el.getBoundingClientRect();
  const style = getComputedStyle(el);
  const visible = box.width > 0 && box.height > 0 && style.visibility !== "hidden";
  const marks = [
    ["dialog", "dialog, [role=dialog], [role=alertdialog]"],
    ["navigation", "nav, [role=navigation]"],
    ["banner", "header, [role=banner]"],
    ["contentinfo", "footer, [role=contentinfo]"],
    ["main", "main, [role=main]"],
  ];
  const landmarks = marks.filter(([, sel]) => el.closest(sel)).map(([mark]) => mark);
  const label = ["input", "select", "textarea"].includes(tag) ? ("""
    + FIELD_LABEL_JS
    + r""")(el) : "";
  return {name: clean(name), visible, landmarks, label};
})"""
)


@dataclass(frozen=True)
class Candidate:
    """One element a lookup found: what it is called, whether it shows, where it sits."""

    index: int
    name: str
    visible: bool
    landmarks: tuple[str, ...]
    fit: Fit | None
    label: str = ""  # a form field's label as ``flows.forms`` reads it back ("" otherwise)


def describe(found: Locator, phrases: Sequence[str], step: Step) -> list[Candidate]:
    """Every element of ``found`` with its name, visibility, landmarks and fit (one evaluate)."""
    try:
        rows = found.evaluate_all(_DESCRIBE)
    except PlaywrightError:
        return []
    return [
        Candidate(
            index=index,
            name=str(row["name"]),
            visible=bool(row["visible"]),
            landmarks=tuple(row["landmarks"]),
            fit=fit(str(row["name"]), phrases, step),
            label=str(row.get("label") or ""),
        )
        for index, row in enumerate(rows)
    ]


def rank_key(candidate: Candidate, step: Step) -> tuple[int, int, int, int]:
    """Whole before start before inside; visible before hidden; suited landmark; page order."""
    # A name read here may differ from the accessible name Playwright matched: "inside".
    fitted = candidate.fit if candidate.fit is not None else Fit.INSIDE
    suited = LANDMARKS.get(step, ())
    place = min(
        (suited.index(mark) for mark in candidate.landmarks if mark in suited), default=len(suited)
    )
    return (int(fitted), 0 if candidate.visible else 1, place, candidate.index)


def ranked(found: Locator, phrases: Sequence[str], step: Step) -> list[Candidate]:
    """The candidates of ``found`` best first, leaving out names with another intent."""
    return _ranked(describe(found, phrases, step), step)


def _ranked(described: list[Candidate], step: Step) -> list[Candidate]:
    other = _other_intent(step)
    candidates = [c for c in described if other is None or not other.search(c.name)]
    return sorted(candidates, key=lambda c: rank_key(c, step))


def first_shown(described: list[Candidate], step: Step) -> Candidate | None:
    """The best-ranked of ``described`` (one ``describe``) that shows, if one does."""
    return next((c for c in _ranked(described, step) if c.visible), None)


def best_of_shown(found: Locator, phrases: Sequence[str], step: Step) -> Locator | None:
    """The best-ranked element of ``found``, a locator of shown elements only (a
    ``.filter(visible=True)``); its first when the ranking reads none as shown; ``None``
    when ``found`` has nothing. One look, whichever it is."""
    described = describe(found, phrases, step)
    if not described:
        return None
    for candidate in _ranked(described, step):
        if candidate.visible:
            return found.nth(candidate.index)
    return found.first


def best(
    found: Locator, phrases: Sequence[str], step: Step, *, visible_only: bool = True
) -> Locator | None:
    """The best-ranked element of ``found`` (visible ones only, unless told)."""
    chosen = best_candidate(found, phrases, step, visible_only=visible_only)
    return chosen[0] if chosen is not None else None


def best_candidate(
    found: Locator, phrases: Sequence[str], step: Step, *, visible_only: bool = True
) -> tuple[Locator, Candidate] | None:
    """``best``, with what was read of it (a field's label: no second look to learn it)."""
    for candidate in ranked(found, phrases, step):
        if candidate.visible or not visible_only:
            return found.nth(candidate.index), candidate
    return None
