"""The tests a change can break: the inner loop of ``make check``.

    python -m tests.support.affected              # the test files, one a line
    python -m tests.support.affected --run -n 3   # pytest on them (arguments after --run)

What changed is what ``git`` says differs from the merge base with ``main`` (``BASE``
overrides it), committed or not, plus files git does not track yet. A changed file
selects:

* a test file: itself;
* a ``conftest.py``: every test file in its folder and below;
* any other Python module (``agent/``, ``flows/``, ``fixtures/``, ``ordercore/``,
  ``bench/``, ``tests/support/``): every test file that imports it, and every folder
  whose ``conftest.py`` imports it, directly (read with ``ast``, not run), and the test
  files named after it (``agent/doctor.py``: ``test_agent_doctor.py``,
  ``fixtures/status_places.py``: ``test_flows_status_places.py``); the shop's pages
  (:data:`SHOP_PAGES`) select ``tests/shop`` too. Not through another module: a test of
  ``agent.cli`` is not re-run for every module the CLI reaches; ``make test`` is there
  for that;
* a file that is not Python: the test files that name it (``README.md``,
  ``docs/shops.md``: by its file name), and those :data:`NOT_IMPORTED` names for it
  (page scripts, the shop's static files, the built-in site profiles);
* ``pyproject.toml``, ``Makefile`` or a ``conftest.py`` at the top: the whole suite.

The tests that failed on the last run (pytest's own cache, ``.pytest_cache``) are run
again too, whatever changed.
"""

from __future__ import annotations

import ast
import json
import subprocess
import sys
from fnmatch import fnmatch
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
TESTS = REPO / "tests"
PACKAGES = ("agent", "flows", "fixtures", "ordercore", "bench", "tests")
EVERYTHING = ("pyproject.toml", "Makefile", "tests/conftest.py")
# Files no test imports, and the tests that read or run them.
NOT_IMPORTED: dict[str, tuple[str, ...]] = {
    "flows/*.js": ("tests/flows",),
    "fixtures/static/*": ("tests/shop",),
    "agent/profiles/*.toml": (
        "tests/unit/test_site_profiles.py",
        "tests/agent/test_agent_doctor.py",
    ),
    "agent/ledger/migrations/*": ("tests/unit/test_state.py",),
}


# The fixture shop's pages: every test of the shop reads them through its server.
SHOP_PAGES = ("fixtures/*views.py", "fixtures/*pages.py", "fixtures/regions.py",
              "fixtures/layout.py", "fixtures/status_*.py", "fixtures/app.py")  # fmt: skip


def changed_files(base: str) -> list[str]:
    """Files that differ from the merge base with ``base``, and untracked ones."""

    def git(*args: str) -> list[str]:
        done = subprocess.run(["git", *args], cwd=REPO, capture_output=True, text=True, check=True)
        return [line for line in done.stdout.splitlines() if line.strip()]

    merge_base = git("merge-base", "HEAD", base)[0]
    files = git("diff", "--name-only", merge_base)
    files += git("ls-files", "--others", "--exclude-standard")
    return sorted(set(files))


def module_name(path: str) -> str | None:
    """``flows/site.py`` -> ``flows.site``; ``None`` for what no one imports by name."""
    if not path.endswith(".py") or not path.startswith(tuple(f"{p}/" for p in PACKAGES)):
        return None
    name = path.removesuffix(".py").replace("/", ".")
    return name.removesuffix(".__init__")


def imported_by(path: Path) -> set[str]:
    """Every module ``path`` imports directly (``from a import b`` counts ``a`` and ``a.b``)."""
    try:
        tree = ast.parse(path.read_text(encoding="utf-8"))
    except (OSError, SyntaxError, UnicodeDecodeError):
        return set()
    names: set[str] = set()
    package = ".".join(path.relative_to(REPO).parent.parts)
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:  # relative: from .helpers import x
                parent = package.rsplit(".", node.level - 1)[0] if node.level > 1 else package
                base = f"{parent}.{base}" if base else parent
            names.add(base)
            names.update(f"{base}.{alias.name}" for alias in node.names)
    return names


def test_files() -> list[Path]:
    return sorted(TESTS.rglob("test_*.py"))


def affected(changed: list[str]) -> list[str]:
    """The test files (relative paths) that ``changed`` selects; ``tests`` for all."""
    if any(path in EVERYTHING for path in changed):
        return ["tests"]
    selected: set[str] = set()
    modules = {name for path in changed if (name := module_name(path))}
    conftests = sorted(TESTS.rglob("conftest.py"))
    for path in changed:
        if fnmatch(path, "tests/*test_*.py") and (REPO / path).is_file():
            selected.add(path)
        elif path.endswith("conftest.py") and path.startswith("tests/"):
            selected.add(str(Path(path).parent))
        if not path.endswith(".py"):
            for pattern, tests in NOT_IMPORTED.items():
                if fnmatch(path, pattern):
                    selected.update(tests)
            selected.update(_naming(Path(path).name))
    if any(fnmatch(path, pattern) for path in changed for pattern in SHOP_PAGES):
        selected.add("tests/shop")
    if modules:
        stems = {name.rsplit(".", 1)[-1] for name in modules}
        stems = {stem for stem in stems if len(stem) >= 4 and stem != "__init__"}
        for test in test_files():
            if imported_by(test) & modules or any(stem in test.stem for stem in stems):
                selected.add(str(test.relative_to(REPO)))
        for conftest in conftests:
            if imported_by(conftest) & modules:
                selected.add(str(conftest.parent.relative_to(REPO)))
    return sorted(_existing(selected))


def _naming(name: str) -> set[str]:
    """The test files whose text names the file ``name``."""
    return {
        str(test.relative_to(REPO))
        for test in test_files()
        if name in test.read_text(encoding="utf-8", errors="replace")
    }


def _existing(selected: set[str]) -> set[str]:
    """The selection with its globs expanded and the paths that do not exist left out."""
    found: set[str] = set()
    for item in selected:
        found.update(str(p.relative_to(REPO)) for p in REPO.glob(item))
    # A folder already selected covers the files under it.
    folders = {item for item in found if (REPO / item).is_dir()}
    return {item for item in found if not any(item.startswith(f"{d}/") for d in folders)}


def last_failed() -> list[str]:
    """The node ids pytest's cache says failed last time (that still exist)."""
    cache = REPO / ".pytest_cache" / "v" / "cache" / "lastfailed"
    try:
        failed = json.loads(cache.read_text())
    except (OSError, ValueError):
        return []
    return sorted(node for node in failed if (REPO / node.split("::")[0]).is_file())


def main(argv: list[str]) -> int:
    base = "main"
    for index, arg in enumerate(argv):
        if arg.startswith("BASE="):
            base = arg.removeprefix("BASE=")
            del argv[index]
            break
    selection = affected(changed_files(base))
    failed = [node for node in last_failed() if node.split("::")[0] not in selection]
    if "--run" not in argv:
        print("\n".join(selection + failed))
        return 0
    pytest_args = argv[argv.index("--run") + 1 :]
    if not selection and not failed:
        print("make check: no test is affected by the changes since main")
        return 0
    print(f"make check: {len(selection)} test files or folders, {len(failed)} last failures")
    command = [sys.executable, "-m", "pytest", *pytest_args, *selection, *failed]
    return subprocess.run(command, cwd=REPO, check=False).returncode


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
