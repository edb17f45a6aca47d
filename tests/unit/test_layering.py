"""The engine stays generic: ``flows`` imports nothing of ``agent`` and names no shop."""

from __future__ import annotations

import ast
import re
from pathlib import Path

FLOWS = Path(__file__).resolve().parents[2] / "flows"

# The fixture shop's store name and the platforms whose pages taught the rules: none of
# them may steer the engine (their wording lives in profiles, docs and tests).
SHOP_NAMES = re.compile(
    r"maison|kora|magento|shopify|woocommerce|prestashop|bigcommerce"
    r"|salesforce|saleor|oscar|spree|sylius|opencart|hyv[aä]",
    re.IGNORECASE,
)


def _imported_modules(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    found = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            found.add(node.module)
    return found


def test_flows_import_no_agent_module() -> None:
    offenders = {
        f"{path.name}: {module}"
        for path in FLOWS.glob("*.py")
        for module in _imported_modules(path)
        if module == "agent" or module.startswith("agent.")
    }
    assert not offenders


def test_flows_name_no_shop_host_or_platform() -> None:
    offenders = [
        f"{path.name}:{number}: {line.strip()}"
        for path in FLOWS.glob("*.py")
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1)
        if SHOP_NAMES.search(line)
    ]
    assert not offenders
