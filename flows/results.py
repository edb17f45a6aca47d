"""What the flows hand back: receipts of what was done on the site, as plain data."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import NotRequired, TypedDict


@dataclass(frozen=True)
class CancellationReceipt:
    """A contact-form cancellation request: sent (``reference`` when the site gave one),
    or only filled in on a dry run (``reference`` is ``None``)."""

    reference: str | None
    fields: dict[str, str] = field(default_factory=dict)  # the form's label -> value filled
    url: str = ""
    confirmation: str | None = None  # what the shop said once it was sent (bounded)


@dataclass(frozen=True)
class ReturnReceipt:
    """A started return (or, on a dry run, the return form as filled in)."""

    reference: str | None
    items: tuple[str, ...] = ()
    method: str | None = None
    url: str = ""
    # "label": a return number and a prepaid label to download; "request": the shop was
    # asked, answered in words (``confirmation``), and mails a label later.
    kind: str = "label"
    confirmation: str | None = None
    not_sent: tuple[str, ...] = ()  # a request's items that could not be asked for


@dataclass(frozen=True)
class SupportRequest:
    """One earlier request listed on the site's support-requests page."""

    reference: str | None
    order: str | None
    text: str


class CancellationRequest(TypedDict):
    """What a cancellation request through the Contact Us form says, and how it is sent
    (``RetailerSite.request_cancellation``): ``dry_run`` fills the form and sends nothing;
    ``screenshot`` and ``filled_form`` are where its pictures go."""

    name: str
    email: str
    reason: str
    message: str
    dry_run: NotRequired[bool]
    screenshot: NotRequired[Path | None]
    filled_form: NotRequired[Path | None]


class ReturnRequest(TypedDict, total=False):
    """What a return asks for (``RetailerSite.start_return``): ``items`` (all returnable
    ones when none), a ``reason``; ``dry_run`` and ``screenshot`` as for a cancellation."""

    items: Sequence[str] | None
    reason: str | None
    dry_run: bool
    screenshot: Path | None
