"""Proof on disk: private modes, whole files or none, clear storage errors."""

from __future__ import annotations

import errno
import io
import json
import os
import re
import stat
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from agent.receipts import ProofStore, safe_name
from agent.redaction import REDACTED, register_secret
from ordercore.errors import StorageError
from ordercore.models import Action


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def leftovers(directory: Path) -> list[str]:
    return sorted(p.name for p in directory.iterdir() if p.name.endswith(".tmp"))


@pytest.fixture
def open_umask() -> object:
    # The modes must hold whatever the user's umask is.
    previous = os.umask(0)
    yield
    os.umask(previous)


def test_directories_are_private(tmp_path: Path, open_umask: object) -> None:
    data_dir = tmp_path / "deep" / "data"
    store = ProofStore(data_dir)
    assert mode(data_dir) == 0o700
    order_dir = store.order_dir("MK-70001")
    assert order_dir == data_dir / "orders" / "MK-70001"
    assert mode(order_dir) == 0o700
    assert mode(data_dir / "orders") == 0o700


def test_files_are_private(tmp_path: Path, open_umask: object) -> None:
    store = ProofStore(tmp_path / "data")
    path = store.write_bytes(store.label_path("70004", "RMA-1"), b"%PDF-1.4 label")
    assert path.read_bytes() == b"%PDF-1.4 label"
    assert mode(path) == 0o600
    json_path = store.write_json(store.receipt_path("70004", Action.RETURN_STARTED), {"a": 1})
    assert mode(json_path) == 0o600


def test_an_existing_data_dir_is_used_as_it_is(tmp_path: Path) -> None:
    existing = tmp_path / "existing"
    existing.mkdir(mode=0o755)
    os.chmod(existing, 0o755)
    ProofStore(existing)
    assert mode(existing) == 0o755


def test_write_replaces_an_existing_file(tmp_path: Path) -> None:
    store = ProofStore(tmp_path)
    target = tmp_path / "orders" / "x" / "file.bin"
    store.write_bytes(target, b"first")
    store.write_bytes(target, b"second")
    assert target.read_bytes() == b"second"
    assert leftovers(target.parent) == []


class _HalfFullDisk(io.BufferedWriter):
    """Writes half the data for real, then runs out of space."""

    def write(self, data: bytes) -> int:  # type: ignore[override]
        super().write(bytes(data)[: len(data) // 2])
        super().flush()
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))


def _half_full_disk(fd: int, _mode: str = "wb") -> _HalfFullDisk:
    return _HalfFullDisk(io.FileIO(fd, "wb"))


@pytest.mark.parametrize("failing", ["fsync", "replace", "write"])
def test_a_failure_mid_write_leaves_nothing_behind(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, failing: str
) -> None:
    store = ProofStore(tmp_path / "data")
    target = store.label_path("70004", "RMA-1")

    def no_space(*_args: object, **_kwargs: object) -> None:
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))

    if failing == "write":
        monkeypatch.setattr(os, "fdopen", _half_full_disk)
    else:
        monkeypatch.setattr(os, failing, no_space)
    with pytest.raises(StorageError) as raised:
        store.write_bytes(target, b"%PDF-1.4 half a label")
    monkeypatch.undo()
    assert str(raised.value) == f"cannot write to {target}: No space left on device"
    assert not target.exists()
    assert list(target.parent.iterdir()) == []


def test_a_failed_rewrite_keeps_the_previous_version(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    store = ProofStore(tmp_path)
    target = store.label_path("70004", "RMA-1")
    store.write_bytes(target, b"%PDF-1.4 good label")

    def no_space(_fd: int) -> None:
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))

    monkeypatch.setattr(os, "fsync", no_space)
    with pytest.raises(StorageError):
        store.write_bytes(target, b"%PDF-1.4 broken")
    monkeypatch.undo()
    assert target.read_bytes() == b"%PDF-1.4 good label"
    assert leftovers(target.parent) == []


def test_an_interrupted_write_cleans_up_and_lets_the_interrupt_through(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    store = ProofStore(tmp_path)
    target = store.label_path("70004", "RMA-1")

    def interrupted(_fd: int) -> None:
        raise KeyboardInterrupt

    monkeypatch.setattr(os, "fsync", interrupted)
    with pytest.raises(KeyboardInterrupt):
        store.write_bytes(target, b"data")
    monkeypatch.undo()
    assert list(target.parent.iterdir()) == []


def test_data_dir_inside_a_file_is_a_storage_error(tmp_path: Path) -> None:
    blocker = tmp_path / "a-file"
    blocker.write_text("not a directory")
    with pytest.raises(StorageError) as raised:
        ProofStore(blocker / "data")
    assert str(raised.value) == f"cannot write to {blocker / 'data'}: Not a directory"


def test_writing_under_a_file_is_a_storage_error(tmp_path: Path) -> None:
    store = ProofStore(tmp_path / "data")
    blocker = tmp_path / "data" / "orders"
    blocker.write_text("a file where the orders folder should be")
    with pytest.raises(StorageError, match="Not a directory"):
        store.save_receipt("70001", Action.CANCELLATION_REQUESTED, {}, "CS-1")
    with pytest.raises(StorageError, match=r"^cannot write to .*: Not a directory$"):
        store.write_bytes(blocker / "x.bin", b"x")
    assert blocker.read_text() == "a file where the orders folder should be"


@pytest.mark.skipif(os.geteuid() == 0, reason="root writes through directory modes")
def test_read_only_directory_is_a_storage_error(tmp_path: Path) -> None:
    store = ProofStore(tmp_path / "data")
    directory = store.order_dir("70001")
    directory.chmod(0o500)
    try:
        with pytest.raises(StorageError, match="Permission denied"):
            store.write_bytes(directory / "x.bin", b"x")
    finally:
        directory.chmod(0o700)


@pytest.mark.parametrize(
    ("text", "name"),
    [
        ("MK-70001", "MK-70001"),
        ("70001", "70001"),
        ("#MK 70001", "MK_70001"),
        ("../../etc/passwd", "etc_passwd"),
        ("..", "_"),
        ("", "_"),
        ("a/b\\c:d*e?f", "a_b_c_d_e_f"),
        ("RMA.2024.1", "RMA.2024.1"),
        ("x" * 200, "x" * 80),
        ("Ünïcødé", "n_c_d"),
    ],
)
def test_safe_name(text: str, name: str) -> None:
    assert safe_name(text) == name
    assert "/" not in safe_name(text)


def test_paths_stay_inside_the_data_dir(tmp_path: Path) -> None:
    store = ProofStore(tmp_path / "data")
    for path in (
        store.receipt_path("../../x", "../y"),
        store.screenshot_path("../../x", "../y"),
        store.label_path("../../x", "../../z"),
    ):
        assert path.resolve().is_relative_to((tmp_path / "data" / "orders").resolve())


def test_naming(tmp_path: Path) -> None:
    store = ProofStore(tmp_path)
    receipt = store.receipt_path("MK-70001", Action.CANCELLATION_REQUESTED)
    assert receipt.parent == tmp_path / "orders" / "MK-70001"
    assert re.fullmatch(r"\d{8}T\d{6}Z-cancellation_requested\.json", receipt.name)
    screenshot = store.screenshot_path("MK-70001", "unknown_status")
    assert re.fullmatch(r"\d{8}T\d{6}Z-unknown_status\.png", screenshot.name)
    assert store.label_path("70004", "RMA-1001").name == "return-label-RMA-1001.pdf"


def test_two_receipts_in_the_same_second_do_not_collide(tmp_path: Path) -> None:
    store = ProofStore(tmp_path)
    paths = {
        store.save_receipt("70001", Action.CANCELLATION_REQUESTED, {"n": n}, f"CS-{n}")
        for n in range(3)
    }
    assert len(paths) == 3
    assert sorted(json.loads(p.read_text())["reference"] for p in paths) == ["CS-0", "CS-1", "CS-2"]


def test_receipt_content(tmp_path: Path, canary: str) -> None:
    register_secret(canary)
    store = ProofStore(tmp_path, site_url="http://127.0.0.1:8000/us/")
    sent = {
        "topic": "Cancel an Order",
        "order_number": "70001",
        "message": f"Please cancel. {canary}",
        "password": "never stored",
    }
    path = store.save_receipt(
        "70001",
        Action.CANCELLATION_REQUESTED,
        sent,
        "CS-482913",
        {"screenshot": "x.png", "order": "no"},
    )
    receipt = json.loads(path.read_text())
    assert receipt["order"] == "70001"
    assert receipt["action"] == "cancellation_requested"
    assert receipt["reference"] == "CS-482913"
    assert receipt["site_url"] == "http://127.0.0.1:8000/us/"
    assert receipt["screenshot"] == "x.png"
    assert receipt["sent"]["topic"] == "Cancel an Order"
    assert receipt["sent"]["message"] == f"Please cancel. {REDACTED}"
    assert receipt["sent"]["password"] == REDACTED
    saved_at = datetime.fromisoformat(receipt["saved_at"])
    assert saved_at.utcoffset() == timedelta(0)
    assert abs(datetime.now(UTC) - saved_at) < timedelta(minutes=1)
    assert canary not in path.read_text()


def test_receipt_site_url_can_be_given_per_receipt(tmp_path: Path) -> None:
    store = ProofStore(tmp_path)
    path = store.save_receipt(
        "70001", "cancellation_requested", {}, None, site_url="https://s.example/"
    )
    assert json.loads(path.read_text())["site_url"] == "https://s.example/"


def test_save_label_and_screenshot(tmp_path: Path) -> None:
    store = ProofStore(tmp_path)
    label = store.save_label("70004", "RMA-1", b"%PDF-1.4")
    shot = store.save_screenshot("70004", Action.RETURN_STARTED, b"\x89PNG")
    assert label.read_bytes() == b"%PDF-1.4"
    assert shot.read_bytes() == b"\x89PNG"
    assert label.parent == shot.parent == tmp_path / "orders" / "70004"
