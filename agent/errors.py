"""Moved to ``ordercore.errors`` (shared by ``agent`` and ``flows``); re-exported for now."""

from ordercore.errors import *  # noqa: F403
