"""What is due and when: the schedule's policy as data.

How often an order is checked (``--every``, with a little jitter so that watchers do
not hit a shop in step), how long (``--for``, extended while a return is followed),
when a follow-up goes (``--follow-up-after``), how long an unresolved submit is left to
the shop, and how a *finding* (what may be a hiccup) backs off before a person is
asked. Nothing here touches the ledger, the shop or the clock.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from agent.durations import format_duration
from agent.ledger import DEFAULT_SHIP_BY, Finding, OrderOptions
from agent.schedule_reports import Check
from ordercore.errors import (
    AccountLocked,
    BotCheck,
    CredentialsRejected,
    OrderNotFound,
    SessionExpired,
    SiteNotUnderstood,
    TwoStepCodeMissing,
    UnknownStatus,
    UnsafeSignIn,
    UsageError,
)

DEFAULT_EVERY = timedelta(minutes=15)
DEFAULT_FOR = timedelta(days=14)
DEFAULT_FOLLOW_UP_AFTER = timedelta(hours=24)
# Once its label is saved, an order is watched at least this long after --ship-by (its
# parcel's way back and the refund), even past --for: the return is not given up half-way.
RETURN_FOLLOW_SPAN = timedelta(days=21)
MIN_EVERY = timedelta(minutes=1)
# Checks come up to this share of --every early, so that many watchers do not
# hit a shop in step, and a timer firing every --every never finds one not yet due.
JITTER_SHARE = 0.1
# A submit whose outcome is unknown may still be in the shop's hands (a slow
# answer, a run killed mid-click); it is reconciled only after this long.
RECONCILE_AFTER = timedelta(minutes=5)
# A watch whose order another worker holds (a shared ledger) looks again this much later.
CLAIM_WAIT = timedelta(seconds=30)
# Check.error of an order skipped because another worker holds its claim.
CLAIMED_ELSEWHERE = "ClaimedElsewhere"
# Restarts of a crashed browser, and sign-ins after the site signed us out, per check.
REPEATS_PER_CHECK = 2

# Sign-in refusals: never retried, and the rest of the pass leaves the account alone.
SIGN_IN_REFUSALS = (CredentialsRejected, AccountLocked, BotCheck, TwoStepCodeMissing, UnsafeSignIn)
# Refusals that the configured credentials answer: an order parked on one of them
# resumes by itself once the credentials (password, e-mail, TOTP secret) change.
PARKED_ON_CREDENTIALS = (CredentialsRejected, TwoStepCodeMissing)
# What may be a hiccup (a page that stalled, a late overlay, an order list that
# showed up half-drawn): a *finding*, kept in the ledger and retried on later passes.
FINDINGS = (SiteNotUnderstood, UnknownStatus, OrderNotFound)
# A finding becomes "needs a human" only once the same one was found on this many
# passes in a row, spread over at least FINDING_GIVE_UP_SPAN.
FINDING_GIVE_UP_PASSES = 3
FINDING_GIVE_UP_SPAN = timedelta(hours=1)
# Retries of a finding back off: 5 min after the first, doubling, at most an hour
# apart (with the defaults a steady finding ends the order about 75 minutes in).
FINDING_FIRST_RETRY = timedelta(minutes=5)
FINDING_MAX_RETRY = timedelta(hours=1)

# Ledger events after which an ended order is worked on again.
RESTART_EVENTS = frozenset({"revived", "resumed"})

Clock = Callable[[], datetime]
# ``threading.Event().wait``: waits up to N seconds; True means "stop now".
Sleep = Callable[[float], bool]
Jitter = Callable[[timedelta], timedelta]
CheckListener = Callable[[Check], None]


def random_jitter(every: timedelta) -> timedelta:
    """How much earlier than ``every`` the next check comes (0 to 10% of it)."""
    return -every * random.uniform(0.0, JITTER_SHARE)


@dataclass(frozen=True)
class WatchPlan:
    """How to watch an order: what ``watch``/``add`` were told."""

    every: timedelta = DEFAULT_EVERY
    duration: timedelta = DEFAULT_FOR
    follow_up_after: timedelta | None = DEFAULT_FOLLOW_UP_AFTER
    reason: str | None = None
    items: tuple[str, ...] = ()
    channel: str | None = None  # "auto" | "chat" | "form"; None: the settings'
    ship_by: timedelta | None = DEFAULT_SHIP_BY  # None: no reminder to send the return

    def __post_init__(self) -> None:
        if self.every < MIN_EVERY:
            raise UsageError(f"--every must be at least {format_duration(MIN_EVERY)}")

    def options(self) -> OrderOptions:
        return OrderOptions(
            reason=self.reason,
            items=self.items,
            follow_up_after=self.follow_up_after,
            channel=self.channel,
            ship_by=self.ship_by,
        )


def finding_retry_after(count: int) -> timedelta:
    """How long after the ``count``-th pass in a row with the same finding to look again."""
    return min(FINDING_FIRST_RETRY * 2 ** max(count - 1, 0), FINDING_MAX_RETRY)


def finding_is_final(finding: Finding) -> bool:
    """Whether a finding held long enough that it is no hiccup: a person has to look."""
    return finding.count >= FINDING_GIVE_UP_PASSES and finding.span >= FINDING_GIVE_UP_SPAN


def signed_out(exc: BaseException) -> bool:
    """Whether a failure is the shop having signed us out (signing in again may help)."""
    return isinstance(exc, SessionExpired) or isinstance(exc.__cause__, SessionExpired)
