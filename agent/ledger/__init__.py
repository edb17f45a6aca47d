"""The ledger: every tracked order, in one database, the single source of truth.

It is what scheduled runs (``watch``/``add``/``list``/``forget``/``run``) and the
one-shot commands (``cancel``, ``return``) share, so that running a command twice, or
a scheduled job every few minutes for weeks, across crashes, never sends the same
request twice.

Opening::

    with Ledger.open(settings.data_dir, database_url=settings.database_url_text()) as ledger:
        ...

Without a database URL it is the SQLite file ``<data_dir>/ledger.sqlite3`` (the data
dir created 0700 and the file 0600 before SQLite touches it); with one
(``ORDER_AGENT_DATABASE_URL``, e.g. ``postgresql://...``) the database many workers
share. A file that is not SQLite, not an order-agent ledger, or written by a newer
version is never modified: :class:`ordercore.errors.LedgerError` says which file and
what to do. The schema is moved forward by Alembic on open (:mod:`agent.ledger.schema`).

Modules: :mod:`~agent.ledger.models` (what is stored, as Python values),
:mod:`~agent.ledger.tables` (SQLAlchemy Core tables), one module per table
(:mod:`~agent.ledger.orders`, :mod:`~agent.ledger.intents`, :mod:`~agent.ledger.events`,
:mod:`~agent.ledger.site_memory`, :mod:`~agent.ledger.credential_blocks`,
:mod:`~agent.ledger.claims`), :mod:`~agent.ledger.engine` (URL to Engine, transactions),
:mod:`~agent.ledger.schema` + ``migrations/`` (Alembic), and :class:`Ledger`, the facade.

Orders are keyed by :class:`OrderKey` (site URL, account e-mail, order number),
each normalised on construction, so ``"#MK-70001"`` and ``"70001"`` are one order.

Write-ahead intents, for every irreversible step (submitting a contact form,
submitting a return)::

    if (sent := ledger.has_sent(key, IntentKind.CANCELLATION_REQUEST)):
        return sent.reference                         # `cancel` twice sends once
    for intent in ledger.open_intents(key):            # an earlier run died mid-step
        reference = <look at Support Requests / the order's return status>
        if <the shop shows it>:   ledger.resolve_intent(intent.id, reference, "support requests")
        elif <no trace at all>:   ledger.resolve_intent(intent.id, None, "support requests")
        else:                     ledger.finish(key, EndState.NEEDS_HUMAN, "...")  # cannot tell
    intent_id = ledger.begin_intent(key, IntentKind.CANCELLATION_REQUEST, {"message": text})
    # committed (fsynced) before the click
    <click Submit>
    ledger.complete_intent(intent_id, case_number, {"confirmation": words})
    # or, when it failed: ledger.fail_intent(intent_id, reason, definitely_not_sent=...)

A request the shop already shows (sent from another data dir, or by hand) is
recorded with ``adopt_intent(key, kind, reference, how)``: sent, never submitted.
:mod:`agent.submitting` is the one caller of this protocol.

``begin_intent`` refuses (:class:`IntentConflict`) while an intent of the same kind
is unresolved or already sent, so even two racing processes submit at most once.
A failure that may have gone through (``definitely_not_sent=False``) stays in
``open_intents`` and must be reconciled like a crash. Follow-ups use their own
kind (:attr:`IntentKind.FOLLOW_UP`), so there is at most one.

Scheduling (the ``run`` command, which holds :class:`agent.locking.DataDirLock`)::

    for order in ledger.expire_overdue():   # past --until: end state "expired"
        notify(...)
    for order in ledger.due():              # cheap: no Playwright import needed
        if not ledger.claim(order.key, worker, lease):   # another worker has it
            continue
        ... ledger.record_status(order.key, status, raw)
        ... ledger.schedule_next(order.key, now + order.every)   # or ledger.finish(...)
        ledger.release(order.key, worker)

Findings: ``record_finding`` counts a check stopped by what may be a hiccup (same
kind as last time: one more pass in a row), ``clear_finding`` forgets it after a good
check; ``TrackedOrder.finding`` shows it. Orders ended with
``finish(..., parked_on=fingerprint)`` come back with ``resume_parked`` once the
configured credentials' fingerprint differs.

Times are timezone-aware datetimes, stored as UTC ISO-8601 text. Every write is
one short transaction (SQLite: ``BEGIN IMMEDIATE``, WAL, ``synchronous=FULL``: a
commit survives a crash or power cut, and many processes may read and write at
once; PostgreSQL: the rows decided on are locked ``FOR UPDATE``). Nothing is
deleted: ``forget`` only sets an end state. Payloads, details and event data are the
caller's and must hold no secrets; keys that name one (password, totp, cookie,
token, ...) are refused with ``ValueError`` as a safety net.
"""

from typing import TYPE_CHECKING, Any

# What is stored, as Python values: light (no SQLAlchemy), imported with the package.
from agent.ledger.models import (
    DEFAULT_SHIP_BY,
    UNRESOLVED_INTENT_STATES,
    EndState,
    Event,
    Finding,
    Intent,
    IntentConflict,
    IntentKind,
    IntentState,
    OrderKey,
    OrderNotTracked,
    OrderOptions,
    TrackedOrder,
    normalise_email,
    normalise_order_number,
    normalise_site,
    utc_now,
)
from agent.ledger.revisions import HEAD_REVISION, LEDGER_FILENAME, SCHEMA_VERSION

if TYPE_CHECKING:
    from agent.ledger.claims import this_worker
    from agent.ledger.engine import (
        APPLICATION_ID,
        BUSY_TIMEOUT_SECONDS,
        SQLITE_HEADER,
        masked,
    )
    from agent.ledger.facade import Ledger

# The database side stands on SQLAlchemy, whose import costs more than an idle ``run``'s
# whole answer (agent.cli): it is imported when one of these names is first used.
_ON_FIRST_USE = {
    "this_worker": "agent.ledger.claims",
    "APPLICATION_ID": "agent.ledger.engine",
    "BUSY_TIMEOUT_SECONDS": "agent.ledger.engine",
    "SQLITE_HEADER": "agent.ledger.engine",
    "masked": "agent.ledger.engine",
    "Ledger": "agent.ledger.facade",
}


def __getattr__(name: str) -> Any:
    module = _ON_FIRST_USE.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    import importlib

    value = getattr(importlib.import_module(module), name)
    globals()[name] = value
    return value


__all__ = [
    "APPLICATION_ID",
    "BUSY_TIMEOUT_SECONDS",
    "DEFAULT_SHIP_BY",
    "HEAD_REVISION",
    "LEDGER_FILENAME",
    "SCHEMA_VERSION",
    "SQLITE_HEADER",
    "UNRESOLVED_INTENT_STATES",
    "EndState",
    "Event",
    "Finding",
    "Intent",
    "IntentConflict",
    "IntentKind",
    "IntentState",
    "Ledger",
    "OrderKey",
    "OrderNotTracked",
    "OrderOptions",
    "TrackedOrder",
    "masked",
    "normalise_email",
    "normalise_order_number",
    "normalise_site",
    "this_worker",
    "utc_now",
]
