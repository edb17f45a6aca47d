"""How values are written into ledger columns: times as UTC ISO-8601 text, JSON as text.

Times are text (not a database timestamp type) on every backend, so a SQLite file
written by earlier releases reads the same, and text order is time order in SQL.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

_SECRET_KEY_WORDS = frozenset(
    {"password", "passwd", "secret", "totp", "otp", "cookie", "cookies", "token", "credentials"}
)


def refuse_secret_keys(data: Any) -> None:
    """A safety net: payloads are the caller's and must hold no secrets."""
    if isinstance(data, Mapping):
        for name, value in data.items():
            if _SECRET_KEY_WORDS & set(re.split(r"[^a-z0-9]+", str(name).lower())):
                raise ValueError(f"refusing to store a field named {name!r} in the ledger")
            refuse_secret_keys(value)
    elif isinstance(data, list | tuple):
        for value in data:
            refuse_secret_keys(value)


def dumps(data: Mapping[str, Any]) -> str:
    refuse_secret_keys(data)
    return json.dumps(data, default=str, sort_keys=True)


def loads(text: str) -> dict[str, Any]:
    loaded: dict[str, Any] = json.loads(text)
    return loaded


def iso(moment: datetime) -> str:
    # One fixed format, so that text order is time order in SQL comparisons.
    if moment.tzinfo is None:
        raise ValueError("the ledger needs timezone-aware datetimes")
    return moment.astimezone(UTC).isoformat(timespec="microseconds")


def iso_or_none(moment: datetime | None) -> str | None:
    return iso(moment) if moment is not None else None


def to_datetime(text: str) -> datetime:
    return datetime.fromisoformat(text)


def to_datetime_or_none(text: str | None) -> datetime | None:
    return datetime.fromisoformat(text) if text else None
