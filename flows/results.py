"""What the flows hand back: receipts of what was done on the site, as plain data."""

from __future__ import annotations

from dataclasses import dataclass, field


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
