"""The data-dir lock, held by real processes (no browser)."""

from __future__ import annotations

import os
import stat
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from agent.locking import DataDirLock
from ordercore.errors import EXIT_TRY_LATER, AlreadyRunning

REPO = Path(__file__).resolve().parents[2]


def run_python(code: str, **kwargs: object) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-c", code],
        cwd=REPO,
        env={**os.environ, "PYTHONPATH": str(REPO)},
        text=True,
        **kwargs,  # type: ignore[arg-type]
    )


@pytest.fixture
def holder(tmp_path: Path) -> Iterator[subprocess.Popen[str]]:
    """Another process holding the lock on ``tmp_path / "data"`` until killed."""
    child = run_python(
        f"""
import sys
from pathlib import Path
from agent.locking import DataDirLock
with DataDirLock(Path({str(tmp_path / "data")!r})):
    print("locked", flush=True)
    sys.stdin.read()  # hold it until the test ends or kills us
""",
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
    )
    assert child.stdout is not None
    assert child.stdout.readline().strip() == "locked"
    yield child
    child.kill()
    child.wait(timeout=10)


def test_the_lock_file_is_private_and_names_its_holder(tmp_path: Path) -> None:
    data_dir = tmp_path / "data"
    with DataDirLock(data_dir) as lock:
        assert lock.held
        assert stat.S_IMODE(data_dir.stat().st_mode) == 0o700
        assert stat.S_IMODE(lock.path.stat().st_mode) == 0o600
        assert lock.path.read_text().strip() == str(os.getpid())
    assert not lock.held


def test_a_second_holder_in_the_same_process_fails_at_once(tmp_path: Path) -> None:
    # The first lock is held until after the second attempt: an attempt that waited for it
    # would never return (pytest-timeout would end the test), so returning is "at once".
    with (
        DataDirLock(tmp_path),
        pytest.raises(AlreadyRunning) as failure,
        DataDirLock(tmp_path),
    ):
        pass
    assert str(failure.value) == (
        f"another order-agent run is using {tmp_path} (pid {os.getpid()})"
    )
    assert failure.value.exit_code == EXIT_TRY_LATER
    with DataDirLock(tmp_path):  # released on leaving the block
        pass


def test_the_lock_is_released_when_the_block_raises(tmp_path: Path) -> None:
    with pytest.raises(RuntimeError), DataDirLock(tmp_path):
        raise RuntimeError("the run failed")
    with DataDirLock(tmp_path) as lock:
        assert lock.held


def test_another_process_holding_the_lock_stops_us_at_once(
    tmp_path: Path, holder: subprocess.Popen[str]
) -> None:
    # The holder keeps the lock until the test ends: an attempt that waited for it would
    # never return, so returning at all means it did not wait.
    with pytest.raises(AlreadyRunning, match=rf"\(pid {holder.pid}\)$"):
        DataDirLock(tmp_path / "data").acquire()


def test_a_second_process_exits_at_once_with_try_later(
    tmp_path: Path, holder: subprocess.Popen[str]
) -> None:
    second = run_python(
        f"""
import sys
from pathlib import Path
from ordercore.errors import AlreadyRunning
from agent.locking import DataDirLock
try:
    DataDirLock(Path({str(tmp_path / "data")!r})).acquire()
except AlreadyRunning as exc:
    print(exc, file=sys.stderr)
    raise SystemExit(exc.exit_code)
""",
        stderr=subprocess.PIPE,
    )
    # A blocking lock would hang here until the timeout, not fail.
    _, stderr = second.communicate(timeout=10)
    assert second.returncode == EXIT_TRY_LATER
    assert f"another order-agent run is using {tmp_path / 'data'} (pid {holder.pid})" in stderr


def test_the_lock_is_free_once_its_holder_is_killed(
    tmp_path: Path, holder: subprocess.Popen[str]
) -> None:
    with pytest.raises(AlreadyRunning):
        DataDirLock(tmp_path / "data").acquire()
    holder.kill()
    assert holder.wait(timeout=10) == -9
    with DataDirLock(tmp_path / "data") as lock:
        assert lock.path.read_text().strip() == str(os.getpid())
