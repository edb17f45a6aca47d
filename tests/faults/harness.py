"""The process helpers of ``tests/security`` (one copy of that code, loaded by path).

``tests/`` is not a package, so a sibling folder's module cannot be imported by name.
"""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path
from types import ModuleType

_NAME = "order_agent_tests_harness"
_SOURCE = Path(__file__).resolve().parent.parent / "security" / "harness.py"


def _shared() -> ModuleType:
    if _NAME not in sys.modules:
        spec = importlib.util.spec_from_file_location(_NAME, _SOURCE)
        assert spec is not None and spec.loader is not None
        module = importlib.util.module_from_spec(spec)
        sys.modules[_NAME] = module  # dataclasses look their module up while being built
        spec.loader.exec_module(module)
    return sys.modules[_NAME]


_module = _shared()
AgentCLI = _module.AgentCLI
AgentRun = _module.AgentRun
JANE: str = _module.JANE
SEED_PASSWORD: str = _module.SEED_PASSWORD
files_under = _module.files_under
find_leaks = _module.find_leaks
readable_parts = _module.readable_parts
Page = _module.Page
StaticSite = _module.StaticSite
html = _module.html
