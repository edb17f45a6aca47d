"""Every failure order-agent reports, as one exception tree.

Errors are raised where they are found and caught only at the command-line
boundary (``agent.cli``), which turns them into a one-line message and an exit
code. The tree, with exit codes::

    OrderAgentError                 1  anything unexpected
    ├── UsageError                  2  bad arguments
    │   ├── ConfigError             2  a missing or malformed setting
    │   └── OrderNotFound           2  not in the account's order list (the orders it
    │                                  lists are named)
    ├── NeedsHuman                  3  a person has to step in
    │   ├── CredentialsRejected        wrong e-mail or password
    │   ├── AccountLocked              too many attempts
    │   ├── BotCheck                   "verify you are human"
    │   ├── TwoStepCodeMissing         the site asks for a code, no TOTP secret set
    │   ├── UnsafeSignIn               sign-in form on another origin / plain http
    │   ├── ReturnRefused              the site refused the return
    │   ├── ItemNotOnOrder             --item names nothing the return form lists
    │   ├── UnknownStatus              a status word outside the contract, statuses
    │   │                              that disagree, or none in its place
    │   ├── StatusChanged              the status read again just before a submit is
    │   │                              not the one acted on: nothing was sent
    │   └── SiteNotUnderstood          an expected link, field or button is missing
    ├── TryLater                   75  nothing possible now; run again later
    │   ├── SiteUnavailable            transient errors outlasted the retries
    │   ├── LabelInvalid               the label link did not give a valid PDF (or one
    │   │                              over the size / time limits)
    │   ├── AnswerTooLarge             a page larger than ORDER_AGENT_PAGE_MAX_BYTES
    │   └── AlreadyRunning             another run holds the data-dir lock
    ├── TransientError              1  5xx, time-out, dropped connection, browser
    │   │                              crash: retried, then turned into SiteUnavailable
    │   ├── SessionExpired             the site signed us out mid-flow
    │   ├── StatusUnconfirmed          the status could not be read again right before
    │   │                              a submit (a transient failure, or signed out):
    │   │                              nothing was sent, so it is sent afresh later
    │   └── NameNotResolved            the shop's host name does not resolve (on a shop
    │                                  never reached before: a ConfigError, exit 2)
    ├── StorageError                1  the data dir cannot be written
    └── LedgerError                 1  the ledger is corrupt or from a newer version

Messages must never contain a secret: exceptions that could carry a typed
value are re-raised with a sanitised message (see ``agent.redaction``).
"""

from __future__ import annotations

EXIT_OK = 0
EXIT_ERROR = 1
EXIT_USAGE = 2
EXIT_NEEDS_HUMAN = 3
EXIT_TRY_LATER = 75  # EX_TEMPFAIL from sysexits.h: schedulers know it means "retry"


class OrderAgentError(Exception):
    """Base of every error order-agent raises on purpose."""

    exit_code: int = EXIT_ERROR
    outcome: str = "error"

    def __init__(self, message: str, *, hint: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.hint = hint

    def __str__(self) -> str:
        return self.message if not self.hint else f"{self.message} ({self.hint})"


class UsageError(OrderAgentError):
    exit_code = EXIT_USAGE


class ConfigError(UsageError):
    pass


class NeedsHuman(OrderAgentError):
    exit_code = EXIT_NEEDS_HUMAN
    outcome = "needs_human"
    # Whether the shop's customer service is part of the way out (its phone number is
    # looked up and shown); not when the next step is another order-agent command.
    ask_shop: bool = True

    def __init__(
        self,
        message: str,
        *,
        hint: str | None = None,
        phone: str | None = None,
        evidence: str | None = None,
    ) -> None:
        super().__init__(message, hint=hint)
        self.phone = phone
        self.evidence = evidence


class CredentialsRejected(NeedsHuman):
    pass


class AccountLocked(NeedsHuman):
    pass


class BotCheck(NeedsHuman):
    pass


class TwoStepCodeMissing(NeedsHuman):
    pass


class UnsafeSignIn(NeedsHuman):
    pass


class OrderNotFound(UsageError):
    """The account's order list has no such order: the number given is to check (exit 2,
    for every command alike, the orders the list shows in the message)."""


class ReturnRefused(NeedsHuman):
    pass


class ItemNotOnOrder(NeedsHuman):
    """``--item`` names nothing the order's return form lists (the message lists what it does)."""

    ask_shop = False


class UnknownStatus(NeedsHuman):
    """The order shows status words outside the contract (and outside the shop's profile).

    Carries the shop's own words, so that the result JSON says ``status: "unknown"``
    and ``raw_status`` even though the command ended in an error.
    """

    status = "unknown"

    def __init__(
        self,
        message: str,
        *,
        raw_status: str | None = None,
        hint: str | None = None,
        phone: str | None = None,
        evidence: str | None = None,
        status_details: dict[str, object] | None = None,
    ) -> None:
        super().__init__(message, hint=hint, phone=phone, evidence=evidence)
        self.raw_status = raw_status
        # Where the status was read and what was set aside (``status_place``,
        # ``status_candidates``): the JSON shows them.
        self.status_details = dict(status_details or {})


class StatusChanged(NeedsHuman):
    """Read again right before a submit, the order's status was not the one acted on.

    Raised before the click: nothing was sent.
    """


class SiteNotUnderstood(NeedsHuman):
    pass


class TryLater(OrderAgentError):
    exit_code = EXIT_TRY_LATER
    outcome = "waiting"


class SiteUnavailable(TryLater):
    pass


class LabelInvalid(TryLater):
    pass


class AnswerTooLarge(TryLater):
    """The shop answered with more than the agent takes (a page over its size limit)."""


class AlreadyRunning(TryLater):
    pass


class TransientError(OrderAgentError):
    """Safe to retry: the step can simply be repeated."""


class SessionExpired(TransientError):
    pass


class StatusUnconfirmed(TransientError):
    """The order's status could not be read again right before a submit.

    Raised before the click, from a transient failure (or the shop signing us out) of the
    read itself: nothing was sent. Its cause is that failure.
    """


class NameNotResolved(TransientError):
    """The shop's host name does not resolve: DNS trouble (transient) or a typo (not).

    Only the agent knows which: a shop it never reached is most likely misspelled.
    """

    def __init__(self, message: str, *, host: str) -> None:
        super().__init__(message)
        self.host = host


class StorageError(OrderAgentError):
    pass


class LedgerError(OrderAgentError):
    pass
