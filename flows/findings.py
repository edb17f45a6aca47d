"""What the engine found, and where: notes for ``order-agent doctor``.

At each point where the engine settles on something (the sign-in link, the
order list link, the Contact Us link...) it calls ``note(step, locator)``.
Nothing is recorded, and the page is not even asked, unless a caller is
``recording()``: ordinary runs pay nothing for it.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass

from playwright.sync_api import Error as PlaywrightError
from playwright.sync_api import Locator

# Role, accessible name (near enough) and landmark of an element, as a person would say them.
_DESCRIBE = """(el) => {
  const clean = (s) => (s || "").replace(/\\s+/g, " ").trim();
  const tag = el.tagName.toLowerCase();
  const type = (el.getAttribute("type") || "").toLowerCase();
  const implicit = () => {
    if (tag === "a" && el.hasAttribute("href")) return "link";
    if (tag === "button" || (tag === "input" && ["submit", "button", "reset"].includes(type)))
      return "button";
    if (tag === "select") return "select";
    if (tag === "textarea" || (tag === "input" && !["checkbox", "radio"].includes(type)))
      return "field";
    if (tag === "input") return type;
    if (/^h[1-6]$/.test(tag)) return "heading";
    return "text";
  };
  const role = (el.getAttribute("role") || "").trim().toLowerCase() || implicit();
  let name = clean(el.getAttribute("aria-label"));
  const by = el.getAttribute("aria-labelledby");
  if (!name && by) {
    name = clean(by.split(/\\s+/).map((id) => {
      const node = document.getElementById(id);
      return node ? node.innerText : "";
    }).join(" "));
  }
  if (!name && el.labels && el.labels.length) name = clean(el.labels[0].innerText);
  if (!name && ["button", "link", "heading", "text", "tab", "menuitem"].includes(role))
    name = clean(el.innerText || (tag === "input" ? el.value : ""));
  // Never a field's value: it may be what was typed (an e-mail, a password).
  if (!name) name = clean(el.getAttribute("placeholder") || el.getAttribute("title"));
  const landmarks = [
    ["dialog", "[role=dialog], dialog"],
    ["menu", "[role=menu]"],
    ["header", "header, [role=banner]"],
    ["footer", "footer, [role=contentinfo]"],
    ["navigation", "nav, [role=navigation]"],
    ["main content", "main, [role=main]"],
  ];
  for (let up = el.parentElement; up; up = up.parentElement) {
    for (const [landmark, selector] of landmarks) {
      if (up.matches(selector)) return [role, name, landmark];
    }
  }
  return [role, name, null];
}"""


@dataclass(frozen=True)
class Finding:
    """One thing the engine found: e.g. the link 'Login or register' in the header."""

    step: str
    role: str
    name: str
    landmark: str | None
    url: str

    def describe(self) -> str:
        if self.role == "page":  # reached by URL, not by a control (see note_url)
            return f"{self.name}: {self.url}"
        name = self.name if len(self.name) <= 60 else self.name[:59] + "…"
        where = f" in the {self.landmark}" if self.landmark else ""
        return f"{self.role} '{name}'{where}"

    def to_json(self) -> dict[str, str | None]:
        return {
            "step": self.step,
            "role": self.role,
            "name": self.name,
            "landmark": self.landmark,
            "url": self.url,
        }


_RECORDER: ContextVar[list[Finding] | None] = ContextVar("order_agent_findings", default=None)


@contextmanager
def recording() -> Iterator[list[Finding]]:
    """Collect every ``note`` made inside the block, in order."""
    found: list[Finding] = []
    token = _RECORDER.set(found)
    try:
        yield found
    finally:
        _RECORDER.reset(token)


def is_recording() -> bool:
    """Whether someone records findings now: what is looked up only to note it can wait."""
    return _RECORDER.get() is not None


def describe(step: str, found: Locator) -> Finding | None:
    """``found``'s first element as a ``Finding``; ``None`` when the page cannot say."""
    try:
        element = found.first
        role, name, landmark = element.evaluate(_DESCRIBE)
        url = element.page.url
    except PlaywrightError:
        return None
    return Finding(step, str(role), str(name), landmark, url)


def note(step: str, found: Locator | None) -> None:
    """Record that ``step`` settled on ``found`` (only while someone is recording)."""
    recorder = _RECORDER.get()
    if recorder is None or found is None:
        return
    finding = describe(step, found)
    if finding is not None:
        recorder.append(finding)


def note_url(step: str, url: str, how: str) -> None:
    """Record that ``step`` was reached by going to ``url`` (``how``: e.g. a start path)."""
    recorder = _RECORDER.get()
    if recorder is not None:
        recorder.append(Finding(step, "page", how, None, url))
