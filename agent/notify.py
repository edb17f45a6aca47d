"""Telling the shopper when something that matters to them happened.

Every such change (request sent, order cancelled, request declined, shipped,
label ready, needs a human, watch expired) is logged, and, when
``ORDER_AGENT_NOTIFY`` holds one or more Apprise URLs (``ntfy://…``,
``mailto://…``, ``json://…``; separated by spaces or commas), sent through
Apprise::

    notifier = Notifier.from_env()           # or Notifier(settings.notify_urls)
    delivered = notifier.notify(
        NotifyEvent.REQUEST_SENT, "70001",
        "Cancellation requested for order 70001", "Case number CS-482913.",
    )
    ledger.record_notification(key, NotifyEvent.REQUEST_SENT, title, delivered=delivered)

Apprise is imported only when URLs are configured, so the idle scheduled run
stays fast. A failure to notify is logged and reported as ``False``, never
raised: the run's real work is already done and recorded. Titles and bodies are
the caller's and must hold no secret; as a safety net, any value given in
``redact`` (password, TOTP secret) is masked before anything leaves the process.
Apprise URLs themselves carry tokens, so they are never logged (only their scheme).
"""

from __future__ import annotations

import os
import re
import warnings
from collections.abc import Iterable, Mapping, Sequence
from enum import StrEnum
from typing import TYPE_CHECKING

import structlog

if TYPE_CHECKING:
    import apprise

NOTIFY_ENV = "ORDER_AGENT_NOTIFY"
REDACTED = "[redacted]"

log = structlog.get_logger(__name__)


class NotifyEvent(StrEnum):
    REQUEST_SENT = "request_sent"
    ORDER_CANCELLED = "order_cancelled"
    REQUEST_DECLINED = "request_declined"
    SHIPPED = "shipped"
    LABEL_READY = "label_ready"
    NEEDS_HUMAN = "needs_human"
    EXPIRED = "expired"
    # A return followed to its refund, each told once.
    RETURN_IN_TRANSIT = "return_in_transit"
    RETURN_RECEIVED = "return_received"
    REFUNDED = "refunded"
    SHIP_REMINDER = "ship_reminder"  # the label saved --ship-by ago, the parcel not scanned


# Apprise's notify types drive icons/colours on the targets that show them.
_NOTIFY_TYPES: Mapping[str, str] = {
    NotifyEvent.ORDER_CANCELLED: "success",
    NotifyEvent.LABEL_READY: "success",
    NotifyEvent.REQUEST_DECLINED: "warning",
    NotifyEvent.NEEDS_HUMAN: "warning",
    NotifyEvent.EXPIRED: "warning",
    NotifyEvent.REFUNDED: "success",
    NotifyEvent.SHIP_REMINDER: "warning",
}

# A URL list is split before each "scheme://", so commas inside a URL survive.
_URL_SEPARATOR = re.compile(r"[\s,]+(?=[A-Za-z][A-Za-z0-9+.-]*://)")


def parse_notify_urls(value: str | None) -> list[str]:
    """``ORDER_AGENT_NOTIFY``'s value as a list of Apprise URLs."""
    if not value or not value.strip():
        return []
    return [url.strip(" \t\n,") for url in _URL_SEPARATOR.split(value.strip()) if url.strip()]


def _scheme(url: str) -> str:
    return url.split("://", 1)[0] if "://" in url else "?"


class Notifier:
    """Logs each notification and sends it to the configured Apprise URLs."""

    def __init__(self, urls: Sequence[str], *, redact: Iterable[str] = ()) -> None:
        self.urls = [url for url in urls if url.strip()]
        # Longest first, so a secret containing another is masked whole.
        self._secrets = sorted({value for value in redact if value}, key=len, reverse=True)
        self._apprise: apprise.Apprise | None = None

    @classmethod
    def from_env(
        cls, environ: Mapping[str, str] | None = None, *, redact: Iterable[str] = ()
    ) -> Notifier:
        environ = os.environ if environ is None else environ
        return cls(parse_notify_urls(environ.get(NOTIFY_ENV)), redact=redact)

    @property
    def enabled(self) -> bool:
        return bool(self.urls)

    def notify(self, event: str, order: str, title: str, body: str) -> bool:
        """Log the change and send it; True only if every target accepted it."""
        title, body = self._mask(title), self._mask(body)
        log.info("notification", change=str(event), order=order, title=title)
        if not self.urls:
            return False
        try:
            targets = self._targets()
            if targets is None:
                return False
            delivered = bool(
                targets.notify(title=title, body=body, notify_type=_NOTIFY_TYPES.get(event, "info"))
            )
        except Exception as exc:
            # A notification is never worth failing a run over.
            log.warning(
                "notification failed", change=str(event), order=order, error=type(exc).__name__
            )
            return False
        if not delivered:
            log.warning(
                "notification not delivered",
                change=str(event),
                order=order,
                targets=[_scheme(url) for url in self.urls],
            )
        return delivered

    def _targets(self) -> apprise.Apprise | None:
        if self._apprise is None:
            with warnings.catch_warnings():
                # Apprise loads its plugins (one imports the deprecated imghdr) as it
                # parses URLs: its concern, not the user's.
                warnings.simplefilter("ignore", DeprecationWarning)
                import apprise  # only here: it is slow to import and rarely configured

                targets = apprise.Apprise()
                for url in self.urls:
                    if not targets.add(url):
                        log.warning("notification URL not understood", scheme=_scheme(url))
            self._apprise = targets
        return self._apprise if len(self._apprise) else None

    def _mask(self, text: str) -> str:
        for secret in self._secrets:
            text = text.replace(secret, REDACTED)
        return text
