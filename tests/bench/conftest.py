"""The benchmark's own modules (``bench/``, not installed) importable from these tests.

This folder has no ``__init__.py``: as a package it would be imported as ``bench``
and hide the real one.
"""

from __future__ import annotations

import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))
