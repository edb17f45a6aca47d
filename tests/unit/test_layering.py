"""The engine stays generic: ``flows`` imports nothing of ``agent`` and names no shop; the
agent's order commands stay apart from the tools for people trying it (demo, fixture shop);
no two product modules import each other, even lazily, and the distributed workers do not
import the command line."""

from __future__ import annotations

import ast
import json
import re
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
FLOWS = ROOT / "flows"

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


# The demo, the fixture shop, doctor and history are for people trying order-agent out
# or looking back: an order command must not even import them.
NOT_ON_THE_ORDER_PATH = ("agent.demo", "fixtures", "agent.doctor", "agent.history")


def _modules_after(code: str) -> dict[str, object]:
    probe = f"import contextlib, io, json, sys\n{code}\nprint(json.dumps(sorted(sys.modules)))\n"
    done = subprocess.run(
        [sys.executable, "-c", probe],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    return {"modules": json.loads(done.stdout.splitlines()[-1]), "stdout": done.stdout}


def _loaded(modules: list[str], package: str) -> list[str]:
    return [name for name in modules if name == package or name.startswith(package + ".")]


def test_the_cli_imports_no_demo_fixtures_doctor_or_history() -> None:
    found = _modules_after("import agent.cli")
    for package in (*NOT_ON_THE_ORDER_PATH, "click", "pydantic", "structlog", "playwright"):
        assert _loaded(found["modules"], package) == [], package


def test_cancel_help_loads_only_the_order_commands() -> None:
    found = _modules_after(
        "from agent.cli import main\n"
        "with contextlib.redirect_stdout(io.StringIO()):\n"
        "    assert main(['cancel', '--help']) == 0"
    )
    modules = found["modules"]
    assert "agent.commands.orders" in modules
    for package in (*NOT_ON_THE_ORDER_PATH, "agent.commands.tools", "agent.commands.schedule"):
        assert _loaded(modules, package) == [], package
    assert _loaded(modules, "playwright") == []


def test_the_demo_does_not_import_the_cli() -> None:
    # agent.cli -> (lazily) demo is the only direction: no import cycle between them.
    assert "agent.cli" not in _imported_modules(ROOT / "agent" / "demo.py")


def test_an_idle_run_is_answered_before_click_settings_or_logging_are_imported(
    tmp_path: Path,
) -> None:
    env = {"HOME": str(tmp_path), "ORDER_AGENT_DATA_DIR": str(tmp_path / "data")}
    code, message, modules = _idle_probe(tmp_path, env, ROOT)
    assert (code, message) == (75, "Checked 0 order(s); 1 more not due yet.")
    for package in ("click", "pydantic", "structlog", "sqlalchemy", "agent.commands.root"):
        assert _loaded(modules, package) == [], package


def test_the_idle_look_leaves_a_ledger_of_another_schema_version_to_the_full_way(
    tmp_path: Path,
) -> None:
    import sqlite3
    from datetime import timedelta

    from agent.idle_ledger import waiting_when_idle
    from agent.ledger import LEDGER_FILENAME, SCHEMA_VERSION, Ledger, OrderKey, utc_now

    with Ledger.open(tmp_path) as ledger:
        key = OrderKey("https://shop.example.com/us/", "jane@example.com", "70001")
        ledger.track(key, "cancel", every=timedelta(minutes=15), until=utc_now() + timedelta(1))
        ledger.schedule_next(key, utc_now() + timedelta(hours=1))
    assert waiting_when_idle(tmp_path, utc_now()) == 1
    with sqlite3.connect(tmp_path / LEDGER_FILENAME) as conn:
        conn.execute(f"PRAGMA user_version = {SCHEMA_VERSION + 1}")  # a newer release's file
    assert waiting_when_idle(tmp_path, utc_now()) is None


def _idle_probe(tmp_path: Path, env: dict[str, str], cwd: Path) -> tuple[int, str, list[str]]:
    from datetime import timedelta

    from agent.ledger import Ledger, OrderKey, utc_now

    data_dir = tmp_path / "data"
    with Ledger.open(data_dir) as ledger:
        key = OrderKey("https://shop.example.com/us/", "jane@example.com", "70001")
        ledger.track(key, "cancel", every=timedelta(minutes=15), until=utc_now() + timedelta(1))
        ledger.schedule_next(key, utc_now() + timedelta(hours=1))
    probe = (
        "import json, sys\n"
        "from agent.cli import main\n"
        "code = main(['run'])\n"
        "print(json.dumps([code, sorted(sys.modules)]))\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", probe],
        cwd=cwd,
        env={"PATH": "/usr/bin:/bin", "PYTHONPATH": str(ROOT), **env},
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    message, probed = done.stdout.splitlines()
    code, modules = json.loads(probed)
    return code, message, modules


def test_an_idle_run_set_up_by_init_is_answered_from_its_config_file_alone(
    tmp_path: Path,
) -> None:
    # What `order-agent init` leaves for cron: settings in the config file, none in the
    # environment.
    config_home = tmp_path / "config"
    (config_home / "order-agent").mkdir(parents=True)
    (config_home / "order-agent" / "config.env").write_text(
        "ORDER_AGENT_SITE_URL='https://shop.example.com/us/'\n"
        f"ORDER_AGENT_DATA_DIR='{tmp_path / 'data'}'\n"
    )
    work = tmp_path / "work"
    work.mkdir()
    env = {"HOME": str(tmp_path), "XDG_CONFIG_HOME": str(config_home)}

    code, message, modules = _idle_probe(tmp_path, env, work)

    assert (code, message) == (75, "Checked 0 order(s); 1 more not due yet.")
    for package in ("click", "pydantic", "structlog"):
        assert _loaded(modules, package) == [], package

    # A .env file in the working directory could say otherwise: the full way reads it.
    (work / ".env").write_text("ORDER_AGENT_LOG_LEVEL=warning\n")
    code, message, modules = _idle_probe(tmp_path, env, work)
    assert (code, message) == (75, "Checked 0 order(s); 1 more not due yet.")
    assert _loaded(modules, "pydantic") != []


PRODUCT = ("agent", "flows", "ordercore")


def _module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def _product_imports() -> dict[str, set[str]]:
    """Each product module and the product modules it imports, at the top or inside a
    function alike (a lazy import still ties the two)."""
    paths = [path for package in PRODUCT for path in (ROOT / package).rglob("*.py")]
    modules = {_module_name(path): path for path in paths if "migrations" not in path.parts}
    graph: dict[str, set[str]] = {}
    for name, path in modules.items():
        targets = set()
        for imported in _imported_modules(path):
            # ``from agent.x import y`` names agent.x; a package's module, its file.
            while imported and imported not in modules:
                imported = imported.rpartition(".")[0]
            if imported and imported != name:
                targets.add(imported)
        graph[name] = targets
    return graph


def _cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Every strongly connected group of more than one module (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    groups: list[list[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for target in sorted(graph.get(node, ())):
            if target not in index:
                visit(target)
                low[node] = min(low[node], low[target])
            elif target in on_stack:
                low[node] = min(low[node], index[target])
        if low[node] == index[node]:
            group = []
            while True:
                member = stack.pop()
                on_stack.discard(member)
                group.append(member)
                if member == node:
                    break
            if len(group) > 1:
                groups.append(sorted(group))

    for node in sorted(graph):
        if node not in index:
            visit(node)
    return groups


def test_no_product_module_imports_itself_back_through_others() -> None:
    # A package importing its own modules (``agent.ledger`` -> ``agent.ledger.facade``) is
    # its face, not a cycle: only modules of different packages or files count.
    graph = {
        name: {t for t in targets if not t.startswith(name + ".")}
        for name, targets in _product_imports().items()
    }
    assert _cycles(graph) == []


def test_the_distributed_workers_do_not_import_the_command_line() -> None:
    offenders = {
        f"{name}: {target}"
        for name, targets in _product_imports().items()
        if name.startswith("agent.distributed")
        for target in targets
        if target in ("agent.cli", "agent.__main__") or target.startswith("agent.commands")
    }
    assert not offenders
