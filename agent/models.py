"""Moved to ``ordercore.models`` (shared by ``agent`` and ``flows``); re-exported for now."""

from ordercore.models import *  # noqa: F403
