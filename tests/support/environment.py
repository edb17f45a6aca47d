"""The environment an ``order-agent`` under test sees: nothing of the outer shell's settings.

``QUICK_RETRIES``: the back-off between two tries of a step that is safe to repeat
(``ORDER_AGENT_RETRY_WAIT_*``), cut to milliseconds. A retry still takes its real code
path, it just does not sleep for seconds; no test here is about how long it sleeps.
"""

from __future__ import annotations

import os

QUICK_RETRIES = {
    "ORDER_AGENT_RETRY_WAIT_MULTIPLIER_S": "0.01",
    "ORDER_AGENT_RETRY_WAIT_MAX_S": "0.05",
}
# The same, as keyword arguments of ``load_settings`` (for runs in this process).
QUICK_RETRY_SETTINGS = {
    name.removeprefix("ORDER_AGENT_").lower(): float(value) for name, value in QUICK_RETRIES.items()
}


def outer_environment() -> dict[str, str]:
    """This process's environment without any ORDER_AGENT_* variable."""
    return {key: value for key, value in os.environ.items() if not key.startswith("ORDER_AGENT_")}


def agent_environment(**settings: str) -> dict[str, str]:
    """The environment of an ``order-agent`` process: the outer one, quick retries, ``settings``
    (``ORDER_AGENT_*`` names); the ledger of the test's backend (``tests.support.ledgers``)."""
    ledger = {}
    if database_url := os.environ.get("LEDGER_TEST_DATABASE_URL"):
        ledger["ORDER_AGENT_DATABASE_URL"] = database_url
    return {**outer_environment(), **QUICK_RETRIES, **ledger, **settings}
