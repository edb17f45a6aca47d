"""``make check``'s map from changed files to the tests to run (tests.support.affected)."""

from __future__ import annotations

from tests.support.affected import REPO as ROOT
from tests.support.affected import affected, imported_by, module_name


def test_a_changed_test_file_or_conftest_selects_itself_or_its_folder() -> None:
    assert affected(["tests/faults/test_page_faults.py"]) == ["tests/faults/test_page_faults.py"]
    assert affected(["tests/schedule/conftest.py"]) == ["tests/schedule"]


def test_a_changed_module_selects_the_tests_importing_it_and_named_after_it() -> None:
    selected = affected(["agent/doctor.py"])
    assert "tests/agent/test_agent_doctor.py" in selected  # named after it (runs the CLI)
    assert "tests/unit/test_doctor_report.py" in selected  # imports agent.doctor
    assert not any(path.startswith(("tests/shop", "tests/flows")) for path in selected)


def test_a_module_a_conftest_imports_selects_that_folder_and_no_file_in_it_twice() -> None:
    selected = affected(["tests/support/seeding.py"])
    assert {"tests/agent", "tests/flows", "tests/schedule"} <= set(selected)
    assert not [path for path in selected if path.startswith("tests/flows/")]


def test_the_shops_pages_select_the_shop_tests_and_a_file_named_in_tests_its_readers() -> None:
    assert "tests/shop" in affected(["fixtures/status_places.py"])
    assert "tests/docs/test_shell_examples.py" in affected(["README.md"])


def test_the_build_settings_select_the_whole_suite() -> None:
    assert affected(["pyproject.toml"]) == ["tests"]
    assert affected(["tests/conftest.py"]) == ["tests"]


def test_imports_are_read_relative_ones_included() -> None:
    assert module_name("flows/site.py") == "flows.site"
    assert module_name("agent/ledger/__init__.py") == "agent.ledger"
    assert module_name("README.md") is None
    names = imported_by(ROOT / "tests" / "schedule" / "test_schedule_run.py")
    assert "tests.schedule.helpers" in names  # from .helpers import ...
    assert "agent.scheduler" in names
